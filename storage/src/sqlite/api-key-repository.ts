import type Database from 'better-sqlite3';
import type { ApiKeyRecord, ApiKeyRepository } from '../types.js';
import { translateConflict } from './conflict.js';

interface ApiKeyRow {
  id: string;
  user_id: string;
  name: string;
  prefix: string;
  key_hash: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

const KEY_COLUMNS = 'id, user_id, name, prefix, key_hash, created_at, expires_at, last_used_at, revoked_at';

function toKeyRecord(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    prefix: row.prefix,
    keyHash: row.key_hash,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

/** Personal API keys in the `api_keys` table. */
export class SqliteApiKeyRepository implements ApiKeyRepository {
  private readonly insertRow: Database.Statement<[ApiKeyRow]>;
  private readonly selectByHash: Database.Statement<[string], ApiKeyRow>;
  private readonly selectByUser: Database.Statement<[string], ApiKeyRow>;
  private readonly revokeRow: Database.Statement<[{ id: string; user_id: string; at: string }]>;
  private readonly touchRow: Database.Statement<[{ id: string; at: string }]>;

  constructor(db: Database.Database) {
    this.insertRow = db.prepare(
      `insert into api_keys (${KEY_COLUMNS})
       values (@id, @user_id, @name, @prefix, @key_hash, @created_at, @expires_at, @last_used_at,
               @revoked_at)`,
    );
    this.selectByHash = db.prepare(`select ${KEY_COLUMNS} from api_keys where key_hash = ?`);
    this.selectByUser = db.prepare(
      `select ${KEY_COLUMNS} from api_keys where user_id = ? order by created_at desc, id desc`,
    );
    this.revokeRow = db.prepare(
      'update api_keys set revoked_at = @at where id = @id and user_id = @user_id and revoked_at is null',
    );
    // Requests that finish out of order must not move `lastUsedAt` back in time.
    this.touchRow = db.prepare(
      `update api_keys set last_used_at = @at
       where id = @id and (last_used_at is null or last_used_at < @at)`,
    );
  }

  /** Inserts a key; throws StorageConflictError for a repeated id or key hash. */
  async create(record: ApiKeyRecord): Promise<void> {
    translateConflict(`API key "${record.id}"`, () =>
      this.insertRow.run({
        id: record.id,
        user_id: record.userId,
        name: record.name,
        prefix: record.prefix,
        key_hash: record.keyHash,
        created_at: record.createdAt,
        expires_at: record.expiresAt,
        last_used_at: record.lastUsedAt,
        revoked_at: record.revokedAt,
      }),
    );
  }

  async findByHash(keyHash: string): Promise<ApiKeyRecord | null> {
    const row = this.selectByHash.get(keyHash);
    return row === undefined ? null : toKeyRecord(row);
  }

  /** Returns the user's keys newest `createdAt` first, then by id descending. */
  async listByUser(userId: string): Promise<ApiKeyRecord[]> {
    return this.selectByUser.all(userId).map(toKeyRecord);
  }

  async revoke(userId: string, id: string, at: string): Promise<boolean> {
    return this.revokeRow.run({ id, user_id: userId, at }).changes > 0;
  }

  /** Sets `lastUsedAt` to `at` unless it already is `at` or later. A missing key is ignored. */
  async touch(id: string, at: string): Promise<void> {
    this.touchRow.run({ id, at });
  }
}
