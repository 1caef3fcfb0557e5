import type { FastifyInstance } from 'fastify';
import { requirePrincipal } from '../auth/principal.js';
import type { StudioContext } from '../context.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const DEFAULT_DAYS = 30;
const MAX_DAYS = 366;

/** Activity of one UTC day. */
export interface DailyActivity {
  /** The UTC day, `YYYY-MM-DD`. */
  day: string;
  runs: number;
  succeeded: number;
  failed: number;
  /** Credits spent: captured amounts minus refunds. */
  credits: number;
}

/** Returns the UTC days from `days - 1` days before `now` to the day of `now`, oldest first. */
export function utcDays(days: number, now: Date): string[] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Array.from({ length: days }, (_, index) => new Date(today - (days - 1 - index) * DAY_MS).toISOString().slice(0, 10));
}

/** Registers `GET /v1/stats/daily`: the signed-in user's runs and credits per UTC day. */
export async function statsRoutes(app: FastifyInstance, ctx: StudioContext): Promise<void> {
  app.get('/v1/stats/daily', {
    schema: {
      tags: ['runs'],
      summary: 'Your runs (by outcome) and credits spent per UTC day, oldest first, every day of the window listed',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          days: { type: 'integer', minimum: 1, maximum: MAX_DAYS, default: DEFAULT_DAYS, description: 'Days ending today (UTC)' },
        },
      },
    },
  }, async (request) => {
    const { userId } = requirePrincipal(request);
    const { days } = request.query as { days: number };
    const series = utcDays(days, new Date());
    const since = `${series[0]}T00:00:00.000Z`;
    const [runs, usage] = await Promise.all([
      ctx.storage.runs.dailyCounts(userId, since),
      ctx.storage.ledger.dailyUsage(userId, since),
    ]);
    const runsByDay = new Map(runs.map((entry) => [entry.day, entry]));
    const creditsByDay = new Map(usage.map((entry) => [entry.day, entry.credits]));
    const items: DailyActivity[] = series.map((day) => ({
      day,
      runs: runsByDay.get(day)?.runs ?? 0,
      succeeded: runsByDay.get(day)?.succeeded ?? 0,
      failed: runsByDay.get(day)?.failed ?? 0,
      credits: creditsByDay.get(day) ?? 0,
    }));
    return { items };
  });
}
