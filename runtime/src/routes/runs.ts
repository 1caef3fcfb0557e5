import { checkRunInput, validateGraph } from '@gestorlead/sdk-plugin';
import { TRIGGER_KINDS, type TriggerKind } from '@gestorlead/storage';
import type { FastifyInstance } from 'fastify';
import { loadOwnedRun, loadOwnedTask, loadOwnedVersion, nodeTypesOf, triggerTypesOf } from '../auth/ownership.js';
import { requirePrincipal } from '../auth/principal.js';
import type { StudioContext } from '../context.js';
import { StudioError } from '../errors.js';
import { taskApiFields } from '../tasks/task-view.js';
import { invalidGraph } from './graphs.js';
import { graphIdParams, idParams, RUN_STATUS_VALUES, versionNumber } from './schemas.js';

/** Describes why `/params/id` failed a cancel or resume, or returns null for other codes. */
function runProblemMessage(code: string, status: string | null): string | null {
  switch (code) {
    case 'RUN_NOT_FOUND':
      return 'matches no run';
    case 'RUN_NOT_CANCELLABLE':
      return `is ${status ?? 'finished'}, not queued or running`;
    case 'RUN_NOT_RESUMABLE':
      // The executor also rejects a failed or cancelled run whose execution is still ending.
      if (status === 'failed' || status === 'cancelled') return 'is still ending; resume it once it has ended';
      return `is ${status ?? 'running'}, not failed or cancelled`;
    default:
      return null;
  }
}

/**
 * Runs a cancel or resume of the executor and adds the `/params/id` problem that its errors
 * lack, so these replies locate the fault like every other error reply.
 */
async function withRunPointer<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (!(error instanceof StudioError) || error.problems.length > 0) throw error;
    const status = typeof error.details?.status === 'string' ? error.details.status : null;
    const message = runProblemMessage(error.code, status);
    if (message === null) throw error;
    throw new StudioError(error.code, error.message, {
      problems: [{ pointer: '/params/id', message }],
      details: error.details,
      cause: error,
    });
  }
}

/** Stored instants are UTC ISO strings compared as text, so a query instant is normalised to one. */
function toIsoInstant(value: string | undefined): string | undefined {
  return value === undefined ? undefined : new Date(value).toISOString();
}

/** Encodes the position after a run as an opaque `cursor` for the next page. */
function encodeRunCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

function decodeRunCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(decoded) && typeof decoded[0] === 'string' && typeof decoded[1] === 'string') {
      return { createdAt: decoded[0], id: decoded[1] };
    }
  } catch {
    // An undecodable cursor is reported below like a malformed one.
  }
  throw new StudioError('REQUEST_INVALID', 'cursor is not one returned as nextCursor by this route', {
    problems: [{ pointer: '/querystring/cursor', message: 'must be a nextCursor value from a previous page' }],
  });
}

/**
 * Manual runs, run history, cancel, resume, run events and task logs. A run belongs to the
 * owner of its graph, and a task to the owner of its run. Another user's id gets the same 404
 * as an unknown one.
 */
export async function runRoutes(app: FastifyInstance, ctx: StudioContext): Promise<void> {
  app.post('/v1/graphs/:id/runs', {
    schema: {
      tags: ['runs'],
      summary: 'Start a manual run of a version (the latest by default)',
      params: graphIdParams,
      body: {
        type: ['object', 'null'],
        additionalProperties: false,
        properties: { input: {}, version: versionNumber },
      },
      response: {
        202: { type: 'object', properties: { runId: { type: 'string' } } },
      },
    },
  }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const body = (request.body ?? {}) as { input?: unknown; version?: number };
    const { graph, record } = await loadOwnedVersion(ctx, request, id, body.version, '/body/version');
    // The node types the owner may use can shrink after a save (a plugin version uninstalled),
    // so the document is checked again. Another user's private node types are unknown here.
    const checked = validateGraph(record.document, { nodeTypes: nodeTypesOf(ctx, request), triggerTypes: triggerTypesOf(ctx, request) });
    if (!checked.ok) throw invalidGraph(checked.problems);
    const inputProblems = checkRunInput(record.document, body.input ?? null, '/body/input');
    if (inputProblems.length > 0) {
      const first = inputProblems[0];
      throw new StudioError('REQUEST_INVALID', `input does not match the graph's input schema: ${first.pointer} ${first.message}`, {
        problems: inputProblems.map(({ pointer, message }) => ({ pointer, message })),
      });
    }
    const run = await ctx.executor.createRun({
      graphId: id,
      version: record.version,
      input: body.input ?? null,
      trigger: 'manual',
      ownerId: graph.ownerId,
    });
    return reply.status(202).send({ runId: run.id });
  });

  app.get('/v1/runs', {
    schema: {
      tags: ['runs'],
      summary: 'List your runs, newest first',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          graphId: { type: 'string', maxLength: 64 },
          status: {
            anyOf: [
              { type: 'string', enum: [...RUN_STATUS_VALUES] },
              { type: 'array', items: { type: 'string', enum: [...RUN_STATUS_VALUES] } },
            ],
          },
          trigger: {
            anyOf: [
              { type: 'string', enum: [...TRIGGER_KINDS] },
              { type: 'array', items: { type: 'string', enum: [...TRIGGER_KINDS] } },
            ],
          },
          since: { type: 'string', format: 'date-time', description: 'Only runs created at or after this instant' },
          until: { type: 'string', format: 'date-time', description: 'Only runs created before this instant' },
          limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
          before: { type: 'string', format: 'date-time' },
          cursor: { type: 'string', maxLength: 200, pattern: '^[A-Za-z0-9_-]+$' },
        },
      },
    },
  }, async (request) => {
    const query = request.query as {
      graphId?: string;
      status?: string | string[];
      trigger?: TriggerKind | TriggerKind[];
      since?: string;
      until?: string;
      limit: number;
      before?: string;
      cursor?: string;
    };
    const status = query.status === undefined ? undefined : ([] as string[]).concat(query.status);
    const trigger = query.trigger === undefined ? undefined : ([] as TriggerKind[]).concat(query.trigger);
    const position = query.cursor === undefined ? undefined : decodeRunCursor(query.cursor);
    const items = await ctx.storage.runs.list({
      ownerId: requirePrincipal(request).userId,
      graphId: query.graphId,
      status: status as (typeof RUN_STATUS_VALUES)[number][] | undefined,
      trigger,
      since: toIsoInstant(query.since),
      until: toIsoInstant(query.until),
      limit: query.limit,
      before: position?.createdAt ?? toIsoInstant(query.before),
      beforeId: position?.id,
    });
    const last = items[items.length - 1];
    const nextCursor = items.length === query.limit && last ? encodeRunCursor(last.createdAt, last.id) : null;
    return { items, nextCursor };
  });

  app.get('/v1/runs/:id', {
    schema: {
      tags: ['runs'],
      summary: 'Get a run with its tasks',
      params: idParams,
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          attempts: { type: 'boolean', default: false, description: 'true: add each task\'s attempts as `attemptHistory`' },
        },
      },
    },
  }, async (request) => {
    const { id } = request.params as { id: string };
    const { attempts } = request.query as { attempts: boolean };
    const run = await loadOwnedRun(ctx, request, id);
    const tasks = await ctx.storage.tasks.listByRun(id);
    if (!attempts) return { ...run, tasks };
    const withAttempts = await Promise.all(
      tasks.map(async (task) => ({ ...task, attemptHistory: await ctx.storage.tasks.listAttempts(task.id) })),
    );
    return { ...run, tasks: withAttempts };
  });

  app.post('/v1/runs/:id/cancel', {
    schema: { tags: ['runs'], summary: 'Cancel a queued or running run', params: idParams },
  }, async (request) => {
    const { id } = request.params as { id: string };
    await loadOwnedRun(ctx, request, id);
    return withRunPointer(() => ctx.executor.cancel(id));
  });

  app.post('/v1/runs/:id/resume', {
    schema: {
      tags: ['runs'],
      summary: 'Resume a failed or cancelled run from the nodes that did not complete',
      params: idParams,
    },
  }, async (request, reply) => {
    const { id } = request.params as { id: string };
    await loadOwnedRun(ctx, request, id);
    return reply.status(202).send(await withRunPointer(() => ctx.executor.resume(id)));
  });

  app.get('/v1/runs/:id/events', {
    schema: {
      tags: ['runs'],
      summary: 'Events of a run after a sequence number, in order',
      params: idParams,
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          after: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 },
          limit: { type: 'integer', minimum: 1, maximum: 5000, default: 1000 },
        },
      },
    },
  }, async (request) => {
    const { id } = request.params as { id: string };
    const { after, limit } = request.query as { after: number; limit: number };
    await loadOwnedRun(ctx, request, id);
    await ctx.events.flush();
    const items = await ctx.storage.events.listByRun(id, { after, limit });
    return { items, lastSeq: items.length > 0 ? items[items.length - 1].seq : after };
  });

  app.get('/v1/tasks/:id', {
    schema: {
      tags: ['runs'],
      summary: 'Get a task with its attempts, the ledger entries of its credits, and its status, credit cost and result',
      params: idParams,
    },
  }, async (request) => {
    const { id } = request.params as { id: string };
    const { task, run } = await loadOwnedTask(ctx, request, id);
    const ledger = await ctx.storage.ledger.listByTask(id);
    return {
      ...task,
      attemptHistory: await ctx.storage.tasks.listAttempts(id),
      ledger,
      ...(await taskApiFields(ctx, task, run, ledger)),
    };
  });

  app.get('/v1/tasks/:id/logs', {
    schema: {
      tags: ['runs'],
      summary: 'The task log: every event of the task, in order',
      params: idParams,
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { limit: { type: 'integer', minimum: 1, maximum: 10_000, default: 1000 } },
      },
    },
  }, async (request) => {
    const { id } = request.params as { id: string };
    const { limit } = request.query as { limit: number };
    await loadOwnedTask(ctx, request, id);
    await ctx.events.flush();
    return { items: await ctx.storage.events.listByTask(id, { limit }) };
  });

  app.get('/v1/node-types', {
    schema: { tags: ['graphs'], summary: 'Node types you may use: built-in, shared plugins and your private plugins, with their schemas' },
  }, async (request) => ({ items: nodeTypesOf(ctx, request).list() }));
}
