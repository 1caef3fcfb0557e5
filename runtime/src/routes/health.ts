import type { FastifyInstance } from 'fastify';
import type { StudioContext } from '../context.js';
import { StudioError } from '../errors.js';
import { hasMetricsToken } from '../metrics-server.js';

/**
 * `GET /health` (storage reachable) and `GET /metrics` (Prometheus text format), which needs
 * `METRICS_TOKEN` as a Bearer token when that is set.
 */
export async function healthRoutes(app: FastifyInstance, ctx: StudioContext): Promise<void> {
  app.get('/health', {
    schema: { tags: ['operations'], summary: 'Whether the studio and its storage answer' },
  }, async (_request, reply) => {
    try {
      await ctx.storage.ping();
      return { status: 'ok', storage: ctx.storage.kind };
    } catch (error) {
      ctx.log.error({ err: error }, 'storage health check failed');
      return reply.status(503).send({
        statusCode: 503,
        code: 'STORAGE_UNAVAILABLE',
        message: 'storage did not respond to a test query',
        errors: [],
      });
    }
  });

  app.get('/metrics', {
    schema: { tags: ['operations'], summary: 'Prometheus metrics' },
  }, async (request, reply) => {
    const { token } = ctx.config.metrics;
    if (token !== null && !hasMetricsToken(token, request.headers.authorization)) {
      throw new StudioError('AUTH_REQUIRED', 'metrics need the METRICS_TOKEN as a Bearer token');
    }
    const text = await ctx.metrics.registry.metrics();
    return reply.header('content-type', ctx.metrics.registry.contentType).send(text);
  });
}
