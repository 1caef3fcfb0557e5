import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

/**
 * Returns whether an `Authorization` header carries `Bearer <token>`. Both sides are hashed
 * first, so the comparison takes the same time whatever the header's length.
 */
export function hasMetricsToken(token: string, authorization: string | undefined): boolean {
  const presented = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1] ?? '';
  const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(presented), digest(token));
}

/** Options of `startMetricsServer`. */
export interface MetricsServerOptions {
  registry: Registry;
  host: string;
  port: number;
  /** Bearer token `/metrics` requires, or null for none. */
  token: string | null;
  log: Logger;
  /** Throws when the process cannot reach its storage; `/health` then replies 503. */
  ping(): Promise<void>;
}

/**
 * Starts the HTTP server of a process that serves no API (`worker`, `scheduler`): `GET /metrics`
 * in the Prometheus text format and `GET /health`, so Prometheus and container health checks
 * reach every process. Resolves with the server once it listens.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<Server> {
  const { registry, token, log } = options;
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const send = (status: number, type: string, body: string): void => {
      response.writeHead(status, { 'content-type': type }).end(body);
    };
    const route = request.method === 'GET' ? url.pathname : null;
    if (route === '/health') {
      options.ping().then(
        () => send(200, 'application/json', JSON.stringify({ status: 'ok' })),
        (error: unknown) => {
          log.error({ err: error }, 'storage health check failed');
          send(503, 'application/json', JSON.stringify({ statusCode: 503, code: 'STORAGE_UNAVAILABLE', message: 'storage did not respond to a test query' }));
        },
      );
      return;
    }
    if (route !== '/metrics') {
      const message = `${request.method} ${url.pathname} not found; this server serves GET /metrics and GET /health`;
      send(404, 'application/json', JSON.stringify({ statusCode: 404, code: 'ROUTE_NOT_FOUND', message }));
      return;
    }
    if (token !== null && !hasMetricsToken(token, request.headers.authorization)) {
      send(401, 'application/json', JSON.stringify({ statusCode: 401, code: 'AUTH_REQUIRED', message: 'metrics need the METRICS_TOKEN as a Bearer token' }));
      return;
    }
    registry.metrics().then(
      (text) => send(200, registry.contentType, text),
      (error: unknown) => {
        log.error({ err: error }, 'collecting metrics failed');
        send(500, 'application/json', JSON.stringify({ statusCode: 500, code: 'INTERNAL', message: 'collecting metrics failed' }));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host, port: options.port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  log.info({ address: `http://${address.address}:${address.port}` }, 'metrics server listening');
  return server;
}
