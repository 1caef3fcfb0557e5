import type { FastifyInstance } from 'fastify';
import { loadOwnedGraph } from '../auth/ownership.js';
import type { StudioContext } from '../context.js';
import { graphIdParams } from './schemas.js';

const MAX_PAGE_SIZE = 200;

/**
 * `GET /v1/graphs/:id/deliveries`: the webhook requests a graph received, as stored before each
 * reply (secret headers redacted). Deliveries belong to the owner of their graph.
 */
export async function deliveryRoutes(app: FastifyInstance, ctx: StudioContext): Promise<void> {
  app.get('/v1/graphs/:id/deliveries', {
    schema: {
      tags: ['triggers'],
      summary: 'Webhook deliveries of your graph, newest first',
      params: graphIdParams,
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          test: { type: 'boolean', description: 'true: only test URL deliveries; false: only live ones; absent: both' },
          limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: 50 },
        },
      },
    },
  }, async (request) => {
    const { id } = request.params as { id: string };
    const { test, limit } = request.query as { test?: boolean; limit: number };
    await loadOwnedGraph(ctx, request, id);
    return { items: await ctx.storage.deliveries.listByGraph(id, { test, limit }) };
  });
}
