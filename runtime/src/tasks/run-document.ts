/**
 * The graph document a run executes. A graph run reads its stored graph version. A playground
 * run (`POST /v1/tasks`) has no stored graph: its one-node document is rebuilt from the task
 * request stored as the run's input, so any process (a worker after a restart too) executes it.
 */
import type { GraphDocument } from '@gestorlead/sdk-plugin';
import type { RunRecord, Storage } from '@gestorlead/storage';
import { checkoutDocumentOf } from '../billing/checkout-document.js';
import { findTaskProvider, TASK_TYPES, type TaskRequest, type TaskType } from './task-types.js';

/** The `graphId` of every playground run. Graphs that the API creates have `graph_` ids instead. */
export const PLAYGROUND_GRAPH_ID = 'playground';
/** The version number playground runs carry. */
export const PLAYGROUND_VERSION = 1;

/** Returns whether a run is the one-node run of a playground task. */
export function isPlaygroundRun(run: Pick<RunRecord, 'trigger'>): boolean {
  return run.trigger === 'playground';
}

/**
 * Returns whether a run executes a document built from its input instead of a stored graph
 * version: a playground task, or a billing checkout.
 */
export function hasInputDocument(run: Pick<RunRecord, 'trigger'>): boolean {
  return run.trigger === 'playground' || run.trigger === 'billing';
}

/** Reads the task request from a playground run's input, or returns null when it is not one. */
export function taskRequestOf(run: Pick<RunRecord, 'trigger' | 'input'>): TaskRequest | null {
  if (!isPlaygroundRun(run)) return null;
  const input = run.input as Partial<TaskRequest> | null;
  if (input === null || typeof input !== 'object') return null;
  if (!TASK_TYPES.includes(input.task_type as TaskType) || typeof input.provider !== 'string') return null;
  return input as TaskRequest;
}

/**
 * Builds the one-node document of a task request; the node id is the task type. Returns null
 * when the task type has no such provider.
 */
export function taskDocument(request: TaskRequest): GraphDocument | null {
  const entry = findTaskProvider(request.task_type, request.provider);
  if (entry === undefined) return null;
  return {
    id: PLAYGROUND_GRAPH_ID,
    name: `${request.task_type} with ${request.provider}`,
    nodes: [
      {
        id: request.task_type,
        type: entry.nodeType,
        position: { x: 0, y: 0 },
        config: entry.config(request),
        ...(request.credentials !== undefined && Object.keys(request.credentials).length > 0
          ? { credentials: request.credentials }
          : {}),
      },
    ],
    edges: [],
  };
}

/** Returns the document a run executes, or null when its graph version no longer exists. */
export async function runDocumentOf(storage: Storage, run: RunRecord): Promise<GraphDocument | null> {
  if (run.trigger === 'billing') return checkoutDocumentOf(run);
  if (isPlaygroundRun(run)) {
    const request = taskRequestOf(run);
    return request === null ? null : taskDocument(request);
  }
  const version = await storage.graphs.getVersion(run.graphId, run.graphVersion);
  return version?.document ?? null;
}
