import type { ClientSession, Connection, Model } from 'mongoose';
import type {
  ApiKeyDoc,
  CreditBalanceDoc,
  CredentialDoc,
  LedgerDoc,
  OAuthStateDoc,
  RefreshTokenDoc,
  UserDoc,
} from './account-documents.js';
import type { AgentMemoryDoc, AiCacheDoc, ArtifactDoc } from './output-documents.js';
import type {
  AttemptDoc,
  DeliveryDoc,
  GraphDoc,
  GraphVersionDoc,
  PluginDoc,
  RunDoc,
  RunEventDoc,
  TaskDoc,
} from './run-documents.js';
import * as schemas from './schemas.js';

/** The models of one store, bound to its connection. */
export interface MongoModels {
  graphs: Model<GraphDoc>;
  graphVersions: Model<GraphVersionDoc>;
  runs: Model<RunDoc>;
  tasks: Model<TaskDoc>;
  attempts: Model<AttemptDoc>;
  events: Model<RunEventDoc>;
  deliveries: Model<DeliveryDoc>;
  plugins: Model<PluginDoc>;
  users: Model<UserDoc>;
  refreshTokens: Model<RefreshTokenDoc>;
  apiKeys: Model<ApiKeyDoc>;
  credentials: Model<CredentialDoc>;
  oauthStates: Model<OAuthStateDoc>;
  ledger: Model<LedgerDoc>;
  balances: Model<CreditBalanceDoc>;
  guards: Model<schemas.GuardDoc>;
  artifacts: Model<ArtifactDoc>;
  aiCache: Model<AiCacheDoc>;
  agentMemory: Model<AgentMemoryDoc>;
}

/** Registers every model on `connection`. */
export function createModels(connection: Connection): MongoModels {
  return {
    graphs: connection.model<GraphDoc>('Graph', schemas.graphSchema),
    graphVersions: connection.model<GraphVersionDoc>('GraphVersion', schemas.graphVersionSchema),
    runs: connection.model<RunDoc>('Run', schemas.runSchema),
    tasks: connection.model<TaskDoc>('Task', schemas.taskSchema),
    attempts: connection.model<AttemptDoc>('TaskAttempt', schemas.attemptSchema),
    events: connection.model<RunEventDoc>('RunEvent', schemas.runEventSchema),
    deliveries: connection.model<DeliveryDoc>('Delivery', schemas.deliverySchema),
    plugins: connection.model<PluginDoc>('Plugin', schemas.pluginSchema),
    users: connection.model<UserDoc>('User', schemas.userSchema),
    refreshTokens: connection.model<RefreshTokenDoc>('RefreshToken', schemas.refreshTokenSchema),
    apiKeys: connection.model<ApiKeyDoc>('ApiKey', schemas.apiKeySchema),
    credentials: connection.model<CredentialDoc>('Credential', schemas.credentialSchema),
    oauthStates: connection.model<OAuthStateDoc>('OAuthState', schemas.oauthStateSchema),
    ledger: connection.model<LedgerDoc>('LedgerEntry', schemas.ledgerSchema),
    balances: connection.model<CreditBalanceDoc>('CreditBalance', schemas.creditBalanceSchema),
    guards: connection.model<schemas.GuardDoc>('Guard', schemas.guardSchema),
    artifacts: connection.model<ArtifactDoc>('Artifact', schemas.artifactSchema),
    aiCache: connection.model<AiCacheDoc>('AiCache', schemas.aiCacheSchema),
    agentMemory: connection.model<AgentMemoryDoc>('AgentMemory', schemas.agentMemorySchema),
  };
}

/** Creates every collection and its indexes; collections and indexes that exist are left as they are. */
export async function ensureCollections(models: MongoModels): Promise<void> {
  for (const model of Object.values(models) as Model<unknown>[]) {
    await model.createCollection();
    await model.createIndexes();
  }
}

/**
 * Runs `work` in a transaction on `connection`, retried by the driver on transient errors such
 * as write conflicts, and returns its result. An error thrown by `work` aborts the transaction
 * and is rethrown. Transactions need a replica set (a single-node one is enough).
 */
export async function inTransaction<T>(connection: Connection, work: (session: ClientSession) => Promise<T>): Promise<T> {
  const session = await connection.startSession();
  try {
    return await session.withTransaction(() => work(session));
  } finally {
    await session.endSession();
  }
}

/**
 * Writes the guard document `name` inside the transaction of `session`. Two transactions that
 * both write it conflict, and the driver retries the later one after the first commits, so a
 * check that reads many documents (is there any user, is there another admin) cannot be
 * invalidated by a concurrent transaction that made the same check.
 */
export async function takeGuard(models: MongoModels, name: string, session: ClientSession): Promise<void> {
  await models.guards.updateOne({ _id: name }, { $inc: { writes: 1 } }, { upsert: true, session });
}
