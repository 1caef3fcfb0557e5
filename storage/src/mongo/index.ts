import type { Db } from 'mongodb';
import mongoose, { type Connection } from 'mongoose';
import type { Storage } from '../types.js';
import { MongoAgentMemoryRepository, MongoAiCacheRepository } from './ai-repositories.js';
import { MongoApiKeyRepository } from './api-key-repository.js';
import { MongoArtifactRepository } from './artifact-repository.js';
import { MongoCredentialRepository } from './credential-repository.js';
import { MongoDeliveryRepository } from './delivery-repository.js';
import { MongoEventRepository } from './event-repository.js';
import { DEFAULT_EVENT_BATCH, type EventBatchOptions } from './event-writer.js';
import { MongoGraphRepository } from './graph-repository.js';
import { MongoLedgerRepository } from './ledger-repository.js';
import { createModels, ensureCollections, type MongoModels } from './models.js';
import { MongoOAuthStateRepository } from './oauth-state-repository.js';
import { MongoPluginRepository } from './plugin-repository.js';
import { MongoRefreshTokenRepository } from './refresh-token-repository.js';
import { MongoRunRepository } from './run-repository.js';
import { MongoTaskRepository } from './task-repository.js';
import { MongoUserRepository } from './user-repository.js';
import { databaseInUrl, redactUrl } from './url.js';
import { createMongoAgendaBackend, createMongoNotificationChannel } from './agenda-backend.js';
import { MongoJobBatches } from './agenda-batches.js';
import { countAgendaJobs } from './agenda-counts.js';
import type { AgendaJobCounts } from '../agenda/job-counts.js';
import type { MongoBackend } from '@agendajs/mongo-backend';
import type { WakingNotificationChannel } from '../agenda/waking-channel.js';

export { BatchedEventWriter, DEFAULT_EVENT_BATCH, type EventBatchOptions } from './event-writer.js';
export { createModels, ensureCollections, type MongoModels } from './models.js';
export { AGENDA_JOBS_COLLECTION } from './agenda-backend.js';
export { agendaJobCountsPipeline } from './agenda-counts.js';
export { databaseInUrl, redactUrl } from './url.js';

const DAY_MS = 86_400_000;

/** The database of a store whose options and URL name none. */
export const DEFAULT_DATABASE = 'gestorlead';

/** Options of `openMongoStorage`. */
export interface MongoStorageOptions {
  /** A MongoDB connection string of a replica set, which transactions need. */
  url: string;
  /** The database; defaults to the one the URL names, and to `gestorlead` when it names none. */
  dbName?: string;
  /** Days after which the TTL index deletes a task's log lines (`task.log` events); 0 keeps them. */
  logRetentionDays?: number;
  /** Batching of run event writes. */
  eventBatch?: EventBatchOptions;
  /** Time to find a server before an operation fails, in ms (the driver's serverSelectionTimeoutMS). */
  serverSelectionTimeoutMs?: number;
}

/** A `Storage` over one mongoose connection whose collections and indexes exist. */
export class MongoStorage implements Storage {
  readonly kind = 'mongo';
  readonly graphs: MongoGraphRepository;
  readonly runs: MongoRunRepository;
  readonly tasks: MongoTaskRepository;
  readonly events: MongoEventRepository;
  readonly deliveries: MongoDeliveryRepository;
  readonly plugins: MongoPluginRepository;
  readonly users: MongoUserRepository;
  readonly refreshTokens: MongoRefreshTokenRepository;
  readonly apiKeys: MongoApiKeyRepository;
  readonly credentials: MongoCredentialRepository;
  readonly oauthStates: MongoOAuthStateRepository;
  readonly ledger: MongoLedgerRepository;
  readonly aiCache: MongoAiCacheRepository;
  readonly agentMemory: MongoAgentMemoryRepository;
  readonly artifacts: MongoArtifactRepository;
  readonly connection: Connection;
  readonly models: MongoModels;
  #closed = false;

  constructor(connection: Connection, models: MongoModels, options: Pick<MongoStorageOptions, 'logRetentionDays' | 'eventBatch'> = {}) {
    this.connection = connection;
    this.models = models;
    const logRetentionMs = (options.logRetentionDays ?? 0) * DAY_MS;
    this.graphs = new MongoGraphRepository(connection, models);
    this.runs = new MongoRunRepository(connection, models);
    this.tasks = new MongoTaskRepository(connection, models);
    this.events = new MongoEventRepository(models, options.eventBatch ?? DEFAULT_EVENT_BATCH, logRetentionMs);
    this.deliveries = new MongoDeliveryRepository(models);
    this.plugins = new MongoPluginRepository(models);
    this.users = new MongoUserRepository(connection, models);
    this.refreshTokens = new MongoRefreshTokenRepository(connection, models);
    this.apiKeys = new MongoApiKeyRepository(models);
    this.credentials = new MongoCredentialRepository(models);
    this.oauthStates = new MongoOAuthStateRepository(models);
    this.ledger = new MongoLedgerRepository(connection, models);
    this.aiCache = new MongoAiCacheRepository(models);
    this.agentMemory = new MongoAgentMemoryRepository(models);
    this.artifacts = new MongoArtifactRepository(models);
  }

  /** The driver's handle of the store's database. */
  get database(): Db {
    return this.connection.db!;
  }

  /** Returns an Agenda backend over the `agendaJobs` collection, on this store's connection. */
  createAgendaBackend(): MongoBackend {
    return createMongoAgendaBackend(this.database);
  }

  /** Returns the batch claims and releases of the `agendaJobs` collection. */
  createJobBatches(): MongoJobBatches {
    return new MongoJobBatches(this.database);
  }

  /** Counts the jobs of the `agendaJobs` collection by name at `now` (see `countAgendaJobs`). */
  countAgendaJobs(now: Date): Promise<AgendaJobCounts[]> {
    return countAgendaJobs(this.database, now);
  }

  /** Returns a notification channel that learns of saved jobs through a change stream. */
  createNotificationChannel(): WakingNotificationChannel {
    return createMongoNotificationChannel(this.database);
  }

  async ping(): Promise<void> {
    await this.database.command({ ping: 1 });
  }

  /** Writes queued events and closes the connection. Calling it again does nothing. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.events.drain();
    await this.connection.close();
  }
}

/** A server that cannot run the transactions the store needs. */
export class MongoTransactionsUnsupportedError extends Error {
  readonly code = 'STORAGE_MONGO_NO_REPLICA_SET';
  constructor(url: string) {
    super(
      `MongoDB at ${redactUrl(url)} is a standalone server, but the store needs transactions, which run ` +
        'on a replica set only. Start mongod with --replSet rs0, run rs.initiate() once, and add ' +
        '?replicaSet=rs0 to MONGO_URL.',
    );
    this.name = 'MongoTransactionsUnsupportedError';
  }
}

/**
 * Connects to MongoDB, checks that the server is a replica set member or a mongos, and creates
 * every collection and index that is missing. Throws MongoTransactionsUnsupportedError for a
 * standalone server, and the driver's error when no server replies in time.
 */
export async function openMongoStorage(options: MongoStorageOptions): Promise<MongoStorage> {
  const connection = mongoose.createConnection(options.url, {
    dbName: options.dbName ?? databaseInUrl(options.url) ?? DEFAULT_DATABASE,
    autoIndex: false,
    autoCreate: false,
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMs ?? 30_000,
  });
  try {
    await connection.asPromise();
    const hello = await connection.db!.admin().command({ hello: 1 });
    if (hello.setName === undefined && hello.msg !== 'isdbgrid') {
      throw new MongoTransactionsUnsupportedError(options.url);
    }
    const models = createModels(connection);
    await ensureCollections(models);
    return new MongoStorage(connection, models, options);
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw error;
  }
}
