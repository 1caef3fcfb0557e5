import type { JobParameters } from 'agenda';
import { rowToJob, type JobRow } from './job-row.js';
import type { StatementCache } from './statement-cache.js';

/** Options of `claimDueJobs`. */
export interface ClaimDueJobsOptions {
  /** Job name to claim. */
  name: string;
  /** The new lock time. */
  now: Date;
  /** Jobs whose `nextRunAt` is at or before this instant are claimed. Defaults to `now`. */
  dueBy?: Date;
  /** A lock taken at or before this instant has expired, so its job can be claimed again. */
  lockDeadline: Date;
  /** Maximum number of jobs claimed, the earliest due first. */
  limit: number;
  /** Process name written to `lastModifiedBy`, as Agenda's own locks do. */
  lockedBy: string;
}

/** A job locked by `claimDueJobs`. */
export interface ClaimedJob {
  /** The job with its new lock (`lockedAt` is the claim's `now`). */
  job: JobParameters;
  /**
   * The expired lock that the claim took over, or null for a job that was unlocked. A process
   * that stopped while it held the job left this lock.
   */
  expiredLockAt: Date | null;
}

/** Result of one claimed job that `releaseJobs` writes and unlocks. */
export interface JobRelease {
  id: string;
  /** `lockedAt` of the claim. A job locked again since then belongs to another claim and is left alone. */
  lockedAt: Date;
  data: unknown;
  nextRunAt: Date;
  /** Start of the fire, also written as `lastFinishedAt`. When absent, both keep their stored values. */
  lastRunAt?: Date;
}

/** Batch writes of the job store that the cron scheduler uses instead of one job at a time. */
export interface JobBatchRepository {
  /**
   * Locks every enabled job of `options.name` that is due and either unlocked or locked at or
   * before `lockDeadline`, up to `limit`. Two processes that claim at once never lock the same
   * job, because SQLite claims in one transaction and MongoDB locks each document atomically.
   */
  claimDueJobs(options: ClaimDueJobsOptions): Promise<ClaimedJob[]>;
  /**
   * Writes `data`, `nextRunAt` and `lastRunAt` of each job that is still locked at its
   * `lockedAt`, unlocks it, and returns how many jobs it wrote. A job that was removed meanwhile
   * is skipped. `disabled` is not written, so a pause stored during the fire is kept.
   */
  releaseJobs(releases: readonly JobRelease[], lockedBy: string): Promise<number>;
  /**
   * Returns the ids among `ids` whose jobs are still enabled and locked at `lockedAt`, so a job
   * removed, paused or claimed by another process since that claim is left out.
   */
  stillClaimed(ids: readonly string[], lockedAt: Date): Promise<string[]>;
  /** Returns the earliest `nextRunAt` of the enabled, unlocked jobs of `name`, or null when there is none. */
  nextRunTime(name: string): Promise<Date | null>;
}

/** Due and claimable jobs of one name, the earliest due first, as `claimDueJobs` reads them. */
const DUE_JOBS_SQL = `
  select id, locked_at from agenda_jobs
  where name = @name and disabled is not 1 and next_run_at <= @dueBy
    and (locked_at is null or locked_at <= @lockDeadline)
  order by next_run_at asc, priority desc
  limit @limit`;

const LOCK_SQL = `
  update agenda_jobs set locked_at = @now, last_modified_by = @lockedBy
  where id in (select value from json_each(@ids))
  returning *`;

const RELEASE_SQL = `
  update agenda_jobs
  set data = @data, next_run_at = @nextRunAt, last_run_at = coalesce(@lastRunAt, last_run_at),
    last_finished_at = coalesce(@lastRunAt, last_finished_at), locked_at = null,
    last_modified_by = @lockedBy
  where id = @id and locked_at = @lockedAt`;

export const STILL_CLAIMED_SQL = `
  select id from agenda_jobs
  where id in (select value from json_each(?)) and locked_at = ? and disabled is not 1`;

/** Served by the `agenda_jobs_due` index, whose rows are the unlocked jobs in this order. */
export const NEXT_RUN_TIME_SQL = `
  select next_run_at from agenda_jobs
  where name = ? and locked_at is null and next_run_at is not null and disabled is not 1
  order by next_run_at asc limit 1`;

/** SQLite implementation of `JobBatchRepository.claimDueJobs`, in one BEGIN IMMEDIATE transaction. */
export function claimDueJobs(statements: StatementCache, options: ClaimDueJobsOptions): ClaimedJob[] {
  const claim = statements.db.transaction((): ClaimedJob[] => {
    const due = statements.prepare(DUE_JOBS_SQL).all({
      name: options.name,
      dueBy: (options.dueBy ?? options.now).getTime(),
      lockDeadline: options.lockDeadline.getTime(),
      limit: options.limit,
    }) as Array<{ id: string; locked_at: number | null }>;
    if (due.length === 0) return [];

    const expiredLocks = new Map(due.map((row) => [row.id, row.locked_at]));
    const rows = statements.prepare(LOCK_SQL).all({
      now: options.now.getTime(),
      lockedBy: options.lockedBy,
      ids: JSON.stringify(due.map((row) => row.id)),
    }) as JobRow[];
    return rows.map((row) => {
      const expiredLockAt = expiredLocks.get(row.id as string) ?? null;
      return { job: rowToJob(row), expiredLockAt: expiredLockAt === null ? null : new Date(expiredLockAt) };
    });
  });
  return claim.immediate();
}

/** SQLite implementation of `JobBatchRepository.releaseJobs`, in one BEGIN IMMEDIATE transaction. */
export function releaseJobs(statements: StatementCache, releases: readonly JobRelease[], lockedBy: string): number {
  const release = statements.db.transaction((): number => {
    const statement = statements.prepare(RELEASE_SQL);
    let written = 0;
    for (const item of releases) {
      const result = statement.run({
        id: item.id,
        lockedAt: item.lockedAt.getTime(),
        data: JSON.stringify(item.data),
        nextRunAt: item.nextRunAt.getTime(),
        lastRunAt: item.lastRunAt?.getTime() ?? null,
        lockedBy,
      });
      written += result.changes;
    }
    return written;
  });
  return release.immediate();
}
