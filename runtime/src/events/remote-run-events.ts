import type { EventRepository, RunRepository } from '@gestorlead/storage';
import type { Logger } from 'pino';
import type { LiveRunEvent, RunEventListener } from './event-bus.js';

/**
 * Events of runs that other processes execute, for this process's run subscribers. The polling
 * source below reads them from storage; a MongoDB change stream or a Redis channel can replace
 * it behind this interface.
 */
export interface RemoteRunEventSource {
  /**
   * Delivers the events of `runId` stored from now on, in `seq` order, until the returned
   * function is called. A listener may also receive an event this process published itself,
   * so it must skip a `seq` it has seen.
   */
  watch(runId: string, listener: RunEventListener): () => void;
  close(): void;
}

/** Options of `PollingRunEventSource`. */
export interface PollingRunEventSourceOptions {
  events: EventRepository;
  runs: RunRepository;
  log: Logger;
  /** Time between two reads of the watched runs' events, in ms. */
  intervalMs: number;
}

/** Events read per run and poll; the next poll reads the rest. */
const POLL_PAGE = 1_000;

interface WatchedRun {
  listeners: Set<RunEventListener>;
  /** seq of the last event delivered; null until the starting point is read. */
  lastSeq: number | null;
  graphId: string | null;
}

/**
 * Tails stored events of the runs that have subscribers: every `intervalMs`, one query per
 * watched run for events after the last `seq` delivered. Runs without subscribers cost nothing.
 */
export class PollingRunEventSource implements RemoteRunEventSource {
  readonly #options: PollingRunEventSourceOptions;
  readonly #watched = new Map<string, WatchedRun>();
  #timer: NodeJS.Timeout | null = null;
  #polling = false;

  constructor(options: PollingRunEventSourceOptions) {
    this.#options = options;
  }

  watch(runId: string, listener: RunEventListener): () => void {
    let watched = this.#watched.get(runId);
    if (!watched) {
      const entry: WatchedRun = { listeners: new Set(), lastSeq: null, graphId: null };
      watched = entry;
      this.#watched.set(runId, entry);
      // The starting point is read at once, before the caller replays stored events, so an
      // event stored after that replay is delivered by a poll.
      this.#options.events.maxSeq(runId).then(
        (seq) => {
          entry.lastSeq ??= seq;
        },
        (error: unknown) => this.#options.log.warn({ err: error, runId }, 'reading the last event of a watched run failed'),
      );
      this.#options.runs.get(runId).then(
        (run) => {
          entry.graphId = run?.graphId ?? null;
        },
        (error: unknown) => this.#options.log.warn({ err: error, runId }, 'reading a watched run failed'),
      );
    }
    watched.listeners.add(listener);
    this.#updateTimer();
    return () => {
      watched.listeners.delete(listener);
      if (watched.listeners.size === 0 && this.#watched.get(runId) === watched) this.#watched.delete(runId);
      this.#updateTimer();
    };
  }

  close(): void {
    this.#watched.clear();
    this.#updateTimer();
  }

  #updateTimer(): void {
    if (this.#watched.size > 0 && this.#timer === null) {
      this.#timer = setInterval(() => void this.#poll(), this.#options.intervalMs);
      this.#timer.unref();
    } else if (this.#watched.size === 0 && this.#timer !== null) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }

  async #poll(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    try {
      for (const [runId, watched] of this.#watched) {
        if (watched.lastSeq === null || watched.graphId === null) continue;
        const records = await this.#options.events.listByRun(runId, { after: watched.lastSeq, limit: POLL_PAGE });
        for (const record of records) {
          if (record.seq <= watched.lastSeq) continue;
          watched.lastSeq = record.seq;
          const event: LiveRunEvent = { ...record, graphId: watched.graphId };
          for (const listener of watched.listeners) listener(event);
        }
      }
    } catch (error) {
      this.#options.log.warn({ err: error }, 'reading events of watched runs failed; polling continues');
    } finally {
      this.#polling = false;
    }
  }
}
