/**
 * Seam that receives accepted runs for execution. The in-process dispatcher below runs them in this
 * process with a concurrency limit; a queue shared by worker processes can replace it.
 */
export interface RunDispatcher {
  dispatch(runId: string): void;
  /** Accepts several runs at once. A dispatcher without it receives one `dispatch` per run. */
  dispatchMany?(runIds: string[]): void;
  /** Number of runs waiting for a slot. */
  readonly queued: number;
  /** Number of runs executing now. */
  readonly active: number;
  /** Stops taking new runs and resolves when the active ones end. */
  close(): Promise<void>;
}

/** Runs at most `concurrency` runs at once in this process, the rest first in, first out. */
export class InProcessDispatcher implements RunDispatcher {
  readonly #execute: (runId: string) => Promise<unknown>;
  readonly #concurrency: number;
  readonly #waiting: string[] = [];
  readonly #running = new Set<Promise<unknown>>();
  #closed = false;

  constructor(execute: (runId: string) => Promise<unknown>, concurrency: number) {
    this.#execute = execute;
    this.#concurrency = concurrency;
  }

  get queued(): number {
    return this.#waiting.length;
  }

  get active(): number {
    return this.#running.size;
  }

  dispatch(runId: string): void {
    if (this.#closed) return;
    this.#waiting.push(runId);
    this.#pump();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#waiting.length = 0;
    await Promise.allSettled([...this.#running]);
  }

  #pump(): void {
    while (this.#running.size < this.#concurrency && this.#waiting.length > 0) {
      const runId = this.#waiting.shift()!;
      const running = this.#execute(runId)
        .catch(() => undefined)
        .finally(() => {
          this.#running.delete(running);
          this.#pump();
        });
      this.#running.add(running);
    }
  }
}
