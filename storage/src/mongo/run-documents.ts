/**
 * The MongoDB documents of graphs, runs and what runs produce, and their conversion to and from
 * records. JSON values (graph documents, run input and output, errors, event data, manifests)
 * are stored as JSON text, as SQLite stores them: they round-trip exactly as the contract suite
 * expects (undefined reads as null), and keys such as `$ref` or `a.b` in user data never meet
 * MongoDB's rules on field names. Instants are ISO-8601 strings, which sort like the instants.
 */
import type { GraphDocument } from '@gestorlead/sdk-plugin';
import type { PluginManifest } from '@gestorlead/sdk-plugin/plugin';
import { fromJsonText, toJsonText } from '../sqlite/json-columns.js';
import { definedSet } from './patch.js';
import type {
  AttemptRecord,
  DeliveryRecord,
  ErrorData,
  GraphRecord,
  GraphVersionRecord,
  PluginRecord,
  PluginVersionSummary,
  RunEventRecord,
  RunPatch,
  RunRecord,
  RunResponse,
  TaskRecord,
} from '../types.js';

export interface GraphDoc {
  _id: string;
  ownerId: string | null;
  name: string;
  /** `name.toLowerCase()`, searched by `graphs.list`. */
  nameLower: string;
  description: string | null;
  latestVersion: number;
  publishedVersion: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface GraphVersionDoc {
  graphId: string;
  version: number;
  /** The graph document as JSON text. */
  document: string;
  createdAt: string;
  updatedAt: string;
  publishedAt: string | null;
  /** Id of the user who last published the version; absent in documents stored before publishers were recorded. */
  publishedBy?: string | null;
  frozenAt: string | null;
}

export interface RunDoc {
  _id: string;
  graphId: string;
  ownerId: string | null;
  graphVersion: number;
  status: RunRecord['status'];
  trigger: RunRecord['trigger'];
  input: string | null;
  output: string | null;
  error: string | null;
  response: string | null;
  deliveryId: string | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** `RunLease.token`. Runs stored before leases existed lack it, which reads as 0. */
  leaseToken?: number;
  /** `RunLease.cancelRequestedAt`, read as null when absent. */
  cancelRequestedAt?: string | null;
  /** Time of the last `tasks.applyLeased` transaction, written so that it conflicts with a claim. */
  leaseWrittenAt?: string;
}

export interface TaskDoc {
  _id: string;
  runId: string;
  nodeId: string;
  nodeType: string;
  status: TaskRecord['status'];
  attempts: number;
  input: string | null;
  output: string | null;
  error: string | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface AttemptDoc {
  taskId: string;
  attempt: number;
  runId: string;
  status: AttemptRecord['status'];
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
}

export interface RunEventDoc {
  runId: string;
  seq: number;
  type: string;
  at: string;
  taskId: string | null;
  nodeId: string | null;
  data: string | null;
  /** When the TTL index deletes the event; absent keeps it. Only `task.log` events get one. */
  expireAt?: Date;
}

export interface DeliveryDoc {
  _id: string;
  graphId: string;
  eventId: string | null;
  runId: string;
  test: boolean;
  method: string;
  /** Headers as JSON text. */
  headers: string;
  /** Query parameters as JSON text. */
  query: string;
  contentType: string | null;
  body: string;
  bodyEncoding: DeliveryRecord['bodyEncoding'];
  receivedAt: string;
}

export interface PluginDoc {
  ownerId: string | null;
  name: string;
  version: string;
  /** The manifest as JSON text. */
  manifest: string;
  code: string;
  sha256: string;
  installedAt: string;
}

/** Returns the `$set` fields of a run patch, with `updatedAt` set to now. */
export function runPatchSet(patch: RunPatch): Record<string, unknown> {
  const set = definedSet(patch, {
    status: (value) => value,
    output: toJsonText,
    error: toJsonText,
    response: toJsonText,
    startedAt: (value) => value,
    finishedAt: (value) => value,
  });
  set.updatedAt = new Date().toISOString();
  return set;
}

/** Converts a graph document to its stored form. */
export function toGraphDoc(record: GraphRecord): GraphDoc {
  return {
    _id: record.id,
    ownerId: record.ownerId,
    name: record.name,
    nameLower: record.name.toLowerCase(),
    description: record.description,
    latestVersion: record.latestVersion,
    publishedVersion: record.publishedVersion,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

export function fromGraphDoc(doc: GraphDoc): GraphRecord {
  return {
    id: doc._id,
    ownerId: doc.ownerId,
    name: doc.name,
    description: doc.description,
    latestVersion: doc.latestVersion,
    publishedVersion: doc.publishedVersion,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

export function fromGraphVersionDoc(doc: GraphVersionDoc): GraphVersionRecord {
  return {
    graphId: doc.graphId,
    version: doc.version,
    document: JSON.parse(doc.document) as GraphDocument,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    publishedAt: doc.publishedAt,
    publishedBy: doc.publishedBy ?? null,
    frozenAt: doc.frozenAt,
  };
}

export function toRunDoc(run: RunRecord): RunDoc {
  return {
    _id: run.id,
    graphId: run.graphId,
    ownerId: run.ownerId,
    graphVersion: run.graphVersion,
    status: run.status,
    trigger: run.trigger,
    input: toJsonText(run.input),
    output: toJsonText(run.output),
    error: toJsonText(run.error),
    response: toJsonText(run.response),
    deliveryId: run.deliveryId,
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
  };
}

export function fromRunDoc(doc: RunDoc): RunRecord {
  return {
    id: doc._id,
    graphId: doc.graphId,
    ownerId: doc.ownerId,
    graphVersion: doc.graphVersion,
    status: doc.status,
    trigger: doc.trigger,
    input: fromJsonText(doc.input),
    output: fromJsonText(doc.output),
    error: fromJsonText<ErrorData>(doc.error),
    response: fromJsonText<RunResponse>(doc.response),
    deliveryId: doc.deliveryId,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    startedAt: doc.startedAt,
    finishedAt: doc.finishedAt,
  };
}

export function toTaskDoc(task: TaskRecord): TaskDoc {
  return {
    _id: task.id,
    runId: task.runId,
    nodeId: task.nodeId,
    nodeType: task.nodeType,
    status: task.status,
    attempts: task.attempts,
    input: toJsonText(task.input),
    output: toJsonText(task.output),
    error: toJsonText(task.error),
    createdAt: task.createdAt,
    updatedAt: task.updatedAt,
    startedAt: task.startedAt,
    finishedAt: task.finishedAt,
  };
}

export function fromTaskDoc(doc: TaskDoc): TaskRecord {
  return {
    id: doc._id,
    runId: doc.runId,
    nodeId: doc.nodeId,
    nodeType: doc.nodeType,
    status: doc.status,
    attempts: doc.attempts,
    input: fromJsonText(doc.input),
    output: fromJsonText<Record<string, unknown>>(doc.output),
    error: fromJsonText<ErrorData>(doc.error),
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    startedAt: doc.startedAt,
    finishedAt: doc.finishedAt,
  };
}

export function toAttemptDoc(attempt: AttemptRecord): AttemptDoc {
  return {
    taskId: attempt.taskId,
    attempt: attempt.attempt,
    runId: attempt.runId,
    status: attempt.status,
    error: toJsonText(attempt.error),
    startedAt: attempt.startedAt,
    finishedAt: attempt.finishedAt,
  };
}

export function fromAttemptDoc(doc: AttemptDoc): AttemptRecord {
  return {
    taskId: doc.taskId,
    runId: doc.runId,
    attempt: doc.attempt,
    status: doc.status,
    error: fromJsonText<ErrorData>(doc.error),
    startedAt: doc.startedAt,
    finishedAt: doc.finishedAt,
  };
}

/** Event type of a task's log lines, the events that log retention deletes. */
export const TASK_LOG_EVENT = 'task.log';

/**
 * Converts an event to its stored form. A `task.log` event gets `expireAt`, `retentionMs` after
 * its instant, when `retentionMs` is above 0.
 */
export function toRunEventDoc(event: RunEventRecord, retentionMs = 0): RunEventDoc {
  const doc: RunEventDoc = {
    runId: event.runId,
    seq: event.seq,
    type: event.type,
    at: event.at,
    taskId: event.taskId ?? null,
    nodeId: event.nodeId ?? null,
    data: toJsonText(event.data),
  };
  const atMs = Date.parse(event.at);
  if (retentionMs > 0 && event.type === TASK_LOG_EVENT && !Number.isNaN(atMs)) {
    doc.expireAt = new Date(atMs + retentionMs);
  }
  return doc;
}

/** Converts a stored event to a record. Absent `taskId`, `nodeId` and `data` read back as null. */
export function fromRunEventDoc(doc: RunEventDoc): RunEventRecord {
  return {
    runId: doc.runId,
    seq: doc.seq,
    type: doc.type,
    at: doc.at,
    taskId: doc.taskId,
    nodeId: doc.nodeId,
    data: fromJsonText(doc.data),
  };
}

export function toDeliveryDoc(delivery: DeliveryRecord): DeliveryDoc {
  return {
    _id: delivery.id,
    graphId: delivery.graphId,
    eventId: delivery.eventId,
    runId: delivery.runId,
    test: delivery.test,
    method: delivery.method,
    headers: JSON.stringify(delivery.headers),
    query: JSON.stringify(delivery.query),
    contentType: delivery.contentType,
    body: delivery.body,
    bodyEncoding: delivery.bodyEncoding,
    receivedAt: delivery.receivedAt,
  };
}

export function fromDeliveryDoc(doc: DeliveryDoc): DeliveryRecord {
  return {
    id: doc._id,
    graphId: doc.graphId,
    eventId: doc.eventId,
    runId: doc.runId,
    test: doc.test,
    method: doc.method,
    headers: JSON.parse(doc.headers) as DeliveryRecord['headers'],
    query: JSON.parse(doc.query) as DeliveryRecord['query'],
    contentType: doc.contentType,
    body: doc.body,
    bodyEncoding: doc.bodyEncoding,
    receivedAt: doc.receivedAt,
  };
}

export function toPluginDoc(record: PluginRecord): PluginDoc {
  return {
    ownerId: record.ownerId,
    name: record.name,
    version: record.version,
    manifest: JSON.stringify(record.manifest),
    code: record.code,
    sha256: record.sha256,
    installedAt: record.installedAt,
  };
}

export function fromPluginSummaryDoc(doc: Omit<PluginDoc, 'code'>): PluginVersionSummary {
  return {
    ownerId: doc.ownerId,
    name: doc.name,
    version: doc.version,
    manifest: JSON.parse(doc.manifest) as PluginManifest,
    sha256: doc.sha256,
    installedAt: doc.installedAt,
  };
}

export function fromPluginDoc(doc: PluginDoc): PluginRecord {
  return { ...fromPluginSummaryDoc(doc), code: doc.code };
}
