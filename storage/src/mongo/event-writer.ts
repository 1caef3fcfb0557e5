import type { Model } from 'mongoose';
import { conflictError, DUPLICATE_KEY_CODE } from './conflict.js';
import type { RunEventDoc } from './run-documents.js';

/** When a batch of run events is written. */
export interface EventBatchOptions {
  /** Time an appended event waits for others to join its batch, in ms. */
  flushDelayMs: number;
  /** Events that make a batch write at once, without waiting for the delay. */
  maxBatchSize: number;
}

/** Batch sizes used when the store is opened without options. */
export const DEFAULT_EVENT_BATCH: EventBatchOptions = { flushDelayMs: 5, maxBatchSize: 1000 };

interface PendingAppend {
  docs: RunEventDoc[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface WriteErrorLike {
  index: number;
  code?: number;
}

/** The per-document errors of a failed unordered bulk insert, or null for any other failure. */
function bulkWriteErrors(error: unknown): WriteErrorLike[] | null {
  const writeErrors = (error as { writeErrors?: WriteErrorLike | WriteErrorLike[] } | null)?.writeErrors;
  if (writeErrors === undefined) return null;
  return Array.isArray(writeErrors) ? writeErrors : [writeErrors];
}

/**
 * Collects the events of concurrent `write` calls and stores them with one unordered
 * `insertMany`, started after `flushDelayMs` or as soon as `maxBatchSize` events wait. Each call
 * resolves once its events are stored. A call with a duplicate (runId, seq) is rejected with
 * StorageConflictError and its other events are deleted again, so, as with SQLite's
 * transaction, a conflicting call leaves none of its events behind; the calls that shared its
 * batch are stored.
 *
 * NOTE: between the insert and that delete, readers may see the other events of a conflicting
 * call for a moment.
 */
export class BatchedEventWriter {
  readonly #model: Model<RunEventDoc>;
  readonly #options: EventBatchOptions;
  #pending: PendingAppend[] = [];
  #pendingEvents = 0;
  #timer: NodeJS.Timeout | null = null;
  readonly #writing = new Set<Promise<void>>();

  constructor(model: Model<RunEventDoc>, options: EventBatchOptions) {
    this.#model = model;
    this.#options = options;
  }

  /** Queues `docs` for the next batch and resolves once they are stored. */
  write(docs: RunEventDoc[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ docs, resolve, reject });
      this.#pendingEvents += docs.length;
      if (this.#pendingEvents >= this.#options.maxBatchSize) {
        this.#flush();
      } else {
        this.#timer ??= setTimeout(() => this.#flush(), this.#options.flushDelayMs);
      }
    });
  }

  /** Writes the queued events at once and resolves when every batch started so far has finished. */
  async drain(): Promise<void> {
    if (this.#pending.length > 0) this.#flush();
    await Promise.allSettled([...this.#writing]);
  }

  #flush(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    const batch = this.#pending;
    this.#pending = [];
    this.#pendingEvents = 0;
    const writing = this.#writeBatch(batch).finally(() => this.#writing.delete(writing));
    this.#writing.add(writing);
  }

  async #writeBatch(batch: PendingAppend[]): Promise<void> {
    const docs = batch.flatMap((append) => append.docs.map((doc) => ({ ...doc })));
    let failures: WriteErrorLike[] = [];
    try {
      await this.#model.collection.insertMany(docs, { ordered: false });
    } catch (error) {
      const writeErrors = bulkWriteErrors(error);
      if (writeErrors === null || writeErrors.length === 0) {
        for (const append of batch) append.reject(error);
        return;
      }
      failures = writeErrors;
    }
    await this.#settle(batch, failures);
  }

  /** Resolves the appends without failures; deletes the stored events of the others and rejects them. */
  async #settle(batch: PendingAppend[], failures: WriteErrorLike[]): Promise<void> {
    const failed = new Map(failures.map((failure) => [failure.index, failure]));
    let start = 0;
    for (const append of batch) {
      const indexes = append.docs.map((_, offset) => start + offset);
      start += append.docs.length;
      const own = indexes.filter((index) => failed.has(index));
      if (own.length === 0) {
        append.resolve();
        continue;
      }
      const stored = append.docs.filter((_, offset) => !failed.has(indexes[offset]));
      try {
        if (stored.length > 0) {
          await this.#model.deleteMany({ $or: stored.map((doc) => ({ runId: doc.runId, seq: doc.seq })) });
        }
        append.reject(this.#errorFor(append.docs[own[0] - indexes[0]], failed.get(own[0])!));
      } catch (error) {
        append.reject(error);
      }
    }
  }

  #errorFor(doc: RunEventDoc, failure: WriteErrorLike): Error {
    const error = Object.assign(new Error(JSON.stringify(failure)), { code: failure.code });
    if (failure.code === DUPLICATE_KEY_CODE) return conflictError(`event seq ${doc.seq} of run "${doc.runId}"`, error);
    return error;
  }
}
