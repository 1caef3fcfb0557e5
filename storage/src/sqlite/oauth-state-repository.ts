import type Database from 'better-sqlite3';
import type { OAuthStateRecord, OAuthStateRepository } from '../types.js';
import { translateConflict } from './conflict.js';

interface OAuthStateRow {
  state: string;
  user_id: string;
  secret: string;
  key_id: string;
  data: string;
  created_at: string;
  expires_at: string;
}

const STATE_COLUMNS = 'state, user_id, secret, key_id, data, created_at, expires_at';

function toStateRecord(row: OAuthStateRow): OAuthStateRecord {
  return {
    state: row.state,
    userId: row.user_id,
    secret: row.secret,
    keyId: row.key_id,
    data: JSON.parse(row.data) as Record<string, unknown>,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

/** Pending OAuth2 authorizations in the `oauth_states` table. */
export class SqliteOAuthStateRepository implements OAuthStateRepository {
  private readonly insertRow: Database.Statement<[OAuthStateRow]>;
  private readonly deleteReturning: Database.Statement<[string], OAuthStateRow>;
  private readonly deleteExpired: Database.Statement<[string]>;

  constructor(db: Database.Database) {
    this.insertRow = db.prepare(
      `insert into oauth_states (${STATE_COLUMNS})
       values (@state, @user_id, @secret, @key_id, @data, @created_at, @expires_at)`,
    );
    // One statement deletes and reads the row, so two callbacks with one state cannot both get it.
    this.deleteReturning = db.prepare(`delete from oauth_states where state = ? returning ${STATE_COLUMNS}`);
    this.deleteExpired = db.prepare('delete from oauth_states where expires_at < ?');
  }

  /** Inserts a state; throws StorageConflictError for a repeated state. */
  async create(record: OAuthStateRecord): Promise<void> {
    // The message leaves the state value out, because it authorizes the OAuth callback.
    translateConflict(`OAuth state of user "${record.userId}"`, () =>
      this.insertRow.run({
        state: record.state,
        user_id: record.userId,
        secret: record.secret,
        key_id: record.keyId,
        data: JSON.stringify(record.data),
        created_at: record.createdAt,
        expires_at: record.expiresAt,
      }),
    );
  }

  /**
   * Deletes the state and returns it, or null when it is missing or its `expiresAt` is strictly
   * before `now`. An expired state is deleted too.
   */
  async take(state: string, now: string): Promise<OAuthStateRecord | null> {
    const row = this.deleteReturning.get(state);
    if (row === undefined || row.expires_at < now) {
      return null;
    }
    return toStateRecord(row);
  }

  /** Deletes states whose `expiresAt` is strictly before `before`. */
  async purgeExpired(before: string): Promise<number> {
    return this.deleteExpired.run(before).changes;
  }
}
