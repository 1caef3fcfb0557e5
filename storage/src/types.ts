/**
 * Records and repository interfaces. Every adapter (SQLite, MongoDB) implements these and
 * passes the contract suite in `test/contract`. Dates are ISO-8601 strings in UTC.
 */
import type { GraphDocument } from '@gestorlead/sdk-plugin';
import type { PluginManifest } from '@gestorlead/sdk-plugin/plugin';

/** Run statuses. */
export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
/** Run statuses. */
export type RunStatus = (typeof RUN_STATUSES)[number];
/** Run statuses after which a run never changes again (unless resumed from `failed`). */
export const FINAL_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled'];

/** Task statuses. */
export const TASK_STATUSES = [
  'PENDING',
  'IN_PROGRESS',
  'COMPLETED',
  'FAILED',
  'SKIPPED',
  'CANCELLED',
] as const;
/** Task statuses. */
export type TaskStatus = (typeof TASK_STATUSES)[number];
/** Task statuses that end a task. */
export const FINAL_TASK_STATUSES: readonly TaskStatus[] = [
  'COMPLETED',
  'FAILED',
  'SKIPPED',
  'CANCELLED',
];

/** Attempt statuses. `INTERRUPTED` marks an attempt whose process died. */
export const ATTEMPT_STATUSES = [
  'IN_PROGRESS',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'INTERRUPTED',
] as const;
/** Attempt statuses. */
export type AttemptStatus = (typeof ATTEMPT_STATUSES)[number];

/** Trigger kinds that start a run. */
export const TRIGGER_KINDS = ['manual', 'webhook', 'webhook-test', 'cron', 'resume'] as const;
/** Trigger kinds that start a run. */
export type TriggerKind = (typeof TRIGGER_KINDS)[number];

/** An error as plain data: the same shape in storage, events and across the sandbox. */
export interface ErrorData {
  code: string;
  message: string;
  retryable?: boolean;
  details?: unknown;
}

/** A graph and the pointers to its versions. */
export interface GraphRecord {
  id: string;
  name: string;
  description: string | null;
  latestVersion: number;
  publishedVersion: number | null;
  createdAt: string;
  updatedAt: string;
}

/** One stored version of a graph document. */
export interface GraphVersionRecord {
  graphId: string;
  version: number;
  document: GraphDocument;
  createdAt: string;
  updatedAt: string;
  /** When this version was last published; null for a version never published. */
  publishedAt: string | null;
  /** When this version was first published or run; a frozen version is never modified. */
  frozenAt: string | null;
}

/** Filter and page of `GraphRepository.list`. */
export interface GraphListQuery {
  search?: string;
  limit?: number;
  offset?: number;
}

/** Graphs with versions. A version once published is never modified again. */
export interface GraphRepository {
  /** Inserts a graph with its first version (1, a draft). */
  create(id: string, document: GraphDocument): Promise<{ graph: GraphRecord; version: GraphVersionRecord }>;
  get(id: string): Promise<GraphRecord | null>;
  list(query?: GraphListQuery): Promise<GraphRecord[]>;
  /**
   * Stores a new draft: overwrites the latest version while it is not frozen, otherwise adds
   * version `latestVersion + 1`. Returns null when the graph does not exist.
   */
  saveDraft(id: string, document: GraphDocument): Promise<GraphVersionRecord | null>;
  getVersion(id: string, version: number): Promise<GraphVersionRecord | null>;
  /** Versions newest first, with their documents. */
  listVersions(id: string): Promise<GraphVersionRecord[]>;
  /**
   * Freezes a version so that later saves add a new version instead of changing it. Returns
   * false when the version does not exist. Freezing a frozen version changes nothing.
   */
  freeze(id: string, version: number): Promise<boolean>;
  /** Marks `version` as the one triggers run, and freezes it. Null when graph or version is missing. */
  publish(id: string, version: number): Promise<GraphRecord | null>;
  /** Deletes the graph and its versions. Returns false when it did not exist. */
  delete(id: string): Promise<boolean>;
  count(): Promise<number>;
}

/** One execution of one graph version. */
export interface RunRecord {
  id: string;
  graphId: string;
  graphVersion: number;
  status: RunStatus;
  trigger: TriggerKind;
  input: unknown;
  /** Outputs of the run's sink nodes, keyed by node id. */
  output: unknown;
  error: ErrorData | null;
  /** The reply set by a `core/respond` node, for sync webhooks. */
  response: RunResponse | null;
  deliveryId: string | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** An HTTP reply chosen by a `core/respond` node. */
export interface RunResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** Filter and page of `RunRepository.list`, newest first. */
export interface RunListQuery {
  graphId?: string;
  status?: RunStatus[];
  limit?: number;
  /** Only runs created strictly before this ISO instant (keyset paging). */
  before?: string;
  /**
   * With `before`, also runs created at exactly `before` whose id sorts below this one, so a
   * page that ends on (createdAt, id) continues without skipping runs of the same instant.
   */
  beforeId?: string;
}

/** Fields of a run that change while it executes. */
export type RunPatch = Partial<
  Pick<RunRecord, 'status' | 'output' | 'error' | 'response' | 'startedAt' | 'finishedAt'>
>;

/** Runs. */
export interface RunRepository {
  /** Inserts a run and, when given, the webhook delivery that started it, atomically. */
  create(run: RunRecord, delivery?: DeliveryRecord): Promise<void>;
  get(id: string): Promise<RunRecord | null>;
  list(query?: RunListQuery): Promise<RunRecord[]>;
  /** Applies `patch` and sets `updatedAt`. Returns false when the run does not exist. */
  update(id: string, patch: RunPatch): Promise<boolean>;
  /** Runs in any of `statuses`, oldest first (used to recover runs after a crash). */
  listByStatus(statuses: RunStatus[]): Promise<RunRecord[]>;
}

/** One execution of one node inside a run. Retries are attempts of the same task. */
export interface TaskRecord {
  id: string;
  runId: string;
  nodeId: string;
  nodeType: string;
  status: TaskStatus;
  /** Number of attempts started so far. */
  attempts: number;
  input: unknown;
  /** Values on each active output port, keyed by port name. */
  output: Record<string, unknown> | null;
  error: ErrorData | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** Fields of a task that change while it executes. */
export type TaskPatch = Partial<
  Pick<TaskRecord, 'status' | 'attempts' | 'input' | 'output' | 'error' | 'startedAt' | 'finishedAt'>
>;

/** One attempt of a task. */
export interface AttemptRecord {
  taskId: string;
  runId: string;
  attempt: number;
  status: AttemptStatus;
  error: ErrorData | null;
  startedAt: string;
  finishedAt: string | null;
}

/** Tasks and their attempts. A run has at most one task per node. */
export interface TaskRepository {
  /** Inserts a task; throws `StorageConflictError` when the run already has one for the node. */
  create(task: TaskRecord): Promise<void>;
  get(id: string): Promise<TaskRecord | null>;
  listByRun(runId: string): Promise<TaskRecord[]>;
  update(id: string, patch: TaskPatch): Promise<boolean>;
  /** Inserts an attempt; throws `StorageConflictError` for a repeated (taskId, attempt). */
  createAttempt(attempt: AttemptRecord): Promise<void>;
  updateAttempt(
    taskId: string,
    attempt: number,
    patch: Partial<Pick<AttemptRecord, 'status' | 'error' | 'finishedAt'>>,
  ): Promise<boolean>;
  listAttempts(taskId: string): Promise<AttemptRecord[]>;
}

/** One event of a run's ordered stream; `seq` starts at 1 and grows by 1 per run. */
export interface RunEventRecord {
  runId: string;
  seq: number;
  type: string;
  at: string;
  taskId?: string | null;
  nodeId?: string | null;
  data?: unknown;
}

/** Run events, task log lines among them (type `task.log`). */
export interface EventRepository {
  /** Appends events; throws `StorageConflictError` for a repeated (runId, seq). */
  append(events: RunEventRecord[]): Promise<void>;
  /** Events of a run with `seq > after`, in order. */
  listByRun(runId: string, query?: { after?: number; limit?: number }): Promise<RunEventRecord[]>;
  /** Events of a task, in order; `types` narrows them. */
  listByTask(taskId: string, query?: { types?: string[]; limit?: number }): Promise<RunEventRecord[]>;
  /** The highest `seq` stored for a run, 0 when it has none. */
  maxSeq(runId: string): Promise<number>;
}

/** A received webhook request, stored before the reply that accepts it. */
export interface DeliveryRecord {
  id: string;
  graphId: string;
  /** Value of the graph's event-id header; unique per graph and `test` flag when present. */
  eventId: string | null;
  runId: string;
  test: boolean;
  method: string;
  headers: Record<string, string>;
  query: Record<string, string | string[]>;
  contentType: string | null;
  /** The raw body, as UTF-8 text or base64 (see `bodyEncoding`). */
  body: string;
  bodyEncoding: 'utf8' | 'base64';
  receivedAt: string;
}

/** Webhook deliveries. */
export interface DeliveryRepository {
  get(id: string): Promise<DeliveryRecord | null>;
  /** The delivery with this event id among the graph's test (`test`) or live deliveries. */
  findByEventId(graphId: string, eventId: string, test?: boolean): Promise<DeliveryRecord | null>;
  listByGraph(graphId: string, query?: { limit?: number; test?: boolean }): Promise<DeliveryRecord[]>;
}

/** One installed version of a plugin: its manifest and bundled code. */
export interface PluginRecord {
  name: string;
  /** A semantic version such as `1.4.0`; unique per name. */
  version: string;
  /** The manifest, validated by the runtime before the record is stored. */
  manifest: PluginManifest;
  /** The bundle the sandbox evaluates. */
  code: string;
  /** Hex SHA-256 of `code`. */
  sha256: string;
  installedAt: string;
}

/** A plugin version without its code, as listings return it. */
export type PluginVersionSummary = Omit<PluginRecord, 'code'>;

/** Filter of `PluginRepository.list`. */
export interface PluginListQuery {
  /** Only versions of this plugin. */
  name?: string;
  /** Only the highest version of each plugin, by semantic version precedence. */
  latestOnly?: boolean;
}

/** Installed plugin versions; several versions of one plugin may be installed side by side. */
export interface PluginRepository {
  /** Inserts a version; throws `StorageConflictError` when (name, version) is installed. */
  install(record: PluginRecord): Promise<void>;
  get(name: string, version: string): Promise<PluginRecord | null>;
  /** Versions without code, by name, then highest version first (semantic version precedence). */
  list(query?: PluginListQuery): Promise<PluginVersionSummary[]>;
  /** Every version with its code, in the order of `list`; the runtime loads them at start-up. */
  listAll(): Promise<PluginRecord[]>;
  /** Deletes one version. Returns false when it was not installed. */
  delete(name: string, version: string): Promise<boolean>;
}

/** All repositories of one store. */
export interface Storage {
  readonly kind: string;
  graphs: GraphRepository;
  runs: RunRepository;
  tasks: TaskRepository;
  events: EventRepository;
  deliveries: DeliveryRepository;
  plugins: PluginRepository;
  /** Resolves when the store returns the result of a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A write that breaks a uniqueness rule (a duplicate id, event id, seq, or task per node). */
export class StorageConflictError extends Error {
  readonly code = 'STORAGE_CONFLICT';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageConflictError';
  }
}

/**
 * Opening a store whose schema was written by a newer release than this code. The store is left
 * untouched, because older code cannot know what the newer migrations changed.
 */
export class StorageSchemaTooNewError extends Error {
  readonly code = 'STORAGE_SCHEMA_TOO_NEW';
  /** The newest schema version recorded in the store. */
  readonly storedVersion: number;
  /** The newest schema version this code can migrate to. */
  readonly supportedVersion: number;
  constructor(message: string, versions: { storedVersion: number; supportedVersion: number }) {
    super(message);
    this.name = 'StorageSchemaTooNewError';
    this.storedVersion = versions.storedVersion;
    this.supportedVersion = versions.supportedVersion;
  }
}

/**
 * A job state update (Agenda's `saveJobState`) found no job with that id and name, usually
 * because the job was removed while it ran.
 */
export class AgendaJobNotFoundError extends Error {
  readonly code = 'STORAGE_AGENDA_JOB_NOT_FOUND';
  readonly jobId: string;
  readonly jobName: string;
  constructor(jobId: string, jobName: string) {
    super(
      `Cannot update the state of Agenda job ${jobId} (name "${jobName}"): no job has this id ` +
        'and name. It was probably removed while it ran.',
    );
    this.name = 'AgendaJobNotFoundError';
    this.jobId = jobId;
    this.jobName = jobName;
  }
}

/**
 * An Agenda `unique` query with a MongoDB query operator or a field that is not stored, which
 * the SQLite job store cannot run. It supports equality on stored fields and on paths under
 * `data` only.
 */
export class AgendaQueryUnsupportedError extends Error {
  readonly code = 'STORAGE_AGENDA_QUERY_UNSUPPORTED';
  /** The key of the unique query that was rejected. */
  readonly key: string;
  constructor(message: string, key: string) {
    super(message);
    this.name = 'AgendaQueryUnsupportedError';
    this.key = key;
  }
}
