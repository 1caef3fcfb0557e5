import type { ApiKeyRecord, ApiKeyRepository } from '../types.js';
import { fromApiKeyDoc, toApiKeyDoc } from './account-documents.js';
import { translateConflict } from './conflict.js';
import type { MongoModels } from './models.js';

/** Personal API keys in `apiKeys`. */
export class MongoApiKeyRepository implements ApiKeyRepository {
  readonly #models: MongoModels;

  constructor(models: MongoModels) {
    this.#models = models;
  }

  /** Inserts a key; throws StorageConflictError for a repeated id or key hash. */
  async create(record: ApiKeyRecord): Promise<void> {
    await translateConflict(`API key "${record.id}"`, () => this.#models.apiKeys.insertMany([toApiKeyDoc(record)]));
  }

  async findByHash(keyHash: string): Promise<ApiKeyRecord | null> {
    const doc = await this.#models.apiKeys.findOne({ keyHash }).lean();
    return doc === null ? null : fromApiKeyDoc(doc);
  }

  /** Returns the user's keys newest `createdAt` first, then by id descending. */
  async listByUser(userId: string): Promise<ApiKeyRecord[]> {
    const docs = await this.#models.apiKeys.find({ userId }).sort({ createdAt: -1, _id: -1 }).lean();
    return docs.map(fromApiKeyDoc);
  }

  async revoke(userId: string, id: string, at: string): Promise<boolean> {
    const result = await this.#models.apiKeys.updateOne({ _id: id, userId, revokedAt: null }, { $set: { revokedAt: at } });
    return result.modifiedCount > 0;
  }

  /**
   * Sets `lastUsedAt` to `at` unless it already is `at` or later, so requests that finish out of
   * order never move it back. A missing key is ignored.
   */
  async touch(id: string, at: string): Promise<void> {
    await this.#models.apiKeys.updateOne(
      { _id: id, $or: [{ lastUsedAt: null }, { lastUsedAt: { $lt: at } }] },
      { $set: { lastUsedAt: at } },
    );
  }
}
