import type { EventRepository, RunEventRecord } from '@gestorlead/storage';
import type { Logger } from 'pino';
import type { RemoteRunEventSource } from './remote-run-events.js';

/** A run event as delivered to live subscribers: the stored record plus its graph. */
export interface LiveRunEvent extends RunEventRecord {
  graphId: string;
}

/** Receives live events. */
export type RunEventListener = (event: LiveRunEvent) => void;

/** Fields of a new event; the bus assigns `seq` and `at`. */
export interface NewRunEvent {
  type: string;
  taskId?: string | null;
  nodeId?: string | null;
  data?: unknown;
}

const FLUSH_RETRY_DELAY_MS = 50;
const FLUSH_MAX_TRIES = 5;

/**
 * Orders, persists and fans out run events. Each run's events get consecutive sequence numbers
 * in this process; writes are batched per event-loop turn into one storage call, and
 * subscribers are called synchronously in sequence order.
 */
export class EventBus {
  readonly #repository: EventRepository;
  readonly #log: Logger;
  readonly #lastSeq = new Map<string, number>();
  readonly #runListeners = new Map<string, Set<RunEventListener>>();
  readonly #graphListeners = new Map<string, Set<RunEventListener>>();
  readonly #allListeners = new Set<RunEventListener>();
  #buffer: RunEventRecord[] = [];
  #flushing: Promise<void> | null = null;
  #scheduled = false;
  #remote: RemoteRunEventSource | null = null;

  constructor(repository: EventRepository, log: Logger) {
    this.#repository = repository;
    this.#log = log;
  }

  /** Loads the last stored sequence of a run, so a resumed run continues its numbering. */
  async openRun(runId: string): Promise<void> {
    if (this.#lastSeq.has(runId)) return;
    await this.flush();
    const stored = await this.#repository.maxSeq(runId);
    if (!this.#lastSeq.has(runId)) this.#lastSeq.set(runId, stored);
  }

  /** Forgets a finished run's counter; `openRun` reloads it if the run is resumed. */
  closeRun(runId: string): void {
    this.#lastSeq.delete(runId);
  }

  /** Assigns the next sequence number, queues the event for storage and notifies subscribers. */
  publish(runId: string, graphId: string, event: NewRunEvent): LiveRunEvent {
    const seq = (this.#lastSeq.get(runId) ?? 0) + 1;
    this.#lastSeq.set(runId, seq);
    const record: RunEventRecord = {
      runId,
      seq,
      type: event.type,
      at: new Date().toISOString(),
      taskId: event.taskId ?? null,
      nodeId: event.nodeId ?? null,
      data: event.data ?? null,
    };
    this.#buffer.push(record);
    this.#scheduleFlush();
    const live: LiveRunEvent = { ...record, graphId };
    this.#notify(this.#runListeners.get(runId), live);
    this.#notify(this.#graphListeners.get(graphId), live);
    this.#notify(this.#allListeners, live);
    return live;
  }

  subscribeRun(runId: string, listener: RunEventListener): () => void {
    const remove = addListener(this.#runListeners, runId, listener);
    const unwatch = this.#remote?.watch(runId, listener);
    if (!unwatch) return remove;
    return () => {
      remove();
      unwatch();
    };
  }

  /**
   * Also delivers to later run subscribers the events that other processes store, read from
   * `source`. Such a subscriber may receive an event twice and must skip a `seq` it has seen.
   */
  attachRemoteSource(source: RemoteRunEventSource): void {
    this.#remote = source;
  }

  subscribeGraph(graphId: string, listener: RunEventListener): () => void {
    return addListener(this.#graphListeners, graphId, listener);
  }

  subscribeAll(listener: RunEventListener): () => void {
    this.#allListeners.add(listener);
    return () => this.#allListeners.delete(listener);
  }

  /** Resolves once every event published so far is stored. */
  async flush(): Promise<void> {
    while (this.#buffer.length > 0 || this.#flushing) {
      if (this.#flushing) {
        await this.#flushing;
        continue;
      }
      this.#flushing = this.#writeBatch().finally(() => {
        this.#flushing = null;
      });
    }
  }

  #scheduleFlush(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.flush().catch((error: unknown) => {
        this.#log.error({ err: error }, 'run events could not be stored');
      });
    });
  }

  async #writeBatch(): Promise<void> {
    const batch = this.#buffer;
    this.#buffer = [];
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.#repository.append(batch);
        return;
      } catch (error) {
        if (attempt >= FLUSH_MAX_TRIES) {
          this.#log.error({ err: error, events: batch.length }, 'dropped run events after retries');
          return;
        }
        this.#log.warn({ err: error, attempt }, 'retrying run event write');
        await new Promise((resolve) => setTimeout(resolve, FLUSH_RETRY_DELAY_MS * attempt));
      }
    }
  }

  #notify(listeners: Set<RunEventListener> | undefined, event: LiveRunEvent): void {
    if (!listeners) return;
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#log.error({ err: error, runId: event.runId }, 'run event listener failed');
      }
    }
  }
}

function addListener(
  map: Map<string, Set<RunEventListener>>,
  key: string,
  listener: RunEventListener,
): () => void {
  let listeners = map.get(key);
  if (!listeners) {
    listeners = new Set();
    map.set(key, listeners);
  }
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && map.get(key) === listeners) map.delete(key);
  };
}
