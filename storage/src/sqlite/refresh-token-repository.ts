import type Database from 'better-sqlite3';
import type { RefreshTokenRecord, RefreshTokenRepository } from '../types.js';
import { translateConflict } from './conflict.js';

interface RefreshTokenRow {
  id: string;
  user_id: string;
  family_id: string;
  token_hash: string;
  expires_at: string;
  created_at: string;
  used_at: string | null;
  revoked_at: string | null;
}

const TOKEN_COLUMNS = 'id, user_id, family_id, token_hash, expires_at, created_at, used_at, revoked_at';

function toTokenRow(record: RefreshTokenRecord): RefreshTokenRow {
  return {
    id: record.id,
    user_id: record.userId,
    family_id: record.familyId,
    token_hash: record.tokenHash,
    expires_at: record.expiresAt,
    created_at: record.createdAt,
    used_at: record.usedAt,
    revoked_at: record.revokedAt,
  };
}

function toTokenRecord(row: RefreshTokenRow): RefreshTokenRecord {
  return {
    id: row.id,
    userId: row.user_id,
    familyId: row.family_id,
    tokenHash: row.token_hash,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    usedAt: row.used_at,
    revokedAt: row.revoked_at,
  };
}

/** Refresh tokens in the `refresh_tokens` table. */
export class SqliteRefreshTokenRepository implements RefreshTokenRepository {
  private readonly insertRow: Database.Statement<[RefreshTokenRow]>;
  private readonly selectByHash: Database.Statement<[string], RefreshTokenRow>;
  private readonly markUsed: Database.Statement<[{ id: string; at: string }]>;
  private readonly revokeFamilyRows: Database.Statement<[{ family_id: string; at: string }]>;
  private readonly revokeUserRows: Database.Statement<[{ user_id: string; at: string }]>;
  private readonly deleteExpired: Database.Statement<[string]>;
  private readonly rotateTransaction: Database.Transaction<
    (id: string, next: RefreshTokenRecord, at: string) => boolean
  >;

  constructor(db: Database.Database) {
    this.insertRow = db.prepare(
      `insert into refresh_tokens (${TOKEN_COLUMNS})
       values (@id, @user_id, @family_id, @token_hash, @expires_at, @created_at, @used_at, @revoked_at)`,
    );
    this.selectByHash = db.prepare(`select ${TOKEN_COLUMNS} from refresh_tokens where token_hash = ?`);
    this.markUsed = db.prepare(
      `update refresh_tokens set used_at = @at
       where id = @id and used_at is null and revoked_at is null`,
    );
    this.revokeFamilyRows = db.prepare(
      'update refresh_tokens set revoked_at = @at where family_id = @family_id and revoked_at is null',
    );
    this.revokeUserRows = db.prepare(
      'update refresh_tokens set revoked_at = @at where user_id = @user_id and revoked_at is null',
    );
    this.deleteExpired = db.prepare('delete from refresh_tokens where expires_at < ?');
    // The conditional UPDATE is the compare-and-set: of two rotations of one token, only the
    // first changes the row. A conflict on `next` rolls the mark back.
    this.rotateTransaction = db.transaction((id: string, next: RefreshTokenRecord, at: string) => {
      if (this.markUsed.run({ id, at }).changes === 0) {
        return false;
      }
      this.insert(next);
      return true;
    });
  }

  /** Inserts a token; throws StorageConflictError for a repeated id or token hash. */
  async create(record: RefreshTokenRecord): Promise<void> {
    this.insert(record);
  }

  async findByHash(tokenHash: string): Promise<RefreshTokenRecord | null> {
    const row = this.selectByHash.get(tokenHash);
    return row === undefined ? null : toTokenRecord(row);
  }

  /**
   * Marks `id` used and inserts `next`. Returns false when `id` is missing, used or revoked.
   * Throws StorageConflictError, and marks nothing, when `next` repeats an id or token hash.
   */
  async rotate(id: string, next: RefreshTokenRecord, at: string): Promise<boolean> {
    return this.rotateTransaction.immediate(id, next, at);
  }

  async revokeFamily(familyId: string, at: string): Promise<number> {
    return this.revokeFamilyRows.run({ family_id: familyId, at }).changes;
  }

  async revokeByUser(userId: string, at: string): Promise<number> {
    return this.revokeUserRows.run({ user_id: userId, at }).changes;
  }

  /** Deletes tokens whose `expiresAt` is strictly before `before`. */
  async purgeExpired(before: string): Promise<number> {
    return this.deleteExpired.run(before).changes;
  }

  private insert(record: RefreshTokenRecord): void {
    translateConflict(`refresh token "${record.id}"`, () => this.insertRow.run(toTokenRow(record)));
  }
}
