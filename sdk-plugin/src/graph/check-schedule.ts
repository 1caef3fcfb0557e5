/**
 * Checks of `settings.schedule` that JSON Schema cannot express: the cron expression must parse
 * (with cron-parser, as the runtime's scheduler parses it) and the time zones must be known
 * IANA zones.
 */
import { CronExpressionParser } from 'cron-parser';

import { isRecord } from './records.js';
import type { GraphProblem } from './types.js';

/** Time zone of a schedule that names none, when the graph's `settings.timezone` is unset. */
export const DEFAULT_SCHEDULE_TIMEZONE = 'UTC';

/**
 * Returns whether `Intl` accepts `zone` as a time zone, and so cron-parser, which reads zones
 * through Luxon: an IANA name such as `America/New_York`, or `UTC`.
 */
export function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Returns why `expression` is not a cron expression of 5 fields (minute to day of week) or 6
 * fields (second first), or null when it is one. Aliases such as `@daily` are rejected, because
 * they are not fields.
 */
export function describeCronError(expression: string): string | null {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    return `must have 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first, found ${fields.length}`;
  }
  try {
    CronExpressionParser.parse(expression, { tz: DEFAULT_SCHEDULE_TIMEZONE });
    return null;
  } catch (error) {
    return `is not a valid cron expression: ${(error as Error).message}`;
  }
}

/** Adds a problem at `pointer` when `zone` is a string that is no known time zone. */
function checkTimeZone(zone: unknown, pointer: string, problems: GraphProblem[]): void {
  if (typeof zone !== 'string' || isKnownTimeZone(zone)) return;
  problems.push({
    pointer,
    message: `"${zone}" is not a known IANA time zone, such as "America/New_York" or "UTC"`,
    code: 'GRAPH_SCHEDULE_INVALID',
  });
}

/**
 * Reports an invalid cron expression at `/settings/schedule/cron` and an unknown time zone at
 * `/settings/schedule/timezone` or `/settings/timezone`. The graph's zone is checked even
 * without a schedule, because a schedule added later and the preview route read it. Values of
 * the wrong type are left to the JSON Schema.
 */
export function checkSchedule(settings: unknown, problems: GraphProblem[]): void {
  if (!isRecord(settings)) {
    return;
  }
  checkTimeZone(settings.timezone, '/settings/timezone', problems);
  if (!isRecord(settings.schedule)) {
    return;
  }
  const { schedule } = settings;
  if (typeof schedule.cron === 'string') {
    const error = describeCronError(schedule.cron);
    if (error !== null) {
      problems.push({ pointer: '/settings/schedule/cron', message: error, code: 'GRAPH_SCHEDULE_INVALID' });
    }
  }
  checkTimeZone(schedule.timezone, '/settings/schedule/timezone', problems);
}
