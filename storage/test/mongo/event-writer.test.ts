import type { Model } from 'mongoose';
import { describe, expect, it } from 'vitest';
import { BatchedEventWriter } from '../../src/mongo/event-writer.js';
import { toRunEventDoc, type RunEventDoc } from '../../src/mongo/run-documents.js';
import { StorageConflictError } from '../../src/types.js';
import { buildEvents } from '../contract/index.js';

/**
 * An in-memory stand-in for the `runEvents` collection with its unique (runId, seq) index: an
 * unordered insertMany stores every document it can and then throws the driver's bulk error
 * shape, `writeErrors` with the index and code 11000 of each duplicate.
 */
class EventCollection {
  readonly stored = new Map<string, RunEventDoc>();
  readonly insertCalls: number[] = [];
  failWith: Error | null = null;

  static key(doc: { runId: string; seq: number }): string {
    return `${doc.runId}\u0000${doc.seq}`;
  }

  readonly collection = {
    insertMany: async (docs: RunEventDoc[], options: { ordered: boolean }): Promise<void> => {
      expect(options.ordered).toBe(false);
      this.insertCalls.push(docs.length);
      if (this.failWith !== null) throw this.failWith;
      const writeErrors: Array<{ index: number; code: number }> = [];
      docs.forEach((doc, index) => {
        const key = EventCollection.key(doc);
        if (this.stored.has(key)) writeErrors.push({ index, code: 11000 });
        else this.stored.set(key, doc);
      });
      if (writeErrors.length > 0) throw Object.assign(new Error('E11000 duplicate key error'), { writeErrors });
    },
  };

  async deleteMany(filter: { $or: Array<{ runId: string; seq: number }> }): Promise<void> {
    for (const key of filter.$or) this.stored.delete(EventCollection.key(key));
  }

  asModel(): Model<RunEventDoc> {
    return this as unknown as Model<RunEventDoc>;
  }
}

function docs(count: number, runId: string, firstSeq = 1): RunEventDoc[] {
  return buildEvents(count, { runId }, firstSeq).map((event) => toRunEventDoc(event));
}

describe('batched event writer', () => {
  it('concurrent appends share one insert', async () => {
    const events = new EventCollection();
    const writer = new BatchedEventWriter(events.asModel(), { flushDelayMs: 20, maxBatchSize: 1000 });

    await Promise.all([writer.write(docs(2, 'run-a')), writer.write(docs(3, 'run-b')), writer.write(docs(1, 'run-c'))]);

    expect(events.insertCalls).toEqual([6]);
    expect(events.stored.size).toBe(6);
  });

  it('full batch writes without waiting', async () => {
    const events = new EventCollection();
    const writer = new BatchedEventWriter(events.asModel(), { flushDelayMs: 3_600_000, maxBatchSize: 3 });

    await writer.write(docs(3, 'run-a'));

    expect(events.insertCalls).toEqual([3]);
  });

  it('conflicting append leaves none of its events', async () => {
    const events = new EventCollection();
    const writer = new BatchedEventWriter(events.asModel(), { flushDelayMs: 10, maxBatchSize: 1000 });
    await writer.write(docs(1, 'run-a', 2));

    const conflicting = writer.write(docs(3, 'run-a'));
    const other = writer.write(docs(2, 'run-b'));

    await expect(conflicting).rejects.toBeInstanceOf(StorageConflictError);
    await expect(other).resolves.toBeUndefined();
    expect([...events.stored.keys()].sort()).toEqual(['run-a\u00002', 'run-b\u00001', 'run-b\u00002']);
  });

  it('duplicate seq within one append conflicts', async () => {
    const events = new EventCollection();
    const writer = new BatchedEventWriter(events.asModel(), { flushDelayMs: 1, maxBatchSize: 1000 });

    const error = await writer.write([...docs(1, 'run-a'), ...docs(1, 'run-a')]).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(StorageConflictError);
    expect((error as Error).message).toContain('event seq 1 of run "run-a"');
    expect(events.stored.size).toBe(0);
  });

  it('failed insert rejects whole batch', async () => {
    const events = new EventCollection();
    events.failWith = new Error('connection closed');
    const writer = new BatchedEventWriter(events.asModel(), { flushDelayMs: 5, maxBatchSize: 1000 });

    const results = await Promise.allSettled([writer.write(docs(1, 'run-a')), writer.write(docs(1, 'run-b'))]);

    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason).toBe(events.failWith);
  });

  it('drain writes queued events at once', async () => {
    const events = new EventCollection();
    const writer = new BatchedEventWriter(events.asModel(), { flushDelayMs: 3_600_000, maxBatchSize: 1000 });
    const written = writer.write(docs(2, 'run-a'));

    await writer.drain();

    await expect(written).resolves.toBeUndefined();
    expect(events.stored.size).toBe(2);
  });
});

describe('run event documents', () => {
  it('task log gets expireAt after retention', () => {
    const [event] = buildEvents(1, { type: 'task.log', at: '2026-01-01T00:00:00.000Z' });

    const doc = toRunEventDoc(event, 86_400_000);

    expect(doc.expireAt).toEqual(new Date('2026-01-02T00:00:00.000Z'));
  });

  it('other events never expire', () => {
    const [event] = buildEvents(1, { type: 'task.completed' });

    expect(toRunEventDoc(event, 86_400_000).expireAt).toBeUndefined();
  });

  it('retention zero keeps task logs', () => {
    const [event] = buildEvents(1, { type: 'task.log' });

    expect(toRunEventDoc(event, 0).expireAt).toBeUndefined();
  });
});
