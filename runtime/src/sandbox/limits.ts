/** Per-call resource limits: defaults, operator maximums, and how a request's limits are resolved. */
import type { CallLimits } from './types.js';

/** Limits of a call that requests none. */
export const DEFAULT_CALL_LIMITS: Readonly<CallLimits> = Object.freeze({
  memoryMb: 64,
  cpuTimeMs: 5_000,
  timeoutMs: 30_000,
});

/** Operator maximums applied when the pool's options set none. */
export const DEFAULT_MAX_CALL_LIMITS: Readonly<CallLimits> = Object.freeze({
  memoryMb: 256,
  cpuTimeMs: 60_000,
  timeoutMs: 300_000,
});

/** The smallest heap isolated-vm 5 accepts for an isolate, in MiB. */
export const MIN_MEMORY_MB = 8;

function pick(requested: number | undefined, fallback: number, minimum: number, maximum: number): number {
  const value = typeof requested === 'number' && Number.isFinite(requested) && requested > 0 ? requested : fallback;
  return Math.min(maximum, Math.max(minimum, Math.floor(value)));
}

/**
 * Resolves the limits of one call: each field the request leaves out, or sets to something
 * other than a positive finite number, takes the default, and every field is capped by the
 * maximum. Memory is at least `MIN_MEMORY_MB` and times at least 1 ms.
 */
export function resolveCallLimits(
  requested: Partial<CallLimits> | undefined,
  defaults: CallLimits,
  maximums: CallLimits,
): CallLimits {
  return {
    memoryMb: pick(requested?.memoryMb, defaults.memoryMb, MIN_MEMORY_MB, Math.max(MIN_MEMORY_MB, maximums.memoryMb)),
    cpuTimeMs: pick(requested?.cpuTimeMs, defaults.cpuTimeMs, 1, maximums.cpuTimeMs),
    timeoutMs: pick(requested?.timeoutMs, defaults.timeoutMs, 1, maximums.timeoutMs),
  };
}
