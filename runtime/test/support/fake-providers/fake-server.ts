/**
 * The HTTP server under every fake provider: it records each request with its raw bytes and
 * sends the reply that the provider module picks, as JSON, bytes or a server-sent event stream,
 * optionally after a delay. Tests queue scripted replies (errors, 429s, slow replies); a fake
 * sends its default success when the queue is empty.
 */
import http, { type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deflateSync } from 'node:zlib';

/** A request a fake received. */
export interface FakeRequest {
  method: string;
  /** The path and query as sent. */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The raw body bytes, for byte-for-byte checks. */
  raw: Buffer;
  /** The body parsed as JSON, or null when it is empty or not JSON. */
  body: any;
  receivedAt: number;
}

/** A reply: `json`, `bytes`, or `sse` events (each sent as one `data:` line and flushed). */
export interface FakeReply {
  status?: number;
  headers?: Record<string, string>;
  json?: unknown;
  bytes?: Buffer;
  sse?: unknown[];
  /** Wait before the status line, in milliseconds. */
  delayMs?: number;
}

/** A running fake server. */
export interface FakeServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  port: number;
  requests: FakeRequest[];
  /** Queues scripted replies; the provider module decides which requests take them. */
  enqueue(...replies: FakeReply[]): void;
  /** Takes the next scripted reply, or undefined when none is queued. */
  next(): FakeReply | undefined;
  /** Forgets the recorded requests and the scripted replies no request took, between tests. */
  reset(): void;
  close(): Promise<void>;
}

/** Picks the reply of one request; `server.next()` gives the scripted one, if any. */
export type FakeHandler = (request: FakeRequest, server: FakeServer) => FakeReply | Promise<FakeReply>;

function parseBody(raw: Buffer): unknown {
  if (raw.length === 0) return null;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return null;
  }
}

async function send(response: ServerResponse, reply: FakeReply): Promise<void> {
  if (reply.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
  if (response.destroyed) return;
  const status = reply.status ?? 200;
  if (reply.sse !== undefined) {
    response.writeHead(status, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...reply.headers });
    for (const event of reply.sse) response.write(`data: ${JSON.stringify(event)}\r\n\r\n`);
    response.end();
    return;
  }
  if (reply.bytes !== undefined) {
    response.writeHead(status, { 'content-type': 'application/octet-stream', 'content-length': String(reply.bytes.length), ...reply.headers });
    response.end(reply.bytes);
    return;
  }
  const text = reply.json === undefined ? '' : JSON.stringify(reply.json);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...reply.headers });
  response.end(text);
}

/** Starts a fake on 127.0.0.1 with a free port. */
export async function startFakeServer(handler: FakeHandler): Promise<FakeServer> {
  const queue: FakeReply[] = [];
  const requests: FakeRequest[] = [];
  let fake: FakeServer;
  const server = http.createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const raw = Buffer.concat(chunks);
      const url = new URL(incoming.url ?? '/', 'http://127.0.0.1');
      const request: FakeRequest = {
        method: incoming.method ?? 'GET',
        url: incoming.url ?? '/',
        path: url.pathname,
        query: url.searchParams,
        headers: incoming.headers,
        raw,
        body: parseBody(raw),
        receivedAt: Date.now(),
      };
      requests.push(request);
      Promise.resolve(handler(request, fake))
        .then((reply) => send(response, reply))
        .catch((error: unknown) => {
          if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
          response.end(String(error));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  fake = {
    origin: `http://127.0.0.1:${port}`,
    port,
    requests,
    enqueue: (...replies) => queue.push(...replies),
    next: () => queue.shift(),
    reset: () => {
      requests.length = 0;
      queue.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}

/**
 * Builds a valid 1×1 PNG with `label` in a `tEXt` chunk, so each generated image has distinct bytes
 * that a test can compare with the stored artifact.
 */
export function pngBytes(label: string): Buffer {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const header = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]);
  // One scanline: filter byte 0 and a transparent RGBA pixel.
  const data = deflateSync(Buffer.from([0, 0, 0, 0, 0]));
  const text = Buffer.concat([Buffer.from('Comment\0', 'latin1'), Buffer.from(label, 'latin1')]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('tEXt', text), chunk('IDAT', data), chunk('IEND', Buffer.alloc(0))]);
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** Bytes that stand in for an audio or video file: `label` after a fixed header, in UTF-8. */
export function mediaBytes(kind: 'mp3' | 'mp4' | 'pcm', label: string): Buffer {
  const headers = { mp3: Buffer.from('ID3\u0004\u0000\u0000', 'latin1'), mp4: Buffer.from('\u0000\u0000\u0000\u0018ftypmp42', 'latin1'), pcm: Buffer.alloc(4) };
  return Buffer.concat([headers[kind], Buffer.from(label, 'utf8')]);
}
