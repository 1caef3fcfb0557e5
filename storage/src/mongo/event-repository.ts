import { LIMITS, resolveLimit } from '../query-limits.js';
import type { EventRepository, RunEventRecord } from '../types.js';
import { BatchedEventWriter, type EventBatchOptions } from './event-writer.js';
import { stringEquals } from './filters.js';
import type { MongoModels } from './models.js';
import { fromRunEventDoc, toRunEventDoc } from './run-documents.js';

/** Run events in `runEvents`, written in batches (see BatchedEventWriter). */
export class MongoEventRepository implements EventRepository {
  readonly #models: MongoModels;
  readonly #writer: BatchedEventWriter;
  readonly #logRetentionMs: number;

  /** `logRetentionMs` above 0 makes the TTL index delete `task.log` events that much after their instant. */
  constructor(models: MongoModels, batch: EventBatchOptions, logRetentionMs: number) {
    this.#models = models;
    this.#writer = new BatchedEventWriter(models.events, batch);
    this.#logRetentionMs = logRetentionMs;
  }

  /** Appends the events; a conflict on any of them stores none of them. */
  async append(events: RunEventRecord[]): Promise<void> {
    if (events.length === 0) return;
    await this.#writer.write(events.map((event) => toRunEventDoc(event, this.#logRetentionMs)));
  }

  async listByRun(runId: string, query: { after?: number; limit?: number } = {}): Promise<RunEventRecord[]> {
    const limit = resolveLimit(query.limit, LIMITS.eventsByRun);
    const docs = await this.#models.events
      .find({ runId, seq: { $gt: query.after ?? 0 } })
      .sort({ seq: 1 })
      .limit(limit)
      .lean();
    return docs.map(fromRunEventDoc);
  }

  /** Returns events of a task ordered by run id, then seq. Without `limit` it returns all of them. */
  async listByTask(taskId: string, query: { types?: string[]; limit?: number } = {}): Promise<RunEventRecord[]> {
    const filter: Record<string, unknown> = { taskId: stringEquals(taskId) };
    if (query.types !== undefined) filter.type = { $in: query.types };
    let find = this.#models.events.find(filter).sort({ runId: 1, seq: 1 });
    if (query.limit !== undefined) find = find.limit(resolveLimit(query.limit, { default: 1 }));
    const docs = await find.lean();
    return docs.map(fromRunEventDoc);
  }

  async maxSeq(runId: string): Promise<number> {
    const doc = await this.#models.events.findOne({ runId }, { seq: 1 }).sort({ seq: -1 }).lean();
    return doc?.seq ?? 0;
  }

  /** Writes the queued events; the store calls it before it closes. */
  async drain(): Promise<void> {
    await this.#writer.drain();
  }
}
