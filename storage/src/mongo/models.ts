import type { ClientSession, Connection, Model } from 'mongoose';
import * as schemas from './schemas.js';
import type * as docs from './documents.js';

/** The models of one store, bound to its connection. */
export interface MongoModels {
  graphs: Model<docs.GraphDoc>;
  graphVersions: Model<docs.GraphVersionDoc>;
  runs: Model<docs.RunDoc>;
  tasks: Model<docs.TaskDoc>;
  attempts: Model<docs.AttemptDoc>;
  events: Model<docs.RunEventDoc>;
  deliveries: Model<docs.DeliveryDoc>;
  plugins: Model<docs.PluginDoc>;
  users: Model<docs.UserDoc>;
  refreshTokens: Model<docs.RefreshTokenDoc>;
  apiKeys: Model<docs.ApiKeyDoc>;
  credentials: Model<docs.CredentialDoc>;
  oauthStates: Model<docs.OAuthStateDoc>;
  ledger: Model<docs.LedgerDoc>;
  balances: Model<docs.CreditBalanceDoc>;
  guards: Model<docs.GuardDoc>;
  artifacts: Model<docs.ArtifactDoc>;
  aiCache: Model<docs.AiCacheDoc>;
  agentMemory: Model<docs.AgentMemoryDoc>;
}

/** Registers every model on `connection`. */
export function createModels(connection: Connection): MongoModels {
  return {
    graphs: connection.model<docs.GraphDoc>('Graph', schemas.graphSchema),
    graphVersions: connection.model<docs.GraphVersionDoc>('GraphVersion', schemas.graphVersionSchema),
    runs: connection.model<docs.RunDoc>('Run', schemas.runSchema),
    tasks: connection.model<docs.TaskDoc>('Task', schemas.taskSchema),
    attempts: connection.model<docs.AttemptDoc>('TaskAttempt', schemas.attemptSchema),
    events: connection.model<docs.RunEventDoc>('RunEvent', schemas.runEventSchema),
    deliveries: connection.model<docs.DeliveryDoc>('Delivery', schemas.deliverySchema),
    plugins: connection.model<docs.PluginDoc>('Plugin', schemas.pluginSchema),
    users: connection.model<docs.UserDoc>('User', schemas.userSchema),
    refreshTokens: connection.model<docs.RefreshTokenDoc>('RefreshToken', schemas.refreshTokenSchema),
    apiKeys: connection.model<docs.ApiKeyDoc>('ApiKey', schemas.apiKeySchema),
    credentials: connection.model<docs.CredentialDoc>('Credential', schemas.credentialSchema),
    oauthStates: connection.model<docs.OAuthStateDoc>('OAuthState', schemas.oauthStateSchema),
    ledger: connection.model<docs.LedgerDoc>('LedgerEntry', schemas.ledgerSchema),
    balances: connection.model<docs.CreditBalanceDoc>('CreditBalance', schemas.creditBalanceSchema),
    guards: connection.model<docs.GuardDoc>('Guard', schemas.guardSchema),
    artifacts: connection.model<docs.ArtifactDoc>('Artifact', schemas.artifactSchema),
    aiCache: connection.model<docs.AiCacheDoc>('AiCache', schemas.aiCacheSchema),
    agentMemory: connection.model<docs.AgentMemoryDoc>('AgentMemory', schemas.agentMemorySchema),
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
 * both write it conflict, and the driver retries the later one after the first commits. A check
 * that reads many documents (is there any user, is there another admin) therefore cannot be
 * invalidated by a concurrent transaction that made the same check.
 */
export async function takeGuard(models: MongoModels, name: string, session: ClientSession): Promise<void> {
  await models.guards.updateOne({ _id: name }, { $inc: { writes: 1 } }, { upsert: true, session });
}
