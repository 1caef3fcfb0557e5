import { FINAL_RUN_STATUSES, type RunRecord, type Storage } from '@gestorlead/storage';
import type { Job, JobWithState } from 'agenda';
import type { Logger } from 'pino';
import type { RunDispatcher } from '../executor/dispatcher.js';
import { LEASE_LOST } from '../executor/run-execution.js';
import { RUN_JOB, RUN_SLOT_JOB, type JobStore } from './job-store.js';

/** Data of a run job. */
export interface RunJobData {
  runId: string;
}

/** Data of a graph's run slot, held by one run while it executes. */
interface RunSlotData {
  graphId: string;
  slot: number;
  runId: string;
}

/** Options of `AgendaDispatcher`. */
export interface AgendaDispatcherOptions {
  jobs: JobStore;
  storage: Storage;
  log: Logger;
  /**
   * Executes a stored run to its end, resuming it when it has tasks already. Resolves with
   * `LEASE_LOST` when another process claimed the run meanwhile.
   */
  execute(runId: string): Promise<unknown>;
  /** Runs this process executes at once. */
  concurrency: number;
  /** Lock lifetime of a run job, in ms. A running job touches its lock four times per lifetime. */
  lockLifetimeMs: number;
}

/** Delay before a run whose graph is at its run limit is tried again: a base plus jitter, in ms. */
const GRAPH_LIMIT_RETRY_MS = 250;
/** Delay before a run job whose execution threw is tried again, in ms. */
const FAILED_JOB_RETRY_MS = 5_000;
/**
 * Time from a hand-back until the handed-back jobs' locks expire, in ms. The stopping process
 * exits well within it, so no other worker takes a run while this process may still write to it.
 */
export const HAND_BACK_DELAY_MS = 2_000;
/** Graph versions whose run limit is kept in memory. Versions that have runs are frozen. */
const LIMIT_CACHE_SIZE = 1_000;

/**
 * Dispatches runs as Agenda jobs, so any worker process on the same job store can execute them.
 * One job per run, unique by `data.runId`: dispatching a run twice stores one job. A worker
 * locks a job, executes the run and removes the job. A job whose worker died is taken again
 * by another worker once its lock is older than the lock lifetime, and `Executor.execute`
 * resumes the run: attempts left `IN_PROGRESS` become `INTERRUPTED` and run again.
 *
 * Limits: `concurrency` runs per process (Agenda's job concurrency and lock limit), and a
 * graph's `settings.runConcurrency` runs of that graph across all processes.
 */
export class AgendaDispatcher implements RunDispatcher {
  readonly #options: AgendaDispatcherOptions;
  readonly #log: Logger;
  readonly #running = new Map<string, { job: Job<RunJobData>; done: Promise<void> }>();
  readonly #limits = new Map<string, number | null>();
  #enqueuing = 0;
  #taking = false;

  constructor(options: AgendaDispatcherOptions) {
    this.#options = options;
    this.#log = options.log.child({ component: 'run-jobs' });
  }

  /** Runs accepted by `dispatch` whose job is not stored yet. */
  get queued(): number {
    return this.#enqueuing;
  }

  /** Run jobs executing in this process. */
  get active(): number {
    return this.#running.size;
  }

  /**
   * Stores the run's job. A failure is logged, and the run stays `queued` until a process starts
   * and calls `enqueueMissing`.
   */
  dispatch(runId: string): void {
    this.#enqueuing += 1;
    this.enqueue(runId)
      .catch((error: unknown) => this.#log.error({ err: error, runId }, 'run job could not be stored; it is stored again at the next start'))
      .finally(() => {
        this.#enqueuing -= 1;
      });
  }

  /**
   * Stores the jobs of several runs in one write and wakes the workers with one notification. A
   * failure is logged, and the runs stay `queued` until a process starts and calls
   * `enqueueMissing`.
   */
  dispatchMany(runIds: string[]): void {
    if (runIds.length === 0) return;
    this.#enqueuing += runIds.length;
    this.enqueueMany(runIds)
      .catch((error: unknown) => this.#log.error({ err: error, runs: runIds.length, firstRunId: runIds[0] }, 'run jobs could not be stored; they are stored again at the next start'))
      .finally(() => {
        this.#enqueuing -= runIds.length;
      });
  }

  /**
   * Stores a job for each run unless one exists, all in one transaction on SQLite. Unlike
   * `enqueue`, it does not schedule an existing finished job again, because it is meant for
   * runs that were just created.
   */
  async enqueueMany(runIds: string[]): Promise<void> {
    const { agenda } = this.#options.jobs;
    const now = new Date();
    const jobs = runIds.map((runId) =>
      agenda
        .create<RunJobData>(RUN_JOB, { runId })
        .unique({ 'data.runId': runId }, { insertOnly: true })
        .schedule(now),
    );
    await this.#options.jobs.saveJobs(jobs);
  }

  /**
   * Stores a job for the run unless one exists. An existing job that has finished (unlocked,
   * with no next run time) while its run is not final, as after a resume, is scheduled again.
   */
  async enqueue(runId: string): Promise<void> {
    const { agenda } = this.#options.jobs;
    const job = agenda
      .create<RunJobData>(RUN_JOB, { runId })
      .unique({ 'data.runId': runId }, { insertOnly: true })
      .schedule(new Date());
    await job.save();
    if (job.attrs.nextRunAt) return;

    const stored = await this.#options.jobs.backend.repository.getJobById(String(job.attrs._id));
    if (!stored || stored.lockedAt || stored.nextRunAt) return;
    job.attrs.nextRunAt = new Date();
    await job.save();
  }

  /**
   * Stores a job for every `queued` or `running` run that has none, such as a run stored by a
   * process that stopped before it stored the job. Returns how many runs it checked.
   */
  async enqueueMissing(): Promise<number> {
    const runs = await this.#options.storage.runs.listByStatus(['queued', 'running']);
    for (const run of runs) await this.enqueue(run.id);
    if (runs.length > 0) this.#log.info({ runs: runs.length }, 'checked jobs of unfinished runs');
    return runs.length;
  }

  /** Defines the run job in this process, so it takes run jobs once the job store starts. */
  startTaking(): void {
    if (this.#taking) return;
    this.#taking = true;
    const { concurrency, lockLifetimeMs } = this.#options;
    this.#options.jobs.agenda.define<RunJobData>(RUN_JOB, (job) => this.#runJob(job), {
      concurrency,
      lockLimit: concurrency * 2,
      lockLifetime: lockLifetimeMs,
      removeOnComplete: true,
    });
  }

  /** Stops taking jobs and waits for the runs executing here to end. */
  async close(): Promise<void> {
    await this.#options.jobs.stopTaking();
    await Promise.allSettled([...this.#running.values()].map((entry) => entry.done));
  }

  /**
   * Stops taking jobs, waits up to `graceMs` for the runs executing here, and hands back the
   * jobs of runs still executing: their locks expire `HAND_BACK_DELAY_MS` later, so another
   * worker resumes them. The caller must end the process before then. Returns the run ids
   * handed back.
   */
  async stop(graceMs: number): Promise<string[]> {
    await this.#options.jobs.stopTaking();
    const running = [...this.#running.values()].map((entry) => entry.done);
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([Promise.allSettled(running), graceOver]);
    clearTimeout(timer);

    const handedBack: string[] = [];
    const { repository } = this.#options.jobs.backend;
    for (const [runId, { job }] of this.#running) {
      job.attrs.lockedAt = new Date(Date.now() - this.#options.lockLifetimeMs + HAND_BACK_DELAY_MS);
      job.attrs.nextRunAt = new Date();
      await repository.saveJobState(job.attrs, { lastModifiedBy: this.#options.jobs.agenda.attrs.name });
      handedBack.push(runId);
    }
    if (handedBack.length > 0) this.#log.warn({ runs: handedBack }, 'handed back runs still executing after the grace period');
    return handedBack;
  }

  async #runJob(job: Job<RunJobData>): Promise<void> {
    const { runId } = job.attrs.data;
    const execution = this.#executeJob(job, runId);
    const done = execution.then(() => undefined);
    this.#running.set(runId, { job, done });
    try {
      if ((await execution) === LEASE_LOST) {
        // Agenda removes a job whose handler succeeds, and the process that took the run over
        // still executes this job. A failed job stays stored, and that process removes it. On
        // SQLite the job store rejects Agenda's unlocking save of this job, because the new
        // owner's lock replaced this process's lock.
        // NOTE: the MongoDB job store has no such fence, so there the job is saved unlocked
        // until the new owner's next touch locks it again.
        throw new Error(`run "${runId}" was taken over by another process; its job stays with that process`);
      }
    } finally {
      this.#running.delete(runId);
      // Agenda releases this job's slot after the handler returns, so the wake waits a turn.
      setImmediate(() => this.#options.jobs.wake(RUN_JOB));
    }
  }

  /** Executes the job's run; resolves with `LEASE_LOST` when another process took the run over. */
  async #executeJob(job: Job<RunJobData>, runId: string): Promise<unknown> {
    const touchEveryMs = Math.max(250, Math.floor(this.#options.lockLifetimeMs / 4));
    const heartbeat = setInterval(() => {
      job.touch().catch((error: unknown) => this.#log.warn({ err: error, runId }, 'run job lock could not be renewed'));
    }, touchEveryMs);
    heartbeat.unref();
    try {
      const run = await this.#options.storage.runs.get(runId);
      // A run that is final (or gone) was executed or cancelled already: the job does nothing.
      if (!run || FINAL_RUN_STATUSES.includes(run.status)) return;

      const limit = await this.#runLimitOf(run);
      if (limit === null) return await this.#options.execute(runId);
      if (!(await this.#claimGraphSlot(runId, run.graphId, limit))) {
        job.attrs.nextRunAt = new Date(Date.now() + GRAPH_LIMIT_RETRY_MS + Math.floor(Math.random() * GRAPH_LIMIT_RETRY_MS));
        return undefined;
      }
      let outcome: unknown;
      try {
        outcome = await this.#options.execute(runId);
        return outcome;
      } finally {
        // The slot belongs to the run, so a process that lost the run's lease leaves it to the new owner.
        if (outcome !== LEASE_LOST) await this.#releaseGraphSlot(runId, run.graphId);
      }
    } catch (error) {
      this.#log.error({ err: error, runId }, 'run job failed; trying it again later');
      job.attrs.nextRunAt = new Date(Date.now() + FAILED_JOB_RETRY_MS);
    } finally {
      clearInterval(heartbeat);
    }
  }

  /** The graph version's `settings.runConcurrency`, or null when it sets none. */
  async #runLimitOf(run: RunRecord): Promise<number | null> {
    const key = `${run.graphId}@${run.graphVersion}`;
    const cached = this.#limits.get(key);
    if (cached !== undefined) return cached;
    const version = await this.#options.storage.graphs.getVersion(run.graphId, run.graphVersion);
    const limit = version?.document.settings?.runConcurrency ?? null;
    if (this.#limits.size >= LIMIT_CACHE_SIZE) this.#limits.delete(this.#limits.keys().next().value!);
    this.#limits.set(key, limit);
    return limit;
  }

  /**
   * Claims one of the graph's `limit` run slots for the run, or returns false when all are held.
   * A slot is a job named `run-slot` that never runs, unique by graph and slot number, so the
   * job store's unique insert decides between processes that claim the same slot at once. A
   * slot belongs to a run, not to a process: a run taken again after its worker died finds its
   * slot. A slot whose run has ended is freed by the next claim that finds all slots held.
   */
  async #claimGraphSlot(runId: string, graphId: string, limit: number): Promise<boolean> {
    const { agenda, backend } = this.#options.jobs;
    const heldSlots = (await agenda.queryJobs({ name: RUN_SLOT_JOB, data: { graphId } })).jobs as JobWithState<RunSlotData>[];
    if (heldSlots.some((slot) => slot.data.runId === runId)) return true;

    const takenNumbers = new Set(heldSlots.map((slot) => slot.data.slot));
    for (let slot = 0; slot < limit; slot += 1) {
      if (takenNumbers.has(slot)) continue;
      const job = agenda.create<RunSlotData>(RUN_SLOT_JOB, { graphId, slot, runId }).unique({ 'data.graphId': graphId, 'data.slot': slot }, { insertOnly: true });
      job.attrs.nextRunAt = null;
      await job.save();
      const stored = await backend.repository.getJobById(String(job.attrs._id));
      if ((stored?.data as RunSlotData | undefined)?.runId === runId) return true;
    }

    for (const slot of heldSlots) {
      const owner = await this.#options.storage.runs.get(slot.data.runId);
      if (!owner || FINAL_RUN_STATUSES.includes(owner.status)) await agenda.cancel({ id: String(slot._id) });
    }
    return false;
  }

  /** Frees the run's slot of its graph, if the run has one. */
  async #releaseGraphSlot(runId: string, graphId: string): Promise<void> {
    await this.#options.jobs.agenda.cancel({ name: RUN_SLOT_JOB, data: { graphId, runId } });
  }
}
