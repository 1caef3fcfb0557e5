import {
  countSqliteAgendaJobs,
  createSqliteAgendaBackend,
  type JobBatchRepository,
  type SqliteAgendaBackend,
  WakingSqliteNotificationChannel,
  type MongoStorage,
  type WakingNotificationChannel,
} from '@gestorlead/storage';
import { Agenda, type AgendaBackend, type Job, type JobNotification, type JobParameters } from 'agenda';
import type { Logger } from 'pino';
import type { JobCounts } from '../metrics.js';
import type { SchedulingSettings } from './settings.js';

/** Agenda job name of a queued run; the job's `data.runId` names the run. */
export const RUN_JOB = 'run';
/** Agenda job name of a graph's cron trigger; one job per graph. */
export const CRON_JOB = 'cron';
/** Agenda job name of a graph's run slot (see `AgendaDispatcher`); no process runs these jobs. */
export const RUN_SLOT_JOB = 'run-slot';

/** Locked jobs whose due time `JobStore` keeps for the lateness metric; far above any concurrency. */
const MAX_DUE_TIMES = 100_000;

/** Options of `JobStore`. */
export interface JobStoreOptions {
  settings: Pick<SchedulingSettings, 'jobsDbPath' | 'lockLifetimeMs' | 'scanIntervalMs' | 'notifyPollMs'>;
  log: Logger;
  /** Name of this process in `lastModifiedBy` of the jobs it changes. */
  name: string;
  /** Jobs of all kinds that this process runs at once. */
  maxConcurrency: number;
  /**
   * The studio's MongoDB store. When set, jobs live in its `agendaJobs` collection
   * (@agendajs/mongo-backend) instead of the SQLite job store, on the store's connection.
   */
  mongo?: MongoStorage | null;
}

/**
 * One Agenda instance over the job store (the SQLite file, or the MongoDB collection in MongoDB
 * mode), shared by the run dispatcher and the cron scheduler of a process. Every process of a
 * studio opens the same store: jobs saved in one are seen by all, and a job is locked by one
 * process at a time.
 */
export class JobStore {
  readonly agenda: Agenda;
  /** Name of this process in `lastModifiedBy` and in the locks of the jobs it changes. */
  readonly name: string;
  readonly backend: AgendaBackend;
  /** Claims and releases of many jobs at once, on the same store as `backend`. */
  readonly batches: JobBatchRepository;
  /** The SQLite job store, or null on MongoDB. */
  readonly #sqlite: SqliteAgendaBackend | null;
  /** The location of the jobs: the SQLite file, or the MongoDB database. */
  readonly location: string;
  readonly #mongo: MongoStorage | null;
  readonly #channel: WakingNotificationChannel;
  readonly #log: Logger;
  /** Whether the last `countJobs` failed, so a failing store logs once until it recovers. */
  #countFailing = false;
  #started: Promise<void> | null = null;
  readonly #dueTimes = new Map<string, number>();
  readonly #startListeners: Array<(name: string, latenessMs: number) => void> = [];
  #opened = false;
  #closed = false;

  constructor(options: JobStoreOptions) {
    const { settings } = options;
    this.name = options.name;
    this.#log = options.log.child({ component: 'jobs' });
    this.#mongo = options.mongo ?? null;
    if (options.mongo) {
      this.backend = options.mongo.createAgendaBackend();
      this.batches = options.mongo.createJobBatches();
      this.#sqlite = null;
      this.location = `mongodb database ${options.mongo.connection.name}`;
      this.#channel = options.mongo.createNotificationChannel();
    } else {
      const backend = createSqliteAgendaBackend({ path: settings.jobsDbPath, notifications: false });
      this.backend = backend;
      this.batches = backend.repository;
      this.#sqlite = backend;
      this.location = settings.jobsDbPath;
      this.#channel = new WakingSqliteNotificationChannel(() => backend.repository.db, {
        pollIntervalMs: settings.notifyPollMs,
      });
    }
    this.#channel.on('error', (error: Error) => this.#log.warn({ err: error }, 'job notification channel failed'));
    this.agenda = new Agenda({
      name: options.name,
      backend: this.backend,
      notificationChannel: this.#channel,
      processEvery: settings.scanIntervalMs,
      maxConcurrency: options.maxConcurrency,
      defaultLockLifetime: settings.lockLifetimeMs,
    });
    this.agenda.on('error', (error: Error) => this.#log.error({ err: error }, 'job store error'));
    this.#recordDueTimes();
  }

  /**
   * Calls `listener` with the name of each job that starts in this process and how late it
   * started: the time from the `nextRunAt` it had when this process locked it to its start.
   * Agenda clears `nextRunAt` of a one-time job before it emits `start`, so the due time is
   * taken from the locked job.
   */
  onJobStart(listener: (name: string, latenessMs: number) => void): void {
    this.#startListeners.push(listener);
    this.agenda.on('start', (job: Job) => {
      const id = String(job.attrs._id);
      const dueAt = this.#dueTimes.get(id);
      this.#dueTimes.delete(id);
      if (dueAt === undefined) return;
      const startedAt = job.attrs.lastRunAt?.getTime() ?? Date.now();
      listener(job.attrs.name, Math.max(0, startedAt - dueAt));
    });
  }

  /**
   * Reports to the `onJobStart` listeners a job that this process started outside Agenda's job
   * processor, such as a cron job fired in a batch.
   */
  reportJobStart(name: string, latenessMs: number): void {
    for (const listener of this.#startListeners) listener(name, Math.max(0, latenessMs));
  }

  /** Keeps the `nextRunAt` of every job this process locks until the job starts. */
  #recordDueTimes(): void {
    const repository = this.backend.repository;
    const getNextJobToRun = repository.getNextJobToRun.bind(repository);
    repository.getNextJobToRun = async (...args) => {
      const job = await getNextJobToRun(...args);
      if (job?._id !== undefined && job.nextRunAt) {
        // Jobs locked but never started (a stopped processor unlocks them) would stay here, so
        // the map is bounded by dropping the oldest entry.
        if (this.#dueTimes.size >= MAX_DUE_TIMES) this.#dueTimes.delete(this.#dueTimes.keys().next().value!);
        this.#dueTimes.set(String(job._id), new Date(job.nextRunAt).getTime());
      }
      return job;
    };
  }

  /**
   * Connects the notification channel, so jobs this process saves wake the other processes. A
   * process that only saves jobs (role `api`) never starts Agenda, which would connect it.
   */
  async open(): Promise<void> {
    await this.agenda.ready;
    await this.#channel.connect();
    this.#opened = true;
  }

  /** Starts taking the jobs whose names this process defined. Calling it again does nothing. */
  start(): Promise<void> {
    this.#started ??= this.agenda.start();
    return this.#started;
  }

  /**
   * Counts the jobs of each name that are due and unlocked (queued) or locked (running), with
   * the due time of the oldest queued job. Returns null while the store is not open, and when
   * the count fails (logged once until a count succeeds again). Disabled jobs count in neither.
   */
  async countJobs(now = Date.now()): Promise<JobCounts[] | null> {
    if (!this.#opened || this.#closed) return null;
    try {
      const at = new Date(now);
      const counts = this.#sqlite !== null
        ? countSqliteAgendaJobs(this.#sqlite.repository.db, at)
        : await this.#mongo!.countAgendaJobs(at);
      this.#countFailing = false;
      return counts.map((row) => ({ ...row, oldestDueAt: row.oldestDueAt?.getTime() ?? null }));
    } catch (error) {
      if (!this.#countFailing) this.#log.warn({ err: error, location: this.location }, 'counting jobs failed');
      this.#countFailing = true;
      return null;
    }
  }

  /**
   * Saves jobs as Agenda's `job.save()` does, in one transaction on SQLite (one save per job on
   * MongoDB), and publishes one notification for the first job, which wakes the processes that
   * run jobs of its name. Returns the saved jobs in order.
   */
  async saveJobs(jobs: readonly Job[]): Promise<JobParameters[]> {
    if (jobs.length === 0) return [];
    const options = { lastModifiedBy: this.agenda.attrs.name || undefined };
    const fields = jobs.map((job) => job.toJson(true) as JobParameters);
    let saved: JobParameters[];
    if (this.#sqlite !== null) {
      saved = await this.#sqlite.repository.saveJobs(fields, options);
    } else {
      saved = [];
      for (const job of fields) saved.push(await this.backend.repository.saveJob(job, options));
    }

    const first = saved[0];
    if (this.#channel.state === 'connected' && first._id !== undefined) {
      const notification: JobNotification = {
        jobId: first._id,
        jobName: first.name,
        nextRunAt: first.nextRunAt ?? null,
        priority: first.priority ?? 0,
        timestamp: new Date(),
        source: this.agenda.attrs.name || undefined,
      };
      await this.#channel.publish(notification);
    }
    return saved;
  }

  /**
   * Calls `listener` for each notification about a job named `jobName` that reaches this
   * process, its own saves included. Returns the function that stops the calls.
   */
  onNotification(jobName: string, listener: (notification: JobNotification) => void): () => void {
    return this.#channel.subscribe(async (notification) => {
      if (notification.jobName === jobName) listener(notification);
    });
  }

  /** Delivers a notification for `jobName` to this process only. */
  wake(jobName: string): void {
    this.#channel.wake(jobName);
  }

  /**
   * Stops taking jobs and unlocks those locked but not started. Running jobs keep their locks
   * until they end; the connection stays open for them.
   */
  async stopTaking(): Promise<void> {
    if (this.#started === null) return;
    await this.#started;
    this.#started = null;
    await this.agenda.stop(false);
  }

  /** Stops taking jobs and closes the connection. Calling it again does nothing. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.stopTaking();
    await this.#channel.disconnect();
    await this.backend.disconnect();
  }
}
