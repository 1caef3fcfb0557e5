import type { NodeContext } from '../executor/node-type.js';

/** Time between two task log lines of streamed text, in milliseconds. */
export const TOKEN_LOG_INTERVAL_MS = 250;
/** Buffered characters that make a log line before the interval ends. */
export const TOKEN_LOG_MAX_CHARS = 4096;

/**
 * Writes streamed model text into the task log in batches: one `info` line per interval or per
 * `TOKEN_LOG_MAX_CHARS` characters, so a fast stream adds a few events per second, not one per
 * token. `finish` writes what is left.
 */
export class TokenLogBatcher {
  readonly #log: NodeContext['log'];
  #buffer = '';
  #timer: NodeJS.Timeout | undefined;
  #lines = 0;

  constructor(log: NodeContext['log']) {
    this.#log = log;
  }

  /** The number of log lines written so far. */
  get lines(): number {
    return this.#lines;
  }

  add(text: string): void {
    if (text === '') return;
    this.#buffer += text;
    if (this.#buffer.length >= TOKEN_LOG_MAX_CHARS) {
      this.#flush();
      return;
    }
    this.#timer ??= setTimeout(() => this.#flush(), TOKEN_LOG_INTERVAL_MS);
  }

  finish(): void {
    this.#flush();
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#buffer === '') return;
    const text = this.#buffer;
    this.#buffer = '';
    this.#lines += 1;
    this.#log('info', 'model output', { text });
  }
}
