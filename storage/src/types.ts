/**
 * Records and repository interfaces. Every adapter (SQLite, MongoDB) implements these and
 * passes the contract suite in `test/contract`. Dates are ISO-8601 strings in UTC.
 */
import type { GraphDocument } from '@gestorlead/sdk-plugin';
import type { PluginManifest } from '@gestorlead/sdk-plugin/plugin';
import type { AgentMemoryRepository, AiCacheRepository } from './ai-types.js';

export type * from './ai-types.js';

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

/**
 * Trigger kinds that start a run. `playground` runs are the one-node runs of `POST /v1/tasks`,
 * and `billing` runs create the Asaas charge of `POST /v1/billing/checkout`. No stored graph
 * contains either: the run's input carries what its document is built from.
 */
export const TRIGGER_KINDS = ['manual', 'webhook', 'webhook-test', 'cron', 'resume', 'playground', 'billing'] as const;
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
  /** The user the graph belongs to; null for a graph stored before any account existed. */
  ownerId: string | null;
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
  /**
   * Id of the user who last published this version. Null for a version never published, or
   * published by the studio itself (seeded examples) or before publishers were recorded.
   */
  publishedBy: string | null;
  /** When this version was first published or run; a frozen version is never modified. */
  frozenAt: string | null;
}

/** Filter and page of `GraphRepository.list`. */
export interface GraphListQuery {
  /** Only graphs of this user. */
  ownerId?: string;
  search?: string;
  limit?: number;
  offset?: number;
}

/** Graphs with versions. A version once published is never modified again. */
export interface GraphRepository {
  /** Inserts a graph with its first version (1, a draft), owned by `options.ownerId` (default null). */
  create(
    id: string,
    document: GraphDocument,
    options?: { ownerId?: string | null },
  ): Promise<{ graph: GraphRecord; version: GraphVersionRecord }>;
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
  /**
   * Marks `version` as the one triggers run, freezes it, and records `publishedBy` (a user id,
   * null by default) as its publisher. Null when graph or version is missing.
   */
  publish(id: string, version: number, publishedBy?: string | null): Promise<GraphRecord | null>;
  /** Deletes the graph and its versions. Returns false when it did not exist. */
  delete(id: string): Promise<boolean>;
  /** Counts graphs, only those of `query.ownerId` when given. */
  count(query?: { ownerId?: string }): Promise<number>;
  /**
   * Gives every graph without an owner, and the runs of those graphs, to `ownerId`. The first
   * account of a studio claims what was stored before accounts existed. Returns the graph count.
   */
  claimUnowned(ownerId: string): Promise<number>;
}

/** One execution of one graph version. */
export interface RunRecord {
  id: string;
  graphId: string;
  /** The owner of the graph when the run was created; credits are charged to this user. */
  ownerId: string | null;
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
  /** Only runs of this user. */
  ownerId?: string;
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
  /** Only runs started by one of these triggers. An empty list matches none. */
  trigger?: TriggerKind[];
  /** Only runs created at or after this ISO instant. */
  since?: string;
  /** Only runs created strictly before this ISO instant; unlike `before`, it is no page position. */
  until?: string;
}

/** Runs of one UTC day, counted by final outcome. */
export interface RunDayCount {
  /** The UTC day, `YYYY-MM-DD`. */
  day: string;
  runs: number;
  succeeded: number;
  failed: number;
}

/** Fields of a run that change while it executes. */
export type RunPatch = Partial<
  Pick<RunRecord, 'status' | 'output' | 'error' | 'response' | 'startedAt' | 'finishedAt'>
>;

/**
 * Lease of a run: the fencing token of the execution that owns it and a pending cancel request.
 * Kept apart from `RunRecord` because only the processes that execute runs read it.
 */
export interface RunLease {
  /** Incremented by every `claimLease`; 0 for a run never claimed. */
  token: number;
  /** When a process asked the run's executing process to cancel it, or null. */
  cancelRequestedAt: string | null;
}

/** Runs. */
export interface RunRepository {
  /** Inserts a run and, when given, the webhook delivery that started it, atomically. */
  create(run: RunRecord, delivery?: DeliveryRecord): Promise<void>;
  /**
   * Inserts the runs that do not exist yet, in one transaction (SQLite) or one unordered bulk
   * write (MongoDB), and returns the ids it inserted. A run whose id exists is skipped, not an
   * error, and the stored run is left as it is.
   */
  createMany(runs: RunRecord[]): Promise<string[]>;
  get(id: string): Promise<RunRecord | null>;
  list(query?: RunListQuery): Promise<RunRecord[]>;
  /**
   * Applies `patch` and sets `updatedAt`. With `leaseToken`, the patch applies only while the
   * run's lease token equals it, in the same statement. Returns false when the run does not
   * exist or its lease token differs.
   */
  update(id: string, patch: RunPatch, leaseToken?: number): Promise<boolean>;
  /**
   * Claims a `queued` or `running` run for a new execution: increments its lease token in one
   * atomic write and returns the new lease. Returns null when the run is missing or final.
   */
  claimLease(id: string): Promise<RunLease | null>;
  /** Returns the run's lease, or null when the run does not exist. */
  getLease(id: string): Promise<RunLease | null>;
  /**
   * Stores a cancel request for the process that executes the run, once: a later request keeps
   * the first instant. Returns false when the run is missing or final.
   */
  requestCancel(id: string, at: string): Promise<boolean>;
  /** Removes the run's cancel request, as resuming a cancelled run does. */
  clearCancelRequest(id: string): Promise<void>;
  /** Runs in any of `statuses`, oldest first (used to recover runs after a crash). */
  listByStatus(statuses: RunStatus[]): Promise<RunRecord[]>;
  /** Runs of `ownerId` created at or after `since`, counted per UTC day, oldest day first; days without runs are left out. */
  dailyCounts(ownerId: string, since: string): Promise<RunDayCount[]>;
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
  /**
   * Applies `writes` in order in one transaction, only while run `runId` has lease token
   * `leaseToken`, which the transaction reads first. Returns false and writes nothing when the
   * token differs or the run is missing.
   */
  applyLeased(runId: string, leaseToken: number, writes: readonly TaskWrite[]): Promise<boolean>;
}

/**
 * One write of `TaskRepository.applyLeased`: a task or attempt inserted, a patch of one, or a
 * patch of the leased run itself (which also sets its `updatedAt`).
 */
export type TaskWrite =
  | { kind: 'updateRun'; patch: RunPatch }
  | { kind: 'createTask'; task: TaskRecord }
  | { kind: 'updateTask'; id: string; patch: TaskPatch }
  | { kind: 'createAttempt'; attempt: AttemptRecord }
  | {
      kind: 'updateAttempt';
      taskId: string;
      attempt: number;
      patch: Partial<Pick<AttemptRecord, 'status' | 'error' | 'finishedAt'>>;
    };

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
  /**
   * The user who installed the version privately, or null for a version every user sees
   * (bundled plugins and versions an admin installs for everyone).
   */
  ownerId: string | null;
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
  /** Only versions this user may use: shared ones and the user's private ones. */
  visibleTo?: string;
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

/* ------------------------------------------------------------------ accounts */

/** Service tiers; the rate limits of a user follow the tier. */
export const USER_TIERS = ['standard', 'premium'] as const;
/** Service tiers. */
export type UserTier = (typeof USER_TIERS)[number];

/** An account. The credit balance is derived from the ledger, not stored here. */
export interface UserRecord {
  id: string;
  /** Lowercased and trimmed; unique. */
  email: string;
  fullName: string;
  avatarUrl: string | null;
  /** The `sub` of the user's Google account; unique when set. */
  googleId: string | null;
  /** An argon2id or bcrypt hash in PHC/modular format; null for accounts that sign in with Google only. */
  passwordHash: string | null;
  active: boolean;
  admin: boolean;
  tier: UserTier;
  createdAt: string;
  updatedAt: string;
}

/** Fields of a user that may change. */
export type UserPatch = Partial<
  Pick<UserRecord, 'email' | 'fullName' | 'avatarUrl' | 'googleId' | 'passwordHash' | 'active' | 'admin' | 'tier'>
>;

/** Users. */
export interface UserRepository {
  /**
   * Inserts a user with `email` trimmed and lowercased; throws `StorageConflictError` when the
   * email or Google id is taken. With `firstBecomesAdmin`, the user is stored as admin exactly
   * when no other user exists, decided in the same transaction as the insert, and `user.admin`
   * is ignored. Returns the stored record.
   */
  create(user: UserRecord, options?: { firstBecomesAdmin?: boolean }): Promise<UserRecord>;
  get(id: string): Promise<UserRecord | null>;
  /** `email` is compared lowercased. */
  findByEmail(email: string): Promise<UserRecord | null>;
  findByGoogleId(googleId: string): Promise<UserRecord | null>;
  /** Users ordered by creation, oldest first; `search` matches email or name, case-insensitively. */
  list(query?: { search?: string; limit?: number; offset?: number }): Promise<UserRecord[]>;
  count(): Promise<number>;
  /**
   * Applies `patch` (a new email trimmed and lowercased), sets `updatedAt`, returns the new record
   * or null when the user does not exist. Throws `StorageConflictError` when the new email or
   * Google id belongs to another user. With `keepActiveAdmin`, throws `LastAdminError` when the
   * patch would leave no user both active and admin. With `actorId`, throws `ActorNotAdminError`
   * unless that user exists and is both active and admin. Both checks run in the same transaction
   * as the update, so a concurrent demotion of the actor cannot slip between check and write.
   */
  update(id: string, patch: UserPatch, options?: UserUpdateOptions): Promise<UserRecord | null>;
}

/**
 * A refresh token, stored as a hash. Each refresh uses a token once and issues its successor in
 * the same family; presenting a used token again revokes the whole family (reuse detection).
 */
export interface RefreshTokenRecord {
  id: string;
  userId: string;
  familyId: string;
  /** Hex SHA-256 of the token; unique. */
  tokenHash: string;
  expiresAt: string;
  createdAt: string;
  usedAt: string | null;
  revokedAt: string | null;
}

/** Refresh tokens. */
export interface RefreshTokenRepository {
  create(record: RefreshTokenRecord): Promise<void>;
  findByHash(tokenHash: string): Promise<RefreshTokenRecord | null>;
  /**
   * Marks `id` used at `at` and inserts `next`, in one transaction, only when `id` is neither
   * used nor revoked. Returns false (and stores nothing) otherwise, so two concurrent refreshes
   * with one token yield one successor.
   */
  rotate(id: string, next: RefreshTokenRecord, at: string): Promise<boolean>;
  /** Revokes every token of the family that is not revoked yet; returns how many. */
  revokeFamily(familyId: string, at: string): Promise<number>;
  /** Revokes every token of the user that is not revoked yet; returns how many. */
  revokeByUser(userId: string, at: string): Promise<number>;
  /** Deletes tokens that expired before `before`; returns how many. */
  purgeExpired(before: string): Promise<number>;
}

/** A personal API key, stored as a hash; the key itself is shown once at creation. */
export interface ApiKeyRecord {
  id: string;
  userId: string;
  name: string;
  /** The first characters of the key, shown in listings so a user can tell keys apart. */
  prefix: string;
  /** Hex SHA-256 of the key; unique. */
  keyHash: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** Personal API keys. */
export interface ApiKeyRepository {
  create(record: ApiKeyRecord): Promise<void>;
  findByHash(keyHash: string): Promise<ApiKeyRecord | null>;
  /** The user's keys, revoked ones included, newest first. */
  listByUser(userId: string): Promise<ApiKeyRecord[]>;
  /** Revokes the user's key `id`; false when the user has no such key or it was revoked already. */
  revoke(userId: string, id: string, at: string): Promise<boolean>;
  /** Records a use of the key: sets `lastUsedAt` to `at` unless it is already `at` or later. */
  touch(id: string, at: string): Promise<void>;
}

/* ------------------------------------------------------------------ credentials */

/** A stored credential. Its values are encrypted by the runtime; storage keeps opaque text. */
export interface CredentialRecord {
  id: string;
  ownerId: string;
  name: string;
  /** The credential type: `<plugin>/<credential type name>`. */
  type: string;
  /** The encrypted values (an envelope the runtime's vault writes and reads). */
  secret: string;
  /** The id of the key that encrypted `secret`. */
  keyId: string;
  /** Data that is not secret and may be listed, such as OAuth scopes, expiry or an account label. */
  meta: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

/** Fields of a credential that may change. */
export type CredentialPatch = Partial<Pick<CredentialRecord, 'name' | 'secret' | 'keyId' | 'meta'>>;

/** Credentials. */
export interface CredentialRepository {
  /** Inserts a credential; throws `StorageConflictError` for a repeated id. */
  create(record: CredentialRecord): Promise<void>;
  get(id: string): Promise<CredentialRecord | null>;
  /** The owner's credentials, newest first; `type` narrows them. */
  listByOwner(ownerId: string, query?: { type?: string }): Promise<CredentialRecord[]>;
  /**
   * Applies `patch` and sets `updatedAt`. With `expectedUpdatedAt`, only when the stored
   * `updatedAt` still equals it (compare-and-set for token refresh and re-encryption). Returns
   * the new record, or null when the credential does not exist or the expectation failed. The
   * new `updatedAt` is later than the stored one even when the clock has not advanced, so every
   * change invalidates earlier expectations.
   */
  update(id: string, patch: CredentialPatch, options?: { expectedUpdatedAt?: string }): Promise<CredentialRecord | null>;
  delete(id: string): Promise<boolean>;
  /** Up to `limit` credentials whose `keyId` differs from `keyId` (for re-encryption). */
  listNotEncryptedWith(keyId: string, limit: number): Promise<CredentialRecord[]>;
}

/** A pending OAuth2 authorization: kept between the redirect to the provider and the callback. */
export interface OAuthStateRecord {
  /** The `state` parameter; unique. */
  state: string;
  userId: string;
  /** The PKCE code verifier, encrypted by the runtime's vault like credential values. */
  secret: string;
  keyId: string;
  /** What the callback needs to finish: credential type, name, redirect URI, scopes. */
  data: Record<string, unknown>;
  createdAt: string;
  expiresAt: string;
}

/** Pending OAuth2 authorizations. Each state is used at most once. */
export interface OAuthStateRepository {
  create(record: OAuthStateRecord): Promise<void>;
  /** Deletes and returns the state, or null when it does not exist or expired before `now`. */
  take(state: string, now: string): Promise<OAuthStateRecord | null>;
  purgeExpired(before: string): Promise<number>;
}

/* ------------------------------------------------------------------ credits */

/** Kinds of ledger entries. */
export const LEDGER_KINDS = ['topup', 'reserve', 'capture', 'release', 'refund', 'adjustment'] as const;
/** Kinds of ledger entries. */
export type LedgerKind = (typeof LEDGER_KINDS)[number];

/**
 * One entry of the credit ledger. `delta` is the signed change of the user's available balance:
 * a top-up adds, a reserve holds credits (negative), a release returns held credits, a capture
 * turns held credits into spent ones (0, or negative when it takes more than was held). The
 * balance is the sum of `delta` over the user's entries.
 */
export interface LedgerEntry {
  id: string;
  userId: string;
  kind: LedgerKind;
  /** Signed change of the available balance, in whole credits. */
  delta: number;
  /** The credits the entry is about (held, captured, released, topped up), never negative. */
  amount: number;
  /** Unique across the ledger: appending the same key twice stores one entry. */
  idempotencyKey: string;
  runId: string | null;
  taskId: string | null;
  /** For capture and release: the idempotency key of the reserve entry they settle. */
  reservationKey: string | null;
  /** Free text: the reason of an adjustment, the payment id of a top-up, the node type of a charge. */
  reason: string | null;
  /** The user who made an adjustment or refund; null for entries the studio makes. */
  actorId: string | null;
  createdAt: string;
}

/** The outcome of `LedgerRepository.append`. */
export interface LedgerAppendResult {
  entry: LedgerEntry;
  /** False when an entry with the same idempotency key existed; `entry` is then that one. */
  created: boolean;
  /** The user's balance after the append. */
  balance: number;
}

/** The credit ledger. Entries are never changed or deleted. */
export interface LedgerRepository {
  /**
   * Appends an entry atomically. When the idempotency key exists, nothing changes and the stored
   * entry is returned with `created: false`. When a negative `delta` would take the balance below
   * zero, nothing changes and `InsufficientCreditsError` is thrown, so concurrent appends never
   * overdraw (`allowNegative` lifts the check for admin adjustments only). Throws RangeError,
   * storing nothing, for an unknown kind, a `delta` that is not a safe integer, an `amount`
   * that is not a safe integer of at least 0, or a balance that would leave the safe integers.
   */
  append(entry: LedgerEntry, options?: { allowNegative?: boolean }): Promise<LedgerAppendResult>;
  balance(userId: string): Promise<number>;
  findByKey(idempotencyKey: string): Promise<LedgerEntry | null>;
  /** The user's entries newest first; `before`/`beforeId` page like `RunListQuery`. */
  list(userId: string, query?: { limit?: number; before?: string; beforeId?: string; kinds?: LedgerKind[] }): Promise<LedgerEntry[]>;
  /** Entries about a task, oldest first; entries of the same instant in the order they were appended. */
  listByTask(taskId: string): Promise<LedgerEntry[]>;
  /** Reserve entries not yet settled by a capture or release, oldest first; `runId` narrows them. */
  listOpenReservations(query?: { runId?: string; limit?: number }): Promise<LedgerEntry[]>;
  /** The sum of `amount` over the user's reserve entries not yet settled; 0 when there are none. */
  heldBalance(userId: string): Promise<number>;
  /** Credits a user spent per UTC day (captured amounts minus refunds) since `since`, oldest day first. */
  dailyUsage(userId: string, since: string): Promise<{ day: string; credits: number }[]>;
}

/** An append that would take a balance below zero. */
export class InsufficientCreditsError extends Error {
  readonly code = 'CREDITS_INSUFFICIENT';
  readonly balance: number;
  readonly required: number;
  constructor(message: string, amounts: { balance: number; required: number }) {
    super(message);
    this.name = 'InsufficientCreditsError';
    this.balance = amounts.balance;
    this.required = amounts.required;
  }
}

/**
 * A file a run produced, kept in the blob store. The record links it to the run, task, node,
 * plugin, model and prompt that made it.
 */
export interface ArtifactRecord {
  id: string;
  /** The owner of the run that made the artifact; null for a run without an owner. */
  ownerId: string | null;
  runId: string;
  taskId: string | null;
  nodeId: string | null;
  /** The plugin (or the node type prefix of a host-side node, such as `ai`) that stored it. */
  plugin: string | null;
  /** The model that generated the content, when a model did. */
  model: string | null;
  /** The prompt that generated the content, when a prompt did. */
  prompt: string | null;
  /** The file name, offered as the download name. */
  name: string;
  contentType: string;
  /** Length of the content in bytes. */
  size: number;
  /** SHA-256 of the content, in lowercase hex. */
  sha256: string;
  /** Key of the content in the blob store. */
  storageKey: string;
  createdAt: string;
  /** When the retention sweep may delete the artifact; null keeps it until deleted explicitly. */
  expiresAt: string | null;
}

/** Artifact records. The content lives in a `BlobStore` under `storageKey`. */
export interface ArtifactRepository {
  /** Inserts a record; throws StorageConflictError for a repeated id. */
  create(record: ArtifactRecord): Promise<void>;
  get(id: string): Promise<ArtifactRecord | null>;
  /** The artifacts of a run, oldest first; records of one instant in id order. */
  listByRun(runId: string, query?: { limit?: number; offset?: number }): Promise<ArtifactRecord[]>;
  /** Artifacts whose `expiresAt` is strictly before `before`, earliest expiry first. */
  listExpired(before: string, limit?: number): Promise<ArtifactRecord[]>;
  /** Deletes a record. Returns false when it did not exist. */
  delete(id: string): Promise<boolean>;
}

/** Checks that `UserRepository.update` runs in the transaction of its write. */
export interface UserUpdateOptions {
  /** Rejects an update that would leave no user both active and admin. */
  keepActiveAdmin?: boolean;
  /** The user who makes the change; the update is rejected unless that user is an active admin. */
  actorId?: string;
}

/** A user update requested by a user who is no longer an active admin when it would be written. */
export class ActorNotAdminError extends Error {
  readonly code = 'STORAGE_ACTOR_NOT_ADMIN';
  readonly actorId: string;
  constructor(actorId: string) {
    super(`Cannot apply the update of user "${actorId}": that user is no longer an active admin.`);
    this.name = 'ActorNotAdminError';
    this.actorId = actorId;
  }
}

/** A user update that would leave the store without any active admin. */
export class LastAdminError extends Error {
  readonly code = 'STORAGE_LAST_ADMIN';
  readonly userId: string;
  constructor(userId: string) {
    super(
      `Cannot update user "${userId}": it is the last active admin, and the update would remove its ` +
        'admin flag or deactivate it. Make another user an admin first.',
    );
    this.name = 'LastAdminError';
    this.userId = userId;
  }
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
  users: UserRepository;
  refreshTokens: RefreshTokenRepository;
  apiKeys: ApiKeyRepository;
  credentials: CredentialRepository;
  oauthStates: OAuthStateRepository;
  ledger: LedgerRepository;
  /** Results of `ai/chat`, reused for identical requests within their TTL. */
  aiCache: AiCacheRepository;
  /** Conversations of `ai/agent` nodes per run. */
  agentMemory: AgentMemoryRepository;
  /** Records of the files runs produced; the content is in the blob store. */
  artifacts: ArtifactRepository;
  /** Resolves when the store returns the result of a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A write that breaks a uniqueness rule: a duplicate id, event id, seq, task per node, email,
 * Google id, token or key hash, or OAuth state.
 */
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
 * A job state update (Agenda's `saveJobState`) from a process that no longer holds the job's
 * lock. Another process locked the job since, so this process's state write was dropped.
 */
export class AgendaJobLockLostError extends Error {
  readonly code = 'STORAGE_AGENDA_JOB_LOCK_LOST';
  readonly jobId: string;
  readonly jobName: string;
  constructor(jobId: string, jobName: string) {
    super(
      `Cannot update the state of Agenda job ${jobId} (name "${jobName}"): another process ` +
        'locked it after this process did, so the job now belongs to that process.',
    );
    this.name = 'AgendaJobLockLostError';
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
