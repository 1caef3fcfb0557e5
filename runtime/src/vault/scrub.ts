/**
 * Scrubbing of known secret values: the decrypted credential values a task received are
 * replaced by `[redacted]` wherever the task's output, error and log lines are recorded. Each
 * value is also matched in its JSON-escaped form (as it appears inside a JSON string, once or
 * twice nested) and its URL-encoded form.
 */
import { NodeError } from '../executor/node-type.js';

/** The text that replaces a secret value. */
export const REDACTED = '[redacted]';

/**
 * Minimum length of a scrubbed value, in characters. Shorter values are left alone, because
 * replacing every occurrence of a two- or three-character string would mangle ordinary text.
 */
export const MIN_SCRUBBED_LENGTH = 6;

/** Nesting depth after which `scrub` stops descending and replaces the rest. */
const MAX_DEPTH = 64;

function escapeForRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Returns the forms in which `secret` may appear in recorded text. */
function encodedForms(secret: string): string[] {
  const jsonEscaped = JSON.stringify(secret).slice(1, -1);
  const twiceEscaped = JSON.stringify(jsonEscaped).slice(1, -1);
  let urlEncoded = secret;
  try {
    urlEncoded = encodeURIComponent(secret);
  } catch {
    // A lone surrogate has no URL encoding; the other forms still apply.
  }
  return [secret, jsonEscaped, twiceEscaped, urlEncoded];
}

/** Replaces known secret values in text and in JSON-like values. */
export class SecretScrubber {
  readonly #pattern: RegExp | null;

  /** `secrets` are the values to hide; those shorter than `MIN_SCRUBBED_LENGTH` are ignored. */
  constructor(secrets: Iterable<string>) {
    const forms = new Set<string>();
    for (const secret of secrets) {
      if (typeof secret !== 'string' || secret.length < MIN_SCRUBBED_LENGTH) continue;
      for (const form of encodedForms(secret)) forms.add(form);
    }
    // Longer forms first, so a secret that contains another is replaced whole.
    const alternatives = [...forms].sort((a, b) => b.length - a.length).map(escapeForRegExp);
    this.#pattern = alternatives.length === 0 ? null : new RegExp(alternatives.join('|'), 'g');
  }

  /** Whether the scrubber has any value to hide. */
  get isEmpty(): boolean {
    return this.#pattern === null;
  }

  /** Returns `text` with every known secret value replaced. */
  scrubText(text: string): string {
    if (this.#pattern === null) return text;
    return text.replace(this.#pattern, REDACTED);
  }

  /**
   * Returns a copy of a JSON-like value with secrets replaced in every string and object key.
   * Other values are returned unchanged, and the input is never modified.
   */
  scrub<T>(value: T): T {
    if (this.#pattern === null) return value;
    return this.#scrubValue(value, 0) as T;
  }

  /**
   * Returns a `NodeError` like `thrown` with its message and details scrubbed. The code and
   * `retryable` are kept, so retries and error edges behave as they would without secrets.
   */
  scrubError(thrown: unknown): unknown {
    if (this.#pattern === null) return thrown;
    if (thrown === null || typeof thrown !== 'object') {
      return new NodeError('RUNTIME_NODE_FAILED', this.scrubText(`node threw a non-error value: ${String(thrown).slice(0, 200)}`));
    }
    const candidate = thrown as { code?: unknown; message?: unknown; retryable?: unknown; details?: unknown };
    const code = typeof candidate.code === 'string' ? candidate.code : 'RUNTIME_NODE_FAILED';
    const message = typeof candidate.message === 'string' ? candidate.message : 'node failed without a message';
    const retryable = typeof candidate.retryable === 'boolean' ? candidate.retryable : false;
    const options = candidate.details === undefined ? { retryable } : { retryable, details: this.scrub(candidate.details) };
    return new NodeError(this.scrubText(code), this.scrubText(message), options);
  }

  #scrubValue(value: unknown, depth: number): unknown {
    if (typeof value === 'string') return this.scrubText(value);
    if (value === null || typeof value !== 'object') return value;
    if (depth >= MAX_DEPTH) return REDACTED;
    if (Array.isArray(value)) return value.map((item) => this.#scrubValue(item, depth + 1));
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      copy[this.scrubText(key)] = this.#scrubValue(item, depth + 1);
    }
    return copy;
  }
}

/** A scrubber that hides nothing, for tasks that received no credential. */
export const NO_SECRETS = new SecretScrubber([]);
