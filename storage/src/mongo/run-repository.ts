import type { Connection } from 'mongoose';
import { LIMITS, resolveLimit } from '../query-limits.js';
import type {
  DeliveryRecord,
  RunDayCount,
  RunLease,
  RunListQuery,
  RunPatch,
  RunRecord,
  RunRepository,
  RunStatus,
} from '../types.js';
import { conflictError, isDuplicateKey } from './conflict.js';
import { inTransaction, type MongoModels } from './models.js';
import { beforeClause } from './filters.js';
import { fromRunDoc, runPatchSet, toDeliveryDoc, toRunDoc, type RunDoc } from './run-documents.js';

/** Statuses of a run that `claimLease` and `requestCancel` accept. */
const OPEN_STATUSES: RunStatus[] = ['queued', 'running'];

const LEASE_FIELDS = { leaseToken: 1, cancelRequestedAt: 1 } as const;

function toRunLease(doc: Pick<RunDoc, 'leaseToken' | 'cancelRequestedAt'> | null): RunLease | null {
  return doc === null ? null : { token: doc.leaseToken ?? 0, cancelRequestedAt: doc.cancelRequestedAt ?? null };
}

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

  async update(id: string, patch: RunPatch, leaseToken?: number): Promise<boolean> {
    const set = runPatchSet(patch);
    // A run stored before leases existed has no leaseToken field, which counts as token 0.
    const filter = leaseToken === undefined ? { _id: id } : { _id: id, leaseToken: leaseToken === 0 ? { $in: [0, null] } : leaseToken };
    const result = await this.#models.runs.updateOne(filter, { $set: set });
    return result.matchedCount > 0;
  }

  async claimLease(id: string): Promise<RunLease | null> {
    const doc = await this.#models.runs
      .findOneAndUpdate({ _id: id, status: { $in: OPEN_STATUSES } }, { $inc: { leaseToken: 1 } }, { new: true, projection: LEASE_FIELDS })
      .lean();
    return toRunLease(doc);
  }

  async getLease(id: string): Promise<RunLease | null> {
    return toRunLease(await this.#models.runs.findById(id, LEASE_FIELDS).lean());
  }

  async requestCancel(id: string, at: string): Promise<boolean> {
    const open = { _id: id, status: { $in: OPEN_STATUSES } };
    const result = await this.#models.runs.updateOne({ ...open, cancelRequestedAt: null }, { $set: { cancelRequestedAt: at } });
    if (result.matchedCount > 0) return true;
    return (await this.#models.runs.exists(open)) !== null;
  }

  async clearCancelRequest(id: string): Promise<void> {
    await this.#models.runs.updateOne({ _id: id }, { $set: { cancelRequestedAt: null } });
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
