/**
 * Serves the built builder app at `/`: its files, and `index.html` for every other app path so
 * the browser's router can handle it. API, webhook, docs, health and metrics paths never get
 * the app; a miss there gets the usual JSON 404.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';

/** Path prefixes of the runtime's own routes; the app's fallback never serves paths below them. */
export const RESERVED_PREFIXES = ['/v1', '/hooks', '/docs', '/health', '/metrics'] as const;

const ONE_YEAR_S = 365 * 24 * 60 * 60;

/** Returns whether `pathname` is a runtime path or below one. */
export function isReservedPath(pathname: string): boolean {
  return RESERVED_PREFIXES.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`));
}

/** Registers the builder routes when `dir` contains a build. */
export async function builderAppRoutes(app: FastifyInstance, dir: string | null, log: Logger): Promise<void> {
  if (dir === null) return;
  if (!existsSync(path.join(dir, 'index.html'))) {
    log.info({ builderDir: dir }, 'builder app not built; run "npm run build" to serve it at /');
    return;
  }

  await app.register(fastifyStatic, {
    root: dir,
    serve: false,
    setHeaders: (reply, filePath) => {
      const immutable = filePath.startsWith(path.join(dir, 'assets') + path.sep);
      reply.header('cache-control', immutable ? `public, max-age=${ONE_YEAR_S}, immutable` : 'no-cache');
    },
  });

  // Routes are registered per app path rather than as one `/*`, because a root wildcard would
  // also catch unmatched API URLs and change their errors (an overlong id would get a 404).
  const serveApp = (_request: FastifyRequest, reply: FastifyReply) => reply.sendFile('index.html');
  app.get('/', { schema: { hide: true } }, serveApp);
  app.get('/graphs/*', { schema: { hide: true } }, serveApp);
  app.get('/runs/*', { schema: { hide: true } }, serveApp);
  app.get('/assets/*', { schema: { hide: true } }, (request, reply) => {
    const { '*': file } = request.params as { '*': string };
    return reply.sendFile(`assets/${file}`);
  });
  app.get('/:file', { schema: { hide: true } }, (request, reply) => {
    const { file } = request.params as { file: string };
    if (isReservedPath(`/${file}`)) return reply.callNotFound();
    // A name with an extension requests a file, so a missing one is a 404, never the app page.
    return file.includes('.') ? reply.sendFile(file) : reply.sendFile('index.html');
  });
  log.info({ builderDir: dir }, 'serving builder app at /');
}
