import type Database from 'better-sqlite3';
import type { Storage } from '../types.js';
import { SqliteAgentMemoryRepository, SqliteAiCacheRepository } from './ai-repositories.js';
import { SqliteApiKeyRepository } from './api-key-repository.js';
import { SqliteArtifactRepository } from './artifact-repository.js';
import { BackgroundCheckpointer } from './checkpointer.js';
import { SqliteCredentialRepository } from './credential-repository.js';
import { SqliteDeliveryRepository } from './delivery-repository.js';
import { SqliteEventRepository } from './event-repository.js';
import { SqliteGraphRepository } from './graph-repository.js';
import { IN_MEMORY_PATH, openConnection } from './connection.js';
import { SqliteLedgerRepository } from './ledger-repository.js';
import { applyMigrations } from './migrations.js';
import { SqliteOAuthStateRepository } from './oauth-state-repository.js';
import { SqlitePluginRepository } from './plugin-repository.js';
import { SqliteRefreshTokenRepository } from './refresh-token-repository.js';
import { SqliteRunRepository } from './run-repository.js';
import { SqliteTaskRepository } from './task-repository.js';
import { SqliteUserRepository } from './user-repository.js';

/** Options of `openSqliteStorage`. */
export interface SqliteStorageOptions {
  /** Database file path, or `:memory:` for a private in-memory database. */
  path: string;
}

/** A `Storage` over one better-sqlite3 connection whose schema is already migrated. */
export class SqliteStorage implements Storage {
  readonly kind = 'sqlite';
  readonly graphs: SqliteGraphRepository;
  readonly runs: SqliteRunRepository;
  readonly tasks: SqliteTaskRepository;
  readonly events: SqliteEventRepository;
  readonly deliveries: SqliteDeliveryRepository;
  readonly plugins: SqlitePluginRepository;
  readonly users: SqliteUserRepository;
  readonly refreshTokens: SqliteRefreshTokenRepository;
  readonly apiKeys: SqliteApiKeyRepository;
  readonly credentials: SqliteCredentialRepository;
  readonly oauthStates: SqliteOAuthStateRepository;
  readonly ledger: SqliteLedgerRepository;
  readonly aiCache: SqliteAiCacheRepository;
  readonly agentMemory: SqliteAgentMemoryRepository;
  readonly artifacts: SqliteArtifactRepository;
  private readonly db: Database.Database;
  private readonly selectOne: Database.Statement<[], number>;
  private readonly checkpointer: BackgroundCheckpointer | null;

  /** `checkpointer`, when given, checkpoints the WAL of `db` in the background until `close`. */
  constructor(db: Database.Database, checkpointer: BackgroundCheckpointer | null = null) {
    this.db = db;
    this.checkpointer = checkpointer;
    this.deliveries = new SqliteDeliveryRepository(db);
    this.graphs = new SqliteGraphRepository(db);
    this.runs = new SqliteRunRepository(db, this.deliveries);
    this.tasks = new SqliteTaskRepository(db);
    this.events = new SqliteEventRepository(db);
    this.plugins = new SqlitePluginRepository(db);
    this.users = new SqliteUserRepository(db);
    this.refreshTokens = new SqliteRefreshTokenRepository(db);
    this.apiKeys = new SqliteApiKeyRepository(db);
    this.credentials = new SqliteCredentialRepository(db);
    this.oauthStates = new SqliteOAuthStateRepository(db);
    this.ledger = new SqliteLedgerRepository(db);
    this.aiCache = new SqliteAiCacheRepository(db);
    this.agentMemory = new SqliteAgentMemoryRepository(db);
    this.artifacts = new SqliteArtifactRepository(db);
    this.selectOne = db.prepare<[], number>('select 1').pluck();
  }

  async ping(): Promise<void> {
    this.selectOne.get();
  }

  /** Closes the connection. Calling it again does nothing, but every other method throws afterwards. */
  async close(): Promise<void> {
    // The worker closes its connection first, so this connection is the last one and, as
    // without the worker, checkpoints the WAL and removes it on close.
    await this.checkpointer?.stop();
    if (this.db.open) {
      this.db.close();
    }
  }
}

/**
 * Opens the SQLite database at `options.path`, creating the file and its parent directory when
 * missing, and applies pending migrations. Throws StorageSchemaTooNewError when a newer release
 * migrated the file.
 */
export function openSqliteStorage(options: SqliteStorageOptions): Storage {
  const db = openConnection(options.path);
  try {
    applyMigrations(db, options.path);
  } catch (error) {
    db.close();
    throw error;
  }
  const temporary = options.path === IN_MEMORY_PATH || options.path === '';
  return new SqliteStorage(db, temporary ? null : new BackgroundCheckpointer(options.path));
}
