import type Database from 'better-sqlite3';
import {
  computeJobState,
  type JobId,
  type JobParameters,
  type JobRepository,
  type JobRepositoryOptions,
  type JobsOverview,
  type JobsQueryOptions,
  type JobsResult,
  type JobWithState,
  type RemoveJobsOptions,
} from 'agenda';
import { openConnection } from '../sqlite/connection.js';
import { AgendaJobLockLostError, AgendaJobNotFoundError } from '../types.js';
import { LOWER_FUNCTION, buildJobsFilter, buildOrderBy, buildQueryFilter } from './job-filter.js';
import {
  encodeValue,
  findJobColumn,
  rowToJob,
  type JobColumn,
  type JobRow,
  type SqlValue,
} from './job-row.js';
import {
  NEXT_RUN_TIME_SQL,
  STILL_CLAIMED_SQL,
  claimDueJobs,
  releaseJobs,
  type ClaimDueJobsOptions,
  type ClaimedJob,
  type JobBatchRepository,
  type JobRelease,
} from './claim-jobs.js';
import { saveJob, saveJobs } from './save-job.js';
import { applyAgendaMigrations } from './schema.js';
import { StatementCache } from './statement-cache.js';

/** Location of the job store, either a database file it opens or a connection it borrows. */
export type SqliteJobStoreLocation =
  | { path: string; db?: undefined }
  | { db: Database.Database; path?: undefined };

/** The job properties that saveJobState writes, as @agendajs/mongo-backend does. */
const STATE_PROPERTIES = [
  'lockedAt',
  'nextRunAt',
  'lastRunAt',
  'progress',
  'failReason',
  'failCount',
  'failedAt',
  'lastFinishedAt',
] as const;

const STATE_COLUMNS: readonly JobColumn[] = STATE_PROPERTIES.map(
  (property) => findJobColumn(property)!,
);

/**
 * Picks the job that getNextJobToRun locks: a due, unlocked job, or a job whose lock expired,
 * whichever comes first by `nextRunAt` ascending then `priority` descending. Each branch is a
 * separate query so that each uses its own index and stops at its first row.
 */
const NEXT_JOB_SQL = `
  select id from (
    select * from (
      select id, next_run_at, priority from agenda_jobs
      where name = @name and locked_at is null and next_run_at <= @nextScanAt
        and disabled is not 1
      order by next_run_at asc, priority desc limit 1
    )
    union all
    select * from (
      select id, next_run_at, priority from agenda_jobs
      where name = @name and locked_at <= @lockDeadline and disabled is not 1
      order by next_run_at asc, priority desc limit 1
    )
  )
  order by next_run_at asc, priority desc limit 1`;

/**
 * Agenda 6 JobRepository over SQLite (better-sqlite3), modelled on MongoJobRepository of
 * @agendajs/mongo-backend. `storage/README.md` maps each method to its SQL and lists the
 * differences.
 *
 * Every write that reads before it writes runs in a BEGIN IMMEDIATE transaction, which takes
 * the database's single write lock first. So two processes sharing the file never lock the same
 * job, and unique upserts cannot create duplicates.
 */
export class SqliteJobRepository implements JobRepository, JobBatchRepository {
  readonly #location: SqliteJobStoreLocation;
  #statements: StatementCache | null = null;
  /**
   * `locked_at` (epoch ms) of each job this repository locked and has not unlocked yet. A state
   * write of such a job requires the stored `locked_at` to still equal it, so a process whose
   * lock expired and was taken by another process cannot unlock or overwrite the job.
   */
  readonly #heldLocks = new Map<string, number>();

  constructor(location: SqliteJobStoreLocation) {
    this.#location = location;
  }

  /** True when the repository opened its connection itself and closes it on disconnect. */
  get ownsConnection(): boolean {
    return this.#location.db === undefined;
  }

  /** The open connection. Throws when the repository is not connected. */
  get db(): Database.Database {
    return this.#store().db;
  }

  /**
   * Opens the connection (for a path) and applies pending migrations. Synchronous, so that
   * `createSqliteAgendaBackend` reports a bad path or a newer schema to its caller. Calling it
   * on an open repository does nothing.
   */
  open(): void {
    if (this.#statements !== null && this.#statements.db.open) {
      return;
    }
    const location = this.#location.path ?? this.#location.db.name;
    const db = this.#location.db ?? openConnection(this.#location.path);
    try {
      applyAgendaMigrations(db, location);
      // SQLite's lower() folds ASCII letters only, but search must match MongoDB's /i on any text.
      db.function(LOWER_FUNCTION, { deterministic: true }, (value: unknown) =>
        typeof value === 'string' ? value.toLowerCase() : value,
      );
    } catch (error) {
      if (this.ownsConnection) {
        db.close();
      }
      throw error;
    }
    this.#statements = new StatementCache(db);
  }

  async connect(): Promise<void> {
    this.open();
  }

  /** Closes the connection if the repository opened it. `connect` opens it again. */
  async disconnect(): Promise<void> {
    const statements = this.#statements;
    this.#statements = null;
    if (statements !== null && this.ownsConnection && statements.db.open) {
      statements.db.close();
    }
  }

  async queryJobs(options: JobsQueryOptions = {}): Promise<JobsResult> {
    const { state, sort, skip = 0, limit = 0 } = options;
    const filter = buildQueryFilter(options);
    const orderBy = buildOrderBy(sort);
    const now = new Date();

    // The state is computed from several columns by agenda's computeJobState, so a state filter
    // reads every matching row and pages in JavaScript, as the MongoDB backend does.
    if (state) {
      const sql = `select * from agenda_jobs where ${filter.sql} order by ${orderBy}`;
      const rows = this.#all(sql, filter.params);
      const jobs = rows.map((row) => withState(row, now)).filter((job) => job.state === state);
      const end = limit > 0 ? skip + limit : undefined;
      return { jobs: jobs.slice(skip, end), total: jobs.length };
    }

    const countSql = `select count(*) from agenda_jobs where ${filter.sql}`;
    const total = this.#count(countSql, filter.params);
    // LIMIT -1 means no limit in SQLite.
    const rows = this.#all(
      `select * from agenda_jobs where ${filter.sql} order by ${orderBy} limit ? offset ?`,
      [...filter.params, limit > 0 ? limit : -1, skip],
    );
    return { jobs: rows.map((row) => withState(row, now)), total };
  }

  /**
   * Counts the jobs of each name by computed state. `paused` counts the disabled jobs, which
   * are also counted under their computed state.
   */
  async getJobsOverview(): Promise<JobsOverview[]> {
    const now = new Date();
    const rows = this.#all('select * from agenda_jobs order by name', []);
    const overviews = new Map<string, JobsOverview>();

    for (const row of rows) {
      const job = rowToJob(row);
      let overview = overviews.get(job.name);
      if (overview === undefined) {
        overview = {
          name: job.name,
          total: 0,
          running: 0,
          scheduled: 0,
          queued: 0,
          completed: 0,
          failed: 0,
          repeating: 0,
          paused: 0,
        };
        overviews.set(job.name, overview);
      }
      overview.total += 1;
      overview[computeJobState(job, now)] += 1;
      if (job.disabled === true) {
        overview.paused += 1;
      }
    }
    return [...overviews.values()];
  }

  async getDistinctJobNames(): Promise<string[]> {
    const statement = this.#store().prepare('select distinct name from agenda_jobs order by name');
    return statement.pluck().all() as string[];
  }

  async getJobById(id: string): Promise<JobParameters | null> {
    const row = this.#store().prepare('select * from agenda_jobs where id = ?').get(id);
    return row === undefined ? null : rowToJob(row as JobRow);
  }

  /** Counts the jobs whose `nextRunAt` is in the past, disabled ones included. */
  async getQueueSize(): Promise<number> {
    return this.#count('select count(*) from agenda_jobs where next_run_at < ?', [Date.now()]);
  }

  /** Deletes the matching jobs and returns how many. Options without a criterion delete none. */
  async removeJobs(options: RemoveJobsOptions): Promise<number> {
    const filter = buildJobsFilter(options);
    if (filter === null) {
      return 0;
    }
    return this.#run(`delete from agenda_jobs where ${filter.sql}`, filter.params);
  }

  async saveJob<DATA = unknown>(
    job: JobParameters<DATA>,
    options: JobRepositoryOptions | undefined,
  ): Promise<JobParameters<DATA>> {
    return saveJob(this.#store(), job, options);
  }

  /** Saves several jobs as `saveJob` does, in one transaction, and returns them in order. */
  async saveJobs<DATA = unknown>(
    jobs: readonly JobParameters<DATA>[],
    options: JobRepositoryOptions | undefined,
  ): Promise<JobParameters<DATA>[]> {
    return jobs.length === 0 ? [] : saveJobs(this.#store(), jobs, options);
  }

  async claimDueJobs(options: ClaimDueJobsOptions): Promise<ClaimedJob[]> {
    return claimDueJobs(this.#store(), options);
  }

  async releaseJobs(releases: readonly JobRelease[], lockedBy: string): Promise<number> {
    return releases.length === 0 ? 0 : releaseJobs(this.#store(), releases, lockedBy);
  }

  async stillClaimed(ids: readonly string[], lockedAt: Date): Promise<string[]> {
    const statement = this.#store().prepare(STILL_CLAIMED_SQL).pluck();
    return statement.all(JSON.stringify(ids), lockedAt.getTime()) as string[];
  }

  async nextRunTime(name: string): Promise<Date | null> {
    const time = this.#store().prepare(NEXT_RUN_TIME_SQL).pluck().get(name) as number | undefined;
    return time === undefined ? null : new Date(time);
  }

  /**
   * Writes the run state (lock, run times, progress, failure) of a job. For a job this
   * repository locked, the write applies only while the stored lock time is still this
   * repository's. Throws AgendaJobLockLostError when another process has locked the job since,
   * and AgendaJobNotFoundError when no job has that id and name.
   */
  async saveJobState(job: JobParameters, options: JobRepositoryOptions | undefined): Promise<void> {
    if (!job._id) {
      throw new TypeError(`Cannot save the state of Agenda job "${job.name}": it has no _id.`);
    }
    const id = String(job._id);
    const values = STATE_COLUMNS.map((column) => encodeValue(column, job[column.property]));
    const assignments = STATE_COLUMNS.map((column) => `${column.column} = ?`).join(', ');
    const heldLock = this.#heldLocks.get(id);
    const fence = heldLock === undefined ? '' : ' and locked_at is ?';
    const sql =
      `update agenda_jobs set ${assignments}, last_modified_by = ? ` + `where id = ? and name = ?${fence}`;
    const parameters = [...values, options?.lastModifiedBy ?? null, job._id, job.name];
    if (heldLock !== undefined) parameters.push(heldLock);

    if (this.#run(sql, parameters) !== 1) {
      if (heldLock !== undefined && this.#count('select count(*) from agenda_jobs where id = ? and name = ?', [id, job.name]) === 1) {
        // The entry stays, so later writes of the same stale execution are rejected as well.
        throw new AgendaJobLockLostError(id, job.name);
      }
      // A removed job has nothing left to fence.
      this.#heldLocks.delete(id);
      throw new AgendaJobNotFoundError(id, job.name);
    }
    this.#recordLock(id, job.lockedAt);
  }

  /** Records the lock time this repository wrote for job `id`, or removes the entry when unlocked. */
  #recordLock(id: string, lockedAt: Date | number | null | undefined): void {
    if (lockedAt === null || lockedAt === undefined) this.#heldLocks.delete(id);
    else this.#heldLocks.set(id, typeof lockedAt === 'number' ? lockedAt : lockedAt.getTime());
  }

  /**
   * Locks one job with a compare-and-set in one UPDATE, if the job is still unlocked, enabled and
   * due at the `nextRunAt` the caller saw. Returns the locked job, or undefined when another
   * process got it first or it changed. Agenda 6.2.6 locks through getNextJobToRun and never
   * calls this.
   */
  async lockJob(
    job: JobParameters,
    options: JobRepositoryOptions | undefined,
  ): Promise<JobParameters | undefined> {
    if (!job._id) {
      return undefined;
    }
    const nextRunAt = encodeValue(findJobColumn('nextRunAt')!, job.nextRunAt);
    const row = this.#store()
      .prepare(
        `update agenda_jobs set locked_at = ?, last_modified_by = ?
         where id = ? and name = ? and locked_at is null and next_run_at is ? and disabled is not 1
         returning *`,
      )
      .get(Date.now(), options?.lastModifiedBy ?? null, job._id, job.name, nextRunAt) as JobRow | undefined;
    if (row === undefined) {
      return undefined;
    }
    this.#recordLock(String(job._id), row.locked_at as number | null);
    return rowToJob(row);
  }

  /** Unlocks a job unless it is running a one-time run (`nextRunAt` is null). */
  async unlockJob(job: JobParameters): Promise<void> {
    if (!job._id) {
      return;
    }
    const { changes } = this.#store()
      .prepare('update agenda_jobs set locked_at = null where id = ? and next_run_at is not null')
      .run(job._id);
    if (changes > 0) {
      this.#heldLocks.delete(String(job._id));
    }
  }

  /** Unlocks the jobs with these ids, whatever their `nextRunAt` (Agenda's stop() calls it). */
  async unlockJobs(jobIds: (JobId | string)[]): Promise<void> {
    if (jobIds.length === 0) {
      return;
    }
    const sql =
      'update agenda_jobs set locked_at = null where id in (select value from json_each(?))';
    this.#store().prepare(sql).run(JSON.stringify(jobIds.map(String)));
    for (const id of jobIds) {
      this.#heldLocks.delete(String(id));
    }
  }

  /**
   * Finds and locks the next job of `jobName` to run, atomically: enabled, and either unlocked
   * and due by `nextScanAt`, or locked at or before `lockDeadline` (its worker stopped renewing
   * the lock, for example because it died). The lock time is `now`, or the current time.
   */
  async getNextJobToRun(
    jobName: string,
    nextScanAt: Date,
    lockDeadline: Date,
    now: Date | undefined,
    options: JobRepositoryOptions | undefined,
  ): Promise<JobParameters | undefined> {
    const statements = this.#store();
    const lockedAt = (now ?? new Date()).getTime();

    const lockNext = statements.db.transaction((): JobRow | undefined => {
      const id = statements.prepare(NEXT_JOB_SQL).pluck().get({
        name: jobName,
        nextScanAt: nextScanAt.getTime(),
        lockDeadline: lockDeadline.getTime(),
      });
      if (id === undefined) {
        return undefined;
      }
      const lock =
        'update agenda_jobs set locked_at = ?, last_modified_by = ? where id = ? returning *';
      return statements.prepare(lock).get(lockedAt, options?.lastModifiedBy ?? null, id) as JobRow;
    });

    const row = lockNext.immediate();
    if (row === undefined) {
      return undefined;
    }
    this.#recordLock(String(row.id), lockedAt);
    return rowToJob(row);
  }

  /** Sets `disabled` on the matching jobs and returns how many changed (0 with no criterion). */
  async disableJobs(options: RemoveJobsOptions): Promise<number> {
    return this.#setDisabled(options, true);
  }

  /** Clears `disabled` on the matching jobs and returns how many changed (0 with no criterion). */
  async enableJobs(options: RemoveJobsOptions): Promise<number> {
    return this.#setDisabled(options, false);
  }

  /** Deletes every job and returns how many. */
  async purgeAllJobs(): Promise<number> {
    return this.#run('delete from agenda_jobs', []);
  }

  #setDisabled(options: RemoveJobsOptions, disabled: boolean): number {
    const filter = buildJobsFilter(options);
    if (filter === null) {
      return 0;
    }
    // Like MongoDB's modifiedCount, count only the jobs whose flag changes.
    const value = disabled ? 1 : 0;
    const sql =
      `update agenda_jobs set disabled = ${value} ` +
      `where (${filter.sql}) and disabled is not ${value}`;
    return this.#run(sql, filter.params);
  }

  #store(): StatementCache {
    if (this.#statements === null || !this.#statements.db.open) {
      throw new Error('The Agenda SQLite job store is not connected. Call connect() first.');
    }
    return this.#statements;
  }

  #all(sql: string, params: readonly SqlValue[]): JobRow[] {
    return this.#store().prepare(sql).all(...params) as JobRow[];
  }

  #count(sql: string, params: readonly SqlValue[]): number {
    return this.#store().prepare(sql).pluck().get(...params) as number;
  }

  #run(sql: string, params: readonly SqlValue[]): number {
    return this.#store().prepare(sql).run(...params).changes;
  }
}

function withState(row: JobRow, now: Date): JobWithState {
  const job = rowToJob(row) as JobWithState;
  job.state = computeJobState(job, now);
  return job;
}
