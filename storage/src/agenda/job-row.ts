import { toJobId, type JobParameters } from 'agenda';

/** Storage format of a job property's column. */
type ColumnKind = 'text' | 'number' | 'date' | 'boolean' | 'json';

/** One stored job property and its `agenda_jobs` column. */
export interface JobColumn {
  property: keyof JobParameters;
  column: string;
  kind: ColumnKind;
}

/**
 * Every stored property of JobParameters except `_id` (the `id` column). `unique` and
 * `uniqueOpts` are not stored, because they only steer one saveJob call (as in
 * @agendajs/mongo-backend).
 */
export const JOB_COLUMNS: readonly JobColumn[] = [
  { property: 'name', column: 'name', kind: 'text' },
  { property: 'type', column: 'type', kind: 'text' },
  { property: 'priority', column: 'priority', kind: 'number' },
  { property: 'nextRunAt', column: 'next_run_at', kind: 'date' },
  { property: 'lockedAt', column: 'locked_at', kind: 'date' },
  { property: 'lastRunAt', column: 'last_run_at', kind: 'date' },
  { property: 'lastFinishedAt', column: 'last_finished_at', kind: 'date' },
  { property: 'failedAt', column: 'failed_at', kind: 'date' },
  { property: 'failCount', column: 'fail_count', kind: 'number' },
  { property: 'failReason', column: 'fail_reason', kind: 'text' },
  { property: 'repeatInterval', column: 'repeat_interval', kind: 'json' },
  { property: 'repeatTimezone', column: 'repeat_timezone', kind: 'text' },
  { property: 'repeatAt', column: 'repeat_at', kind: 'text' },
  { property: 'data', column: 'data', kind: 'json' },
  { property: 'disabled', column: 'disabled', kind: 'boolean' },
  { property: 'progress', column: 'progress', kind: 'number' },
  { property: 'debounceStartedAt', column: 'debounce_started_at', kind: 'date' },
  { property: 'lastModifiedBy', column: 'last_modified_by', kind: 'text' },
  { property: 'fork', column: 'fork', kind: 'boolean' },
  { property: 'startDate', column: 'start_date', kind: 'date' },
  { property: 'endDate', column: 'end_date', kind: 'date' },
  { property: 'skipDays', column: 'skip_days', kind: 'json' },
];

const COLUMN_BY_PROPERTY = new Map<string, JobColumn>(
  JOB_COLUMNS.map((column) => [column.property, column]),
);

/** A value as better-sqlite3 binds it. */
export type SqlValue = string | number | null;

/** A row of `agenda_jobs` as better-sqlite3 returns it. */
export type JobRow = Record<string, SqlValue>;

/** Returns the column that stores `property`, or undefined when the property is not stored. */
export function findJobColumn(property: string): JobColumn | undefined {
  return COLUMN_BY_PROPERTY.get(property);
}

/**
 * Converts a job property to its column value. `undefined` and `null` become NULL, as the
 * MongoDB driver stores an undefined field as null. Throws RangeError on a date that is not
 * valid, naming the property.
 */
export function encodeValue(column: JobColumn, value: unknown): SqlValue {
  if (value === undefined || value === null) {
    return null;
  }
  switch (column.kind) {
    case 'text':
      return String(value);
    case 'number':
      return Number(value);
    case 'boolean':
      return value ? 1 : 0;
    case 'json':
      return JSON.stringify(value);
    case 'date':
      return encodeDate(column.property, value);
  }
}

function encodeDate(property: string, value: unknown): number {
  const date = value instanceof Date ? value : new Date(value as string | number);
  const time = date.getTime();
  if (!Number.isFinite(time)) {
    throw new RangeError(`Invalid date in job property ${property}: ${String(value)}.`);
  }
  return time;
}

function decodeValue(column: JobColumn, value: SqlValue): unknown {
  if (value === null) {
    return undefined;
  }
  switch (column.kind) {
    case 'text':
    case 'number':
      return value;
    case 'boolean':
      return value === 1;
    case 'json':
      return JSON.parse(value as string);
    case 'date':
      return new Date(value as number);
  }
}

/**
 * Converts a row to JobParameters. A NULL column leaves its property out, except `nextRunAt`
 * and `data`, which are null, because Agenda's Job treats a missing nextRunAt as "now".
 */
export function rowToJob(row: JobRow): JobParameters {
  const job: Record<string, unknown> = { _id: toJobId(row.id as string) };
  for (const column of JOB_COLUMNS) {
    const value = decodeValue(column, row[column.column]);
    if (value !== undefined) {
      job[column.property] = value;
    }
  }
  job.nextRunAt ??= null;
  job.data ??= null;
  return job as unknown as JobParameters;
}
