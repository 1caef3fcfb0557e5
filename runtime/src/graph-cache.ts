import type { GraphDocument } from '@gestorlead/sdk-plugin';
import type { GraphRecord, Storage } from '@gestorlead/storage';

/** The graph version a trigger runs, with the document's settings. */
export interface TriggerTarget {
  graph: GraphRecord;
  version: number;
  document: GraphDocument;
}

const CACHE_LIMIT = 10_000;

/**
 * Caches what webhook calls need per graph, so a delivery costs no graph query. Graphs load
 * on first use, which keeps start-up time independent of how many graphs are stored. Routes
 * that change a graph call `invalidate`.
 */
export class GraphCache {
  readonly #storage: Storage;
  readonly #entries = new Map<string, Promise<TriggerTarget | null>>();

  constructor(storage: Storage) {
    this.#storage = storage;
  }

  /** The published version (or the latest draft when `test`), or null when there is none. */
  target(graphId: string, test: boolean): Promise<TriggerTarget | null> {
    const key = `${test ? 'test' : 'live'}:${graphId}`;
    let entry = this.#entries.get(key);
    if (!entry) {
      entry = this.#load(graphId, test);
      if (this.#entries.size >= CACHE_LIMIT) this.#entries.delete(this.#entries.keys().next().value!);
      this.#entries.set(key, entry);
      // A failed load is not cached. The check keeps a newer entry that replaced this one.
      entry.catch(() => {
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
      });
    }
    return entry;
  }

  invalidate(graphId: string): void {
    this.#entries.delete(`test:${graphId}`);
    this.#entries.delete(`live:${graphId}`);
  }

  async #load(graphId: string, test: boolean): Promise<TriggerTarget | null> {
    const graph = await this.#storage.graphs.get(graphId);
    if (!graph) return null;
    const version = test ? graph.latestVersion : graph.publishedVersion;
    if (version === null) return null;
    const record = await this.#storage.graphs.getVersion(graphId, version);
    if (!record) return null;
    return { graph, version, document: record.document };
  }
}
