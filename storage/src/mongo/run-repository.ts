import type { Connection } from 'mongoose';
import { LIMITS, resolveLimit } from '../query-limits.js';
import type { DeliveryRecord, RunDayCount, RunListQuery, RunPatch, RunRecord, RunRepository, RunStatus } from '../types.js';
import { toJsonText } from '../sqlite/json-columns.js';
import { conflictError, isDuplicateKey } from './conflict.js';
import { inTransaction, type MongoModels } from './models.js';
import { beforeClause } from './filters.js';
import { fromRunDoc, toDeliveryDoc, toRunDoc } from './run-documents.js';
import { definedSet } from './patch.js';

/** Runs in `runs`; `create` also inserts the webhook delivery that started the run. */
export class MongoRunRepository implements RunRepository {
  readonly #connection: Connection;
  readonly #models: MongoModels;

  constructor(connection: Connection, models: MongoModels) {
    this.#connection = connection;
    this.#models = models;
  }

  async create(run: RunRecord, delivery?: DeliveryRecord): Promise<void> {
    if (delivery === undefined) {
      try {
        await this.#models.runs.insertMany([toRunDoc(run)]);
      } catch (error) {
        if (isDuplicateKey(error)) throw conflictError(`run "${run.id}"`, error);
        throw error;
      }
      return;
    }
    try {
      await inTransaction(this.#connection, async (session) => {
        await this.#models.runs.insertMany([toRunDoc(run)], { session });
        await this.#models.deliveries.insertMany([toDeliveryDoc(delivery)], { session });
      });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const eventId = delivery.eventId === null ? 'no event id' : `event id "${delivery.eventId}"`;
      throw conflictError(`run "${run.id}" with delivery "${delivery.id}" (${eventId}, graph "${delivery.graphId}")`, error);
    }
  }

  /**
   * Upserts each run with `$setOnInsert` in one unordered bulk write, so an existing id matches
   * and changes nothing, and returns the ids that the bulk write inserted.
   */
  async createMany(runs: RunRecord[]): Promise<string[]> {
    if (runs.length === 0) return [];
    const operations = runs.map((run) => {
      const { _id, ...fields } = toRunDoc(run);
      return { updateOne: { filter: { _id }, update: { $setOnInsert: fields }, upsert: true } };
    });
    const result = await this.#models.runs.bulkWrite(operations, { ordered: false });
    return Object.keys(result.upsertedIds).map((index) => runs[Number(index)].id);
  }

  async get(id: string): Promise<RunRecord | null> {
    const doc = await this.#models.runs.findById(id).lean();
    return doc === null ? null : fromRunDoc(doc);
  }

  /** Returns runs newest first by `createdAt`, then by id descending. An empty `status` matches none. */
  async list(query: RunListQuery = {}): Promise<RunRecord[]> {
    const limit = resolveLimit(query.limit, LIMITS.runs);
    const created: Record<string, string> = {};
    if (query.since !== undefined) created.$gte = query.since;
    if (query.until !== undefined) created.$lt = query.until;
    const clauses: object[] = [beforeClause('createdAt', query.before, query.beforeId)];
    if (Object.keys(created).length > 0) clauses.push({ createdAt: created });
    const filter: Record<string, unknown> = { $and: clauses };
    if (query.ownerId !== undefined) filter.ownerId = query.ownerId;
    if (query.graphId !== undefined) filter.graphId = query.graphId;
    if (query.status !== undefined) filter.status = { $in: query.status };
    if (query.trigger !== undefined) filter.trigger = { $in: query.trigger };
    const docs = await this.#models.runs.find(filter).sort({ createdAt: -1, _id: -1 }).limit(limit).lean();
    return docs.map(fromRunDoc);
  }

  async update(id: string, patch: RunPatch): Promise<boolean> {
    const set = definedSet(patch, {
      status: (value) => value,
      output: toJsonText,
      error: toJsonText,
      response: toJsonText,
      startedAt: (value) => value,
      finishedAt: (value) => value,
    });
    set.updatedAt = new Date().toISOString();
    const result = await this.#models.runs.updateOne({ _id: id }, { $set: set });
    return result.matchedCount > 0;
  }

  /** Counts the runs of `ownerId` per UTC day (the first ten characters of `createdAt`). */
  async dailyCounts(ownerId: string, since: string): Promise<RunDayCount[]> {
    const rows = await this.#models.runs.aggregate<RunDayCount>([
      { $match: { ownerId, createdAt: { $gte: since } } },
      {
        $group: {
          _id: { $substrCP: ['$createdAt', 0, 10] },
          runs: { $sum: 1 },
          succeeded: { $sum: { $cond: [{ $eq: ['$status', 'succeeded'] }, 1, 0] } },
          failed: { $sum: { $cond: [{ $eq: ['$status', 'failed'] }, 1, 0] } },
        },
      },
      { $sort: { _id: 1 } },
      { $project: { _id: 0, day: '$_id', runs: 1, succeeded: 1, failed: 1 } },
    ]);
    return rows;
  }

  async listByStatus(statuses: RunStatus[]): Promise<RunRecord[]> {
    const docs = await this.#models.runs.find({ status: { $in: statuses } }).sort({ createdAt: 1, _id: 1 }).lean();
    return docs.map(fromRunDoc);
  }
}
