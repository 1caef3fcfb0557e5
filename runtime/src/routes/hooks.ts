import { StorageConflictError, type DeliveryRecord } from '@gestorlead/storage';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { StudioContext } from '../context.js';
import { StudioError } from '../errors.js';
import { newRunId } from '../executor/executor.js';
import { newId } from '../ids.js';
import { parseWebhookBody } from '../webhooks/parse-body.js';
import { DEFAULT_TOKEN_HEADER, ReplayGuard, verifyDelivery } from '../webhooks/verify.js';

const REDACTED = '[redacted]';
const SECRET_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

function flattenHeaders(
  headers: FastifyRequest['headers'],
  secretHeaders: string[],
): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    flat[name] = secretHeaders.includes(name) ? REDACTED : Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/**
 * `/hooks/:graphId` runs the published version; `/hooks/:graphId/test` runs the latest draft.
 * Any content type is accepted. The delivery and its run are stored before the reply.
 */
export async function hookRoutes(app: FastifyInstance, ctx: StudioContext): Promise<void> {
  const replays = new ReplayGuard();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: ctx.config.webhookBodyLimitBytes }, (_request, body, done) => {
    done(null, body);
  });

  const handle = (test: boolean) => async (request: FastifyRequest, reply: FastifyReply) => {
    const { graphId } = request.params as { graphId: string };
    const target = await ctx.graphs.target(graphId, test);
    if (!target) {
      const exists = await ctx.storage.graphs.get(graphId);
      ctx.metrics.webhookDeliveries.inc({ outcome: 'rejected' });
      if (!exists) {
        throw new StudioError('GRAPH_NOT_FOUND', `graph "${graphId}" does not exist`, {
          problems: [{ pointer: '/params/graphId', message: 'matches no graph' }],
        });
      }
      throw new StudioError('GRAPH_NOT_PUBLISHED', `graph "${graphId}" has no published version; publish it or call /hooks/${graphId}/test`, {
        problems: [{ pointer: '/params/graphId', message: 'has no published version' }],
      });
    }
    const settings = target.document.settings?.webhook;
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    try {
      verifyDelivery(settings, request.headers, raw, replays, graphId);
    } catch (error) {
      ctx.metrics.webhookDeliveries.inc({ outcome: 'rejected' });
      throw error;
    }
    const contentType = request.headers['content-type'];
    const body = parseWebhookBody(raw, contentType);

    const eventIdHeader = settings?.eventIdHeader?.toLowerCase();
    const eventIdValue = eventIdHeader ? request.headers[eventIdHeader] : undefined;
    const eventId = Array.isArray(eventIdValue) ? eventIdValue[0] : (eventIdValue ?? null);
    if (eventId) {
      const existing = await ctx.storage.deliveries.findByEventId(graphId, eventId);
      if (existing) return replyDuplicate(reply, existing);
    }

    const secretHeaders = [...SECRET_HEADERS];
    if (settings?.token) secretHeaders.push((settings.token.header ?? DEFAULT_TOKEN_HEADER).toLowerCase());
    const headers = flattenHeaders(request.headers, secretHeaders);
    const query = request.query as Record<string, string | string[]>;
    const receivedAt = new Date().toISOString();
    const delivery: Omit<DeliveryRecord, 'runId'> = {
      id: newId('dlv'),
      graphId,
      eventId,
      test,
      method: request.method,
      headers,
      query,
      contentType: contentType ?? null,
      body: body.stored,
      bodyEncoding: body.encoding,
      receivedAt,
    };
    const input = { method: request.method, headers, query, body: body.value, receivedAt };

    const runId = newRunId();
    const sync = settings?.mode === 'sync';
    const timeoutMs = settings?.syncTimeoutMs ?? ctx.config.webhookSyncTimeoutMs;
    const waiter = sync ? ctx.executor.waitForReply(runId, timeoutMs) : null;
    try {
      await ctx.executor.createRun({
        id: runId,
        graphId,
        version: target.version,
        input,
        trigger: test ? 'webhook-test' : 'webhook',
        delivery,
      });
    } catch (error) {
      waiter?.cancel();
      if (error instanceof StorageConflictError && eventId) {
        const existing = await ctx.storage.deliveries.findByEventId(graphId, eventId);
        if (existing) return replyDuplicate(reply, existing);
      }
      throw error;
    }
    ctx.metrics.webhookDeliveries.inc({ outcome: 'accepted' });
    if (!waiter) return reply.status(202).send({ runId });

    request.raw.once('close', () => {
      if (!reply.sent) waiter.cancel();
    });
    const outcome = await waiter.reply;
    if (reply.raw.destroyed) return reply;
    if (outcome.kind === 'response') {
      const { status, headers: responseHeaders, body: responseBody } = outcome.response;
      reply.status(status).headers(responseHeaders);
      if (typeof responseBody === 'string' && !responseHeaders['content-type']) {
        reply.type('text/plain; charset=utf-8');
      }
      return reply.send(responseBody ?? '');
    }
    if (outcome.kind === 'finished' && outcome.run.status === 'succeeded') {
      return reply.status(200).send({ runId, status: outcome.run.status, output: outcome.run.output });
    }
    if (outcome.kind === 'finished') {
      return reply.status(500).send({
        statusCode: 500,
        code: 'RUN_FAILED',
        message: `run ${outcome.run.status} before it replied`,
        errors: [],
        details: { runId, status: outcome.run.status, error: outcome.run.error },
      });
    }
    return reply.status(202).send({ runId });
  };

  const params = {
    type: 'object',
    required: ['graphId'],
    properties: { graphId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } },
  };
  const schema = { tags: ['triggers'], params, hide: false };
  app.route({
    method: [...METHODS],
    url: '/hooks/:graphId',
    schema: { ...schema, summary: 'Webhook trigger: runs the published version' },
    handler: handle(false),
  });
  app.route({
    method: [...METHODS],
    url: '/hooks/:graphId/test',
    schema: { ...schema, summary: 'Test webhook: runs the latest draft' },
    handler: handle(true),
  });
}

function replyDuplicate(reply: FastifyReply, existing: DeliveryRecord): FastifyReply {
  return reply.status(200).send({ runId: existing.runId, duplicate: true });
}
