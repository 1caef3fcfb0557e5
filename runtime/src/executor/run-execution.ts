import type {
  ErrorData,
  RunRecord,
  RunPatch,
  RunResponse,
  RunStatus,
  Storage,
  TaskRecord,
  TaskStatus,
  TaskWrite,
} from '@gestorlead/storage';
import type { Logger } from 'pino';
import type { ArtifactService } from '../artifacts/artifact-service.js';
import type { RunCredits } from '../credits/credit-service.js';
import type { EventBus } from '../events/event-bus.js';
import { newId } from '../ids.js';
import type { NodeContext, NodeTypeRegistry, TaskLogLevel } from './node-type.js';
import {
  collectDeliveries,
  evaluateReadiness,
  inputByPort,
  type NodeState,
} from './readiness.js';
import { NO_RETRY, retryDelayMs, shouldRetry } from './retry-policy.js';
import { CANCELLED_CODE, runAttempt, type AttemptOutcome } from './run-attempt.js';
import type { PlanNode, RunPlan } from './run-plan.js';

/** Services one run execution receives from the executor. */
export interface ExecutionDeps {
  storage: Storage;
  events: EventBus;
  registry: NodeTypeRegistry;
  log: Logger;
  taskTimeoutMs: number;
  /** Tasks of one run that may execute at once when the graph sets no `concurrency`. */
  defaultConcurrency: number;
  onRespond(runId: string, response: RunResponse): void;
  random?: () => number;
  /** Reserves and settles the credits of charged tasks; without it no task is charged. */
  credits?: RunCredits;
  /** Stores the artifacts of host-side nodes (`NodeContext.files`). */
  artifacts?: ArtifactService;
  /** Lease token this execution claimed. Every write of the run's state requires it. */
  leaseToken: number;
  /**
   * Time between two reads of the run's lease while it executes, in ms. A read that finds
   * another token stops the execution, and one that finds a cancel request cancels the run.
   * Without it the lease is read only around each attempt, and each write checks it itself.
   */
  leaseCheckMs?: number;
}

/** Outcome of an execution that found another process owning its run. It wrote nothing after that. */
export const LEASE_LOST = 'lease-lost';

/** The error a cancel request stops a run with. */
export const CANCELLED_ERROR: ErrorData = { code: 'RUNTIME_TASK_CANCELLED', message: 'run was cancelled', retryable: false };

/** The abort reason of the in-flight calls of an execution that lost its run's lease. */
const LEASE_LOST_ERROR: ErrorData = {
  code: 'RUNTIME_RUN_LEASE_LOST',
  message: 'another process took over this run',
  retryable: false,
};

/** Final status and error of a stopped run. */
interface StopReason {
  status: Extract<RunStatus, 'cancelled' | 'failed'>;
  error: ErrorData;
}

const FINAL: ReadonlySet<TaskStatus | undefined> = new Set([
  'COMPLETED',
  'FAILED',
  'SKIPPED',
  'CANCELLED',
]);

const now = (): string => new Date().toISOString();

/**
 * Executes one run of a plan: schedules nodes as their inputs resolve, runs tasks with retries
 * and timeouts, persists every change in order, and ends every node in one final status. The
 * same class starts new runs, resumes failed ones and recovers runs after a crash, because it
 * rebuilds its state from the stored tasks.
 */
export class RunExecution {
  readonly runId: string;
  readonly #deps: ExecutionDeps;
  readonly #run: RunRecord;
  readonly #plan: RunPlan;
  readonly #log: Logger;
  readonly #states = new Map<string, NodeState>();
  readonly #tasks = new Map<string, { id: string; attempts: number; interrupted: number; exists: boolean }>();
  readonly #queue: string[] = [];
  readonly #controller = new AbortController();
  readonly #concurrency: number;
  #inFlight = 0;
  #writes: Promise<void> = Promise.resolve();
  #stop: StopReason | null = null;
  #finishing = false;
  #responded = false;
  #runTimer: NodeJS.Timeout | undefined;
  #leaseTimer: NodeJS.Timeout | undefined;
  #leaseLost = false;
  /**
   * Whether the run may hold credit reservations that `#settleCredits` must release: it resumes
   * an earlier execution, or one of its tasks has a charge.
   */
  #mayHoldCredits = false;
  /** Task writes queued behind the write in progress, stored together by `#writeTask`. */
  #openBatch: TaskWrite[] | null = null;
  #resolveDone!: (status: RunStatus | typeof LEASE_LOST) => void;
  readonly done: Promise<RunStatus | typeof LEASE_LOST>;

  constructor(
    deps: ExecutionDeps,
    run: RunRecord,
    plan: RunPlan,
    tasks: TaskRecord[],
    interruptedAttempts: Map<string, number> = new Map(),
  ) {
    this.runId = run.id;
    this.#deps = deps;
    this.#run = run;
    this.#plan = plan;
    this.#log = deps.log.child({ runId: run.id, graphId: run.graphId });
    this.#concurrency = plan.document.settings?.concurrency ?? deps.defaultConcurrency;
    this.done = new Promise((resolve) => {
      this.#resolveDone = resolve;
    });
    for (const task of tasks) {
      const final = FINAL.has(task.status);
      this.#states.set(task.nodeId, {
        status: final ? task.status : undefined,
        output: task.output,
        error: task.error,
      });
      this.#tasks.set(task.nodeId, {
        id: task.id,
        attempts: task.attempts,
        interrupted: interruptedAttempts.get(task.id) ?? 0,
        exists: true,
      });
    }
  }

  /**
   * Starts scheduling; `done` resolves with the run's final status, or `LEASE_LOST` when another
   * process claimed the run. With `cancelRequested`, because the run has a stored cancel
   * request, the run is cancelled at once.
   */
  async start(resumed: boolean, cancelRequested = false): Promise<RunStatus | typeof LEASE_LOST> {
    const startedAt = this.#run.startedAt ?? now();
    const { storage, leaseToken, leaseCheckMs } = this.#deps;
    this.#mayHoldCredits = resumed;
    if (!(await storage.runs.update(this.runId, { status: 'running', startedAt }, leaseToken))) {
      this.#loseLease();
      return this.done;
    }
    this.#publish({ type: resumed ? 'run.resumed' : 'run.started', data: { version: this.#plan.version } });
    this.#log.info({ version: this.#plan.version, resumed }, 'run started');
    if (leaseCheckMs !== undefined) {
      this.#leaseTimer = setInterval(() => void this.#checkLease(), leaseCheckMs);
      this.#leaseTimer.unref();
    }
    if (cancelRequested) {
      this.stop({ status: 'cancelled', error: CANCELLED_ERROR });
      return this.done;
    }

    const runTimeoutMs = this.#plan.document.settings?.timeoutMs;
    if (runTimeoutMs !== undefined) {
      this.#runTimer = setTimeout(() => {
        this.stop({
          status: 'failed',
          error: {
            code: 'RUNTIME_RUN_TIMEOUT',
            message: `run timed out after ${runTimeoutMs} ms`,
            retryable: false,
            details: { timeoutMs: runTimeoutMs },
          },
        });
      }, runTimeoutMs);
    }

    for (const nodeId of this.#plan.nodes.keys()) this.#evaluate(nodeId);
    this.#maybeFinish();
    return this.done;
  }

  /** Stops the run: running tasks end at once, nodes not started are cancelled. */
  stop(reason: StopReason): void {
    if (this.#stop || this.#finishing || this.#leaseLost) return;
    this.#stop = reason;
    this.#log.info({ status: reason.status, code: reason.error.code }, 'run stopping');
    this.#controller.abort(reason.error);
    this.#queue.length = 0;
    this.#maybeFinish();
  }

  /**
   * Reads the run's lease. Another token means another process claimed the run: this execution
   * stops without writing. A cancel request stops the run as cancelled. Returns whether this
   * execution still owns the run.
   */
  async #checkLease(): Promise<boolean> {
    if (this.#leaseLost) return false;
    let lease;
    try {
      lease = await this.#deps.storage.runs.getLease(this.runId);
    } catch (error) {
      // A failed read proves nothing about the owner. The fenced writes still reject a stale token.
      this.#log.warn({ err: error }, 'reading the run lease failed');
      return true;
    }
    if (lease?.token !== this.#deps.leaseToken) {
      this.#loseLease(lease?.token ?? null);
      return false;
    }
    if (lease.cancelRequestedAt !== null) this.stop({ status: 'cancelled', error: CANCELLED_ERROR });
    return true;
  }

  /**
   * Ends this execution without any further write, plugin call or credit change, because the
   * process that claimed the run after it owns the run's state, its reservations and its slot.
   */
  #loseLease(storedToken: number | null = null): void {
    if (this.#leaseLost) return;
    this.#leaseLost = true;
    this.#log.warn(
      { leaseToken: this.#deps.leaseToken, storedToken },
      'run lease lost: another process took over this run; stopping it here without writing',
    );
    clearTimeout(this.#runTimer);
    clearInterval(this.#leaseTimer);
    this.#queue.length = 0;
    this.#controller.abort(LEASE_LOST_ERROR);
    this.#resolveDone(LEASE_LOST);
  }

  #stopError(): ErrorData | undefined {
    return this.#stop?.error;
  }

  /** Whether another process claimed the run while this execution ran it. */
  get lostLease(): boolean {
    return this.#leaseLost;
  }

  get stopping(): boolean {
    return this.#stop !== null || this.#finishing;
  }

  #evaluate(nodeId: string): void {
    if (this.#stop) return;
    const state = this.#states.get(nodeId);
    if (state && (state.status !== undefined || state.output === STARTED)) return;
    const planNode = this.#plan.nodes.get(nodeId);
    if (!planNode) return;

    const readiness = evaluateReadiness(planNode, this.#states);
    if (readiness === 'wait') return;
    if (readiness === 'skip') {
      this.#finishNode(planNode, 'SKIPPED', null, null);
      return;
    }
    this.#states.set(nodeId, { status: undefined, output: STARTED, error: null });
    this.#queue.push(nodeId);
    this.#pump();
  }

  #pump(): void {
    while (this.#inFlight < this.#concurrency && this.#queue.length > 0 && !this.#stop && !this.#leaseLost) {
      const nodeId = this.#queue.shift()!;
      this.#inFlight += 1;
      this.#runTask(nodeId)
        .catch((error: unknown) => {
          this.#log.error({ err: error, nodeId }, 'task crashed the executor loop');
          const planNode = this.#plan.nodes.get(nodeId)!;
          this.#finishNode(planNode, 'FAILED', null, {
            code: 'INTERNAL',
            message: 'the executor failed while running this task',
            retryable: false,
          });
        })
        .finally(() => {
          this.#inFlight -= 1;
          this.#pump();
          this.#maybeFinish();
        });
    }
  }

  async #runTask(nodeId: string): Promise<void> {
    const planNode = this.#plan.nodes.get(nodeId)!;
    const node = planNode.node;
    const task = this.#taskOf(nodeId);
    const deliveries = collectDeliveries(planNode, this.#states);
    const isEntry = planNode.incoming.length === 0;
    const input = isEntry ? { in: this.#run.input } : inputByPort(deliveries);
    const nodeType = this.#deps.registry.get(node.type);
    if (!nodeType) {
      this.#finishNode(planNode, 'FAILED', null, {
        code: 'RUNTIME_NODE_TYPE_UNKNOWN',
        message: `node type "${node.type}" is not installed`,
        retryable: false,
        details: { nodeId, type: node.type },
      });
      return;
    }
    const policy = node.retry ?? NO_RETRY;
    const timeoutMs = node.timeoutMs ?? this.#deps.taskTimeoutMs;
    // A pino child logger costs about 2 µs to build, so it is built on the first line logged.
    let taskLog: Logger | undefined;
    const taskLogger = (): Logger => (taskLog ??= this.#log.child({ taskId: task.id, nodeId }));
    const charge =
      this.#deps.credits?.forTask({ run: this.#run, taskId: task.id, node, nodeType, publish: (event) => this.#publish(event) }) ??
      null;
    if (charge !== null) this.#mayHoldCredits = true;

    for (;;) {
      // The attempt is the side effect: it starts only while this execution owns the run.
      if (!(await this.#checkLease())) return;
      task.attempts += 1;
      const attempt = task.attempts;
      const startedAt = now();
      this.#persistAttemptStart(planNode, task, attempt, input, startedAt);
      this.#publish({ type: 'task.started', taskId: task.id, nodeId, data: { attempt, nodeType: node.type } });
      if (this.#log.isLevelEnabled('debug')) taskLogger().debug({ attempt }, 'task attempt started');
      if (charge !== null && !charge.held) {
        // The reservation is keyed by task, so the task row is stored before the ledger names it.
        await this.#writes;
        const reserveError = await charge.reserve();
        if (reserveError !== null) {
          this.#persistAttemptEnd(task.id, attempt, 'FAILED', reserveError);
          this.#finishNode(planNode, 'FAILED', null, reserveError);
          return;
        }
      }

      const outcome: AttemptOutcome = await runAttempt(
        nodeType,
        {
          runId: this.runId,
          graphId: this.#run.graphId,
          taskId: task.id,
          nodeId,
          attempt,
          config: node.config ?? {},
          input,
          deliveries,
          runInput: this.#run.input,
          log: (level, message, data) => this.#taskLog(task.id, nodeId, level, message, data),
          respond: (response) => this.#respond(response),
          files: this.#filesOf(task.id, nodeId, node.type),
        },
        timeoutMs,
        this.#controller.signal,
      );
      // An execution that lost the lease leaves the attempt and its credits to the new owner.
      if (!(await this.#checkLease())) return;

      if (outcome.ok) {
        // Captured before the completion is stored: a crash in between re-runs the task, which
        // then finds the capture and charges nothing more.
        await charge?.capture(outcome.result.units);
        this.#persistAttemptEnd(task.id, attempt, 'COMPLETED', null);
        this.#finishNode(planNode, 'COMPLETED', outcome.result.outputs, null);
        return;
      }
      if (outcome.cancelled || this.#stop) {
        await charge?.release();
        this.#endStopped(planNode, task, attempt, outcome.error);
        return;
      }
      this.#persistAttemptEnd(task.id, attempt, 'FAILED', outcome.error);
      if (!shouldRetry(policy, attempt - task.interrupted, outcome.error)) {
        await charge?.release();
        this.#finishNode(planNode, 'FAILED', null, outcome.error);
        return;
      }
      const delayMs = retryDelayMs(policy, attempt - task.interrupted, outcome.error, this.#deps.random);
      this.#publish({
        type: 'task.retrying',
        taskId: task.id,
        nodeId,
        data: { attempt, delayMs, error: outcome.error },
      });
      taskLogger().warn({ attempt, delayMs, code: outcome.error.code }, 'retrying task');
      if (!(await this.#sleep(delayMs))) {
        await charge?.release();
        this.#endStopped(planNode, task, null, this.#stopError() ?? outcome.error);
        return;
      }
    }
  }

  /** Ends a task caught by a cancel or a run timeout. */
  #endStopped(planNode: PlanNode, task: { id: string }, attempt: number | null, error: ErrorData): void {
    const cancelled = this.#stop?.status !== 'failed';
    if (attempt !== null) {
      this.#persistAttemptEnd(task.id, attempt, cancelled ? 'CANCELLED' : 'FAILED', error);
    }
    this.#finishNode(planNode, cancelled ? 'CANCELLED' : 'FAILED', null, error);
  }

  #taskOf(nodeId: string): { id: string; attempts: number; interrupted: number; exists: boolean } {
    let task = this.#tasks.get(nodeId);
    if (!task) {
      task = { id: newId('task'), attempts: 0, interrupted: 0, exists: false };
      this.#tasks.set(nodeId, task);
    }
    return task;
  }

  #persistAttemptStart(
    planNode: PlanNode,
    task: { id: string; attempts: number; exists: boolean },
    attempt: number,
    input: unknown,
    startedAt: string,
  ): void {
    const exists = task.exists;
    task.exists = true;
    if (exists) {
      this.#writeTask({
        kind: 'updateTask',
        id: task.id,
        patch: { status: 'IN_PROGRESS', attempts: attempt, input, error: null, startedAt, finishedAt: null },
      });
    } else {
      this.#writeTask({
        kind: 'createTask',
        task: {
          id: task.id,
          runId: this.runId,
          nodeId: planNode.node.id,
          nodeType: planNode.node.type,
          status: 'IN_PROGRESS',
          attempts: attempt,
          input,
          output: null,
          error: null,
          createdAt: startedAt,
          updatedAt: startedAt,
          startedAt,
          finishedAt: null,
        },
      });
    }
    this.#writeTask({
      kind: 'createAttempt',
      attempt: { taskId: task.id, runId: this.runId, attempt, status: 'IN_PROGRESS', error: null, startedAt, finishedAt: null },
    });
  }

  #persistAttemptEnd(
    taskId: string,
    attempt: number,
    status: 'COMPLETED' | 'FAILED' | 'CANCELLED',
    error: ErrorData | null,
  ): void {
    this.#writeTask({ kind: 'updateAttempt', taskId, attempt, patch: { status, error, finishedAt: now() } });
  }

  /** Records a node's final status, persists it, and schedules the nodes it feeds. */
  #finishNode(
    planNode: PlanNode,
    status: Extract<TaskStatus, 'COMPLETED' | 'FAILED' | 'SKIPPED' | 'CANCELLED'>,
    output: Record<string, unknown> | null,
    error: ErrorData | null,
  ): void {
    if (this.#leaseLost) return;
    const nodeId = planNode.node.id;
    this.#states.set(nodeId, { status, output, error });
    const task = this.#taskOf(nodeId);
    const finishedAt = now();
    const exists = task.exists;
    task.exists = true;
    if (exists) {
      this.#writeTask({ kind: 'updateTask', id: task.id, patch: { status, output, error, finishedAt } });
    } else {
      this.#writeTask({
        kind: 'createTask',
        task: {
          id: task.id,
          runId: this.runId,
          nodeId,
          nodeType: planNode.node.type,
          status,
          attempts: task.attempts,
          input: null,
          output,
          error,
          createdAt: finishedAt,
          updatedAt: finishedAt,
          startedAt: null,
          finishedAt,
        },
      });
    }
    const type = EVENT_OF_STATUS[status];
    this.#publish({ type, taskId: task.id, nodeId, data: status === 'COMPLETED' ? { output } : error ? { error } : null });
    if (status === 'FAILED') this.#log.info({ nodeId, code: error?.code }, 'task failed');

    if (!this.#stop) {
      const targets = new Set<string>();
      for (const edge of planNode.outgoing) targets.add(edge.target);
      for (const target of targets) this.#evaluate(target);
    }
  }

  #taskLog(taskId: string, nodeId: string, level: TaskLogLevel, message: string, data?: unknown): void {
    this.#publish({ type: 'task.log', taskId, nodeId, data: { level, message, data: data ?? null } });
  }

  /** The `files` of a task, or undefined without an artifact store. The plugin is the node type's prefix. */
  #filesOf(taskId: string, nodeId: string, nodeType: string): NodeContext['files'] {
    const artifacts = this.#deps.artifacts;
    if (artifacts === undefined) return undefined;
    const plugin = nodeType.split('/')[0];
    return {
      put: (file) =>
        artifacts.store({
          runId: this.runId,
          ownerId: this.#run.ownerId,
          taskId,
          nodeId,
          plugin,
          model: file.model ?? null,
          prompt: file.prompt ?? null,
          name: file.name,
          contentType: file.contentType,
          data: file.data,
        }),
    };
  }

  #respond(response: RunResponse): void {
    // The first reply is the one the caller receives, so it is the one stored. Later ones are
    // reported in the run's events and otherwise ignored.
    if (this.#responded) {
      this.#publish({ type: 'run.response-ignored', data: { status: response.status } });
      return;
    }
    this.#responded = true;
    this.#write(() => this.#updateRun({ response }));
    this.#publish({ type: 'run.responded', data: { status: response.status } });
    this.#deps.onRespond(this.runId, response);
  }

  #sleep(ms: number): Promise<boolean> {
    const signal = this.#controller.signal;
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  #maybeFinish(): void {
    if (this.#finishing || this.#leaseLost || this.#inFlight > 0) return;
    if (!this.#stop) {
      if (this.#queue.length > 0) return;
      for (const nodeId of this.#plan.nodes.keys()) {
        if (!FINAL.has(this.#states.get(nodeId)?.status)) return;
      }
    }
    this.#finishing = true;
    clearTimeout(this.#runTimer);
    this.#finishRun().catch((error: unknown) => {
      this.#log.error({ err: error }, 'run could not be finished');
      this.#resolveDone('failed');
    });
  }

  async #finishRun(): Promise<void> {
    if (this.#stop) {
      for (const planNode of this.#plan.nodes.values()) {
        if (!FINAL.has(this.#states.get(planNode.node.id)?.status)) {
          this.#finishNode(planNode, 'CANCELLED', null, this.#stop.error);
        }
      }
    }
    await this.#writes;
    if (!(await this.#checkLease())) return;
    await this.#settleCredits();
    const { status, error } = this.#outcome();
    const output = this.#sinkOutputs();
    const finishedAt = now();
    this.#write(() => this.#updateRun({ status, output, error, finishedAt }));
    await this.#writes;
    clearInterval(this.#leaseTimer);
    if (this.#leaseLost) return;
    this.#publish({ type: 'run.finished', data: { status, error } });
    if (status === 'failed') this.#log.error({ code: error?.code }, 'run failed');
    else this.#log.info({ status }, 'run finished');
    this.#resolveDone(status);
  }

  /**
   * Releases the credits the run still has reserved: reservations reused after a restart by
   * tasks that did not run again, and the rest of a reservation captured just before a crash.
   */
  async #settleCredits(): Promise<void> {
    const credits = this.#deps.credits;
    // A new run reserves credits only through its own charges, so without one it has no reservation.
    if (credits === undefined || !this.#mayHoldCredits) return;
    const unfinished: string[] = [];
    for (const [nodeId, task] of this.#tasks) {
      if (task.attempts > 0 && this.#states.get(nodeId)?.status !== 'COMPLETED') unfinished.push(task.id);
    }
    try {
      await credits.settleRun(this.runId, unfinished);
    } catch (error) {
      // The run still ends, and the next start-up releases the reservations left open.
      this.#log.error({ err: error }, 'credits of the run could not be settled');
    }
  }

  #outcome(): { status: RunStatus; error: ErrorData | null } {
    if (this.#stop) return { status: this.#stop.status, error: this.#stop.error };
    for (const planNode of this.#plan.nodes.values()) {
      const state = this.#states.get(planNode.node.id);
      if (state?.status === 'FAILED' && !planNode.handlesErrors) {
        const cause = state.error;
        return {
          status: 'failed',
          error: {
            code: cause?.code ?? 'RUNTIME_NODE_FAILED',
            message: `node "${planNode.node.id}" failed: ${cause?.message ?? 'unknown error'}`,
            retryable: false,
            details: { nodeId: planNode.node.id, taskId: this.#tasks.get(planNode.node.id)?.id },
          },
        };
      }
    }
    return { status: 'succeeded', error: null };
  }

  /** Outputs of completed nodes that feed no other node, keyed by node id. */
  #sinkOutputs(): Record<string, unknown> {
    const output: Record<string, unknown> = Object.create(null);
    for (const planNode of this.#plan.nodes.values()) {
      if (planNode.outgoing.length > 0) continue;
      const state = this.#states.get(planNode.node.id);
      if (state?.status !== 'COMPLETED' || !state.output) continue;
      const ports = Object.keys(state.output);
      output[planNode.node.id] = ports.length === 1 ? state.output[ports[0]] : state.output;
    }
    return output;
  }

  #publish(event: { type: string; taskId?: string; nodeId?: string; data?: unknown }): void {
    // The process that took over the run numbers its events from the last one stored.
    if (this.#leaseLost) return;
    this.#deps.events.publish(this.runId, this.#run.graphId, event);
  }

  /** Applies a patch to the run in one statement that requires this execution's lease token. */
  async #updateRun(patch: RunPatch): Promise<void> {
    if (!(await this.#deps.storage.runs.update(this.runId, patch, this.#deps.leaseToken))) this.#loseLease();
  }

  /**
   * Queues a task or attempt write. Writes queued while the previous write is stored join one
   * batch, which `tasks.applyLeased` stores in one transaction fenced by the lease token.
   */
  #writeTask(write: TaskWrite): void {
    if (this.#leaseLost) return;
    if (this.#openBatch !== null) {
      this.#openBatch.push(write);
      return;
    }
    const batch = [write];
    this.#write(async () => {
      if (this.#openBatch === batch) this.#openBatch = null;
      if (!(await this.#deps.storage.tasks.applyLeased(this.runId, this.#deps.leaseToken, batch))) this.#loseLease();
    });
    this.#openBatch = batch;
  }

  /**
   * Chains a storage write after the previous ones, so the stored order is the event order. Each
   * write requires this execution's lease token: run writes through `#updateRun`, task writes
   * through `#writeTask`.
   */
  #write(operation: () => Promise<void>): void {
    // A batch stays open only while no other write follows it, which keeps the stored order.
    this.#openBatch = null;
    if (this.#leaseLost) return;
    this.#writes = this.#writes
      .then(async () => {
        if (!this.#leaseLost) await operation();
      })
      .catch((error: unknown) => {
        this.#log.error({ err: error }, 'run state write failed');
      });
  }
}

/** Marks a node that is queued or running; it has no final status yet. */
const STARTED: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

const EVENT_OF_STATUS = {
  COMPLETED: 'task.completed',
  FAILED: 'task.failed',
  SKIPPED: 'task.skipped',
  CANCELLED: 'task.cancelled',
} as const;

export { CANCELLED_CODE };
