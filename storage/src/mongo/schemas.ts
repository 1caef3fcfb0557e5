/**
 * Mongoose schemas of every collection, with an index for each query the repositories make.
 * Indexes are created by `createModels` callers through `Model.createIndexes()` at open, not by
 * mongoose's background autoIndex, so a store is ready only once its indexes exist.
 */
import { Schema } from 'mongoose';
import {
  ATTEMPT_STATUSES,
  LEDGER_KINDS,
  RUN_STATUSES,
  TASK_STATUSES,
  TRIGGER_KINDS,
  USER_TIERS,
} from '../types.js';
import type * as docs from './documents.js';

/** A string that may be null. Strings are not `required`, because mongoose rejects '' as missing. */
const nullableString = { type: String, default: null };
const nullableNumber = { type: Number, default: null };

/** Options of every schema: no version key, and indexes and collections made by `ensureCollections`. */
function options(collection: string) {
  return { collection, versionKey: false, autoIndex: false, autoCreate: false, strict: true } as const;
}

export const graphSchema = new Schema<docs.GraphDoc>(
  {
    _id: String,
    ownerId: nullableString,
    name: String,
    nameLower: String,
    description: nullableString,
    latestVersion: Number,
    publishedVersion: nullableNumber,
    createdAt: String,
    updatedAt: String,
  },
  options('graphs'),
);
graphSchema.index({ updatedAt: -1, _id: -1 });
graphSchema.index({ ownerId: 1, updatedAt: -1, _id: -1 });

export const graphVersionSchema = new Schema<docs.GraphVersionDoc>(
  {
    graphId: String,
    version: Number,
    document: String,
    createdAt: String,
    updatedAt: String,
    publishedAt: nullableString,
    publishedBy: nullableString,
    frozenAt: nullableString,
  },
  options('graphVersions'),
);
graphVersionSchema.index({ graphId: 1, version: -1 }, { unique: true });

export const runSchema = new Schema<docs.RunDoc>(
  {
    _id: String,
    graphId: String,
    ownerId: nullableString,
    graphVersion: Number,
    status: { type: String, enum: RUN_STATUSES },
    trigger: { type: String, enum: TRIGGER_KINDS },
    input: nullableString,
    output: nullableString,
    error: nullableString,
    response: nullableString,
    deliveryId: nullableString,
    createdAt: String,
    updatedAt: String,
    startedAt: nullableString,
    finishedAt: nullableString,
    leaseToken: Number,
    cancelRequestedAt: nullableString,
    leaseWrittenAt: String,
  },
  options('runs'),
);
runSchema.index({ createdAt: -1, _id: -1 });
runSchema.index({ graphId: 1, createdAt: -1, _id: -1 });
runSchema.index({ ownerId: 1, createdAt: -1, _id: -1 });
runSchema.index({ status: 1, createdAt: 1, _id: 1 });

export const taskSchema = new Schema<docs.TaskDoc>(
  {
    _id: String,
    runId: String,
    nodeId: String,
    nodeType: String,
    status: { type: String, enum: TASK_STATUSES },
    attempts: Number,
    input: nullableString,
    output: nullableString,
    error: nullableString,
    createdAt: String,
    updatedAt: String,
    startedAt: nullableString,
    finishedAt: nullableString,
  },
  options('tasks'),
);
taskSchema.index({ runId: 1, nodeId: 1 }, { unique: true });
taskSchema.index({ runId: 1, createdAt: 1, _id: 1 });

export const attemptSchema = new Schema<docs.AttemptDoc>(
  {
    taskId: String,
    attempt: Number,
    runId: String,
    status: { type: String, enum: ATTEMPT_STATUSES },
    error: nullableString,
    startedAt: String,
    finishedAt: nullableString,
  },
  options('taskAttempts'),
);
attemptSchema.index({ taskId: 1, attempt: 1 }, { unique: true });

export const runEventSchema = new Schema<docs.RunEventDoc>(
  {
    runId: String,
    seq: Number,
    type: String,
    at: String,
    taskId: nullableString,
    nodeId: nullableString,
    data: nullableString,
    expireAt: Date,
  },
  options('runEvents'),
);
runEventSchema.index({ runId: 1, seq: 1 }, { unique: true });
runEventSchema.index({ taskId: 1, runId: 1, seq: 1 }, { partialFilterExpression: { taskId: { $type: 'string' } } });
// Log retention: MongoDB's TTL monitor (a pass about every 60 s) deletes an event once its
// expireAt has passed. Events without expireAt are kept.
runEventSchema.index({ expireAt: 1 }, { expireAfterSeconds: 0 });

export const deliverySchema = new Schema<docs.DeliveryDoc>(
  {
    _id: String,
    graphId: String,
    eventId: nullableString,
    runId: String,
    test: Boolean,
    method: String,
    headers: String,
    query: String,
    contentType: nullableString,
    body: String,
    bodyEncoding: { type: String, enum: ['utf8', 'base64'] },
    receivedAt: String,
  },
  options('deliveries'),
);
// Test and live deliveries have separate event-id namespaces; deliveries without one never clash.
deliverySchema.index(
  { graphId: 1, test: 1, eventId: 1 },
  { unique: true, partialFilterExpression: { eventId: { $type: 'string' } } },
);
deliverySchema.index({ graphId: 1, receivedAt: -1, _id: -1 });

export const pluginSchema = new Schema<docs.PluginDoc>(
  {
    ownerId: nullableString,
    name: String,
    version: String,
    manifest: String,
    code: String,
    sha256: String,
    installedAt: String,
  },
  options('plugins'),
);
pluginSchema.index({ name: 1, version: 1 }, { unique: true });
pluginSchema.index({ ownerId: 1, name: 1 });

export const userSchema = new Schema<docs.UserDoc>(
  {
    _id: String,
    email: String,
    fullName: String,
    fullNameLower: String,
    avatarUrl: nullableString,
    googleId: nullableString,
    passwordHash: nullableString,
    active: Boolean,
    admin: Boolean,
    tier: { type: String, enum: USER_TIERS },
    createdAt: String,
    updatedAt: String,
  },
  options('users'),
);
userSchema.index({ email: 1 }, { unique: true });
userSchema.index({ googleId: 1 }, { unique: true, partialFilterExpression: { googleId: { $type: 'string' } } });
userSchema.index({ createdAt: 1, _id: 1 });
userSchema.index({ admin: 1, active: 1 });

export const refreshTokenSchema = new Schema<docs.RefreshTokenDoc>(
  {
    _id: String,
    userId: String,
    familyId: String,
    tokenHash: String,
    expiresAt: String,
    createdAt: String,
    usedAt: nullableString,
    revokedAt: nullableString,
  },
  options('refreshTokens'),
);
refreshTokenSchema.index({ tokenHash: 1 }, { unique: true });
refreshTokenSchema.index({ familyId: 1 });
refreshTokenSchema.index({ userId: 1 });
refreshTokenSchema.index({ expiresAt: 1 });

export const apiKeySchema = new Schema<docs.ApiKeyDoc>(
  {
    _id: String,
    userId: String,
    name: String,
    prefix: String,
    keyHash: String,
    createdAt: String,
    expiresAt: nullableString,
    lastUsedAt: nullableString,
    revokedAt: nullableString,
  },
  options('apiKeys'),
);
apiKeySchema.index({ keyHash: 1 }, { unique: true });
apiKeySchema.index({ userId: 1, createdAt: -1, _id: -1 });

export const credentialSchema = new Schema<docs.CredentialDoc>(
  {
    _id: String,
    ownerId: String,
    name: String,
    type: String,
    secret: String,
    keyId: String,
    meta: String,
    createdAt: String,
    updatedAt: String,
  },
  options('credentials'),
);
credentialSchema.index({ ownerId: 1, createdAt: -1, _id: -1 });
credentialSchema.index({ ownerId: 1, type: 1, createdAt: -1, _id: -1 });
credentialSchema.index({ keyId: 1, _id: 1 });

export const oauthStateSchema = new Schema<docs.OAuthStateDoc>(
  {
    _id: String,
    userId: String,
    secret: String,
    keyId: String,
    data: String,
    createdAt: String,
    expiresAt: String,
  },
  options('oauthStates'),
);
oauthStateSchema.index({ expiresAt: 1 });

const OPEN_RESERVE = { partialFilterExpression: { openReserve: { $eq: true } } };

export const ledgerSchema = new Schema<docs.LedgerDoc>(
  {
    _id: String,
    userId: String,
    kind: { type: String, enum: LEDGER_KINDS },
    delta: Number,
    amount: Number,
    idempotencyKey: String,
    runId: nullableString,
    taskId: nullableString,
    reservationKey: nullableString,
    reason: nullableString,
    actorId: nullableString,
    createdAt: String,
    settledAt: nullableString,
    openReserve: Boolean,
    seq: Number,
  },
  options('ledgerEntries'),
);
ledgerSchema.index({ idempotencyKey: 1 }, { unique: true });
ledgerSchema.index({ userId: 1, createdAt: -1, _id: -1 });
ledgerSchema.index({ userId: 1, kind: 1, createdAt: 1 });
ledgerSchema.index({ taskId: 1, createdAt: 1, seq: 1 }, { partialFilterExpression: { taskId: { $type: 'string' } } });
ledgerSchema.index(
  { reservationKey: 1, kind: 1, createdAt: 1 },
  { partialFilterExpression: { reservationKey: { $type: 'string' } } },
);
ledgerSchema.index({ openReserve: 1, createdAt: 1, _id: 1 }, OPEN_RESERVE);
ledgerSchema.index({ runId: 1, openReserve: 1, createdAt: 1, _id: 1 }, OPEN_RESERVE);
ledgerSchema.index({ userId: 1, openReserve: 1, amount: 1 }, OPEN_RESERVE);

export const creditBalanceSchema = new Schema<docs.CreditBalanceDoc>(
  { _id: String, balance: Number, entries: Number, updatedAt: String },
  options('creditBalances'),
);

/** A named document that transactions write first, so that they run one after another. */
export interface GuardDoc {
  _id: string;
  writes: number;
}

export const guardSchema = new Schema<GuardDoc>({ _id: String, writes: Number }, options('guards'));

export const artifactSchema = new Schema<docs.ArtifactDoc>(
  {
    _id: String,
    ownerId: nullableString,
    runId: String,
    taskId: nullableString,
    nodeId: nullableString,
    plugin: nullableString,
    model: nullableString,
    prompt: nullableString,
    name: String,
    contentType: String,
    size: Number,
    sha256: String,
    storageKey: String,
    createdAt: String,
    expiresAt: nullableString,
  },
  options('artifacts'),
);
artifactSchema.index({ runId: 1, createdAt: 1, _id: 1 });
artifactSchema.index({ expiresAt: 1, _id: 1 }, { partialFilterExpression: { expiresAt: { $type: 'string' } } });

export const aiCacheSchema = new Schema<docs.AiCacheDoc>(
  {
    _id: String,
    provider: String,
    model: String,
    result: String,
    usage: String,
    createdAt: String,
    expiresAt: String,
  },
  options('aiCache'),
);
aiCacheSchema.index({ expiresAt: 1 });

export const agentMemorySchema = new Schema<docs.AgentMemoryDoc>(
  { runId: String, nodeId: String, messages: String, updatedAt: String },
  options('agentMemory'),
);
agentMemorySchema.index({ runId: 1, nodeId: 1 }, { unique: true });
