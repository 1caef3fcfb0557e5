import type { MongoStorage, Storage } from '@gestorlead/storage';
import type { Logger } from 'pino';
import type { RuntimeConfig } from '../config.js';
import type { StudioContext } from '../context.js';
import { PollingRunEventSource } from '../events/remote-run-events.js';
import type { RunDispatcher } from '../executor/dispatcher.js';
import { AgendaDispatcher } from './agenda-dispatcher.js';
import { CronScheduler } from './cron-scheduler.js';
import { JobStore } from './job-store.js';
import { watchRemoteReplies } from './remote-replies.js';
import { ScheduleService } from './schedule-service.js';
import { usesAgendaDispatcher, type SchedulingSettings } from './settings.js';

/**
 * Maximum cron jobs one process claims and fires as one batch. More due jobs are fired in
 * further batches right after it.
 */
export const CRON_BATCH_SIZE = 1_000;

/** Options of `createScheduling`. */
export interface SchedulingOptions {
  config: RuntimeConfig;
  storage: Storage;
  log: Logger;
  /** Clock of the cron scheduler and of new schedules; tests pass a fixed one. */
  now?: () => Date;
}

/** Outcome of `StudioScheduling.start`. */
export interface SchedulingStart {
  /** Runs dispatched again (in-process dispatcher) or checked for a job (Agenda dispatcher). */
  recovered: number;
}

/**
 * The job store and the services this process runs on it, by role. `all` fires cron jobs and
 * executes runs, in its own queue by default. `api` only stores jobs, `worker` executes run
 * jobs, and `scheduler` fires cron jobs.
 */
export class StudioScheduling {
  readonly settings: SchedulingSettings;
  readonly jobs: JobStore;
  readonly schedules: ScheduleService;
  readonly #options: SchedulingOptions;
  readonly #log: Logger;
  #dispatcher: AgendaDispatcher | null = null;
  #cron: CronScheduler | null = null;
  #events: PollingRunEventSource | null = null;

  constructor(options: SchedulingOptions) {
    this.#options = options;
    this.settings = options.config.scheduling;
    this.#log = options.log.child({ component: 'scheduling', role: this.settings.role });
    this.jobs = new JobStore({
      settings: this.settings,
      log: options.log,
      name: `${this.settings.role}-${process.pid}`,
      maxConcurrency: options.config.runConcurrency,
      mongo: options.storage.kind === 'mongo' ? (options.storage as unknown as MongoStorage) : null,
    });
    this.schedules = new ScheduleService({ jobs: this.jobs, storage: options.storage, log: options.log, now: options.now });
  }

  /** The Agenda dispatcher, when runs of this process go through Agenda jobs. */
  get dispatcher(): AgendaDispatcher | null {
    return this.#dispatcher;
  }

  /** The cron scheduler, once `start` made this process fire cron jobs. */
  get cron(): CronScheduler | null {
    return this.#cron;
  }

  /**
   * Returns the executor's run dispatcher: an `AgendaDispatcher` when this process uses Agenda
   * for runs, or undefined for the executor's in-process queue.
   */
  createDispatcher(execute: (runId: string) => Promise<unknown>): RunDispatcher | undefined {
    if (!usesAgendaDispatcher(this.settings)) return undefined;
    this.#dispatcher = new AgendaDispatcher({
      jobs: this.jobs,
      storage: this.#options.storage,
      log: this.#options.log,
      execute,
      concurrency: this.#options.config.runConcurrency,
      lockLifetimeMs: this.settings.lockLifetimeMs,
    });
    return this.#dispatcher;
  }

  /** Starts this process's role on a built studio. Call it once the HTTP server listens. */
  async start(ctx: StudioContext): Promise<SchedulingStart> {
    const { role } = this.settings;
    await this.jobs.open();
    const dispatcher = this.#dispatcher;
    const executesRuns = role === 'all' || role === 'worker';
    const firesCron = role === 'all' || role === 'scheduler';

    if (dispatcher && (role === 'all' || role === 'api')) this.#watchRemoteRuns(ctx);
    if (firesCron) {
      this.#cron = new CronScheduler({
        jobs: this.jobs,
        storage: this.#options.storage,
        executor: ctx.executor,
        log: this.#options.log,
        missedAfterMs: this.settings.cronMissedAfterMs,
        lockLifetimeMs: this.settings.lockLifetimeMs,
        batchSize: CRON_BATCH_SIZE,
        scanIntervalMs: this.settings.scanIntervalMs,
        now: this.#options.now,
      });
      this.#cron.startFiring();
      // Reading every graph takes a while with many graphs, so it does not delay the start.
      this.schedules.syncAll().then(
        (graphs) => this.#log.info({ graphs }, 'schedules checked'),
        (error: unknown) => this.#log.error({ err: error }, 'checking schedules failed'),
      );
    }
    if (dispatcher && executesRuns) dispatcher.startTaking();

    let recovered = 0;
    if (dispatcher) recovered = await dispatcher.enqueueMissing();
    else if (executesRuns) recovered = await ctx.executor.recover();
    if (executesRuns) await this.jobs.start();
    this.#log.info({ dispatcher: dispatcher ? 'agenda' : 'in-process', jobsDb: this.jobs.location }, 'scheduling started');
    return { recovered };
  }

  /**
   * Stops a worker: it takes no more jobs, waits up to STOP_GRACE_MS for its runs and hands the
   * rest back. Returns the runs handed back; when there are any, the process must exit at once.
   */
  async stopWorker(): Promise<string[]> {
    if (!this.#dispatcher) return [];
    return this.#dispatcher.stop(this.settings.stopGraceMs);
  }

  /** Stops taking jobs and closes the job store. */
  async close(): Promise<void> {
    this.#events?.close();
    await this.#cron?.stopFiring();
    await this.jobs.close();
  }

  /** Delivers events and sync webhook replies of runs that execute in other processes. */
  #watchRemoteRuns(ctx: StudioContext): void {
    const { storage } = this.#options;
    this.#events = new PollingRunEventSource({
      events: storage.events,
      runs: storage.runs,
      log: this.#log,
      intervalMs: this.settings.eventPollMs,
    });
    ctx.events.attachRemoteSource(this.#events);
    watchRemoteReplies(ctx.executor, storage.runs, this.settings.eventPollMs);
  }
}

/** Creates the scheduling services of one process; `createStudio` makes one when none is given. */
export function createScheduling(options: SchedulingOptions): StudioScheduling {
  return new StudioScheduling(options);
}
