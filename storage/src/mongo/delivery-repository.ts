import { LIMITS, resolveLimit } from '../query-limits.js';
import type { DeliveryRecord, DeliveryRepository } from '../types.js';
import { stringEquals } from './filters.js';
import type { MongoModels } from './models.js';
import { fromDeliveryDoc } from './run-documents.js';

/** Webhook deliveries in `deliveries`. `MongoRunRepository.create` inserts them with their run. */
export class MongoDeliveryRepository implements DeliveryRepository {
  readonly #models: MongoModels;

  constructor(models: MongoModels) {
    this.#models = models;
  }

  async get(id: string): Promise<DeliveryRecord | null> {
    const doc = await this.#models.deliveries.findById(id).lean();
    return doc === null ? null : fromDeliveryDoc(doc);
  }

  async findByEventId(graphId: string, eventId: string, test = false): Promise<DeliveryRecord | null> {
    const doc = await this.#models.deliveries.findOne({ graphId, test, eventId: stringEquals(eventId) }).lean();
    return doc === null ? null : fromDeliveryDoc(doc);
  }

  /** Returns deliveries of a graph, newest `receivedAt` first. `test` keeps only test or only live ones. */
  async listByGraph(graphId: string, query: { limit?: number; test?: boolean } = {}): Promise<DeliveryRecord[]> {
    const filter: Record<string, unknown> = { graphId };
    if (query.test !== undefined) filter.test = query.test;
    const limit = resolveLimit(query.limit, LIMITS.deliveries);
    const docs = await this.#models.deliveries.find(filter).sort({ receivedAt: -1, _id: -1 }).limit(limit).lean();
    return docs.map(fromDeliveryDoc);
  }
}
