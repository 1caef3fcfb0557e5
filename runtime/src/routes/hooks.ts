import type { TriggerSettings } from '@gestorlead/sdk-plugin';
import type { WebhookRequestData } from '@gestorlead/sdk-plugin/plugin';
import { StorageConflictError, type DeliveryRecord, type RunRecord, type RunResponse } from '@gestorlead/storage';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { webhookRateLimit } from '../auth/rate-limits.js';
import type { StudioContext } from '../context.js';
import { StudioError } from '../errors.js';
import { newRunId, type RunReply } from '../executor/executor.js';
import { newId } from '../ids.js';
import type { DeliveryScope, TriggerCall } from '../plugins/plugin-triggers.js';
import { parseWebhookBody, type ParsedBody } from '../webhooks/parse-body.js';
import {
  DEFAULT_TOKEN_HEADER,
  rejectReplay,
  ReplayGuard,
  verifyDelivery,
  type ReplayKey,
} from '../webhooks/verify.js';

const REDACTED = '[redacted]';
/** A media type as RFC 9110 writes it: `type/subtype` of token characters, then parameters. */
const MEDIA_TYPE = /^\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+\s*(?:;.*)?$/;
const SECRET_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];
/** Methods that start a run. HEAD and OPTIONS (CORS preflights) only describe the URL. */
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
/**
 * Headers a `core/respond` node may not set, because they frame the HTTP message, encode its
 * body or manage the connection, which the server controls. For example, `transfer-encoding` next to Fastify's
 * `content-length` makes the reply unparseable.
 */
const FRAMING_HEADERS = new Set([
  'connection',
  'content-encoding',
  'content-length',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

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
 * Any content type is accepted. The delivery and its run are stored before the reply. When the
 * graph's `settings.trigger` names a plugin trigger, its `verify` and `parse` run in the
 * sandbox after the checks of `settings.webhook`, and `parse` chooses the run's event.
 */
export async function hookRoutes(app: FastifyInstance, ctx: StudioContext): Promise<void> {
  const replays = new ReplayGuard();
  // Fastify rejects a content-type it cannot parse (such as ";;;") with 415 before any parser
  // runs. Webhooks accept any content type, so such a header is replaced for parsing and the
  // sender's value is kept for the run and the stored delivery.
  const originalContentTypes = new WeakMap<FastifyRequest, string>();
  app.addHook('onRequest', async (request) => {
    const contentType = originalContentTypes.get(request) ?? request.headers['content-type'];
    if (contentType === undefined || MEDIA_TYPE.test(contentType)) return;
    originalContentTypes.set(request, contentType);
    request.headers['content-type'] = 'application/octet-stream';
  });
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
    const triggerSettings = target.document.settings?.trigger;
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const contentType = request.headers['content-type'];
    let body: ParsedBody;
    let replay: ReplayKey | null;
    try {
      replay = verifyDelivery(settings, request.headers, raw, graphId);
      body = parseWebhookBody(raw, contentType);
    } catch (error) {
      ctx.metrics.webhookDeliveries.inc({ outcome: 'rejected' });
      throw error;
    }

    const query = request.query as Record<string, string | string[]>;
    let trigger: VerifiedTrigger | null = null;
    if (triggerSettings) {
      const triggerRequest: WebhookRequestData = {
        method: request.method,
        headers: flattenHeaders(request.headers, []),
        query,
        body: body.value,
        rawBodyBase64: raw.toString('base64'),
      };
      trigger = await countFailures(ctx, () =>
        verifyWithTrigger(ctx, triggerSettings, { graphId, test, ownerId: target.graph.ownerId }, triggerRequest, abortOnClose(reply)),
      );
    }

    const eventIdHeader = settings?.eventIdHeader?.toLowerCase();
    const eventIdValue = eventIdHeader ? request.headers[eventIdHeader] : undefined;
    const eventIdText = Array.isArray(eventIdValue) ? eventIdValue[0] : eventIdValue;
    // An empty header carries no event id. Storing '' would make every later empty one conflict.
    const eventId = eventIdText ? eventIdText : null;
    if (eventId) {
      const existing = await ctx.storage.deliveries.findByEventId(graphId, eventId, test);
      if (existing) return replyDuplicate(ctx, reply, existing);
    }
    let event: unknown = null;
    if (trigger) {
      const verified = trigger;
      event = await countFailures(ctx, () => verified.call.parse(verified.request, verified.signal));
      if (event === null) {
        ctx.metrics.webhookDeliveries.inc({ outcome: 'ignored' });
        request.log.info({ graphId, trigger: verified.call.descriptor.type }, 'plugin trigger ignored the delivery');
        return reply.status(200).send({ ignored: true });
      }
    }

    // A sender that retries a signed delivery with an event id gets the duplicate reply above.
    // The same signed bytes without a stored event id are a replay.
    if (replay) {
      try {
        rejectReplay(replays, replay);
      } catch (error) {
        ctx.metrics.webhookDeliveries.inc({ outcome: 'rejected' });
        throw error;
      }
    }

    const secretHeaders = [...SECRET_HEADERS];
    if (settings?.token) secretHeaders.push((settings.token.header ?? DEFAULT_TOKEN_HEADER).toLowerCase());
    const headers = flattenHeaders(request.headers, secretHeaders);
    if (contentType !== undefined) headers['content-type'] = contentType;
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
    const input = trigger
      ? {
          event,
          method: request.method,
          headers,
          query,
          receivedAt,
          trigger: { type: trigger.call.descriptor.type, pluginVersion: trigger.call.descriptor.plugin.version },
        }
      : { method: request.method, headers, query, body: body.value, receivedAt };

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
        // The sender is not a user, so the run belongs to the graph's owner and charges them. A
        // cached graph without an owner may have been claimed since, so createRun reads it again.
        ownerId: target.graph.ownerId ?? undefined,
      });
    } catch (error) {
      waiter?.cancel();
      if (error instanceof StorageConflictError && eventId) {
        const existing = await ctx.storage.deliveries.findByEventId(graphId, eventId, test);
        if (existing) return replyDuplicate(ctx, reply, existing);
      }
      throw error;
    }
    ctx.metrics.webhookDeliveries.inc({ outcome: 'accepted' });
    if (!waiter) return reply.status(202).send({ runId });

    const outcome = await replyUnlessDisconnected(reply, waiter);
    if (outcome === null) return reply;
    if (outcome.kind === 'response') return sendRunResponse(reply, outcome.response);
    if (outcome.kind === 'finished' && outcome.run.status === 'succeeded') {
      return reply.status(200).send({ runId, status: outcome.run.status, output: outcome.run.output });
    }
    if (outcome.kind === 'finished') {
      return replyRunEnded(request, reply, settings?.acknowledgeErrorCodes ?? [], outcome.run);
    }
    return reply.status(202).send({ runId });
  };

  const params = {
    type: 'object',
    required: ['graphId'],
    properties: { graphId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } },
  };
  const schema = { tags: ['triggers'], params, hide: false };
  const describeUrl = async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('allow', [...METHODS, 'HEAD', 'OPTIONS'].join(', '));
    reply.header('access-control-allow-origin', '*');
    reply.header('access-control-allow-methods', METHODS.join(', '));
    const requested = request.headers['access-control-request-headers'];
    if (requested) reply.header('access-control-allow-headers', requested);
    reply.header('access-control-max-age', '600');
    return reply.status(204).send();
  };
  for (const [url, test, summary] of [
    ['/hooks/:graphId', false, 'Webhook trigger: runs the published version'],
    ['/hooks/:graphId/test', true, 'Test webhook: runs the latest draft'],
  ] as const) {
    // The graph version that a delivery runs sets its limit; a graph without one is not counted.
    const rateLimit = webhookRateLimit(async (request) => {
      const { graphId } = request.params as { graphId: string };
      const target = await ctx.graphs.target(graphId, test);
      return target?.document.settings?.webhook?.rateLimit ?? null;
    });
    app.route({ method: [...METHODS], url, exposeHeadRoute: false, config: { rateLimit }, schema: { ...schema, summary }, handler: handle(test) });
    app.route({
      method: ['HEAD', 'OPTIONS'],
      url,
      schema: { ...schema, summary: 'Describes the webhook URL without starting a run' },
      handler: describeUrl,
    });
  }
}

/** A delivery that the graph's plugin trigger verified, ready for its `parse`. */
interface VerifiedTrigger {
  call: TriggerCall;
  request: WebhookRequestData;
  signal: AbortSignal;
}

/**
 * Runs the `verify` of the graph's plugin trigger. Throws `WEBHOOK_UNVERIFIED` when it returns
 * false, and the errors of `PluginTriggers.prepare` and `TriggerCall.verify`.
 */
async function verifyWithTrigger(
  ctx: StudioContext,
  settings: TriggerSettings,
  scope: DeliveryScope,
  request: WebhookRequestData,
  signal: AbortSignal,
): Promise<VerifiedTrigger> {
  const call = await ctx.plugins.triggers.prepare(settings, scope);
  if (!(await call.verify(request, signal))) {
    const { descriptor } = call;
    throw new StudioError(
      'WEBHOOK_UNVERIFIED',
      `the trigger "${descriptor.type}" (plugin ${descriptor.plugin.name}@${descriptor.plugin.version}) did not verify the delivery. Check the delivery's signature and the trigger's config and credentials`,
      { details: { trigger: descriptor.type, plugin: descriptor.plugin } },
    );
  }
  return { call, request, signal };
}

/** Counts a delivery that `step` fails: `failed` for server errors, `rejected` for the others. */
async function countFailures<T>(ctx: StudioContext, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    const failed = !(error instanceof StudioError) || error.status >= 500;
    ctx.metrics.webhookDeliveries.inc({ outcome: failed ? 'failed' : 'rejected' });
    throw error;
  }
}

/** Returns a signal that aborts when the client closes the connection before the reply. */
function abortOnClose(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableEnded) controller.abort();
  });
  return controller.signal;
}

/**
 * Waits for the run's reply, or resolves null once the client has closed the connection, so a
 * caller that went away stops the wait instead of leaving it pending.
 */
function replyUnlessDisconnected(
  reply: FastifyReply,
  waiter: { reply: Promise<RunReply>; cancel: () => void },
): Promise<RunReply | null> {
  return new Promise((resolve) => {
    const onClose = (): void => {
      if (reply.raw.writableEnded) return;
      waiter.cancel();
      resolve(null);
    };
    reply.raw.once('close', onClose);
    void waiter.reply.then((outcome) => {
      reply.raw.off('close', onClose);
      resolve(reply.raw.destroyed ? null : outcome);
    });
  });
}

/**
 * Replies to a sync delivery whose run ended without a reply. A run failed with one of
 * `acknowledgedCodes` gets 200 and a warning log, because a repeated delivery cannot fix it.
 * Any other ending gets 500, so the sender delivers the event again.
 */
function replyRunEnded(
  request: FastifyRequest,
  reply: FastifyReply,
  acknowledgedCodes: readonly string[],
  run: RunRecord,
): FastifyReply {
  const error = run.error;
  if (run.status === 'failed' && error !== null && acknowledgedCodes.includes(error.code)) {
    request.log.warn(
      { runId: run.id, graphId: run.graphId, code: error.code, error: error.message },
      'replied 200 to a webhook whose run failed with an acknowledged error code',
    );
    return reply.status(200).send({
      runId: run.id,
      status: run.status,
      acknowledged: true,
      error: { code: error.code, message: error.message },
    });
  }
  return reply.status(500).send({
    statusCode: 500,
    code: 'RUN_FAILED',
    message: `run ${run.status} before it replied`,
    errors: [],
    details: { runId: run.id, status: run.status, error },
  });
}

/** Sends the reply a `core/respond` node chose, without the headers that frame the message. */
function sendRunResponse(reply: FastifyReply, response: RunResponse): FastifyReply {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (!FRAMING_HEADERS.has(name.toLowerCase())) headers[name.toLowerCase()] = value;
  }
  reply.status(response.status).headers(headers);
  const body = response.body ?? '';
  const contentType = headers['content-type'];
  if (typeof body === 'string') {
    if (!contentType) reply.type('text/plain; charset=utf-8');
    return reply.send(body);
  }
  // Fastify serializes objects only for JSON content types, so other types get the JSON text.
  if (contentType && !/\bjson\b/i.test(contentType)) return reply.send(JSON.stringify(body));
  return reply.send(body);
}

function replyDuplicate(ctx: StudioContext, reply: FastifyReply, existing: DeliveryRecord): FastifyReply {
  ctx.metrics.webhookDeliveries.inc({ outcome: 'duplicate' });
  return reply.status(200).send({ runId: existing.runId, duplicate: true });
}
