/**
 * The task API fields of `GET /v1/tasks/:id`: `task_id`, `status`, `credit_cost`, `result` and
 * `error`, added to the task record that the route already returns.
 */
import type { ArtifactRecord, ErrorData, LedgerEntry, RunRecord, TaskRecord, TaskStatus } from '@gestorlead/storage';
import type { StudioContext } from '../context.js';
import { isPlaygroundRun } from './run-document.js';

/** Statuses of the task API. */
export type TaskApiStatus = 'PENDING' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';

/** An artifact of a task's result, with the URL that downloads it. */
export interface TaskArtifactRef {
  id: string;
  name: string;
  content_type: string;
  size: number;
  url: string;
}

/** The output and files of a completed task. */
export interface TaskResult {
  /** The value on the node's output port (`ai/chat@1`: `{ text, data, usage, provider, model, cached }`). */
  output: unknown;
  /** Files the task stored, oldest first. */
  artifacts: TaskArtifactRef[];
}

/** The task API fields. */
export interface TaskApiFields {
  task_id: string;
  status: TaskStatus | TaskApiStatus;
  credit_cost: number;
  result: TaskResult | null;
  error: ErrorData | null;
}

/**
 * Maps a playground task's status to the four of the task API. A playground task is cancelled
 * only with its run, and then reads `FAILED` with the `RUNTIME_TASK_CANCELLED` error. Graph tasks
 * keep every status, `SKIPPED` and `CANCELLED` included, because the builder shows them.
 */
function apiStatusOf(task: TaskRecord, run: RunRecord): TaskStatus | TaskApiStatus {
  if (!isPlaygroundRun(run)) return task.status;
  if (task.status === 'CANCELLED' || task.status === 'SKIPPED') return 'FAILED';
  return task.status;
}

/** Credits a task was charged: the sum of its captures, 0 until it completes. */
export function creditCostOf(ledger: readonly LedgerEntry[]): number {
  return ledger.filter((entry) => entry.kind === 'capture').reduce((sum, entry) => sum + entry.amount, 0);
}

function toArtifactRef(record: ArtifactRecord): TaskArtifactRef {
  return { id: record.id, name: record.name, content_type: record.contentType, size: record.size, url: `/v1/artifacts/${record.id}` };
}

/** Returns the value a node delivered: the single port's value, or every port by name. */
function outputValueOf(output: Record<string, unknown> | null): unknown {
  if (output === null) return null;
  const ports = Object.keys(output);
  return ports.length === 1 ? output[ports[0]] : output;
}

async function resultOf(ctx: StudioContext, task: TaskRecord): Promise<TaskResult | null> {
  if (task.status !== 'COMPLETED') return null;
  const records = await ctx.storage.artifacts.listByRun(task.runId);
  const artifacts = records.filter((record) => record.taskId === task.id).map(toArtifactRef);
  return { output: outputValueOf(task.output), artifacts };
}

/** Builds the task API fields of a task of `run`. */
export async function taskApiFields(ctx: StudioContext, task: TaskRecord, run: RunRecord, ledger: readonly LedgerEntry[]): Promise<TaskApiFields> {
  return {
    task_id: task.id,
    status: apiStatusOf(task, run),
    credit_cost: creditCostOf(ledger),
    result: await resultOf(ctx, task),
    error: task.error,
  };
}
