/** The live view of one run, folded from its ordered events. */
import type { RunEvent, RunStatus } from '../api/types';

/** Statuses the canvas shows on a node during and after a run. */
export const NODE_RUN_STATUSES = ['queued', 'running', 'retrying', 'succeeded', 'failed', 'skipped', 'cancelled'] as const;
export type NodeRunStatus = (typeof NODE_RUN_STATUSES)[number];

export interface NodeRun {
  status: NodeRunStatus;
  taskId: string;
  attempt: number;
}

export interface RunView {
  runId: string;
  status: RunStatus;
  lastSeq: number;
  nodes: Record<string, NodeRun>;
  error: { code: string; message: string } | null;
  /** Model text streamed so far by each node's current attempt (`model output` log lines). */
  streams: Record<string, string>;
}

/** The message of the task log lines that carry streamed model text (runtime/src/ai/token-log.ts). */
export const MODEL_OUTPUT_MESSAGE = 'model output';

const TASK_STATUS_OF_EVENT: Record<string, NodeRunStatus> = {
  'task.started': 'running',
  'task.retrying': 'retrying',
  'task.completed': 'succeeded',
  'task.failed': 'failed',
  'task.skipped': 'skipped',
  'task.cancelled': 'cancelled',
};

const FINAL_RUN_STATUSES: ReadonlySet<RunStatus> = new Set(['succeeded', 'failed', 'cancelled']);

export function newRunView(runId: string): RunView {
  return { runId, status: 'queued', lastSeq: 0, nodes: {}, error: null, streams: {} };
}

export function isRunActive(view: Pick<RunView, 'status'> | null): boolean {
  return view !== null && !FINAL_RUN_STATUSES.has(view.status);
}

function readObject(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

/**
 * Applies one event. Events at or below `lastSeq` were applied before (a replay after a
 * reconnect repeats them) and leave the view unchanged.
 */
export function applyRunEvent(view: RunView, event: RunEvent): RunView {
  return applyRunEvents(view, [event]);
}

/**
 * Applies a batch of events in order, as `applyRunEvent` applies each. The result copies `nodes`
 * and `streams` at most once per batch, not once per event, and returns `view` itself when every
 * event was applied before.
 */
export function applyRunEvents(view: RunView, events: readonly RunEvent[]): RunView {
  let next: RunView | null = null;
  let ownsNodes = false;
  let ownsStreams = false;
  const writableStreams = (target: RunView): Record<string, string> => {
    if (!ownsStreams) target.streams = { ...target.streams };
    ownsStreams = true;
    return target.streams;
  };

  for (const event of events) {
    if (event.runId !== view.runId || event.seq <= (next ?? view).lastSeq) continue;
    next ??= { ...view };
    next.lastSeq = event.seq;
    const data = readObject(event.data);

    const nodeStatus = TASK_STATUS_OF_EVENT[event.type];
    if (nodeStatus !== undefined && event.nodeId !== null && event.taskId !== null) {
      if (!ownsNodes) next.nodes = { ...next.nodes };
      ownsNodes = true;
      const previous = next.nodes[event.nodeId];
      const attempt = typeof data.attempt === 'number' ? data.attempt : (previous?.attempt ?? 1);
      next.nodes[event.nodeId] = { status: nodeStatus, taskId: event.taskId, attempt };
      // A new attempt streams its text from the start.
      const restarts = nodeStatus === 'running' || nodeStatus === 'retrying';
      if (restarts && event.nodeId in next.streams) delete writableStreams(next)[event.nodeId];
      continue;
    }

    if (event.type === 'task.log' && event.nodeId !== null && data.message === MODEL_OUTPUT_MESSAGE) {
      const text = readObject(data.data).text;
      if (typeof text === 'string') {
        const streams = writableStreams(next);
        streams[event.nodeId] = (streams[event.nodeId] ?? '') + text;
      }
      continue;
    }

    applyRunLevelEvent(next, event.type, data);
  }
  return next ?? view;
}

/** Applies an event about the run as a whole to `next`, a copy that the caller owns. */
function applyRunLevelEvent(next: RunView, type: string, data: Record<string, unknown>): void {
  switch (type) {
    case 'run.queued':
      next.status = 'queued';
      break;
    case 'run.started':
    case 'run.resumed':
      next.status = 'running';
      next.error = null;
      break;
    case 'run.finished': {
      const status = data.status;
      if (status === 'succeeded' || status === 'failed' || status === 'cancelled') next.status = status;
      const error = readObject(data.error);
      next.error =
        typeof error.code === 'string' ? { code: error.code, message: String(error.message ?? '') } : null;
      break;
    }
    default:
      break;
  }
}

/**
 * Returns the status shown on a node: its task's, or `queued` while the run is active and the
 * node has no task yet. Returns null when the node has nothing to show.
 */
export function nodeStatusOf(view: RunView | null, nodeId: string): NodeRunStatus | null {
  if (view === null) return null;
  const task = view.nodes[nodeId];
  if (task !== undefined) return task.status;
  return isRunActive(view) ? 'queued' : null;
}
