import type Database from 'better-sqlite3';
import { normalizeEmail } from '../normalize-email.js';
import { LIMITS, resolveLimit, resolveOffset } from '../query-limits.js';
import {
  ActorNotAdminError,
  LastAdminError,
  type UserPatch,
  type UserRecord,
  type UserRepository,
  type UserTier,
  type UserUpdateOptions,
} from '../types.js';
import { translateConflict } from './conflict.js';

interface UserRow {
  id: string;
  email: string;
  full_name: string;
  full_name_lower: string;
  avatar_url: string | null;
  google_id: string | null;
  password_hash: string | null;
  /** 1 for an active user, 0 otherwise. */
  active: number;
  /** 1 for an admin, 0 otherwise. */
  admin: number;
  tier: string;
  created_at: string;
  updated_at: string;
}

const USER_COLUMNS =
  'id, email, full_name, full_name_lower, avatar_url, google_id, password_hash, active, admin, tier, ' +
  'created_at, updated_at';

/** Converts a record to a row, with the email in its stored form (see `normalizeEmail`). */
function toUserRow(user: UserRecord): UserRow {
  return {
    id: user.id,
    email: normalizeEmail(user.email),
    full_name: user.fullName,
    full_name_lower: user.fullName.toLowerCase(),
    avatar_url: user.avatarUrl,
    google_id: user.googleId,
    password_hash: user.passwordHash,
    active: user.active ? 1 : 0,
    admin: user.admin ? 1 : 0,
    tier: user.tier,
    created_at: user.createdAt,
    updated_at: user.updatedAt,
  };
}

function toUserRecord(row: UserRow): UserRecord {
  return {
    id: row.id,
    email: row.email,
    fullName: row.full_name,
    avatarUrl: row.avatar_url,
    googleId: row.google_id,
    passwordHash: row.password_hash,
    active: row.active === 1,
    admin: row.admin === 1,
    tier: row.tier as UserTier,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Returns `patch` without its undefined fields, so that spreading it keeps the stored values. */
function definedFields(patch: UserPatch): UserPatch {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
}

/** Users in the `users` table. */
export class SqliteUserRepository implements UserRepository {
  private readonly insertRow: Database.Statement<[UserRow]>;
  private readonly selectById: Database.Statement<[string], UserRow>;
  private readonly selectByEmail: Database.Statement<[string], UserRow>;
  private readonly selectByGoogleId: Database.Statement<[string], UserRow>;
  private readonly selectPage: Database.Statement<
    [{ search: string | null; limit: number; offset: number }],
    UserRow
  >;
  private readonly selectAnyUser: Database.Statement<[], number>;
  private readonly countUsers: Database.Statement<[], number>;
  private readonly updateRow: Database.Statement<[UserRow]>;
  private readonly countOtherActiveAdmins: Database.Statement<[string], number>;
  private readonly createTransaction: Database.Transaction<
    (user: UserRecord, firstBecomesAdmin: boolean) => UserRecord
  >;
  private readonly updateTransaction: Database.Transaction<
    (id: string, patch: UserPatch, options: UserUpdateOptions) => UserRecord | null
  >;

  constructor(db: Database.Database) {
    this.insertRow = db.prepare(
      `insert into users (${USER_COLUMNS})
       values (@id, @email, @full_name, @full_name_lower, @avatar_url, @google_id, @password_hash, @active,
               @admin, @tier, @created_at, @updated_at)`,
    );
    this.selectById = db.prepare(`select ${USER_COLUMNS} from users where id = ?`);
    this.selectByEmail = db.prepare(`select ${USER_COLUMNS} from users where email = ?`);
    this.selectByGoogleId = db.prepare(`select ${USER_COLUMNS} from users where google_id = ?`);
    // instr() matches the search text literally, so `%` and `_` in it are not wildcards.
    this.selectPage = db.prepare(
      `select ${USER_COLUMNS} from users
       where @search is null or instr(email, @search) > 0 or instr(full_name_lower, @search) > 0
       order by created_at, id
       limit @limit offset @offset`,
    );
    this.selectAnyUser = db.prepare<[], number>('select exists (select 1 from users)').pluck();
    this.countUsers = db.prepare<[], number>('select count(*) from users').pluck();
    this.updateRow = db.prepare(
      `update users
       set email = @email, full_name = @full_name, full_name_lower = @full_name_lower,
           avatar_url = @avatar_url, google_id = @google_id, password_hash = @password_hash,
           active = @active, admin = @admin, tier = @tier, updated_at = @updated_at
       where id = @id`,
    );
    this.countOtherActiveAdmins = db
      .prepare<[string], number>('select count(*) from users where admin = 1 and active = 1 and id != ?')
      .pluck();

    // BEGIN IMMEDIATE takes the write lock before the existence check, so two connections that
    // create the first user at once cannot both see an empty table.
    this.createTransaction = db.transaction((user: UserRecord, firstBecomesAdmin: boolean) => {
      const row = toUserRow(user);
      if (firstBecomesAdmin) {
        row.admin = this.selectAnyUser.get() === 1 ? 0 : 1;
      }
      translateConflict(`user "${user.id}"`, () => this.insertRow.run(row));
      return toUserRecord(row);
    });
    this.updateTransaction = db.transaction((id: string, patch: UserPatch, options: UserUpdateOptions) => {
      if (options.actorId !== undefined) {
        const actor = this.selectById.get(options.actorId);
        if (actor === undefined || actor.admin !== 1 || actor.active !== 1) throw new ActorNotAdminError(options.actorId);
      }
      const current = this.selectById.get(id);
      if (current === undefined) {
        return null;
      }
      const updated: UserRecord = {
        ...toUserRecord(current),
        ...definedFields(patch),
        updatedAt: new Date().toISOString(),
      };
      const row = toUserRow(updated);
      const removesActiveAdmin = current.admin === 1 && current.active === 1 && (row.admin === 0 || row.active === 0);
      if (options.keepActiveAdmin === true && removesActiveAdmin && this.countOtherActiveAdmins.get(id) === 0) {
        throw new LastAdminError(id);
      }
      translateConflict(`user "${id}"`, () => this.updateRow.run(row));
      return toUserRecord(row);
    });
  }

  /**
   * Inserts a user with the email trimmed and lowercased. With `firstBecomesAdmin`, `admin` is
   * true exactly when the table was empty, and `user.admin` is ignored.
   */
  async create(user: UserRecord, options: { firstBecomesAdmin?: boolean } = {}): Promise<UserRecord> {
    return this.createTransaction.immediate(user, options.firstBecomesAdmin === true);
  }

  async get(id: string): Promise<UserRecord | null> {
    const row = this.selectById.get(id);
    return row === undefined ? null : toUserRecord(row);
  }

  async findByEmail(email: string): Promise<UserRecord | null> {
    const row = this.selectByEmail.get(normalizeEmail(email));
    return row === undefined ? null : toUserRecord(row);
  }

  async findByGoogleId(googleId: string): Promise<UserRecord | null> {
    const row = this.selectByGoogleId.get(googleId);
    return row === undefined ? null : toUserRecord(row);
  }

  async list(query: { search?: string; limit?: number; offset?: number } = {}): Promise<UserRecord[]> {
    // NOTE: toLowerCase() is not full Unicode case folding, so `ß` does not match `SS`.
    const search = query.search === undefined || query.search === '' ? null : query.search.toLowerCase();
    const rows = this.selectPage.all({
      search,
      limit: resolveLimit(query.limit, LIMITS.users),
      offset: resolveOffset(query.offset),
    });
    return rows.map(toUserRecord);
  }

  async count(): Promise<number> {
    return this.countUsers.get()!;
  }

  /**
   * Applies the defined fields of `patch`, with the email trimmed and lowercased. Throws
   * StorageConflictError when the new email or Google id belongs to another user, and with
   * `keepActiveAdmin` LastAdminError when no other active admin would remain. With `actorId`,
   * throws ActorNotAdminError unless that user is an active admin. BEGIN IMMEDIATE takes the
   * write lock before these reads, so no other connection changes them before the write.
   */
  async update(id: string, patch: UserPatch, options: UserUpdateOptions = {}): Promise<UserRecord | null> {
    return this.updateTransaction.immediate(id, patch, options);
  }
}
