import {
  FINAL_RUN_STATUSES,
  type DeliveryRecord,
  type RunRecord,
  type RunResponse,
  type RunStatus,
  type Storage,
  type TaskRecord,
  type TaskWrite,
  type TriggerKind,
} from '@gestorlead/storage';
import type { Logger } from 'pino';
import type { ArtifactService } from '../artifacts/artifact-service.js';
import type { RunCredits } from '../credits/credit-service.js';
import { StudioError } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import { newId } from '../ids.js';
import { InProcessDispatcher, type RunDispatcher } from './dispatcher.js';
import type { NodeTypeRegistry } from './node-type.js';
import { CANCELLED_ERROR, LEASE_LOST, RunExecution } from './run-execution.js';
import { buildRunPlan, type RunPlan } from './run-plan.js';
import { hasInputDocument, runDocumentOf } from '../tasks/run-document.js';

/** Settings of the executor. */
export interface ExecutorOptions {
  storage: Storage;
  events: EventBus;
  registry: NodeTypeRegistry;
  /**
   * Returns the node types a run's owner may use; without it every run uses `registry`. A task
   * whose node type its owner may not use fails with `RUNTIME_NODE_TYPE_UNKNOWN`.
   */
  nodeTypesFor?: (ownerId: string | null) => NodeTypeRegistry;
  log: Logger;
  taskTimeoutMs: number;
  runConcurrency: number;
  /** Tasks of one run that may execute at once when the graph sets none. */
  taskConcurrency?: number;
  /** Recovery policy for runs a dead process left running. */
  recovery?: 'resume' | 'fail';
  random?: () => number;
  /** Reserves and settles the credits of charged tasks; without it no task is charged. */
  credits?: RunCredits;
  /** Stores the artifacts of host-side nodes; without it `NodeContext.files` is absent. */
  artifacts?: ArtifactService;
  /**
   * Time between two reads of each executing run's lease, in ms, and between two reads of a run
   * that another process is cancelling. Set it when other processes execute runs of the same
   * storage, so this process notices a run taken over or cancelled elsewhere.
   */
  leaseCheckMs?: number;
}

/** The outcome a caller waiting for a run's reply receives. */
export type RunReply =
  | { kind: 'response'; response: RunResponse }
  | { kind: 'finished'; run: RunRecord }
  | { kind: 'timeout' }
  | { kind: 'cancelled' };

/** Input of `Executor.createRun`. */
export interface NewRun {
  graphId: string;
  version: number;
  input: unknown;
  trigger: TriggerKind;
  delivery?: Omit<DeliveryRecord, 'runId'>;
  /** A run id chosen by the caller, so it can wait for the run before it starts. */
  id?: string;
  /**
   * The graph's `ownerId`, from a graph record the caller has already read. When absent,
   * `createRun` reads the graph to find it.
   */
  ownerId?: string | null;
  /**
   * Tasks stored with the run before it is dispatched, `PENDING` and without attempts, so
   * their ids exist at once (the task of a playground run).
   */
  tasks?: TaskRecord[];
}

/** Input of `Executor.createRuns`: a run without a webhook delivery or pre-stored tasks. */
export type NewRunWithoutExtras = Omit<NewRun, 'delivery' | 'tasks'>;

/** Returns the `queued` run record of `newRun`, created and updated at `at`. */
function queuedRun(newRun: NewRun, ownerId: string | null, at: string): RunRecord {
  return {
    id: newRun.id ?? newRunId(),
    graphId: newRun.graphId,
    ownerId,
    graphVersion: newRun.version,
    status: 'queued',
    trigger: newRun.trigger,
    input: newRun.input ?? null,
    output: null,
    error: null,
    response: null,
    deliveryId: newRun.delivery?.id ?? null,
    createdAt: at,
    updatedAt: at,
    startedAt: null,
    finishedAt: null,
  };
}

/** Makes the id of a new run. */
export function newRunId(): string {
  return newId('run');
}

const PLAN_CACHE_SIZE = 256;
/** The error of an attempt whose process stopped before the attempt ended. */
const INTERRUPTED_ERROR = { code: 'RUNTIME_PROCESS_RESTARTED', message: 'the process running this attempt stopped', retryable: true };
const DEFAULT_TASK_CONCURRENCY = 32;
/** Time `cancel` waits for another process to cancel a run it executes, in ms. */
export const REMOTE_CANCEL_WAIT_MS = 10_000;

export { LEASE_LOST };

/**
 * Accepts runs, hands them to the dispatcher, and drives each through a `RunExecution`. It
 * also cancels, resumes, recovers after a crash, and notifies webhook callers when a run replied.
 */
export class Executor {
  readonly #options: ExecutorOptions;
  readonly #log: Logger;
  readonly #executions = new Map<string, RunExecution>();
  readonly #plans = new Map<string, RunPlan>();
  readonly #replyWaiters = new Map<string, Set<(reply: RunReply) => void>>();
  readonly dispatcher: RunDispatcher;

  constructor(options: ExecutorOptions, dispatcher?: RunDispatcher) {
    this.#options = options;
    this.#log = options.log.child({ component: 'executor' });
    this.dispatcher =
      dispatcher ?? new InProcessDispatcher((runId) => this.execute(runId), options.runConcurrency);
  }

  /** Returns whether a run is executing in this process now. */
  isExecuting(runId: string): boolean {
    return this.#executions.has(runId);
  }

  /** Number of runs executing in this process. */
  get activeRuns(): number {
    return this.#executions.size;
  }

  /** Stores a queued run (with its delivery, atomically) and dispatches it. */
  async createRun(newRun: NewRun): Promise<RunRecord> {
    const ownerId = await this.#ownerOf(newRun);
    const run = queuedRun(newRun, ownerId, new Date().toISOString());
    const delivery = newRun.delivery ? { ...newRun.delivery, runId: run.id } : undefined;
    await this.#freezeVersion(newRun);
    await this.#options.storage.runs.create(run, delivery);
    for (const task of newRun.tasks ?? []) await this.#options.storage.tasks.create({ ...task, runId: run.id });
    this.#publishQueued(run);
    this.dispatcher.dispatch(run.id);
    return run;
  }

  /**
   * Stores queued runs with one `runs.createMany` write and dispatches the runs it stored. A run
   * whose id exists already is skipped. Returns the runs stored, in the order given.
   */
  async createRuns(newRuns: readonly NewRunWithoutExtras[]): Promise<RunRecord[]> {
    const at = new Date().toISOString();
    const runs: RunRecord[] = [];
    for (const newRun of newRuns) {
      await this.#freezeVersion(newRun);
      runs.push(queuedRun(newRun, await this.#ownerOf(newRun), at));
    }
    const stored = new Set(await this.#options.storage.runs.createMany(runs));
    const created = runs.filter((run) => stored.has(run.id));
    for (const run of created) this.#publishQueued(run);
    const ids = created.map((run) => run.id);
    if (this.dispatcher.dispatchMany) this.dispatcher.dispatchMany(ids);
    else for (const id of ids) this.dispatcher.dispatch(id);
    return created;
  }

  async #ownerOf(newRun: NewRun): Promise<string | null> {
    if (newRun.ownerId !== undefined) return newRun.ownerId;
    return (await this.#options.storage.graphs.get(newRun.graphId))?.ownerId ?? null;
  }

  /**
   * Freezes the version a run executes. A run and its resume must execute the same document,
   * so a draft that runs is frozen and later saves add a new version. Webhook and cron runs use
   * the published version, which publishing already froze. Playground and billing runs execute
   * a document built from their input, so they have no version to freeze.
   */
  async #freezeVersion(newRun: NewRun): Promise<void> {
    if (newRun.trigger === 'webhook' || newRun.trigger === 'cron' || hasInputDocument(newRun)) return;
    await this.#options.storage.graphs.freeze(newRun.graphId, newRun.version);
  }

  #publishQueued(run: RunRecord): void {
    this.#options.events.publish(run.id, run.graphId, {
      type: 'run.queued',
      data: { version: run.graphVersion, trigger: run.trigger },
    });
  }

  /**
   * Executes a stored run to its end; used by the dispatcher. Claims the run's lease first, so an
   * execution elsewhere that still holds the previous token stops. Resolves with the final
   * status, null when the run is final, missing or executing here, or `LEASE_LOST` when another
   * process claimed the run while this one executed it.
   */
  async execute(runId: string): Promise<RunStatus | typeof LEASE_LOST | null> {
    if (this.#executions.has(runId)) return null;
    const storage = this.#options.storage;
    const lease = await storage.runs.claimLease(runId);
    if (lease === null) return null;
    const run = await storage.runs.get(runId);
    if (!run || (run.status !== 'queued' && run.status !== 'running')) return null;

    const plan = await this.#planOf(run);
    if (!plan) {
      const message = `graph version ${run.graphVersion} no longer exists`;
      const failed = await this.#failUnstartable(run, 'GRAPH_VERSION_NOT_FOUND', message, 'failed', lease.token);
      return failed ? 'failed' : LEASE_LOST;
    }
    const tasks = await storage.tasks.listByRun(runId);
    const interrupted = await this.#markInterrupted(runId, tasks, lease.token);
    if (interrupted === LEASE_LOST) return LEASE_LOST;
    await this.#options.events.openRun(runId);

    const execution = new RunExecution(
      {
        storage,
        events: this.#options.events,
        registry: this.#options.nodeTypesFor?.(run.ownerId) ?? this.#options.registry,
        log: this.#options.log,
        taskTimeoutMs: this.#options.taskTimeoutMs,
        defaultConcurrency: this.#options.taskConcurrency ?? DEFAULT_TASK_CONCURRENCY,
        onRespond: (id, response) => this.#notifyReply(id, { kind: 'response', response }),
        random: this.#options.random,
        credits: this.#options.credits,
        artifacts: this.#options.artifacts,
        leaseToken: lease.token,
        leaseCheckMs: this.#options.leaseCheckMs,
      },
      run,
      plan,
      tasks,
      interrupted,
    );
    this.#executions.set(runId, execution);
    try {
      // Tasks stored with a new run have no attempt yet, so they do not make it a resumed one.
      const resumed = run.status === 'running' || tasks.some((task) => task.attempts > 0);
      return await execution.start(resumed, lease.cancelRequestedAt !== null);
    } finally {
      this.#executions.delete(runId);
      this.#options.events.closeRun(runId);
      // Most runs have no caller waiting for a reply, so they skip reading the run back. A run
      // that lost its lease is not final, and its new owner's process notifies its waiters.
      if (this.#replyWaiters.has(runId) && !execution.lostLease) {
        const finished = await storage.runs.get(runId);
        if (finished) this.#notifyReply(runId, { kind: 'finished', run: finished });
      }
    }
  }

  /**
   * Cancels a queued or running run; returns a cancelled run unchanged. A run that another
   * process executes gets a stored cancel request, which that process reads within its
   * `leaseCheckMs`. The call waits up to `REMOTE_CANCEL_WAIT_MS` for the run to end and returns
   * it as stored then, still `running` if its process has not ended it yet.
   */
  async cancel(runId: string): Promise<RunRecord> {
    const storage = this.#options.storage;
    const execution = this.#executions.get(runId);
    if (execution) {
      execution.stop({ status: 'cancelled', error: CANCELLED_ERROR });
      await execution.done;
      return (await storage.runs.get(runId))!;
    }
    const run = await storage.runs.get(runId);
    if (!run) throw new StudioError('RUN_NOT_FOUND', `run "${runId}" does not exist`);
    // Cancelling is idempotent: a second cancel of a cancelled run returns it unchanged.
    if (run.status === 'cancelled') return run;
    if (run.status !== 'queued' && run.status !== 'running') {
      throw new StudioError('RUN_NOT_CANCELLABLE', `run "${runId}" is ${run.status}; only queued or running runs can be cancelled`, {
        details: { runId, status: run.status },
      });
    }
    if (!(await storage.runs.requestCancel(runId, new Date().toISOString()))) return this.#reread(run);
    // A queued run that no process has claimed is cancelled here. The claim fences out a
    // worker that takes it meanwhile, and that worker finds the cancel request when it starts.
    const lease = run.status === 'queued' ? await storage.runs.claimLease(runId) : null;
    if (lease !== null) {
      const cancelled = await this.#failUnstartable(run, CANCELLED_ERROR.code, CANCELLED_ERROR.message, 'cancelled', lease.token);
      if (cancelled) return (await storage.runs.get(runId))!;
    }
    // Without `leaseCheckMs` no other process executes runs, so a running run that does not
    // execute here was left by a stopped process. The next start's recovery reads the request.
    if (this.#options.leaseCheckMs === undefined) return this.#reread(run);
    return this.#waitUntilFinal(runId, REMOTE_CANCEL_WAIT_MS, this.#options.leaseCheckMs);
  }

  /** Reads the run again after a change elsewhere; throws `RUN_NOT_FOUND` when it is gone. */
  async #reread(run: RunRecord): Promise<RunRecord> {
    const stored = await this.#options.storage.runs.get(run.id);
    if (!stored) throw new StudioError('RUN_NOT_FOUND', `run "${run.id}" does not exist`);
    return stored;
  }

  /** Reads the run until it is final or `timeoutMs` passed; returns it as last read. */
  async #waitUntilFinal(runId: string, timeoutMs: number, pollMs: number): Promise<RunRecord> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const run = await this.#options.storage.runs.get(runId);
      if (!run) throw new StudioError('RUN_NOT_FOUND', `run "${runId}" does not exist`);
      if (FINAL_RUN_STATUSES.includes(run.status) || Date.now() >= deadline) return run;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /**
   * Resumes a failed or cancelled run from the nodes that did not complete. Completed tasks keep
   * their outputs and are not executed again.
   */
  async resume(runId: string): Promise<RunRecord> {
    const storage = this.#options.storage;
    const run = await storage.runs.get(runId);
    if (!run) throw new StudioError('RUN_NOT_FOUND', `run "${runId}" does not exist`);
    if (this.#executions.has(runId)) {
      const state = run.status === 'running' ? 'is running' : 'is still finishing';
      throw new StudioError('RUN_NOT_RESUMABLE', `run "${runId}" ${state}; resume it once it has ended`, {
        details: { runId, status: run.status },
      });
    }
    if (run.status !== 'failed' && run.status !== 'cancelled') {
      throw new StudioError('RUN_NOT_RESUMABLE', `run "${runId}" is ${run.status}; only failed or cancelled runs can be resumed`, {
        details: { runId, status: run.status },
      });
    }
    for (const task of await storage.tasks.listByRun(runId)) {
      if (task.status === 'COMPLETED') continue;
      await storage.tasks.update(task.id, { status: 'PENDING', error: null, output: null, finishedAt: null });
    }
    await storage.runs.clearCancelRequest(runId);
    await storage.runs.update(runId, { status: 'running', error: null, finishedAt: null, response: null });
    this.dispatcher.dispatch(runId);
    return (await storage.runs.get(runId))!;
  }

  /**
   * Handles runs a dead process left `queued` or `running`: dispatches them again, or fails the
   * running ones when recovery is `fail`. Returns how many runs it handled.
   */
  async recover(): Promise<number> {
    const storage = this.#options.storage;
    const runs = await storage.runs.listByStatus(['queued', 'running']);
    for (const run of runs) {
      if (this.#executions.has(run.id)) continue;
      if (run.status === 'running' && this.#options.recovery === 'fail') {
        await this.#failUnstartable(run, 'RUNTIME_PROCESS_RESTARTED', 'the studio restarted while this run was running');
        continue;
      }
      this.dispatcher.dispatch(run.id);
    }
    if (runs.length > 0) this.#log.info({ runs: runs.length }, 'recovered unfinished runs');
    // Reservations of runs that ended, or that the loop above failed, are released. Runs that
    // continue reuse their reservations when their tasks run again.
    await this.#options.credits?.recoverOpenReservations();
    return runs.length;
  }

  /**
   * Waits until a run's `core/respond` node replies, the run finishes, or `timeoutMs` passes.
   * `cancel` stops waiting (for a caller that went away) and settles `reply` as `cancelled`.
   */
  waitForReply(runId: string, timeoutMs: number): { reply: Promise<RunReply>; cancel: () => void } {
    let listener!: (reply: RunReply) => void;
    let timer: NodeJS.Timeout | undefined;
    const remove = (): void => {
      clearTimeout(timer);
      const waiters = this.#replyWaiters.get(runId);
      waiters?.delete(listener);
      if (waiters?.size === 0) this.#replyWaiters.delete(runId);
    };
    const reply = new Promise<RunReply>((resolve) => {
      listener = (value) => {
        remove();
        resolve(value);
      };
      let waiters = this.#replyWaiters.get(runId);
      if (!waiters) {
        waiters = new Set();
        this.#replyWaiters.set(runId, waiters);
      }
      waiters.add(listener);
      timer = setTimeout(() => listener({ kind: 'timeout' }), timeoutMs);
    });
    return { reply, cancel: () => listener({ kind: 'cancelled' }) };
  }

  /** Stops dispatching and waits for the runs executing here to end. */
  async close(): Promise<void> {
    await this.dispatcher.close();
    await this.#options.events.flush();
  }

  async #planOf(run: RunRecord): Promise<RunPlan | null> {
    if (hasInputDocument(run)) {
      const document = await runDocumentOf(this.#options.storage, run);
      return document === null ? null : buildRunPlan(run.graphId, run.graphVersion, document);
    }
    const version = await this.#options.storage.graphs.getVersion(run.graphId, run.graphVersion);
    if (!version) return null;
    const key = `${run.graphId}@${run.graphVersion}@${version.updatedAt}`;
    let plan = this.#plans.get(key);
    if (!plan) {
      plan = buildRunPlan(run.graphId, run.graphVersion, version.document);
      if (this.#plans.size >= PLAN_CACHE_SIZE) {
        this.#plans.delete(this.#plans.keys().next().value!);
      }
      this.#plans.set(key, plan);
    }
    return plan;
  }

  /**
   * Marks the open attempt of each task a dead process was running as `INTERRUPTED`, in one
   * transaction that requires `leaseToken`. Returns the interrupted attempts per task, or
   * `LEASE_LOST` without writing when another process has claimed the run since.
   */
  async #markInterrupted(runId: string, tasks: TaskRecord[], leaseToken: number): Promise<Map<string, number> | typeof LEASE_LOST> {
    const counts = new Map<string, number>();
    const writes: TaskWrite[] = [];
    const finishedAt = new Date().toISOString();
    for (const task of tasks) {
      if (task.status !== 'IN_PROGRESS' && task.status !== 'PENDING') continue;
      let interrupted = 0;
      for (const attempt of await this.#options.storage.tasks.listAttempts(task.id)) {
        if (attempt.status === 'IN_PROGRESS') {
          writes.push({ kind: 'updateAttempt', taskId: task.id, attempt: attempt.attempt, patch: { status: 'INTERRUPTED', finishedAt, error: INTERRUPTED_ERROR } });
        }
        if (attempt.status === 'IN_PROGRESS' || attempt.status === 'INTERRUPTED') interrupted += 1;
      }
      if (interrupted > 0) counts.set(task.id, interrupted);
    }
    if (writes.length > 0 && !(await this.#options.storage.tasks.applyLeased(runId, leaseToken, writes))) return LEASE_LOST;
    return counts;
  }

  /**
   * Ends a run that does not execute here as failed or cancelled: its open tasks become
   * `CANCELLED` and the run gets its final status. With `leaseToken`, both are one transaction
   * that requires that token, and the call returns false without writing or publishing when
   * another process has claimed the run since. Credits are settled after the run is final.
   */
  async #failUnstartable(
    run: RunRecord,
    code: string,
    message: string,
    status: Extract<RunStatus, 'failed' | 'cancelled'> = 'failed',
    leaseToken?: number,
  ): Promise<boolean> {
    const storage = this.#options.storage;
    const error = { code, message, retryable: false };
    const finishedAt = new Date().toISOString();
    const unfinished: string[] = [];
    const writes: TaskWrite[] = [];
    for (const task of await storage.tasks.listByRun(run.id)) {
      if (task.attempts > 0 && task.status !== 'COMPLETED') unfinished.push(task.id);
      if (task.status === 'IN_PROGRESS' || task.status === 'PENDING') {
        writes.push({ kind: 'updateTask', id: task.id, patch: { status: 'CANCELLED', error, finishedAt } });
      }
    }
    writes.push({ kind: 'updateRun', patch: { status, error, finishedAt } });
    if (leaseToken !== undefined) {
      if (!(await storage.tasks.applyLeased(run.id, leaseToken, writes))) return false;
    } else if (!(await this.#applyUnfenced(run.id, writes))) {
      return false;
    }
    try {
      await this.#options.credits?.settleRun(run.id, unfinished);
    } catch (settleError) {
      // The run has ended, and the next start-up releases the reservations left open.
      this.#log.error({ err: settleError, runId: run.id }, 'credits of the run could not be settled');
    }
    await this.#options.events.openRun(run.id);
    this.#options.events.publish(run.id, run.graphId, { type: 'run.finished', data: { status, error } });
    this.#options.events.closeRun(run.id);
    this.#notifyReply(run.id, { kind: 'finished', run: (await storage.runs.get(run.id))! });
    return true;
  }

  /**
   * Applies the task patches and the run patch of `#failUnstartable` one by one, without a
   * lease. Returns false when the run does not exist.
   */
  async #applyUnfenced(runId: string, writes: TaskWrite[]): Promise<boolean> {
    const storage = this.#options.storage;
    let runFound = true;
    for (const write of writes) {
      if (write.kind === 'updateTask') await storage.tasks.update(write.id, write.patch);
      else if (write.kind === 'updateRun') runFound = await storage.runs.update(runId, write.patch);
    }
    return runFound;
  }

  #notifyReply(runId: string, reply: RunReply): void {
    const waiters = this.#replyWaiters.get(runId);
    if (!waiters) return;
    for (const waiter of [...waiters]) waiter(reply);
  }
}
