import { byNameThenVersionDescending } from '../sqlite/plugin-repository.js';
import type { PluginListQuery, PluginRecord, PluginRepository, PluginVersionSummary } from '../types.js';
import { translateConflict } from './conflict.js';
import type { MongoModels } from './models.js';
import { fromPluginDoc, fromPluginSummaryDoc, toPluginDoc } from './run-documents.js';

/**
 * Installed plugin versions in `plugins`. MongoDB cannot order semantic versions either, so
 * listings sort in JavaScript, as the SQLite adapter does.
 */
export class MongoPluginRepository implements PluginRepository {
  readonly #models: MongoModels;

  constructor(models: MongoModels) {
    this.#models = models;
  }

  async install(record: PluginRecord): Promise<void> {
    await translateConflict(`plugin "${record.name}@${record.version}"`, () =>
      this.#models.plugins.insertMany([toPluginDoc(record)]),
    );
  }

  async get(name: string, version: string): Promise<PluginRecord | null> {
    const doc = await this.#models.plugins.findOne({ name, version }).lean();
    return doc === null ? null : fromPluginDoc(doc);
  }

  async list(query: PluginListQuery = {}): Promise<PluginVersionSummary[]> {
    const filter: Record<string, unknown> = {};
    if (query.name !== undefined) filter.name = query.name;
    // A version is visible to a user when it is shared (no owner) or the user's own.
    if (query.visibleTo !== undefined) filter.ownerId = { $in: [null, query.visibleTo] };
    const docs = await this.#models.plugins.find(filter, { code: 0 }).lean();
    const sorted = docs.map(fromPluginSummaryDoc).sort(byNameThenVersionDescending);
    if (query.latestOnly !== true) return sorted;
    return sorted.filter((summary, index) => index === 0 || sorted[index - 1].name !== summary.name);
  }

  async listAll(): Promise<PluginRecord[]> {
    const docs = await this.#models.plugins.find().lean();
    return docs.map(fromPluginDoc).sort(byNameThenVersionDescending);
  }

  async delete(name: string, version: string): Promise<boolean> {
    const result = await this.#models.plugins.deleteOne({ name, version });
    return result.deletedCount > 0;
  }
}
