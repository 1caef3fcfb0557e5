/**
 * Helpers of the media task tests: the bundled provider plugins installed into a test studio,
 * and one OpenAI base URL that serves both the chat fake and the media fake. The chat node and
 * the `openai` plugin both read `OPENAI_BASE_URL`, so a studio has only one OpenAI base URL.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../../../src/logger.js';
import { installBundledPlugins } from '../../../src/plugins/bundled.js';
import type { TestStudio } from '../../support/studio.js';

/** First-party provider plugins that the task API maps task types to. */
export type ProviderPluginName = 'openai' | 'google' | 'piapi' | 'elevenlabs';

/** Packs the named plugins from `plugins/<name>/` and installs them as the studio does at start-up. */
export async function installProviderPlugins(test: Pick<TestStudio, 'studio'>, names: ProviderPluginName[]): Promise<void> {
  const directories = names.map((name) => fileURLToPath(new URL(`../../../../plugins/${name}/`, import.meta.url)));
  await installBundledPlugins(test.studio.ctx.plugins, createLogger('silent'), directories);
}

/** `HTTP_ALLOW_PRIVATE` that lets plugins reach the given loopback ports. */
export function allowPrivatePorts(ports: number[]): string {
  return ports.map((port) => `127.0.0.1:${port}`).join(',');
}

/** A loopback server that forwards each request to one of two upstream origins. */
export interface OpenAiRouter {
  /** `<origin>/v1`, for `OPENAI_BASE_URL`. */
  baseUrl: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts a server that forwards `POST /v1/chat/completions` to `chatOrigin` and every other
 * request to `mediaOrigin`, passing method, path, headers, body and the reply through unchanged.
 */
export async function startOpenAiRouter(chatOrigin: string, mediaOrigin: string): Promise<OpenAiRouter> {
  const server = http.createServer((incoming, response) => {
    const path = incoming.url ?? '/';
    const upstream = new URL(path, path.startsWith('/v1/chat/completions') ? chatOrigin : mediaOrigin);
    const forwarded = http.request(upstream, { method: incoming.method, headers: { ...incoming.headers, host: upstream.host } }, (reply) => {
      response.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(response);
    });
    forwarded.on('error', (error) => {
      if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' });
      response.end(`upstream ${upstream.origin} failed: ${error.message}`);
    });
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
