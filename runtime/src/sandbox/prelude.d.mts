/** Types of `prelude.mjs`, the code that runs first in every fresh context. */

/** Limits the prelude enforces inside the isolate; the child passes the pool's settings. */
export interface PreludeSettings {
  maxPayloadBytes: number;
  maxPendingHostRequests: number;
  maxLogLinesPerCall: number;
  maxLogMessageLength: number;
  maxLogDataLength: number;
}

/**
 * Runs in a fresh context: removes WebAssembly, SharedArrayBuffer and Atomics and returns the
 * context's `entry` function. The child evaluates its source text, never calls it directly.
 */
export declare function contextPrelude(
  settings: PreludeSettings,
): (command: 'call' | 'abort', ...args: unknown[]) => unknown;
