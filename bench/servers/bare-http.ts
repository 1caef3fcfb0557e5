/**
 * The baseline of the webhook benchmarks: a plain `node:http` server with no framework, no
 * storage and no executor. It reads each request body to the end, then replies with a small
 * JSON body: 202 `{"runId":…}` when MODE=async (as an async webhook does), 200 `{"ok":true}`
 * when MODE=sync (as the sync respond graph does). `GET /health` replies 200.
 */
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? '0');
const mode = process.env.MODE === 'sync' ? 'sync' : 'async';
let served = 0;

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    if (request.url === '/health') {
      response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      response.end('{"status":"ok"}');
      return;
    }
    served += 1;
    const sync = mode === 'sync';
    const body = sync ? '{"ok":true}' : JSON.stringify({ runId: `run_${served}` });
    response.writeHead(sync ? 200 : 202, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    response.end(body);
  });
});

server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
