import { describe, expect, it } from 'vitest';
import { retryDelayMs, shouldRetry } from '../src/executor/retry-policy.js';

const retryable = { code: 'PROVIDER_DOWN', message: 'down', retryable: true };

describe('retry policy', () => {
  it('stops at maxAttempts', () => {
    const policy = { maxAttempts: 3, backoff: 'fixed' as const, delayMs: 10 };
    expect(shouldRetry(policy, 1, retryable)).toBe(true);
    expect(shouldRetry(policy, 2, retryable)).toBe(true);
    expect(shouldRetry(policy, 3, retryable)).toBe(false);
  });

  it('never retries unmarked errors', () => {
    const policy = { maxAttempts: 3, backoff: 'fixed' as const, delayMs: 10 };
    expect(shouldRetry(policy, 1, { code: 'X', message: 'x' })).toBe(false);
    expect(shouldRetry(policy, 1, { code: 'X', message: 'x', retryable: false })).toBe(false);
  });

  it('matches retryOn codes and classes', () => {
    const policy = { maxAttempts: 3, backoff: 'fixed' as const, delayMs: 10, retryOn: ['5xx', 'timeout', 'QUOTA'] };
    expect(shouldRetry(policy, 1, { ...retryable, details: { status: 503 } })).toBe(true);
    expect(shouldRetry(policy, 1, { ...retryable, details: { status: 429 } })).toBe(false);
    expect(shouldRetry(policy, 1, { ...retryable, code: 'RUNTIME_TASK_TIMEOUT' })).toBe(true);
    expect(shouldRetry(policy, 1, { ...retryable, code: 'QUOTA' })).toBe(true);
  });

  it('exponential delay doubles and caps', () => {
    const policy = { maxAttempts: 9, backoff: 'exponential' as const, delayMs: 100, maxDelayMs: 500 };
    expect([1, 2, 3, 4, 5].map((attempt) => retryDelayMs(policy, attempt))).toEqual([100, 200, 400, 500, 500]);
  });

  it('jitter stays in the upper half', () => {
    const policy = { maxAttempts: 9, backoff: 'fixed' as const, delayMs: 1000, jitter: true };
    expect(retryDelayMs(policy, 1, undefined, () => 0)).toBe(500);
    expect(retryDelayMs(policy, 1, undefined, () => 0.999)).toBe(1000);
  });

  it('honours a provider retry-after', () => {
    const policy = { maxAttempts: 3, backoff: 'fixed' as const, delayMs: 100 };
    expect(retryDelayMs(policy, 1, { ...retryable, details: { retryAfterMs: 2500 } })).toBe(2500);
    expect(retryDelayMs(policy, 1, { ...retryable, details: { retryAfterMs: 50 } })).toBe(100);
  });
});
