import { randomUUID } from 'node:crypto';
import type { DebounceOptions, JobParameters, JobRepositoryOptions } from 'agenda';
import { translateConflict } from '../sqlite/conflict.js';
import { allOf, matchUnique, type SqlCondition } from './job-filter.js';
import { JOB_COLUMNS, encodeValue, rowToJob, type JobRow, type SqlValue } from './job-row.js';
import type { StatementCache } from './statement-cache.js';

/** Job properties to write. A property that is absent keeps its stored value on update. */
type JobFields = Partial<Omit<JobParameters, '_id' | 'unique' | 'uniqueOpts'>>;

/**
 * Saves a job the way @agendajs/mongo-backend does, in one BEGIN IMMEDIATE transaction, so a
 * concurrent save in another process cannot slip between the lookup and the write:
 *
 * 1. A job with `_id` updates the row with that id and name. A removed job is returned unchanged.
 * 2. A job of type `single` (from `every()`) updates the one row of that name and type, or
 *    inserts it. A `nextRunAt` that is not in the future is written only on insert, so saving a
 *    repeating job again does not move its pending run.
 * 3. A job with `unique` updates the row matching the unique query, or inserts it. `insertOnly`
 *    returns an existing row unchanged. `debounce` moves `nextRunAt` (see `applyDebounce`).
 * 4. Any other job is inserted with a new id.
 *
 * Only the properties present in `job` are written on update, as with MongoDB's `$set`. A
 * property present with the value undefined is stored as NULL.
 */
export function saveJob<DATA>(
  statements: StatementCache,
  job: JobParameters<DATA>,
  options: JobRepositoryOptions | undefined,
): JobParameters<DATA> {
  const now = new Date();
  const save = statements.db.transaction(() => saveInTransaction(statements, job, options, now));
  return save.immediate();
}

/**
 * Saves each job as `saveJob` does, all in one BEGIN IMMEDIATE transaction, and returns the
 * saved jobs in the order given. A failure of any job rolls back every one of them.
 */
export function saveJobs<DATA>(
  statements: StatementCache,
  jobs: readonly JobParameters<DATA>[],
  options: JobRepositoryOptions | undefined,
): JobParameters<DATA>[] {
  const now = new Date();
  const save = statements.db.transaction(() =>
    jobs.map((job) => saveInTransaction(statements, job, options, now)),
  );
  return save.immediate();
}

function saveInTransaction<DATA>(
  statements: StatementCache,
  job: JobParameters<DATA>,
  options: JobRepositoryOptions | undefined,
  now: Date,
): JobParameters<DATA> {
  const { _id: id, unique, uniqueOpts, ...props } = job;
  const fields: JobFields = { ...(props as JobFields), lastModifiedBy: options?.lastModifiedBy };

  let saved: JobParameters | undefined;
  if (id) {
    const byId = { sql: 'id = ? and name = ?', params: [id, props.name ?? null] };
    saved = updateWhere(statements, fields, byId);
  } else if (props.type === 'single') {
    saved = upsertSingle(statements, fields, now);
  } else if (unique) {
    const debounce = uniqueOpts?.debounce;
    saved = debounce
      ? saveDebounced(statements, fields, unique, debounce, now)
      : upsertUnique(statements, fields, unique, uniqueOpts?.insertOnly === true);
  } else {
    saved = insert(statements, fields);
  }
  return (saved ?? job) as JobParameters<DATA>;
}

function upsertSingle(statements: StatementCache, fields: JobFields, now: Date): JobParameters {
  const existing = findOne(statements, {
    sql: `name = ? and type = 'single'`,
    params: [fields.name ?? null],
  });
  if (existing === undefined) {
    return insert(statements, fields);
  }

  const update = { ...fields };
  if (fields.nextRunAt && new Date(fields.nextRunAt).getTime() <= now.getTime()) {
    delete update.nextRunAt;
  }
  return updateWhere(statements, update, { sql: 'id = ?', params: [existing.id] })!;
}

function upsertUnique(
  statements: StatementCache,
  fields: JobFields,
  unique: Record<string, unknown>,
  insertOnly: boolean,
): JobParameters {
  const existing = findOne(statements, uniqueMatch(fields, unique));
  if (existing === undefined) {
    return insert(statements, fields);
  }
  if (insertOnly) {
    return rowToJob(existing);
  }
  return updateWhere(statements, fields, { sql: 'id = ?', params: [existing.id] })!;
}

function saveDebounced(
  statements: StatementCache,
  fields: JobFields,
  unique: Record<string, unknown>,
  debounce: DebounceOptions,
  now: Date,
): JobParameters {
  const existingRow = findOne(statements, uniqueMatch(fields, unique));
  const existing = existingRow === undefined ? undefined : rowToJob(existingRow);
  const update = { ...fields, ...applyDebounce(fields, existing, debounce, now) };

  if (existingRow === undefined) {
    return insert(statements, update);
  }
  return updateWhere(statements, update, { sql: 'id = ?', params: [existingRow.id] })!;
}

/**
 * Computes `nextRunAt` and `debounceStartedAt` for a debounced save, following the
 * DebounceOptions contract of Agenda 6.2.6. `debounceStartedAt` marks the start of a window.
 *
 * - trailing (default): the job runs `delay` ms after the last save. With `maxWait`, it runs no
 *   later than `maxWait` ms after the window started. A save at or past that deadline schedules
 *   the job now and clears `debounceStartedAt`, so the next save starts a new window.
 * - leading: the first save keeps its `nextRunAt` (usually now) and opens a window of `delay`
 *   ms. Saves inside the window update the job but keep its `nextRunAt`. The first save after
 *   the window opens a new one.
 *
 * NOTE: @agendajs/mongo-backend's leading strategy keeps the stored nextRunAt on every later
 * save, even after the window, so a job that already ran would never run again. This store
 * opens a new window instead, which is what the DebounceOptions documentation describes.
 */
export function applyDebounce(
  fields: JobFields,
  existing: JobParameters | undefined,
  debounce: DebounceOptions,
  now: Date,
): Pick<JobFields, 'nextRunAt' | 'debounceStartedAt'> {
  const nowMs = now.getTime();
  const startedAt = existing?.debounceStartedAt;

  if (debounce.strategy === 'leading') {
    const windowOpen = startedAt !== undefined && nowMs - startedAt.getTime() < debounce.delay;
    return windowOpen
      ? { nextRunAt: existing!.nextRunAt, debounceStartedAt: startedAt }
      : { nextRunAt: fields.nextRunAt ?? now, debounceStartedAt: now };
  }

  const windowStart = startedAt ?? now;
  const maxWait = debounce.maxWait;
  if (existing !== undefined && maxWait && nowMs - windowStart.getTime() >= maxWait) {
    return { nextRunAt: now, debounceStartedAt: undefined };
  }

  let runAt = nowMs + debounce.delay;
  if (maxWait) {
    runAt = Math.min(runAt, windowStart.getTime() + maxWait);
  }
  return { nextRunAt: new Date(runAt), debounceStartedAt: windowStart };
}

function uniqueMatch(fields: JobFields, unique: Record<string, unknown>): SqlCondition {
  return allOf([{ sql: 'name = ?', params: [fields.name ?? null] }, ...matchUnique(unique)]);
}

function findOne(statements: StatementCache, where: SqlCondition): JobRow | undefined {
  const sql = `select * from agenda_jobs where ${where.sql} order by rowid limit 1`;
  return statements.prepare(sql).get(...where.params) as JobRow | undefined;
}

/** Returns the columns and values of the properties present in `fields`. */
function presentColumns(fields: JobFields): { columns: string[]; values: SqlValue[] } {
  const columns: string[] = [];
  const values: SqlValue[] = [];
  for (const column of JOB_COLUMNS) {
    if (Object.hasOwn(fields, column.property)) {
      columns.push(column.column);
      values.push(encodeValue(column, fields[column.property as keyof JobFields]));
    }
  }
  return { columns, values };
}

function insert(statements: StatementCache, fields: JobFields): JobParameters {
  const id = randomUUID();
  const { columns, values } = presentColumns(fields);
  const placeholders = columns.map(() => ', ?').join('');
  const sql =
    `insert into agenda_jobs (id${columns.map((column) => `, ${column}`).join('')}) ` +
    `values (?${placeholders}) returning *`;

  const row = translateConflict(`Agenda job "${fields.name}"`, () =>
    statements.prepare(sql).get(id, ...values),
  );
  return rowToJob(row as JobRow);
}

/** Updates the first row matching `where` and returns it, or undefined when none matches. */
function updateWhere(
  statements: StatementCache,
  fields: JobFields,
  where: SqlCondition,
): JobParameters | undefined {
  const { columns, values } = presentColumns(fields);
  const assignments = columns.map((column) => `${column} = ?`).join(', ');
  const sql = `update agenda_jobs set ${assignments} where ${where.sql} returning *`;

  const row = translateConflict(`Agenda job "${fields.name}"`, () =>
    statements.prepare(sql).get(...values, ...where.params),
  );
  return row === undefined ? undefined : rowToJob(row as JobRow);
}
