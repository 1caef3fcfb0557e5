import { setTimeout as sleep } from 'node:timers/promises';
import type { ClaimedJob, GraphRecord, JobRelease, Storage } from '@gestorlead/storage';
import type { Logger } from 'pino';
import type { Executor } from '../executor/executor.js';
import { fireCronJobs, readGraphs, type CronFire, type FireResult } from './cron-fires.js';
import { CRON_JOB, type JobStore } from './job-store.js';
import type { CronJobData } from './schedule-service.js';

export { cronRunId, type FireResult } from './cron-fires.js';

/** Options of `CronScheduler`. */
export interface CronSchedulerOptions {
  jobs: JobStore;
  storage: Storage;
  executor: Pick<Executor, 'createRuns'>;
  log: Logger;
  /** Time after its fire time past which a fire counts as missed, in ms. */
  missedAfterMs: number;
  /** Time after which another scheduler may claim a cron job this one claimed and never released, in ms. */
  lockLifetimeMs: number;
  /** Maximum number of cron jobs claimed and fired as one batch. */
  batchSize: number;
  /**
   * Time between two checks of the job store for due cron jobs, in ms. Jobs whose claim expired
   * are found by these checks. New schedules wake the scheduler at once through job notifications.
   */
  scanIntervalMs: number;
  now?: () => Date;
}

/** Delay before a cron job whose fire failed is tried again, in ms. */
const FAILED_FIRE_RETRY_MS = 5_000;
/**
 * Time before a fire time at which the scheduler claims the jobs due then and reads their
 * graphs, in ms, so only the runs' write is left at the fire time. It is capped at a quarter
 * of the lock lifetime.
 */
const CLAIM_AHEAD_MS = 1_000;
/** Timer waits for the clock to reach a fire time before the batch fires anyway. */
const MAX_FIRE_WAITS = 3;

/**
 * Fires the cron jobs that `ScheduleService` stores, in batches. Shortly before a fire time
 * (`CLAIM_AHEAD_MS`) it claims every cron job due by then in one write and reads their graphs.
 * The claim locks the jobs with this process's name, so two schedulers split them or one finds
 * none. At the fire time it drops the jobs removed or paused meanwhile, stores all the runs
 * with one `runs.createMany` and the runs' jobs in one write with one notification. Then it
 * saves each job's next fire time and unlocks it in one more write. A scheduler that stops
 * mid-batch leaves its jobs locked, and the first check after the lock lifetime claims them
 * again. Each fire time has one deterministic run id (`cronRunId`), so such a second fire
 * stores no second run.
 */
export class CronScheduler {
  readonly #options: CronSchedulerOptions;
  readonly #log: Logger;
  readonly #now: () => Date;
  #started = false;
  #scanTimer: NodeJS.Timeout | null = null;
  #fireTimer: NodeJS.Timeout | null = null;
  /** Epoch ms that `#fireTimer` fires at, or null without a timer. */
  #fireTimerAt: number | null = null;
  #unsubscribe: (() => void) | null = null;
  /** The batch loop in progress, or null. */
  #firing: Promise<void> | null = null;
  /** True when a check was requested while the batch loop ran, so the loop checks once more. */
  #checkAgain = false;

  constructor(options: CronSchedulerOptions) {
    this.#options = options;
    this.#log = options.log.child({ component: 'cron' });
    this.#now = options.now ?? (() => new Date());
  }

  /** Starts firing due cron jobs: checks the store now, every scan interval, and at each next fire time. */
  startFiring(): void {
    if (this.#started) return;
    this.#started = true;
    this.#unsubscribe = this.#options.jobs.onNotification(CRON_JOB, (notification) => {
      const at = notification.nextRunAt === null ? Date.now() : new Date(notification.nextRunAt).getTime();
      this.#armFireTimer(at - this.#claimAheadMs);
    });
    // The interval keeps a scheduler process without an HTTP server alive, until stopFiring.
    this.#scanTimer = setInterval(() => this.#check(), this.#options.scanIntervalMs);
    this.#check();
  }

  /** Stops firing and waits for the batch in progress, whose jobs it releases. */
  async stopFiring(): Promise<void> {
    this.#started = false;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    if (this.#scanTimer !== null) clearInterval(this.#scanTimer);
    this.#scanTimer = null;
    this.#clearFireTimer();
    await this.#firing;
  }

  /**
   * Fires one cron job due at `data.scheduledAt` and returns its result. It neither claims nor
   * releases the job, which the batch loop does.
   */
  async fire(data: CronJobData): Promise<FireResult> {
    const [result] = await fireCronJobs(this.#options, [{ data }], this.#now());
    return result;
  }

  /**
   * Claims and fires the due cron jobs, one batch after another until a claim returns less than
   * a full batch, and then sets the timer for the next fire time. Resolves when it is done, and
   * logs errors instead of rejecting.
   */
  fireDue(): Promise<void> {
    this.#check();
    return this.#firing ?? Promise.resolve();
  }

  #check(): void {
    if (this.#firing !== null) {
      this.#checkAgain = true;
      return;
    }
    this.#firing = this.#fireBatches()
      .catch((error: unknown) => this.#log.error({ err: error }, 'checking cron jobs failed; checking again at the next scan'))
      .finally(() => {
        this.#firing = null;
      });
  }

  async #fireBatches(): Promise<void> {
    const { jobs, batchSize, lockLifetimeMs } = this.#options;
    do {
      this.#checkAgain = false;
      let claimed: ClaimedJob[];
      do {
        const now = this.#now();
        claimed = await jobs.batches.claimDueJobs({
          name: CRON_JOB,
          now,
          dueBy: new Date(now.getTime() + this.#claimAheadMs),
          lockDeadline: new Date(now.getTime() - lockLifetimeMs),
          limit: batchSize,
          lockedBy: jobs.name,
        });
        if (claimed.length > 0) await this.#fireClaimed(claimed);
      } while (claimed.length === batchSize);
    } while (this.#checkAgain);

    if (!this.#started) return;
    const next = await jobs.batches.nextRunTime(CRON_JOB);
    if (next !== null) this.#armFireTimer(next.getTime() - this.#claimAheadMs);
  }

  get #claimAheadMs(): number {
    return Math.min(CLAIM_AHEAD_MS, Math.floor(this.#options.lockLifetimeMs / 4));
  }

  /** Reads the graphs of a claimed batch, then fires its jobs at their fire times, earliest first. */
  async #fireClaimed(claimed: readonly ClaimedJob[]): Promise<void> {
    const fires = claimed.map((item) => this.#fireOf(item));
    const graphs = await readGraphs(this.#options.storage, fires);
    const byDueTime = new Map<number, ClaimedJob[]>();
    for (const item of claimed) {
      const dueMs = item.job.nextRunAt ? new Date(item.job.nextRunAt).getTime() : 0;
      byDueTime.set(dueMs, [...(byDueTime.get(dueMs) ?? []), item]);
    }
    for (const dueMs of [...byDueTime.keys()].sort((a, b) => a - b)) {
      await this.#waitUntil(dueMs);
      await this.#fireGroup(byDueTime.get(dueMs)!, graphs);
    }
  }

  /** Waits until the clock reaches `dueMs`, with at most `MAX_FIRE_WAITS` timer waits. */
  async #waitUntil(dueMs: number): Promise<void> {
    for (let wait = 0; wait < MAX_FIRE_WAITS; wait += 1) {
      const remainingMs = dueMs - this.#now().getTime();
      if (remainingMs <= 0) return;
      await sleep(remainingMs);
    }
  }

  #fireOf({ job, expiredLockAt }: ClaimedJob): CronFire {
    const data = job.data as CronJobData;
    const claimedOnTime = expiredLockAt !== null && expiredLockAt.getTime() - Date.parse(data.scheduledAt) <= this.#options.missedAfterMs;
    return { data, claimedOnTime };
  }

  /**
   * Fires claimed jobs due at the same time and releases them: moved to their next fire time,
   * or removed when stale. Jobs removed or paused since the claim fire nothing, and a paused
   * one is unlocked as it was.
   */
  async #fireGroup(group: readonly ClaimedJob[], graphs: ReadonlyMap<string, GraphRecord | null>): Promise<void> {
    const now = this.#now();
    const lockedAt = new Date(group[0].job.lockedAt!);
    const kept = new Set(await this.#options.jobs.batches.stillClaimed(group.map(({ job }) => String(job._id)), lockedAt));
    const claimed = group.filter(({ job }) => kept.has(String(job._id)));
    const dropped = group.filter(({ job }) => !kept.has(String(job._id)));
    await this.#release(dropped.map(({ job }) => ({ id: String(job._id), lockedAt, data: job.data, nextRunAt: new Date(job.nextRunAt!) })));
    if (claimed.length === 0) return;
    const fires = claimed.map((item) => this.#fireOf(item));
    for (const { job } of claimed) {
      if (job.nextRunAt) this.#options.jobs.reportJobStart(CRON_JOB, now.getTime() - new Date(job.nextRunAt).getTime());
    }

    let results: FireResult[];
    try {
      results = await fireCronJobs(this.#options, fires, now, graphs);
    } catch (error) {
      this.#log.error({ err: error, jobs: claimed.length }, 'cron fires failed; trying them again later');
      const retryAt = new Date(Date.now() + FAILED_FIRE_RETRY_MS);
      await this.#release(claimed.map(({ job }) => releaseOf(job, job.data, retryAt, now)));
      return;
    }

    const releases: JobRelease[] = [];
    const staleIds: string[] = [];
    for (const [index, result] of results.entries()) {
      const { job } = claimed[index];
      if (result.stale || result.next === null) {
        staleIds.push(String(job._id));
        continue;
      }
      const data: CronJobData = { ...fires[index].data, scheduledAt: result.next.toISOString() };
      releases.push(releaseOf(job, data, result.next, now));
    }
    await this.#release(releases);
    if (staleIds.length > 0) {
      this.#log.info({ jobs: staleIds.length }, 'removing cron jobs of unpublished versions');
      await this.#options.jobs.agenda.cancel({ ids: staleIds });
    }
    const started = results.filter((result) => result.runId !== null && !result.duplicate).length;
    this.#log.debug({ jobs: claimed.length, started, latenessMs: Date.now() - now.getTime() }, 'cron batch fired');
  }

  async #release(releases: JobRelease[]): Promise<void> {
    await this.#options.jobs.batches.releaseJobs(releases, this.#options.jobs.name);
  }

  /** Sets the timer that checks for due jobs at `atMs`, unless one is set for that time or earlier. */
  #armFireTimer(atMs: number): void {
    if (!this.#started) return;
    if (this.#fireTimerAt !== null && this.#fireTimerAt <= atMs) return;
    this.#clearFireTimer();
    // A time beyond the scan interval is set again by a later scan.
    const delayMs = Math.min(Math.max(0, atMs - Date.now()), this.#options.scanIntervalMs);
    this.#fireTimerAt = Date.now() + delayMs;
    this.#fireTimer = setTimeout(() => {
      this.#fireTimer = null;
      this.#fireTimerAt = null;
      this.#check();
    }, delayMs);
    this.#fireTimer.unref();
  }

  #clearFireTimer(): void {
    if (this.#fireTimer !== null) clearTimeout(this.#fireTimer);
    this.#fireTimer = null;
    this.#fireTimerAt = null;
  }
}

/** Returns the release of a claimed job with its new data and next run time. */
function releaseOf(job: ClaimedJob['job'], data: unknown, nextRunAt: Date, ranAt: Date): JobRelease {
  return { id: String(job._id), lockedAt: new Date(job.lockedAt!), data, nextRunAt, lastRunAt: ranAt };
}
