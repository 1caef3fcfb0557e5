/**
 * Fire times of cron triggers, computed with cron-parser 5 in the schedule's time zone, with a
 * correction around daylight-saving changes. These functions are pure: the caller passes the
 * current time, so tests can use any instant.
 */
import {
  DEFAULT_SCHEDULE_TIMEZONE,
  type GraphDocument,
  type ScheduleMissedPolicy,
} from '@gestorlead/sdk-plugin';
import { CronExpressionParser, type CronExpression } from 'cron-parser';

/** A graph's schedule with its defaults applied. */
export interface ResolvedSchedule {
  cron: string;
  timezone: string;
  enabled: boolean;
  missed: ScheduleMissedPolicy;
}

/**
 * Maximum daylight-saving shift that `nextFireAt` corrects for, in ms. Current zones shift by
 * 30 minutes (Australia/Lord_Howe) or one hour, and three hours leaves room for historical rules.
 */
const MAX_DST_SHIFT_MS = 3 * 3_600_000;

/** Fire times `runOnce` steps through before it calls cron-parser's `prev()` instead. */
const MAX_CATCH_UP_STEPS = 10_000;

/** Returns the schedule of a graph document with defaults applied, or null when it has none. */
export function resolveSchedule(document: GraphDocument): ResolvedSchedule | null {
  const schedule = document.settings?.schedule;
  if (!schedule) return null;
  return {
    cron: schedule.cron,
    timezone: schedule.timezone ?? document.settings?.timezone ?? DEFAULT_SCHEDULE_TIMEZONE,
    enabled: schedule.enabled ?? true,
    missed: schedule.missed ?? 'skip',
  };
}

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** Returns the UTC offset of `zone` at `instantMs`, in minutes east of UTC. */
export function utcOffsetMinutes(zone: string, instantMs: number): number {
  let format = offsetFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    offsetFormats.set(zone, format);
  }
  const name = format.formatToParts(instantMs).find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /^GMT(?:([+-])(\d{2}):(\d{2}))?$/.exec(name);
  if (!match || match[1] === undefined) return 0;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === '-' ? -minutes : minutes;
}

/**
 * Returns the latest offset change of `zone` in (`fromMs`, `toMs`]: the first instant with the
 * new offset and the size of the change in ms. Null when the offset is the same at both ends.
 */
function findOffsetChange(zone: string, fromMs: number, toMs: number): { atMs: number; shiftMs: number } | null {
  const before = utcOffsetMinutes(zone, fromMs);
  const after = utcOffsetMinutes(zone, toMs);
  if (before === after) return null;
  // Binary search for the first millisecond with the offset of `toMs`.
  let low = fromMs;
  let high = toMs;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (utcOffsetMinutes(zone, middle) === after) high = middle;
    else low = middle;
  }
  return { atMs: high, shiftMs: Math.abs(after - before) * 60_000 };
}

/** Parsed expressions, kept for reuse because parsing costs about as much as one step. */
const PARSED_CACHE_SIZE = 1_000;
const parsed = new Map<string, CronExpression>();

/**
 * Yields the fire times cron-parser computes after `startMs`, in order. The iterator is shared
 * through the cache, so a caller must finish with it before the next call.
 */
function* cronFires(expression: string, zone: string, startMs: number): Generator<Date> {
  const key = `${zone} ${expression}`;
  let iterator = parsed.get(key);
  if (iterator) {
    iterator.reset(new Date(startMs));
  } else {
    iterator = CronExpressionParser.parse(expression, { currentDate: new Date(startMs), tz: zone });
    if (parsed.size >= PARSED_CACHE_SIZE) parsed.delete(parsed.keys().next().value!);
    parsed.set(key, iterator);
  }
  for (;;) yield iterator.next().toDate();
}

/**
 * Returns the first fire time of `expression` in `zone` strictly after `after`.
 *
 * Stepping from one fire time to the next, cron-parser 5.10.7 fires a wall-clock time that a
 * spring-forward change skips once, one hour later (02:30 becomes 03:30 in New York). It fires
 * a wall-clock time that a fall-back change repeats only at its first occurrence. Started from
 * an instant inside the hour after such a change, it does neither. From 01:00 EST on the
 * fall-back day it returns 01:30 EST, although 01:30 EDT already fired. From 03:00 EDT on the
 * spring-forward day it skips that day's 03:30. So when `after` lies within one shift of a
 * change, this function starts from the last instant before the change and steps forward past
 * `after`, which gives the fire times of an uninterrupted sequence.
 */
export function nextFireAt(expression: string, zone: string, after: Date): Date {
  const afterMs = after.getTime();
  let startMs = afterMs;
  const change = findOffsetChange(zone, afterMs - MAX_DST_SHIFT_MS, afterMs);
  if (change && afterMs < change.atMs + change.shiftMs) startMs = change.atMs - 1;

  for (const fire of cronFires(expression, zone, startMs)) {
    if (fire.getTime() > afterMs) return fire;
  }
  throw new Error('unreachable: the fire sequence is infinite');
}

/** Returns the next `count` fire times after `from`, each from the one before. */
export function previewFires(expression: string, zone: string, from: Date, count: number): Date[] {
  const fires: Date[] = [];
  let after = from;
  for (let index = 0; index < count; index += 1) {
    after = nextFireAt(expression, zone, after);
    fires.push(after);
  }
  return fires;
}

/** Plan of one fire of a schedule job: the instant it starts a run for, and its next time. */
export interface FirePlan {
  /** The fire time a run is started for, or null when the policy fires nothing. */
  fire: Date | null;
  /** The next fire time of the job. */
  next: Date;
  /** Fire times that passed unfired, counting `fire` when it is a missed one. */
  missed: number;
}

/**
 * Decides what a schedule job due at `scheduledAt` does when it runs at `now`. Within
 * `missedAfterMs` of its time it fires as planned. Later, the fire counts as missed, and
 * `skip` fires nothing while `runOnce` fires the latest fire time at or before `now`. Either
 * way the next fire time is after `now`, so missed fires are never started one by one.
 */
export function planFire(
  schedule: Pick<ResolvedSchedule, 'cron' | 'timezone' | 'missed'>,
  scheduledAt: Date,
  now: Date,
  missedAfterMs: number,
): FirePlan {
  const { cron, timezone } = schedule;
  if (now.getTime() - scheduledAt.getTime() <= missedAfterMs) {
    return { fire: scheduledAt, next: nextFireAt(cron, timezone, scheduledAt), missed: 0 };
  }

  const { latest, count } = latestFireAtOrBefore(cron, timezone, scheduledAt, now);
  const next = nextFireAt(cron, timezone, now);
  if (schedule.missed === 'runOnce') return { fire: latest, next, missed: count };
  return { fire: null, next, missed: count };
}

/**
 * Walks the fire sequence from `first` (a fire time) to the last one at or before `now`, and
 * counts the fire times on the way. A walk longer than `MAX_CATCH_UP_STEPS` ends with
 * cron-parser's `prev()` from `now`, and the count is then a lower bound.
 */
function latestFireAtOrBefore(cron: string, timezone: string, first: Date, now: Date): { latest: Date; count: number } {
  let latest = first;
  let count = 1;
  while (count < MAX_CATCH_UP_STEPS) {
    const next = nextFireAt(cron, timezone, latest);
    if (next.getTime() > now.getTime()) return { latest, count };
    latest = next;
    count += 1;
  }
  const iterator = CronExpressionParser.parse(cron, { currentDate: new Date(now.getTime() + 1), tz: timezone });
  const previous = iterator.prev().toDate();
  return { latest: previous.getTime() > latest.getTime() ? previous : latest, count };
}
