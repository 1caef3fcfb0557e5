import { LIMITS, resolveLimit, resolveOffset } from '../query-limits.js';
import type { ArtifactRecord, ArtifactRepository } from '../types.js';
import { translateConflict } from './conflict.js';
import type { MongoModels } from './models.js';
import { fromArtifactDoc, toArtifactDoc } from './output-documents.js';

/** Artifact records in `artifacts`. */
export class MongoArtifactRepository implements ArtifactRepository {
  readonly #models: MongoModels;

  constructor(models: MongoModels) {
    this.#models = models;
  }

  async create(record: ArtifactRecord): Promise<void> {
    await translateConflict(`artifact "${record.id}"`, () => this.#models.artifacts.insertMany([toArtifactDoc(record)]));
  }

  async get(id: string): Promise<ArtifactRecord | null> {
    const doc = await this.#models.artifacts.findById(id).lean();
    return doc === null ? null : fromArtifactDoc(doc);
  }

  async listByRun(runId: string, query: { limit?: number; offset?: number } = {}): Promise<ArtifactRecord[]> {
    const limit = resolveLimit(query.limit, LIMITS.artifactsByRun);
    const offset = resolveOffset(query.offset);
    const docs = await this.#models.artifacts.find({ runId }).sort({ createdAt: 1, _id: 1 }).skip(offset).limit(limit).lean();
    return docs.map(fromArtifactDoc);
  }

  async listExpired(before: string, limit?: number): Promise<ArtifactRecord[]> {
    const docs = await this.#models.artifacts
      .find({ expiresAt: { $type: 'string', $lt: before } })
      .sort({ expiresAt: 1, _id: 1 })
      .limit(resolveLimit(limit, LIMITS.expiredArtifacts))
      .lean();
    return docs.map(fromArtifactDoc);
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.#models.artifacts.deleteOne({ _id: id });
    return result.deletedCount > 0;
  }
}
