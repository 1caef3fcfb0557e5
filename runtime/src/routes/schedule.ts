import { describeCronError, isKnownTimeZone, DEFAULT_SCHEDULE_TIMEZONE } from '@gestorlead/sdk-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { loadOwnedGraph } from '../auth/ownership.js';
import type { StudioContext } from '../context.js';
import { StudioError } from '../errors.js';
import { previewFires, resolveSchedule } from '../scheduling/cron-schedule.js';
import { scheduleNotFound, type ScheduleState } from '../scheduling/schedule-service.js';
import { graphIdParams } from './schemas.js';

/** Fire times a preview returns when the request names no count. */
const DEFAULT_PREVIEW_COUNT = 10;
/** Most fire times one preview returns. */
export const MAX_PREVIEW_COUNT = 100;

const scheduleStateReply = {
  description: "The graph's schedule and the state of its cron job",
  type: 'object',
  properties: {
    graphId: { type: 'string' },
    version: { type: 'integer' },
    cron: { type: 'string' },
    timezone: { type: 'string' },
    enabled: { type: 'boolean' },
    missed: { type: 'string', enum: ['skip', 'runOnce'] },
    paused: { type: 'boolean' },
    nextFireAt: { type: ['string', 'null'] },
  },
} as const;

function invalidQuery(field: string, message: string): StudioError {
  return new StudioError('REQUEST_INVALID', `request is invalid: /querystring/${field} ${message}`, {
    problems: [{ pointer: `/querystring/${field}`, message }],
  });
}

/** Cron trigger routes: the schedule's state, pause and resume, and a preview of fire times. */
export async function scheduleRoutes(app: FastifyInstance, ctx: StudioContext): Promise<void> {
  const { schedules } = ctx.scheduling;

  const describe = async (request: FastifyRequest, id: string): Promise<ScheduleState> => {
    await loadOwnedGraph(ctx, request, id);
    const state = await schedules.describe(id);
    if (!state) throw scheduleNotFound(id);
    return state;
  };

  app.get('/v1/graphs/:id/schedule', {
    schema: {
      tags: ['graphs'],
      summary: "Get the published version's schedule and whether it is paused",
      params: graphIdParams,
      response: { 200: scheduleStateReply },
    },
  }, async (request) => describe(request, (request.params as { id: string }).id));

  for (const action of ['pause', 'resume'] as const) {
    app.post(`/v1/graphs/:id/schedule/${action}`, {
      schema: {
        tags: ['graphs'],
        summary: action === 'pause' ? 'Pause the cron trigger' : 'Resume the cron trigger; missed fires follow its policy',
        params: graphIdParams,
        response: { 200: scheduleStateReply },
      },
    }, async (request) => {
      const { id } = request.params as { id: string };
      await describe(request, id);
      return action === 'pause' ? schedules.pause(id) : schedules.resume(id);
    });
  }

  app.get('/v1/graphs/:id/schedule/preview', {
    schema: {
      tags: ['graphs'],
      summary: "Next fire times of a cron expression, by default the graph's own schedule",
      params: graphIdParams,
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          cron: { type: 'string', minLength: 1, maxLength: 200 },
          timezone: { type: 'string', minLength: 1, maxLength: 100 },
          count: { type: 'integer', minimum: 1, maximum: MAX_PREVIEW_COUNT, default: DEFAULT_PREVIEW_COUNT },
        },
      },
      response: { 200: { description: 'ISO instants, earliest first', type: 'array', items: { type: 'string' } } },
    },
  }, async (request) => {
    const { id } = request.params as { id: string };
    const query = request.query as { cron?: string; timezone?: string; count: number };
    const graph = await loadOwnedGraph(ctx, request, id);
    const record = await ctx.storage.graphs.getVersion(id, graph.publishedVersion ?? graph.latestVersion);
    const own = record ? resolveSchedule(record.document) : null;

    const cron = query.cron ?? own?.cron;
    if (cron === undefined) throw scheduleNotFound(id, '/querystring/cron');
    const timezone = query.timezone ?? own?.timezone ?? record?.document.settings?.timezone ?? DEFAULT_SCHEDULE_TIMEZONE;
    const cronError = describeCronError(cron);
    if (cronError !== null) throw invalidQuery('cron', cronError);
    if (!isKnownTimeZone(timezone)) throw invalidQuery('timezone', `"${timezone}" is not a known IANA time zone, such as "America/New_York" or "UTC"`);

    return previewFires(cron, timezone, new Date(), query.count).map((fire) => fire.toISOString());
  });
}
