import { LIMITS, resolveLimit } from '../query-limits.js';
import { patchCredential } from '../timestamps.js';
import type { CredentialPatch, CredentialRecord, CredentialRepository } from '../types.js';
import { fromCredentialDoc, toCredentialDoc } from './account-documents.js';
import { translateConflict } from './conflict.js';
import type { MongoModels } from './models.js';

/** Credentials in `credentials`. `secret` (the vault's envelope) and `meta` are stored as given. */
export class MongoCredentialRepository implements CredentialRepository {
  readonly #models: MongoModels;

  constructor(models: MongoModels) {
    this.#models = models;
  }

  async create(record: CredentialRecord): Promise<void> {
    await translateConflict(`credential "${record.id}"`, () =>
      this.#models.credentials.insertMany([toCredentialDoc(record)]),
    );
  }

  async get(id: string): Promise<CredentialRecord | null> {
    const doc = await this.#models.credentials.findById(id).lean();
    return doc === null ? null : fromCredentialDoc(doc);
  }

  /** Returns the owner's credentials newest `createdAt` first, then by id descending. */
  async listByOwner(ownerId: string, query: { type?: string } = {}): Promise<CredentialRecord[]> {
    const filter: Record<string, unknown> = { ownerId };
    if (query.type !== undefined) filter.type = query.type;
    const docs = await this.#models.credentials.find(filter).sort({ createdAt: -1, _id: -1 }).lean();
    return docs.map(fromCredentialDoc);
  }

  /**
   * Applies the defined fields of `patch` with a compare-and-set on the stored `updatedAt`: the
   * update matches only while `updatedAt` is the value read. Without `expectedUpdatedAt`, a
   * change by another writer in between makes it read and try again; with it, the update
   * returns null. The new `updatedAt` is later than the stored one even when the clock has not
   * advanced.
   */
  async update(id: string, patch: CredentialPatch, options: { expectedUpdatedAt?: string } = {}): Promise<CredentialRecord | null> {
    for (;;) {
      const doc = await this.#models.credentials.findById(id).lean();
      if (doc === null) return null;
      const current = fromCredentialDoc(doc);
      if (options.expectedUpdatedAt !== undefined && current.updatedAt !== options.expectedUpdatedAt) return null;

      const updated = patchCredential(current, patch);
      const { _id: _key, ownerId: _owner, createdAt: _created, ...fields } = toCredentialDoc(updated);
      const result = await this.#models.credentials.updateOne({ _id: id, updatedAt: current.updatedAt }, { $set: fields });
      if (result.matchedCount > 0) return updated;
    }
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.#models.credentials.deleteOne({ _id: id });
    return result.deletedCount > 0;
  }

  /** Returns credentials ordered by key id, then id. Throws RangeError for a limit below 1. */
  async listNotEncryptedWith(keyId: string, limit: number): Promise<CredentialRecord[]> {
    const docs = await this.#models.credentials
      .find({ keyId: { $ne: keyId } })
      .sort({ keyId: 1, _id: 1 })
      .limit(resolveLimit(limit, LIMITS.credentialsToReencrypt))
      .lean();
    return docs.map(fromCredentialDoc);
  }
}
