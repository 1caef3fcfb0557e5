import { describe, expect, it } from 'vitest';
import { chatCacheKey, type ChatRequestIdentity } from '../../src/ai/cache-key.js';
import { retryAfterMs, toProviderError } from '../../src/ai/provider-errors.js';
import { SecretScrubber } from '../../src/vault/scrub.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');

describe('retryAfterMs', () => {
  it.each([
    [{ 'retry-after': '3' }, 3000],
    [{ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }, 5000],
    [{ 'retry-after': 'Wed, 31 Dec 2025 23:00:00 GMT' }, 0],
    [{ 'retry-after-ms': '1500' }, 1500],
    [{ 'retry-after': '86400' }, 300_000],
    [{ 'retry-after': 'soon' }, null],
    [{}, null],
  ])('reads %j', (headers, expected) => {
    expect(retryAfterMs(new Headers(headers), NOW)).toBe(expected);
  });
});

describe('toProviderError', () => {
  const scrubber = new SecretScrubber(['sk-secret-value-123456']);
  const context = { provider: 'openai', model: 'm', scrubber, cancelled: false };

  it.each([
    [{ status: 429, message: 'slow down' }, 'AI_PROVIDER_RATE_LIMITED', true],
    [{ status: 401, message: 'bad key sk-secret-value-123456' }, 'AI_PROVIDER_AUTH_FAILED', false],
    [{ status: 403, message: 'forbidden' }, 'AI_PROVIDER_AUTH_FAILED', false],
    [{ status: 404, message: 'no such model' }, 'AI_PROVIDER_BAD_REQUEST', false],
    [{ status: 500, message: 'boom' }, 'AI_PROVIDER_UNAVAILABLE', true],
    [{ name: 'APIConnectionError', message: 'ECONNREFUSED' }, 'AI_PROVIDER_UNAVAILABLE', true],
    [{ name: 'APIConnectionTimeoutError', message: 'Request timed out.' }, 'AI_PROVIDER_TIMEOUT', true],
  ])('maps %j', (thrown, code, retryable) => {
    const error = toProviderError(thrown, context);

    expect(error.code).toBe(code);
    expect(error.retryable).toBe(retryable);
    expect(error.message).not.toContain('sk-secret-value-123456');
  });

  it('maps abort to cancelled', () => {
    expect(toProviderError({ name: 'APIUserAbortError', message: 'aborted' }, context).code).toBe('RUNTIME_TASK_CANCELLED');
  });
});

describe('chatCacheKey', () => {
  const identity: ChatRequestIdentity = {
    provider: 'openai',
    baseUrl: 'http://127.0.0.1:1/v1',
    model: 'gpt-test',
    system: null,
    prompt: 'caf\u00e9',
    temperature: 0,
    maxTokens: null,
    outputSchema: { type: 'object', properties: { a: { type: 'string' } } },
  };

  it('ignores Unicode normal form', () => {
    expect(chatCacheKey({ ...identity, prompt: 'cafe\u0301' })).toBe(chatCacheKey(identity));
  });

  it('ignores schema key order', () => {
    const reordered = { properties: { a: { type: 'string' } }, type: 'object' };
    expect(chatCacheKey({ ...identity, outputSchema: reordered })).toBe(chatCacheKey(identity));
  });

  it.each([
    ['provider', { provider: 'gemini' }],
    ['base URL', { baseUrl: 'http://127.0.0.1:2/v1' }],
    ['model', { model: 'other' }],
    ['system', { system: 'be brief' }],
    ['prompt', { prompt: 'cafe' }],
    ['temperature', { temperature: 0.5 }],
    ['max tokens', { maxTokens: 10 }],
    ['schema', { outputSchema: null }],
  ])('changes with %s', (_name, change) => {
    expect(chatCacheKey({ ...identity, ...change })).not.toBe(chatCacheKey(identity));
  });
});
