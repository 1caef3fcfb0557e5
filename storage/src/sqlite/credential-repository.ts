import type Database from 'better-sqlite3';
import { LIMITS, resolveLimit } from '../query-limits.js';
import { patchCredential } from '../timestamps.js';
import type { CredentialPatch, CredentialRecord, CredentialRepository } from '../types.js';
import { translateConflict } from './conflict.js';

interface CredentialRow {
  id: string;
  owner_id: string;
  name: string;
  type: string;
  secret: string;
  key_id: string;
  meta: string;
  created_at: string;
  updated_at: string;
}

const CREDENTIAL_COLUMNS = 'id, owner_id, name, type, secret, key_id, meta, created_at, updated_at';

function toCredentialRow(record: CredentialRecord): CredentialRow {
  return {
    id: record.id,
    owner_id: record.ownerId,
    name: record.name,
    type: record.type,
    secret: record.secret,
    key_id: record.keyId,
    meta: JSON.stringify(record.meta),
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}

function toCredentialRecord(row: CredentialRow): CredentialRecord {
  return {
    id: row.id,
    ownerId: row.owner_id,
    name: row.name,
    type: row.type,
    secret: row.secret,
    keyId: row.key_id,
    meta: JSON.parse(row.meta) as Record<string, unknown>,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Credentials in the `credentials` table. `secret` and `meta` are stored as given. */
export class SqliteCredentialRepository implements CredentialRepository {
  private readonly insertRow: Database.Statement<[CredentialRow]>;
  private readonly selectById: Database.Statement<[string], CredentialRow>;
  private readonly selectByOwner: Database.Statement<[string], CredentialRow>;
  private readonly selectByOwnerAndType: Database.Statement<[string, string], CredentialRow>;
  private readonly selectNotEncryptedWith: Database.Statement<
    [{ key_id: string; limit: number }],
    CredentialRow
  >;
  private readonly updateRow: Database.Statement<[CredentialRow]>;
  private readonly deleteRow: Database.Statement<[string]>;
  private readonly updateTransaction: Database.Transaction<
    (id: string, patch: CredentialPatch, expectedUpdatedAt: string | undefined) => CredentialRecord | null
  >;

  constructor(db: Database.Database) {
    this.insertRow = db.prepare(
      `insert into credentials (${CREDENTIAL_COLUMNS})
       values (@id, @owner_id, @name, @type, @secret, @key_id, @meta, @created_at, @updated_at)`,
    );
    this.selectById = db.prepare(`select ${CREDENTIAL_COLUMNS} from credentials where id = ?`);
    this.selectByOwner = db.prepare(
      `select ${CREDENTIAL_COLUMNS} from credentials where owner_id = ? order by created_at desc, id desc`,
    );
    this.selectByOwnerAndType = db.prepare(
      `select ${CREDENTIAL_COLUMNS} from credentials
       where owner_id = ? and type = ?
       order by created_at desc, id desc`,
    );
    // Two ranges instead of `key_id <> @key_id`, which SQLite runs as a scan of every row.
    this.selectNotEncryptedWith = db.prepare(
      `select ${CREDENTIAL_COLUMNS} from credentials where key_id < @key_id
       union all
       select ${CREDENTIAL_COLUMNS} from credentials where key_id > @key_id
       order by key_id, id
       limit @limit`,
    );
    this.updateRow = db.prepare(
      `update credentials
       set name = @name, secret = @secret, key_id = @key_id, meta = @meta, updated_at = @updated_at
       where id = @id`,
    );
    this.deleteRow = db.prepare('delete from credentials where id = ?');
    // The read and the write share one IMMEDIATE transaction, so no other connection can change
    // the row between the `updatedAt` check and the update.
    this.updateTransaction = db.transaction(
      (id: string, patch: CredentialPatch, expectedUpdatedAt: string | undefined) => {
        const row = this.selectById.get(id);
        if (row === undefined) {
          return null;
        }
        if (expectedUpdatedAt !== undefined && row.updated_at !== expectedUpdatedAt) {
          return null;
        }
        const current = toCredentialRecord(row);
        const updated = patchCredential(current, patch);
        this.updateRow.run(toCredentialRow(updated));
        return updated;
      },
    );
  }

  async create(record: CredentialRecord): Promise<void> {
    translateConflict(`credential "${record.id}"`, () => this.insertRow.run(toCredentialRow(record)));
  }

  async get(id: string): Promise<CredentialRecord | null> {
    const row = this.selectById.get(id);
    return row === undefined ? null : toCredentialRecord(row);
  }

  /** Returns the owner's credentials newest `createdAt` first, then by id descending. */
  async listByOwner(ownerId: string, query: { type?: string } = {}): Promise<CredentialRecord[]> {
    const rows =
      query.type === undefined
        ? this.selectByOwner.all(ownerId)
        : this.selectByOwnerAndType.all(ownerId, query.type);
    return rows.map(toCredentialRecord);
  }

  /**
   * Applies the defined fields of `patch`. The new `updatedAt` is later than the stored one even
   * when the clock has not advanced, so a compare-and-set never accepts a changed credential.
   */
  async update(
    id: string,
    patch: CredentialPatch,
    options: { expectedUpdatedAt?: string } = {},
  ): Promise<CredentialRecord | null> {
    return this.updateTransaction.immediate(id, patch, options.expectedUpdatedAt);
  }

  async delete(id: string): Promise<boolean> {
    return this.deleteRow.run(id).changes > 0;
  }

  /** Returns credentials ordered by key id, then id. Throws RangeError for a limit below 1. */
  async listNotEncryptedWith(keyId: string, limit: number): Promise<CredentialRecord[]> {
    const rows = this.selectNotEncryptedWith.all({
      key_id: keyId,
      limit: resolveLimit(limit, LIMITS.credentialsToReencrypt),
    });
    return rows.map(toCredentialRecord);
  }
}
