import type { Connection } from 'mongoose';
import { normalizeEmail } from '../normalize-email.js';
import { LIMITS, resolveLimit, resolveOffset } from '../query-limits.js';
import { ActorNotAdminError, LastAdminError, type UserPatch, type UserRecord, type UserRepository, type UserUpdateOptions } from '../types.js';
import { fromUserDoc, toUserDoc } from './account-documents.js';
import { conflictError, isDuplicateKey } from './conflict.js';
import { escapeRegex, stringEquals } from './filters.js';
import { inTransaction, takeGuard, type MongoModels } from './models.js';

/** Guard of user creations that decide admin by whether any user exists. */
const FIRST_USER_GUARD = 'users.first';
/** Guard of user updates that must keep an active admin. */
const ACTIVE_ADMIN_GUARD = 'users.active-admin';

/** Returns `patch` without its undefined fields, so that spreading it keeps the stored values. */
function definedFields(patch: UserPatch): UserPatch {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
}

/** Users in `users`. */
export class MongoUserRepository implements UserRepository {
  readonly #connection: Connection;
  readonly #models: MongoModels;

  constructor(connection: Connection, models: MongoModels) {
    this.#connection = connection;
    this.#models = models;
  }

  /**
   * Inserts a user with the email trimmed and lowercased. With `firstBecomesAdmin`, `admin` is
   * true exactly when the collection was empty, decided in the transaction of the insert.
   */
  async create(user: UserRecord, options: { firstBecomesAdmin?: boolean } = {}): Promise<UserRecord> {
    const doc = toUserDoc(user);
    try {
      if (options.firstBecomesAdmin !== true) {
        await this.#models.users.insertMany([doc]);
      } else {
        await inTransaction(this.#connection, async (session) => {
          await takeGuard(this.#models, FIRST_USER_GUARD, session);
          doc.admin = (await this.#models.users.exists({}).session(session)) === null;
          await this.#models.users.insertMany([doc], { session });
        });
      }
    } catch (error) {
      if (isDuplicateKey(error)) throw conflictError(`user "${user.id}"`, error);
      throw error;
    }
    return fromUserDoc(doc);
  }

  async get(id: string): Promise<UserRecord | null> {
    const doc = await this.#models.users.findById(id).lean();
    return doc === null ? null : fromUserDoc(doc);
  }

  async findByEmail(email: string): Promise<UserRecord | null> {
    const doc = await this.#models.users.findOne({ email: normalizeEmail(email) }).lean();
    return doc === null ? null : fromUserDoc(doc);
  }

  async findByGoogleId(googleId: string): Promise<UserRecord | null> {
    const doc = await this.#models.users.findOne({ googleId: stringEquals(googleId) }).lean();
    return doc === null ? null : fromUserDoc(doc);
  }

  async list(query: { search?: string; limit?: number; offset?: number } = {}): Promise<UserRecord[]> {
    const limit = resolveLimit(query.limit, LIMITS.users);
    const offset = resolveOffset(query.offset);
    let filter: Record<string, unknown> = {};
    // NOTE: toLowerCase() is not full Unicode case folding, so `ß` does not match `SS`.
    if (query.search !== undefined && query.search !== '') {
      const pattern = escapeRegex(query.search.toLowerCase());
      filter = { $or: [{ email: { $regex: pattern } }, { fullNameLower: { $regex: pattern } }] };
    }
    const docs = await this.#models.users.find(filter).sort({ createdAt: 1, _id: 1 }).skip(offset).limit(limit).lean();
    return docs.map(fromUserDoc);
  }

  async count(): Promise<number> {
    return this.#models.users.countDocuments();
  }

  /**
   * Applies the defined fields of `patch`, with the email trimmed and lowercased. Throws
   * StorageConflictError when the new email or Google id belongs to another user, and with
   * `keepActiveAdmin` LastAdminError when no other active admin would remain. With `actorId`,
   * throws ActorNotAdminError unless that user is an active admin.
   */
  async update(id: string, patch: UserPatch, options: UserUpdateOptions = {}): Promise<UserRecord | null> {
    const guarded = options.keepActiveAdmin === true || options.actorId !== undefined;
    try {
      return await inTransaction(this.#connection, async (session) => {
        // Every guarded update writes the guard document, so two of them conflict, and
        // withTransaction retries the later one against the committed admin flags.
        if (guarded) await takeGuard(this.#models, ACTIVE_ADMIN_GUARD, session);
        if (options.actorId !== undefined) {
          const actor = await this.#models.users.exists({ _id: options.actorId, admin: true, active: true }).session(session);
          if (actor === null) throw new ActorNotAdminError(options.actorId);
        }
        const current = await this.#models.users.findById(id).session(session).lean();
        if (current === null) return null;

        const updated: UserRecord = { ...fromUserDoc(current), ...definedFields(patch), updatedAt: new Date().toISOString() };
        const doc = toUserDoc(updated);
        const removesActiveAdmin = current.admin && current.active && (!doc.admin || !doc.active);
        if (options.keepActiveAdmin === true && removesActiveAdmin) {
          const otherAdmin = await this.#models.users
            .exists({ admin: true, active: true, _id: { $ne: id } })
            .session(session);
          if (otherAdmin === null) throw new LastAdminError(id);
        }
        const { _id: _key, ...fields } = doc;
        await this.#models.users.updateOne({ _id: id }, { $set: fields }, { session });
        return fromUserDoc(doc);
      });
    } catch (error) {
      if (isDuplicateKey(error)) throw conflictError(`user "${id}"`, error);
      throw error;
    }
  }
}
