/**
 * Draft autosave. Every change is kept in this browser first, so a reload loses nothing. The
 * server then gets it after a quiet period, but only while the document is valid, because the
 * runtime rejects invalid drafts. The browser copy is removed once the server has the latest.
 */
import type { GraphDocument } from '@gestorlead/sdk-plugin';
import { toApiError, type ApiError } from '../api/api-error';

/** Quiet period before a change goes to the server, in milliseconds. */
export const SERVER_SAVE_DELAY_MS = 800;
/** Quiet period before a change is written to the browser's storage, in milliseconds. */
export const LOCAL_SAVE_DELAY_MS = 150;
/** Wait before a failed server save is tried again, in milliseconds. */
export const RETRY_DELAY_MS = 5_000;

/**
 * `saved`: the server has the latest. `pending` and `saving`: it will soon. `local`: kept in
 * this browser only, because the graph has problems. `error`: the server save failed.
 */
export type SaveStatus = 'saved' | 'pending' | 'saving' | 'local' | 'error';

/** A draft kept in the browser, with the server version it started from. */
export interface LocalDraft {
  graphId: string;
  document: GraphDocument;
  savedAt: number;
}

export interface DraftStorage {
  read(graphId: string): LocalDraft | null;
  write(draft: LocalDraft): void;
  remove(graphId: string): void;
}

const DRAFT_PREFIX = 'gestorlead.draft.';

/** Drafts in `localStorage`, one key per graph. */
export class LocalDraftStorage implements DraftStorage {
  read(graphId: string): LocalDraft | null {
    const text = localStorage.getItem(DRAFT_PREFIX + graphId);
    if (text === null) return null;
    try {
      return JSON.parse(text) as LocalDraft;
    } catch {
      return null;
    }
  }

  write(draft: LocalDraft): void {
    localStorage.setItem(DRAFT_PREFIX + draft.graphId, JSON.stringify(draft));
  }

  remove(graphId: string): void {
    localStorage.removeItem(DRAFT_PREFIX + graphId);
  }
}

export interface AutosaveOptions {
  graphId: string;
  drafts: DraftStorage;
  /** Sends the draft to the server. */
  save(document: GraphDocument): Promise<unknown>;
  /** Whether the runtime would accept the document; invalid ones stay in the browser. */
  isValid(document: GraphDocument): boolean;
  onStatus?(status: SaveStatus, error: ApiError | null): void;
  now?: () => number;
}

export class Autosave {
  readonly #options: AutosaveOptions;
  #latest: GraphDocument | null = null;
  #localWritten = true;
  #serverHasLatest = true;
  #serverTimer: ReturnType<typeof setTimeout> | null = null;
  #localTimer: ReturnType<typeof setTimeout> | null = null;
  #saving: Promise<void> | null = null;
  #status: SaveStatus = 'saved';
  #disposed = false;

  constructor(options: AutosaveOptions) {
    this.#options = options;
  }

  get status(): SaveStatus {
    return this.#status;
  }

  /** Records a new version of the document and schedules both saves. */
  change(document: GraphDocument): void {
    if (this.#disposed) return;
    this.#latest = document;
    this.#localWritten = false;
    this.#serverHasLatest = false;
    // Validity is checked when the save timer fires, not on every drag frame.
    this.#setStatus('pending', null);
    this.#schedule('local', LOCAL_SAVE_DELAY_MS);
    this.#schedule('server', SERVER_SAVE_DELAY_MS);
  }

  /** Writes the browser copy at once; for `pagehide`, which allows no waiting. */
  flushLocal(): void {
    this.#clear('local');
    if (this.#localWritten || this.#latest === null) return;
    this.#options.drafts.write({
      graphId: this.#options.graphId,
      document: this.#latest,
      savedAt: this.#options.now?.() ?? Date.now(),
    });
    this.#localWritten = true;
  }

  /** Saves now and waits; true when the server then has the latest document. */
  async flush(): Promise<boolean> {
    this.flushLocal();
    this.#clear('server');
    await this.#saveToServer();
    return this.#serverHasLatest;
  }

  /** Stops the timers after writing the browser copy. */
  dispose(): void {
    this.flushLocal();
    this.#clear('server');
    this.#disposed = true;
  }

  #schedule(which: 'local' | 'server', delayMs: number): void {
    this.#clear(which);
    const timer = setTimeout(() => {
      if (which === 'local') this.flushLocal();
      else void this.#saveToServer();
    }, delayMs);
    if (which === 'local') this.#localTimer = timer;
    else this.#serverTimer = timer;
  }

  #clear(which: 'local' | 'server'): void {
    const timer = which === 'local' ? this.#localTimer : this.#serverTimer;
    if (timer !== null) clearTimeout(timer);
    if (which === 'local') this.#localTimer = null;
    else this.#serverTimer = null;
  }

  async #saveToServer(): Promise<void> {
    // One save at a time; a change made during a save is sent by the next one.
    while (this.#saving !== null) await this.#saving;
    const document = this.#latest;
    if (this.#serverHasLatest || document === null || this.#disposed) return;
    if (!this.#options.isValid(document)) {
      this.#setStatus('local', null);
      return;
    }
    this.#saving = this.#send(document);
    try {
      await this.#saving;
    } finally {
      this.#saving = null;
    }
  }

  async #send(document: GraphDocument): Promise<void> {
    this.#setStatus('saving', null);
    try {
      await this.#options.save(document);
    } catch (error) {
      const apiError = toApiError(error);
      // A 4xx will fail again until the graph changes; anything else may pass on a retry.
      const invalid = apiError.status >= 400 && apiError.status < 500;
      this.#setStatus(invalid ? 'local' : 'error', apiError);
      if (!invalid && !this.#disposed) this.#schedule('server', RETRY_DELAY_MS);
      return;
    }
    if (this.#latest !== document) return;
    this.#serverHasLatest = true;
    this.#clear('local');
    this.#localWritten = true;
    this.#options.drafts.remove(this.#options.graphId);
    this.#setStatus('saved', null);
  }

  #setStatus(status: SaveStatus, error: ApiError | null): void {
    this.#status = status;
    this.#options.onStatus?.(status, error);
  }
}
