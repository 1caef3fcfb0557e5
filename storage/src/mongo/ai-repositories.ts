import type { AgentMemoryRecord, AgentMemoryRepository, AiCacheEntry, AiCacheRepository } from '../ai-types.js';
import type { MongoModels } from './models.js';
import { fromAgentMemoryDoc, fromAiCacheDoc, toAgentMemoryDoc, toAiCacheDoc } from './output-documents.js';

/** Model results of `ai/chat` in `aiCache`, keyed by request hash. */
export class MongoAiCacheRepository implements AiCacheRepository {
  readonly #models: MongoModels;

  constructor(models: MongoModels) {
    this.#models = models;
  }

  async get(key: string, now: string): Promise<AiCacheEntry | null> {
    const doc = await this.#models.aiCache.findOne({ _id: key, expiresAt: { $gt: now } }).lean();
    return doc === null ? null : fromAiCacheDoc(doc);
  }

  async put(entry: AiCacheEntry): Promise<void> {
    const { _id: key, ...fields } = toAiCacheDoc(entry);
    await this.#models.aiCache.updateOne({ _id: key }, { $set: fields }, { upsert: true });
  }

  async deleteExpired(now: string): Promise<number> {
    const result = await this.#models.aiCache.deleteMany({ expiresAt: { $lte: now } });
    return result.deletedCount;
  }
}

/** Agent conversations in `agentMemory`, one per (run, node). */
export class MongoAgentMemoryRepository implements AgentMemoryRepository {
  readonly #models: MongoModels;

  constructor(models: MongoModels) {
    this.#models = models;
  }

  async get(runId: string, nodeId: string): Promise<AgentMemoryRecord | null> {
    const doc = await this.#models.agentMemory.findOne({ runId, nodeId }).lean();
    return doc === null ? null : fromAgentMemoryDoc(doc);
  }

  async put(record: AgentMemoryRecord): Promise<void> {
    const doc = toAgentMemoryDoc(record);
    await this.#models.agentMemory.updateOne(
      { runId: doc.runId, nodeId: doc.nodeId },
      { $set: { messages: doc.messages, updatedAt: doc.updatedAt } },
      { upsert: true },
    );
  }
}
