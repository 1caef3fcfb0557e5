import type { AgendaJobCounts } from '../../src/agenda/job-counts.js';

/** The time the job-count fixtures are counted at. */
export const COUNT_NOW = new Date('2026-03-01T12:00:00.000Z');

const MINUTE_MS = 60_000;

/**
 * A stored Agenda job for the count tests. `lockedAt` and `disabled` set to undefined are left
 * out of the MongoDB document, as @agendajs/mongo-backend leaves them out of unlocked and
 * enabled jobs, while null is stored as null.
 */
export interface CountedJob {
  name: string;
  nextRunAt: Date | null;
  lockedAt?: Date | null;
  disabled?: boolean;
}

function minutesFromNow(minutes: number): Date {
  return new Date(COUNT_NOW.getTime() + minutes * MINUTE_MS);
}

/** Jobs covering each case of the counts: due, future, locked, disabled and never due. */
export const COUNTED_JOBS: readonly CountedJob[] = [
  { name: 'run', nextRunAt: minutesFromNow(-5) },
  { name: 'run', nextRunAt: minutesFromNow(-1), lockedAt: null },
  { name: 'run', nextRunAt: COUNT_NOW, disabled: false },
  { name: 'run', nextRunAt: minutesFromNow(-30), lockedAt: minutesFromNow(-1) },
  { name: 'run', nextRunAt: minutesFromNow(10) },
  { name: 'run', nextRunAt: minutesFromNow(-60), disabled: true },
  { name: 'cron', nextRunAt: minutesFromNow(1) },
  { name: 'cron', nextRunAt: minutesFromNow(-2), lockedAt: minutesFromNow(-2), disabled: true },
  { name: 'run-slot', nextRunAt: null },
  { name: 'run-slot', nextRunAt: null, lockedAt: minutesFromNow(-3) },
  { name: 'paused', nextRunAt: minutesFromNow(-9), disabled: true },
];

/** The counts of `COUNTED_JOBS` at `COUNT_NOW`, sorted by name. */
export const EXPECTED_COUNTS: readonly AgendaJobCounts[] = [
  { name: 'cron', queued: 0, running: 0, oldestDueAt: null },
  { name: 'run', queued: 3, running: 1, oldestDueAt: minutesFromNow(-5) },
  { name: 'run-slot', queued: 0, running: 1, oldestDueAt: null },
];

/** Builds the MongoDB document of `job` as @agendajs/mongo-backend stores it. */
export function toMongoDocument(job: CountedJob): Record<string, unknown> {
  const document: Record<string, unknown> = { name: job.name, nextRunAt: job.nextRunAt, priority: 0, type: 'normal', data: {} };
  if (job.lockedAt !== undefined) document.lockedAt = job.lockedAt;
  if (job.disabled !== undefined) document.disabled = job.disabled;
  return document;
}
