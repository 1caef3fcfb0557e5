/**
 * The mapping of each table of an embedded studio to MongoDB documents: the collection, the
 * fields that identify a document (the upsert key, so a second copy replaces instead of
 * duplicating) and the row → document conversion. The documents have the shapes the MongoDB adapter writes, so
 * a copied studio reads back as it was: ids and instants are kept, JSON columns stay JSON text,
 * and credential and OAuth secrets stay the vault's envelopes, byte for byte.
 */
import { createHash } from 'node:crypto';
import { ObjectId } from 'mongodb';
import { rowToJob, type JobRow } from '../agenda/job-row.js';
import { AGENDA_JOBS_COLLECTION } from '../mongo/agenda-backend.js';
import type { LedgerKind, RunStatus, TaskStatus, TriggerKind, UserTier } from '../types.js';
import { flag, integer, nullableInteger, nullableText, text, type SqliteRow } from './row-values.js';
import type * as docs from '../mongo/documents.js';

/** The SQLite file a table lives in: the studio's `studio.db` or the Agenda job store `jobs.db`. */
export type SourceDatabase = 'studio' | 'jobs';


/** Column alias under which the copy selects each row's rowid. */
export const ROWID_COLUMN = '__rowid';

/** The copy of one table. */
export interface TableMapping {
  table: string;
  database: SourceDatabase;
  collection: string;
  /** Fields of the document that identify it in the collection, `_id` or a unique index. */
  keyFields: readonly string[];
  /** Expressions selected besides `*` and the rowid, such as a subquery the mapping needs. */
  extraColumns?: string;
  toDocument(row: SqliteRow): object;
}

/** Tables that are not copied, with the reason. */
export const SKIPPED_TABLES: Readonly<Record<string, string>> = {
  schema_migrations: 'records the SQLite schema version; the MongoDB adapter creates its indexes at open',
  agenda_schema_migrations: 'records the SQLite job store schema version',
  agenda_notifications: 'short-lived wake-up signals between processes; MongoDB mode polls instead',
  sqlite_sequence: "SQLite's own AUTOINCREMENT counters",
};

const graphs: TableMapping = {
  table: 'graphs',
  database: 'studio',
  collection: 'graphs',
  keyFields: ['_id'],
  toDocument: (row): docs.GraphDoc => ({
    _id: text(row, 'id'),
    ownerId: nullableText(row, 'owner_id'),
    name: text(row, 'name'),
    nameLower: text(row, 'name_lower'),
    description: nullableText(row, 'description'),
    latestVersion: integer(row, 'latest_version'),
    publishedVersion: nullableInteger(row, 'published_version'),
    createdAt: text(row, 'created_at'),
    updatedAt: text(row, 'updated_at'),
  }),
};

const graphVersions: TableMapping = {
  table: 'graph_versions',
  database: 'studio',
  collection: 'graphVersions',
  keyFields: ['graphId', 'version'],
  toDocument: (row): docs.GraphVersionDoc => ({
    graphId: text(row, 'graph_id'),
    version: integer(row, 'version'),
    document: text(row, 'document'),
    createdAt: text(row, 'created_at'),
    updatedAt: text(row, 'updated_at'),
    publishedAt: nullableText(row, 'published_at'),
    publishedBy: nullableText(row, 'published_by'),
    frozenAt: nullableText(row, 'frozen_at'),
  }),
};

const runs: TableMapping = {
  table: 'runs',
  database: 'studio',
  collection: 'runs',
  keyFields: ['_id'],
  toDocument: (row): docs.RunDoc => ({
    _id: text(row, 'id'),
    graphId: text(row, 'graph_id'),
    ownerId: nullableText(row, 'owner_id'),
    graphVersion: integer(row, 'graph_version'),
    status: text(row, 'status') as RunStatus,
    trigger: text(row, 'trigger_kind') as TriggerKind,
    input: nullableText(row, 'input'),
    output: nullableText(row, 'output'),
    error: nullableText(row, 'error'),
    response: nullableText(row, 'response'),
    deliveryId: nullableText(row, 'delivery_id'),
    createdAt: text(row, 'created_at'),
    updatedAt: text(row, 'updated_at'),
    startedAt: nullableText(row, 'started_at'),
    finishedAt: nullableText(row, 'finished_at'),
    leaseToken: integer(row, 'lease_token'),
    cancelRequestedAt: nullableText(row, 'cancel_requested_at'),
  }),
};

const tasks: TableMapping = {
  table: 'tasks',
  database: 'studio',
  collection: 'tasks',
  keyFields: ['_id'],
  toDocument: (row): docs.TaskDoc => ({
    _id: text(row, 'id'),
    runId: text(row, 'run_id'),
    nodeId: text(row, 'node_id'),
    nodeType: text(row, 'node_type'),
    status: text(row, 'status') as TaskStatus,
    attempts: integer(row, 'attempts'),
    input: nullableText(row, 'input'),
    output: nullableText(row, 'output'),
    error: nullableText(row, 'error'),
    createdAt: text(row, 'created_at'),
    updatedAt: text(row, 'updated_at'),
    startedAt: nullableText(row, 'started_at'),
    finishedAt: nullableText(row, 'finished_at'),
  }),
};

const taskAttempts: TableMapping = {
  table: 'task_attempts',
  database: 'studio',
  collection: 'taskAttempts',
  keyFields: ['taskId', 'attempt'],
  toDocument: (row): docs.AttemptDoc => ({
    taskId: text(row, 'task_id'),
    attempt: integer(row, 'attempt'),
    runId: text(row, 'run_id'),
    status: text(row, 'status') as docs.AttemptDoc['status'],
    error: nullableText(row, 'error'),
    startedAt: text(row, 'started_at'),
    finishedAt: nullableText(row, 'finished_at'),
  }),
};

/** Copied events get no `expireAt`: log retention applies to the logs written after the move. */
const runEvents: TableMapping = {
  table: 'run_events',
  database: 'studio',
  collection: 'runEvents',
  keyFields: ['runId', 'seq'],
  toDocument: (row): docs.RunEventDoc => ({
    runId: text(row, 'run_id'),
    seq: integer(row, 'seq'),
    type: text(row, 'type'),
    at: text(row, 'at'),
    taskId: nullableText(row, 'task_id'),
    nodeId: nullableText(row, 'node_id'),
    data: nullableText(row, 'data'),
  }),
};

const deliveries: TableMapping = {
  table: 'deliveries',
  database: 'studio',
  collection: 'deliveries',
  keyFields: ['_id'],
  toDocument: (row): docs.DeliveryDoc => ({
    _id: text(row, 'id'),
    graphId: text(row, 'graph_id'),
    eventId: nullableText(row, 'event_id'),
    runId: text(row, 'run_id'),
    test: flag(row, 'test'),
    method: text(row, 'method'),
    headers: text(row, 'headers'),
    query: text(row, 'query'),
    contentType: nullableText(row, 'content_type'),
    body: text(row, 'body'),
    bodyEncoding: text(row, 'body_encoding') as docs.DeliveryDoc['bodyEncoding'],
    receivedAt: text(row, 'received_at'),
  }),
};

const plugins: TableMapping = {
  table: 'plugins',
  database: 'studio',
  collection: 'plugins',
  keyFields: ['name', 'version'],
  toDocument: (row): docs.PluginDoc => ({
    ownerId: nullableText(row, 'owner_id'),
    name: text(row, 'name'),
    version: text(row, 'version'),
    manifest: text(row, 'manifest'),
    code: text(row, 'code'),
    sha256: text(row, 'sha256'),
    installedAt: text(row, 'installed_at'),
  }),
};

const users: TableMapping = {
  table: 'users',
  database: 'studio',
  collection: 'users',
  keyFields: ['_id'],
  toDocument: (row): docs.UserDoc => ({
    _id: text(row, 'id'),
    email: text(row, 'email'),
    fullName: text(row, 'full_name'),
    fullNameLower: text(row, 'full_name_lower'),
    avatarUrl: nullableText(row, 'avatar_url'),
    googleId: nullableText(row, 'google_id'),
    passwordHash: nullableText(row, 'password_hash'),
    active: flag(row, 'active'),
    admin: flag(row, 'admin'),
    tier: text(row, 'tier') as UserTier,
    createdAt: text(row, 'created_at'),
    updatedAt: text(row, 'updated_at'),
  }),
};

const refreshTokens: TableMapping = {
  table: 'refresh_tokens',
  database: 'studio',
  collection: 'refreshTokens',
  keyFields: ['_id'],
  toDocument: (row): docs.RefreshTokenDoc => ({
    _id: text(row, 'id'),
    userId: text(row, 'user_id'),
    familyId: text(row, 'family_id'),
    tokenHash: text(row, 'token_hash'),
    expiresAt: text(row, 'expires_at'),
    createdAt: text(row, 'created_at'),
    usedAt: nullableText(row, 'used_at'),
    revokedAt: nullableText(row, 'revoked_at'),
  }),
};

const apiKeys: TableMapping = {
  table: 'api_keys',
  database: 'studio',
  collection: 'apiKeys',
  keyFields: ['_id'],
  toDocument: (row): docs.ApiKeyDoc => ({
    _id: text(row, 'id'),
    userId: text(row, 'user_id'),
    name: text(row, 'name'),
    prefix: text(row, 'prefix'),
    keyHash: text(row, 'key_hash'),
    createdAt: text(row, 'created_at'),
    expiresAt: nullableText(row, 'expires_at'),
    lastUsedAt: nullableText(row, 'last_used_at'),
    revokedAt: nullableText(row, 'revoked_at'),
  }),
};

const credentials: TableMapping = {
  table: 'credentials',
  database: 'studio',
  collection: 'credentials',
  keyFields: ['_id'],
  toDocument: (row): docs.CredentialDoc => ({
    _id: text(row, 'id'),
    ownerId: text(row, 'owner_id'),
    name: text(row, 'name'),
    type: text(row, 'type'),
    secret: text(row, 'secret'),
    keyId: text(row, 'key_id'),
    meta: text(row, 'meta'),
    createdAt: text(row, 'created_at'),
    updatedAt: text(row, 'updated_at'),
  }),
};

const oauthStates: TableMapping = {
  table: 'oauth_states',
  database: 'studio',
  collection: 'oauthStates',
  keyFields: ['_id'],
  toDocument: (row): docs.OAuthStateDoc => ({
    _id: text(row, 'state'),
    userId: text(row, 'user_id'),
    secret: text(row, 'secret'),
    keyId: text(row, 'key_id'),
    data: text(row, 'data'),
    createdAt: text(row, 'created_at'),
    expiresAt: text(row, 'expires_at'),
  }),
};

/** A user's entries keep their append order: the rowid becomes `seq`. */
const ledgerEntries: TableMapping = {
  table: 'ledger_entries',
  database: 'studio',
  collection: 'ledgerEntries',
  keyFields: ['_id'],
  toDocument: (row): docs.LedgerDoc => {
    const kind = text(row, 'kind') as LedgerKind;
    const settledAt = nullableText(row, 'settled_at');
    return {
      _id: text(row, 'id'),
      userId: text(row, 'user_id'),
      kind,
      delta: integer(row, 'delta'),
      amount: integer(row, 'amount'),
      idempotencyKey: text(row, 'idempotency_key'),
      runId: nullableText(row, 'run_id'),
      taskId: nullableText(row, 'task_id'),
      reservationKey: nullableText(row, 'reservation_key'),
      reason: nullableText(row, 'reason'),
      actorId: nullableText(row, 'actor_id'),
      createdAt: text(row, 'created_at'),
      settledAt,
      openReserve: kind === 'reserve' && settledAt === null,
      seq: integer(row, ROWID_COLUMN),
    };
  },
};

/** `entries` continues the numbering of the user's copied entries, whose `seq` is their rowid. */
const creditBalances: TableMapping = {
  table: 'credit_balances',
  database: 'studio',
  collection: 'creditBalances',
  keyFields: ['_id'],
  extraColumns:
    '(select coalesce(max(entry.rowid), 0) from ledger_entries entry where entry.user_id = credit_balances.user_id) as last_seq',
  toDocument: (row): docs.CreditBalanceDoc => ({
    _id: text(row, 'user_id'),
    balance: integer(row, 'balance'),
    entries: integer(row, 'last_seq'),
    updatedAt: text(row, 'updated_at'),
  }),
};

const aiCache: TableMapping = {
  table: 'ai_cache',
  database: 'studio',
  collection: 'aiCache',
  keyFields: ['_id'],
  toDocument: (row): docs.AiCacheDoc => ({
    _id: text(row, 'key'),
    provider: text(row, 'provider'),
    model: text(row, 'model'),
    result: text(row, 'result'),
    usage: text(row, 'usage'),
    createdAt: text(row, 'created_at'),
    expiresAt: text(row, 'expires_at'),
  }),
};

const agentMemory: TableMapping = {
  table: 'agent_memory',
  database: 'studio',
  collection: 'agentMemory',
  keyFields: ['runId', 'nodeId'],
  toDocument: (row): docs.AgentMemoryDoc => ({
    runId: text(row, 'run_id'),
    nodeId: text(row, 'node_id'),
    messages: text(row, 'messages'),
    updatedAt: text(row, 'updated_at'),
  }),
};

const artifacts: TableMapping = {
  table: 'artifacts',
  database: 'studio',
  collection: 'artifacts',
  keyFields: ['_id'],
  toDocument: (row): docs.ArtifactDoc => ({
    _id: text(row, 'id'),
    ownerId: nullableText(row, 'owner_id'),
    runId: text(row, 'run_id'),
    taskId: nullableText(row, 'task_id'),
    nodeId: nullableText(row, 'node_id'),
    plugin: nullableText(row, 'plugin'),
    model: nullableText(row, 'model'),
    prompt: nullableText(row, 'prompt'),
    name: text(row, 'name'),
    contentType: text(row, 'content_type'),
    size: integer(row, 'size'),
    sha256: text(row, 'sha256'),
    storageKey: text(row, 'storage_key'),
    createdAt: text(row, 'created_at'),
    expiresAt: nullableText(row, 'expires_at'),
  }),
};

/**
 * Returns the ObjectId of a job copied from the SQLite job store, whose ids are UUIDs: the
 * first 12 bytes of the id's SHA-256, so copying the same job again finds the same document.
 */
export function agendaJobObjectId(sqliteId: string): ObjectId {
  return new ObjectId(createHash('sha256').update(sqliteId).digest('hex').slice(0, 24));
}

/**
 * Jobs get an ObjectId (see agendaJobObjectId) and lose their lock: the process that held it
 * ran against SQLite and takes no jobs from MongoDB.
 */
const agendaJobs: TableMapping = {
  table: 'agenda_jobs',
  database: 'jobs',
  collection: AGENDA_JOBS_COLLECTION,
  keyFields: ['_id'],
  toDocument: (row): Record<string, unknown> => {
    const job = rowToJob(row as JobRow) as unknown as Record<string, unknown>;
    return { ...job, _id: agendaJobObjectId(text(row, 'id')), lockedAt: null };
  },
};

/** Every copied table, parents before children. */
export const TABLE_MAPPINGS: readonly TableMapping[] = [
  users,
  graphs,
  graphVersions,
  runs,
  tasks,
  taskAttempts,
  runEvents,
  deliveries,
  plugins,
  refreshTokens,
  apiKeys,
  credentials,
  oauthStates,
  ledgerEntries,
  creditBalances,
  aiCache,
  agentMemory,
  artifacts,
  agendaJobs,
];

/** Returns the upsert filter of `document`: its key fields and their values. */
export function documentKey(mapping: TableMapping, document: object): Record<string, unknown> {
  const fields = document as Record<string, unknown>;
  return Object.fromEntries(mapping.keyFields.map((field) => [field, fields[field]]));
}
