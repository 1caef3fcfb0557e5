/** The error type plugin code throws on purpose, and its plain-data form. */
import type { PluginErrorData } from './abi.js';

/** Options of a `PluginError`. */
export interface PluginErrorOptions {
  /** Whether a node retry policy may retry the task. Defaults to false. */
  retryable?: boolean;
  /** JSON data stored with the error, such as the upstream status. Never put secrets here. */
  details?: unknown;
  /**
   * The minimum wait before a retry, in milliseconds, such as a 429's `Retry-After`. It is
   * stored as `details.retryAfterMs`, and a node's retry policy waits at least that long.
   * Requires `details` to be an object or absent.
   */
  retryAfterMs?: number;
}

function withRetryAfter(details: unknown, retryAfterMs: number | undefined): unknown {
  if (retryAfterMs === undefined || !Number.isFinite(retryAfterMs) || retryAfterMs < 0) return details;
  const base = details !== null && typeof details === 'object' && !Array.isArray(details) ? details : {};
  return { ...base, retryAfterMs: Math.round(retryAfterMs) };
}

/**
 * An error a plugin throws on purpose. The studio recognises it by `code`, stores
 * `{ code, message, retryable, details }` on the task, and retries the task only when
 * `retryable` is true and the node has a retry policy.
 */
export class PluginError extends Error {
  /** Stable code such as `MAILER_RATE_LIMITED`, matched by `retryOn` and error edges. */
  readonly code: string;
  /** Whether a retry may succeed. */
  readonly retryable: boolean;
  /** JSON data stored with the error. */
  readonly details: unknown;

  /** Creates an error with a stable `code` and a message for the person reading the run. */
  constructor(code: string, message: string, options: PluginErrorOptions = {}) {
    super(message);
    this.name = 'PluginError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = withRetryAfter(options.details, options.retryAfterMs);
  }

  /** Returns the error as plain data, the form in which it crosses the sandbox boundary. */
  toJSON(): PluginErrorData {
    const data: PluginErrorData = {
      code: this.code,
      message: this.message,
      retryable: this.retryable,
    };
    if (this.details !== undefined) {
      data.details = this.details;
    }
    return data;
  }
}

/**
 * Returns whether `value` carries a string `code`, the way the studio recognises a plugin
 * error. An error thrown in the sandbox reaches the host as a copy, so `instanceof PluginError`
 * is not reliable there.
 */
export function hasErrorCode(value: unknown): value is { code: string; message?: unknown } {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as Record<string, unknown>).code === 'string'
  );
}

/**
 * Converts anything plugin code threw into `PluginErrorData`. A value without a string `code`
 * becomes `RUNTIME_NODE_FAILED`, the code the studio gives to errors without one.
 * @experimental The sandbox may add fields, such as a stack trace for the task log.
 */
export function toPluginErrorData(thrown: unknown): PluginErrorData {
  if (thrown !== null && typeof thrown === 'object') {
    const candidate = thrown as Record<string, unknown>;
    const data: PluginErrorData = {
      code: typeof candidate.code === 'string' ? candidate.code : 'RUNTIME_NODE_FAILED',
      message:
        typeof candidate.message === 'string' ? candidate.message : 'plugin failed without a message',
      retryable: typeof candidate.retryable === 'boolean' ? candidate.retryable : false,
    };
    if (candidate.details !== undefined) {
      data.details = candidate.details;
    }
    return data;
  }
  return {
    code: 'RUNTIME_NODE_FAILED',
    message: `plugin threw a non-error value: ${String(thrown).slice(0, 200)}`,
    retryable: false,
  };
}
