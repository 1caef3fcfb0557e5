import type { RetryPolicy } from '@gestorlead/sdk-plugin';
import type { ErrorData } from '@gestorlead/storage';

/** Used when a node sets no retry policy: one attempt, no retry. */
export const NO_RETRY: RetryPolicy = { maxAttempts: 1, backoff: 'fixed', delayMs: 0 };

/** Code of the error a task gets when its node's timeout fires. */
export const TIMEOUT_CODE = 'RUNTIME_TASK_TIMEOUT';

function httpStatusOf(error: ErrorData): number | undefined {
  const details = error.details as { status?: unknown } | undefined;
  return typeof details?.status === 'number' ? details.status : undefined;
}

/** Returns whether one `retryOn` entry (a code, `timeout`, `5xx` or `429`) matches an error. */
function matchesRetryOn(entry: string, error: ErrorData): boolean {
  if (entry === 'timeout') return error.code === TIMEOUT_CODE;
  const status = httpStatusOf(error);
  if (entry === '5xx') return status !== undefined && status >= 500 && status <= 599;
  if (entry === '429') return status === 429;
  return entry === error.code;
}

/**
 * Decides whether the failed attempt number `attempt` (1-based) may be followed by another.
 * An error marked not retryable never retries; `retryOn`, when set, must also match.
 */
export function shouldRetry(policy: RetryPolicy, attempt: number, error: ErrorData): boolean {
  if (attempt >= policy.maxAttempts) return false;
  if (error.retryable !== true) return false;
  if (!policy.retryOn || policy.retryOn.length === 0) return true;
  return policy.retryOn.some((entry) => matchesRetryOn(entry, error));
}

/**
 * Computes the wait before attempt `attempt + 1`. Exponential doubles per attempt; `maxDelayMs`
 * caps it; jitter picks uniformly from the upper half ("equal jitter"). A provider's
 * `details.retryAfterMs` (from a 429 `Retry-After`) raises the wait to at least that.
 */
export function retryDelayMs(
  policy: RetryPolicy,
  attempt: number,
  error?: ErrorData,
  random: () => number = Math.random,
): number {
  let delay = policy.backoff === 'exponential' ? policy.delayMs * 2 ** (attempt - 1) : policy.delayMs;
  if (policy.maxDelayMs !== undefined) delay = Math.min(delay, policy.maxDelayMs);
  if (policy.jitter) delay = delay / 2 + random() * (delay / 2);
  const retryAfter = (error?.details as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  if (typeof retryAfter === 'number' && retryAfter > delay) delay = retryAfter;
  return Math.round(delay);
}
