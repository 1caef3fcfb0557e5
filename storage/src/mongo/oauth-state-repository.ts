import type { OAuthStateRecord, OAuthStateRepository } from '../types.js';
import { fromOAuthStateDoc, toOAuthStateDoc } from './account-documents.js';
import { translateConflict } from './conflict.js';
import type { MongoModels } from './models.js';

/** Pending OAuth2 authorizations in `oauthStates`, keyed by the state value. */
export class MongoOAuthStateRepository implements OAuthStateRepository {
  readonly #models: MongoModels;

  constructor(models: MongoModels) {
    this.#models = models;
  }

  /** Inserts a state; throws StorageConflictError for a repeated state. */
  async create(record: OAuthStateRecord): Promise<void> {
    // The message leaves the state value out, because it authorizes the OAuth callback.
    await translateConflict(`OAuth state of user "${record.userId}"`, () =>
      this.#models.oauthStates.insertMany([toOAuthStateDoc(record)]),
    );
  }

  /**
   * Deletes the state and returns it, or null when it is missing or its `expiresAt` is strictly
   * before `now`. findOneAndDelete is atomic, so two callbacks with one state cannot both get it.
   */
  async take(state: string, now: string): Promise<OAuthStateRecord | null> {
    const doc = await this.#models.oauthStates.findOneAndDelete({ _id: state }).lean();
    if (doc === null || doc.expiresAt < now) return null;
    return fromOAuthStateDoc(doc);
  }

  /** Deletes states whose `expiresAt` is strictly before `before`. */
  async purgeExpired(before: string): Promise<number> {
    const result = await this.#models.oauthStates.deleteMany({ expiresAt: { $lt: before } });
    return result.deletedCount;
  }
}
