import { setTimeout as sleep } from 'node:timers/promises';
import type { DeliveryRecord } from '@gestorlead/storage';
import type { FastifyInstance } from 'fastify';
import { loadOwnedGraph } from '../auth/ownership.js';
import type { StudioContext } from '../context.js';
import { graphIdParams } from './schemas.js';

const MAX_PAGE_SIZE = 200;
/** How long `deliveries/next` waits when the request names no timeout, in milliseconds. */
const DEFAULT_LISTEN_TIMEOUT_MS = 25_000;
const MAX_LISTEN_TIMEOUT_MS = 60_000;
/** Interval between two reads of the store while `deliveries/next` waits, in milliseconds. */
const LISTEN_POLL_MS = 200;
/** Deliveries read per poll. When more arrive within one interval, the older ones are skipped. */
const LISTEN_PAGE_SIZE = 20;
/**
 * A delivery is stored a little after its `receivedAt`, so a timed-out wait reports a position
 * this far before its last read, and the next request still finds a delivery stored late.
 */
const STORE_DELAY_MARGIN_MS = 2_000;

/** Returns the oldest of `items` received strictly after `after`, or null. */
function firstAfter(items: DeliveryRecord[], after: string): DeliveryRecord | null {
  let found: DeliveryRecord | null = null;
  for (const item of items) {
    if (item.receivedAt > after && (found === null || item.receivedAt < found.receivedAt)) found = item;
  }
  return found;
}

/**
 * `GET /v1/graphs/:id/deliveries`: the webhook requests a graph received, as stored before each
 * reply (secret headers redacted), and `GET /v1/graphs/:id/deliveries/next`, which waits for the
 * next one. Deliveries belong to the owner of their graph.
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

  app.get('/v1/graphs/:id/deliveries/next', {
    schema: {
      tags: ['triggers'],
      summary: 'Wait for the next webhook delivery of your graph (a long poll)',
      description:
        'Replies with the first delivery received after `after` (default: when the request arrived) as soon as it is ' +
        'stored, or with `delivery: null` after `timeoutMs`. Send `listenedUntil` of a reply as the next `after` so no ' +
        'delivery falls between two requests.',
      params: graphIdParams,
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          test: { type: 'boolean', default: true, description: 'true: the test URL; false: the production URL' },
          after: { type: 'string', format: 'date-time' },
          timeoutMs: { type: 'integer', minimum: 0, maximum: MAX_LISTEN_TIMEOUT_MS, default: DEFAULT_LISTEN_TIMEOUT_MS },
        },
      },
    },
  }, async (request) => {
    const { id } = request.params as { id: string };
    const query = request.query as { test: boolean; after?: string; timeoutMs: number };
    await loadOwnedGraph(ctx, request, id);

    // Stored instants are UTC ISO strings compared as text, so `after` is normalised to one.
    const after = query.after === undefined ? new Date().toISOString() : new Date(query.after).toISOString();
    const deadline = Date.now() + query.timeoutMs;
    const closed = new AbortController();
    request.raw.once('close', () => closed.abort());
    for (;;) {
      const readAt = Date.now();
      const margin = new Date(readAt - STORE_DELAY_MARGIN_MS).toISOString();
      const listenedUntil = margin > after ? margin : after;
      const items = await ctx.storage.deliveries.listByGraph(id, { test: query.test, limit: LISTEN_PAGE_SIZE });
      const delivery = firstAfter(items, after);
      if (delivery !== null) return { delivery, listenedUntil: delivery.receivedAt };
      if (Date.now() >= deadline || closed.signal.aborted) return { delivery: null, listenedUntil };
      try {
        await sleep(Math.min(LISTEN_POLL_MS, Math.max(0, deadline - Date.now())), undefined, { signal: closed.signal });
      } catch {
        return { delivery: null, listenedUntil };
      }
    }
  });
}
