import type { Connection } from 'mongoose';
import type { RefreshTokenRecord, RefreshTokenRepository } from '../types.js';
import { fromRefreshTokenDoc, toRefreshTokenDoc } from './account-documents.js';
import { translateConflict } from './conflict.js';
import { inTransaction, type MongoModels } from './models.js';

/** Refresh tokens in `refreshTokens`. */
export class MongoRefreshTokenRepository implements RefreshTokenRepository {
  readonly #connection: Connection;
  readonly #models: MongoModels;

  constructor(connection: Connection, models: MongoModels) {
    this.#connection = connection;
    this.#models = models;
  }

  /** Inserts a token; throws StorageConflictError for a repeated id or token hash. */
  async create(record: RefreshTokenRecord): Promise<void> {
    await translateConflict(`refresh token "${record.id}"`, () =>
      this.#models.refreshTokens.insertMany([toRefreshTokenDoc(record)]),
    );
  }

  async findByHash(tokenHash: string): Promise<RefreshTokenRecord | null> {
    const doc = await this.#models.refreshTokens.findOne({ tokenHash }).lean();
    return doc === null ? null : fromRefreshTokenDoc(doc);
  }

  /**
   * Marks `id` used and inserts `next` in one transaction. The conditional update is the
   * compare-and-set: of two rotations of one token, only the first matches. Returns false when
   * `id` is missing, used or revoked. Throws StorageConflictError, and marks nothing, when `next`
   * repeats an id or token hash.
   */
  async rotate(id: string, next: RefreshTokenRecord, at: string): Promise<boolean> {
    return translateConflict(`refresh token "${next.id}"`, () =>
      inTransaction(this.#connection, async (session) => {
        const marked = await this.#models.refreshTokens.updateOne(
          { _id: id, usedAt: null, revokedAt: null },
          { $set: { usedAt: at } },
          { session },
        );
        if (marked.modifiedCount === 0) return false;
        await this.#models.refreshTokens.insertMany([toRefreshTokenDoc(next)], { session });
        return true;
      }),
    );
  }

  async revokeFamily(familyId: string, at: string): Promise<number> {
    const result = await this.#models.refreshTokens.updateMany({ familyId, revokedAt: null }, { $set: { revokedAt: at } });
    return result.modifiedCount;
  }

  async revokeByUser(userId: string, at: string): Promise<number> {
    const result = await this.#models.refreshTokens.updateMany({ userId, revokedAt: null }, { $set: { revokedAt: at } });
    return result.modifiedCount;
  }

  /** Deletes tokens whose `expiresAt` is strictly before `before`. */
  async purgeExpired(before: string): Promise<number> {
    const result = await this.#models.refreshTokens.deleteMany({ expiresAt: { $lt: before } });
    return result.deletedCount;
  }
}
