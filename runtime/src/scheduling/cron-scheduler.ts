import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { StorageConflictError, type Storage } from '@gestorlead/storage';
import type { Job } from 'agenda';
import type { Logger } from 'pino';
import type { Executor } from '../executor/executor.js';
import { nextFireAt, planFire } from './cron-schedule.js';
import { CRON_JOB, type JobStore } from './job-store.js';
import type { CronJobData } from './schedule-service.js';

/** Options of `CronScheduler`. */
export interface CronSchedulerOptions {
  jobs: JobStore;
  storage: Storage;
  executor: Pick<Executor, 'createRun'>;
  log: Logger;
  /** Time after its fire time past which a fire counts as missed, in ms. */
  missedAfterMs: number;
  lockLifetimeMs: number;
  /** Cron jobs this process fires at once. */
  concurrency: number;
  now?: () => Date;
}

/** Outcome of one fire of a cron job. */
export interface FireResult {
  /** The run started for this fire, or null when none was. */
  runId: string | null;
  /** True when another scheduler already started the run of this fire time. */
  duplicate: boolean;
  /** True when the job belongs to a version that is no longer published; it is removed. */
  stale: boolean;
  /** Fire times that passed unfired. */
  missed: number;
  /** The job's next fire time, or null for a stale job. */
  next: Date | null;
}

/** Delay before a cron job whose fire failed is tried again, in ms. */
const FAILED_FIRE_RETRY_MS = 5_000;
/** A burst of fires is over once no fire started for this long, in ms. */
const BURST_QUIET_MS = 5;
/** Maximum wait of a fire for the end of a burst before it computes its next time, in ms. */
const BURST_MAX_WAIT_MS = 2_000;

/**
 * Returns the id of the run of one fire: the same graph and fire time always give the same id,
 * so the run store's unique id turns a second fire by another scheduler into a conflict.
 */
export function cronRunId(graphId: string, scheduledAt: Date): string {
  const digest = createHash('sha256').update(`${graphId}\n${scheduledAt.toISOString()}`).digest('base64url');
  return `run_cron_${digest.slice(0, 32)}`;
}

/**
 * Fires the cron jobs that `ScheduleService` stores: each fire starts a run of the published
 * version with trigger `cron` and input `{ scheduledAt, firedAt }`, then moves the job to its
 * next fire time, computed by `nextFireAt` in the schedule's time zone.
 */
export class CronScheduler {
  readonly #options: CronSchedulerOptions;
  readonly #log: Logger;
  readonly #now: () => Date;
  #firing = false;
  #lastFireStartMs = 0;

  constructor(options: CronSchedulerOptions) {
    this.#options = options;
    this.#log = options.log.child({ component: 'cron' });
    this.#now = options.now ?? (() => new Date());
  }

  /** Defines the cron job in this process, so it fires cron jobs once the job store starts. */
  startFiring(): void {
    if (this.#firing) return;
    this.#firing = true;
    this.#options.jobs.agenda.define<CronJobData>(CRON_JOB, (job) => this.#fireJob(job), {
      concurrency: this.#options.concurrency,
      lockLifetime: this.#options.lockLifetimeMs,
    });
  }

  /**
   * Fires one cron job due at `data.scheduledAt` and returns the job's next fire time. A job of
   * a version that is no longer published fires nothing. A fire on time starts its run, and a
   * late one follows the missed-fire policy.
   */
  async fire(data: CronJobData): Promise<FireResult> {
    this.#lastFireStartMs = Date.now();
    const now = this.#now();
    const graph = await this.#options.storage.graphs.get(data.graphId);
    if (graph?.publishedVersion !== data.version) {
      return { runId: null, duplicate: false, stale: true, missed: 0, next: null };
    }

    const scheduledAt = new Date(data.scheduledAt);
    if (now.getTime() - scheduledAt.getTime() <= this.#options.missedAfterMs) {
      const started = await this.#startRun(data, scheduledAt, now);
      await this.#burstEnd();
      return { ...started, stale: false, missed: 0, next: nextFireAt(data.cron, data.timezone, scheduledAt) };
    }

    const plan = planFire(data, scheduledAt, now, this.#options.missedAfterMs);
    this.#log.warn(
      { graphId: data.graphId, version: data.version, scheduledAt: data.scheduledAt, missed: plan.missed, policy: data.missed },
      'schedule missed fire times',
    );
    const started = plan.fire ? await this.#startRun(data, plan.fire, now) : { runId: null, duplicate: false };
    return { ...started, stale: false, missed: plan.missed, next: plan.next };
  }

  async #fireJob(job: Job<CronJobData>): Promise<void> {
    const data = job.attrs.data;
    let result: FireResult;
    try {
      result = await this.fire(data);
    } catch (error) {
      this.#log.error({ err: error, graphId: data.graphId, scheduledAt: data.scheduledAt }, 'cron fire failed; trying it again later');
      job.attrs.nextRunAt = new Date(Date.now() + FAILED_FIRE_RETRY_MS);
      return;
    }
    if (result.stale || result.next === null) {
      this.#log.info({ graphId: data.graphId, version: data.version }, 'removing the cron job of an unpublished version');
      await job.remove();
      return;
    }

    job.attrs.data = { ...data, scheduledAt: result.next.toISOString() };
    job.attrs.nextRunAt = result.next;
    // The repository writes only the properties given, so a pause stored while this fire ran
    // is kept. Agenda's `job.save()` would write them all and publish a notification, which no
    // process needs for a job due later.
    const { _id, name, priority, type } = job.attrs;
    if (_id === undefined) return;
    const fields = { _id, name, priority, type, data: job.attrs.data, nextRunAt: result.next };
    await this.#options.jobs.backend.repository.saveJob(fields, { lastModifiedBy: this.#options.jobs.agenda.attrs.name });
  }

  /**
   * Waits until no fire has started for `BURST_QUIET_MS`, at most `BURST_MAX_WAIT_MS`. Many
   * schedules due at once so start all their runs before any computes its next fire time, which
   * costs cron-parser about 0.2 to 0.4 ms each (measured on the 2-core machine of bench/README.md).
   */
  async #burstEnd(): Promise<void> {
    const started = Date.now();
    while (Date.now() - this.#lastFireStartMs < BURST_QUIET_MS && Date.now() - started < BURST_MAX_WAIT_MS) {
      await sleep(BURST_QUIET_MS);
    }
  }

  async #startRun(data: CronJobData, scheduledAt: Date, now: Date): Promise<{ runId: string | null; duplicate: boolean }> {
    const id = cronRunId(data.graphId, scheduledAt);
    const input = { scheduledAt: scheduledAt.toISOString(), firedAt: now.toISOString() };
    try {
      await this.#options.executor.createRun({ graphId: data.graphId, version: data.version, input, trigger: 'cron', id });
    } catch (error) {
      if (!(error instanceof StorageConflictError)) throw error;
      this.#log.info({ graphId: data.graphId, runId: id, scheduledAt: input.scheduledAt }, 'cron fire already started by another scheduler');
      return { runId: id, duplicate: true };
    }
    const latenessMs = now.getTime() - scheduledAt.getTime();
    this.#log.debug({ graphId: data.graphId, runId: id, scheduledAt: input.scheduledAt, latenessMs }, 'cron fired');
    return { runId: id, duplicate: false };
  }
}
