/**
 * Runs one tool call of an agent as a child task of the run. The task gets a record with its
 * attempt and the same events as any task (`task.started`, `task.log`, credit events,
 * `task.completed` or `task.failed`). The plugin action runs in the sandbox through its node
 * type, and its credits are reserved and captured like a graph node's.
 */
import type { ErrorData, TaskRecord } from '@gestorlead/storage';
import type { NodeContext, NodeType } from '../executor/node-type.js';
import { runAttempt, type AttemptOutcome } from '../executor/run-attempt.js';
import { newId } from '../ids.js';
import type { AiNodeDependencies } from './dependencies.js';

/** One tool call to run as a child task. */
export interface ToolTaskRequest {
  runId: string;
  graphId: string;
  ownerId: string | null;
  /** The agent's task, recorded on the child's events as `parentTaskId`. */
  parentTaskId: string;
  /** The child's node id, unique in the run: `<agent node>.tool-<n>`. */
  nodeId: string;
  nodeType: NodeType;
  config: Record<string, unknown>;
  /** Credential ids by slot, which the plugin node type resolves for the run's owner. */
  credentials: Record<string, string>;
  input: unknown;
  runInput: unknown;
  signal: AbortSignal;
}

const now = (): string => new Date().toISOString();

/** A finished tool task: its id and the outcome of its attempt. */
export interface ToolTaskResult {
  taskId: string;
  outcome: AttemptOutcome;
}

/** Runs the tool call and returns the attempt's outcome once the task record is final. */
export async function runToolTask(deps: AiNodeDependencies, request: ToolTaskRequest): Promise<ToolTaskResult> {
  const { storage, events } = deps;
  const { runId, graphId, nodeId, nodeType } = request;
  const taskId = newId('task');
  const input = { in: request.input };
  const publish = (event: { type: string; data?: unknown }): void => {
    events.publish(runId, graphId, { ...event, taskId, nodeId });
  };

  const startedAt = now();
  const task: TaskRecord = {
    id: taskId,
    runId,
    nodeId,
    nodeType: nodeType.type,
    status: 'IN_PROGRESS',
    attempts: 1,
    input,
    output: null,
    error: null,
    createdAt: startedAt,
    updatedAt: startedAt,
    startedAt,
    finishedAt: null,
  };
  await storage.tasks.create(task);
  await storage.tasks.createAttempt({ taskId, runId, attempt: 1, status: 'IN_PROGRESS', error: null, startedAt, finishedAt: null });
  publish({ type: 'task.started', data: { attempt: 1, nodeType: nodeType.type, parentTaskId: request.parentTaskId } });

  const charge =
    deps.credits?.forTask({
      run: { id: runId, ownerId: request.ownerId },
      taskId,
      node: { id: nodeId, type: nodeType.type, position: { x: 0, y: 0 }, config: request.config, credentials: request.credentials },
      nodeType,
      publish: (event) => publish(event),
    }) ?? null;
  if (charge !== null) {
    const reserveError = await charge.reserve();
    if (reserveError !== null) {
      await finishTask(deps, task, reserveError, null);
      publish({ type: 'task.failed', data: { error: reserveError } });
      return { taskId, outcome: { ok: false, error: reserveError, cancelled: false } };
    }
  }

  // A plugin node type reads `credentials` and `ownerId` from the context when they are set,
  // because a tool task has no node of its own in the graph document.
  const context: Omit<NodeContext, 'signal'> & { credentials: Record<string, string>; ownerId: string | null } = {
    credentials: request.credentials,
    ownerId: request.ownerId,
    runId,
    graphId,
    taskId,
    nodeId,
    attempt: 1,
    config: request.config,
    input,
    deliveries: [],
    runInput: request.runInput,
    log: (level, message, data) => publish({ type: 'task.log', data: { level, message, data: data ?? null } }),
    respond: () => {
      // A tool call has no webhook reply to set.
    },
  };
  const outcome = await runAttempt(nodeType, context, deps.taskTimeoutMs, request.signal);

  if (outcome.ok) {
    await charge?.capture(outcome.result.units);
    await finishTask(deps, task, null, outcome.result.outputs);
    publish({ type: 'task.completed', data: { output: outcome.result.outputs } });
  } else {
    await charge?.release();
    await finishTask(deps, task, outcome.error, null, outcome.cancelled);
    publish({ type: outcome.cancelled ? 'task.cancelled' : 'task.failed', data: { error: outcome.error } });
  }
  return { taskId, outcome };
}

async function finishTask(
  deps: AiNodeDependencies,
  task: TaskRecord,
  error: ErrorData | null,
  output: Record<string, unknown> | null,
  cancelled = false,
): Promise<void> {
  const finishedAt = now();
  let status: 'COMPLETED' | 'CANCELLED' | 'FAILED' = 'FAILED';
  if (error === null) status = 'COMPLETED';
  else if (cancelled) status = 'CANCELLED';
  await deps.storage.tasks.updateAttempt(task.id, 1, { status, error, finishedAt });
  await deps.storage.tasks.update(task.id, { status, output, error, finishedAt });
}

/**
 * Returns how many tool tasks of one agent the run already has (their node ids start with
 * `prefix`), and gives each one that a resume set back to `PENDING` the final status of its
 * last attempt again. Tool tasks never run twice: a resumed agent makes new calls instead.
 */
export async function restoreToolTasks(deps: AiNodeDependencies, runId: string, prefix: string): Promise<number> {
  const { storage } = deps;
  const tasks = (await storage.tasks.listByRun(runId)).filter((task) => task.nodeId.startsWith(prefix));
  for (const task of tasks) {
    if (task.status !== 'PENDING' && task.status !== 'IN_PROGRESS') continue;
    const attempts = await storage.tasks.listAttempts(task.id);
    const last = attempts[attempts.length - 1];
    let status: 'COMPLETED' | 'CANCELLED' | 'FAILED' = 'FAILED';
    if (last?.status === 'COMPLETED' || last?.status === 'CANCELLED') status = last.status;
    const error = last?.error ?? { code: 'RUNTIME_PROCESS_RESTARTED', message: 'the process running this tool task stopped', retryable: false };
    await storage.tasks.update(task.id, { status, error: status === 'COMPLETED' ? null : error, finishedAt: last?.finishedAt ?? new Date().toISOString() });
  }
  return tasks.length;
}
