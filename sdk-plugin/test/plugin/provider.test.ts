import { describe, expect, it } from 'vitest';
import { validateManifest } from '../../src/manifest/index.js';
import {
  defineAction,
  defineCredentialType,
  definePlugin,
  joinUrl,
  p,
  PluginError,
  providerHttpError,
  providerMessageOf,
  renderPrompt,
  retryAfterMs,
} from '../../src/plugin/index.js';
import { createTestContext } from '../../src/testing/index.js';

function response(status: number, headers: Record<string, string> = {}, body: unknown = null) {
  return { status, headers, body, url: 'https://api.example.com/x' };
}

describe('retryAfterMs', () => {
  it('reads the provider wait', () => {
    const now = Date.parse('2026-12-04T10:00:00Z');
    expect(retryAfterMs(response(429, { 'retry-after-ms': '1500' }))).toBe(1_500);
    expect(retryAfterMs(response(429, { 'retry-after': '2' }))).toBe(2_000);
    expect(retryAfterMs(response(429, { 'retry-after': 'Fri, 04 Dec 2026 10:00:03 GMT' }), now)).toBe(3_000);
    expect(retryAfterMs(response(429, { 'retry-after': '99999' }))).toBe(300_000);
    expect(retryAfterMs(response(429, { 'retry-after': 'soon' }))).toBeNull();
    expect(retryAfterMs(response(429))).toBeNull();
  });

  it('reads google retry info', () => {
    const body = { error: { details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '13.5s' }] } };
    expect(retryAfterMs(response(429, {}, body))).toBe(13_500);
  });
});

describe('providerHttpError', () => {
  it('maps statuses to codes', () => {
    const cases: Array<[number, string, boolean]> = [
      [400, 'AI_PROVIDER_BAD_REQUEST', false],
      [401, 'AI_PROVIDER_AUTH_FAILED', false],
      [403, 'AI_PROVIDER_AUTH_FAILED', false],
      [404, 'AI_PROVIDER_BAD_REQUEST', false],
      [408, 'AI_PROVIDER_UNAVAILABLE', true],
      [429, 'AI_PROVIDER_RATE_LIMITED', true],
      [500, 'AI_PROVIDER_UNAVAILABLE', true],
      [503, 'AI_PROVIDER_UNAVAILABLE', true],
    ];
    for (const [status, code, retryable] of cases) {
      const error = providerHttpError('acme', response(status, { 'retry-after': '4' }, { error: { message: 'nope' } }));
      expect(error.code, String(status)).toBe(code);
      expect(error.retryable, String(status)).toBe(retryable);
      expect(error.message, String(status)).toContain('nope');
    }
    expect(providerHttpError('acme', response(429, { 'retry-after': '4' })).details).toEqual({ provider: 'acme', status: 429, retryAfterMs: 4_000 });
  });

  it('reads each provider message shape', () => {
    expect(providerMessageOf({ error: { message: 'openai or google' } })).toBe('openai or google');
    expect(providerMessageOf({ detail: { status: 'x', message: 'elevenlabs' } })).toBe('elevenlabs');
    expect(providerMessageOf({ code: 400, message: 'piapi' })).toBe('piapi');
    expect(providerMessageOf({ detail: [{ msg: 'field required' }] })).toContain('field required');
    expect(providerMessageOf('x'.repeat(600))).toHaveLength(501);
  });
});

describe('PluginError retryAfterMs', () => {
  it('stores the delay in details', () => {
    expect(new PluginError('X', 'm', { retryable: true, retryAfterMs: 1234.4, details: { a: 1 } }).details).toEqual({ a: 1, retryAfterMs: 1234 });
    expect(new PluginError('X', 'm', { retryAfterMs: 10 }).toJSON()).toEqual({ code: 'X', message: 'm', retryable: false, details: { retryAfterMs: 10 } });
    expect(new PluginError('X', 'm', { retryAfterMs: Number.NaN }).details).toBeUndefined();
  });
});

describe('renderPrompt and joinUrl', () => {
  it('fills placeholders from input', () => {
    expect(renderPrompt('Draw {{ input.thing }} in {{ inputs.style.name }}', { in: { thing: 'um café ☕' }, style: { name: 'أسلوب' } })).toBe('Draw um café ☕ in أسلوب');
    expect(renderPrompt('{{ input }}', { in: { a: 1 } })).toBe('{"a":1}');
    expect(() => renderPrompt('{{ input.missing }}', { in: {} })).toThrow(expect.objectContaining({ code: 'AI_PROMPT_EMPTY' }));
  });

  it('joins base URLs', () => {
    expect(joinUrl('https://api.example.com/v1/', '/images')).toBe('https://api.example.com/v1/images');
    expect(() => joinUrl('ftp://x', '/y')).toThrow(expect.objectContaining({ code: 'AI_PROVIDER_BASE_URL_INVALID' }));
  });
});

describe('platform credential manifest', () => {
  it('declares platform env and base url property', () => {
    const key = defineCredentialType({
      name: 'apiKey',
      displayName: 'Key',
      properties: { apiKey: p.secret({ required: true }), baseUrl: p.text() },
      platformEnv: { apiKey: 'ACME_API_KEY' },
      baseUrlProperty: 'baseUrl',
    });
    const plugin = definePlugin({
      name: 'acme',
      version: '1.0.0',
      runtime: '^0.1.0',
      displayName: 'Acme',
      description: 'd',
      permissions: { hosts: ['api.acme.test'] },
      actions: [defineAction({ name: 'go', version: 1, displayName: 'Go', description: 'd', config: {}, credentials: [{ slot: 'api', type: key }], run: () => null })],
    });

    expect(plugin.manifest.credentialTypes[0]).toMatchObject({ platform: { env: { apiKey: 'ACME_API_KEY' } }, baseUrlProperty: 'baseUrl' });
    expect(validateManifest(plugin.manifest).ok).toBe(true);
  });

  it('rejects a lowercase variable name', () => {
    const manifest = {
      name: 'acme',
      version: '1.0.0',
      runtime: '^0.1.0',
      displayName: 'Acme',
      description: 'd',
      permissions: { hosts: [] },
      credentialTypes: [{ name: 'apiKey', displayName: 'Key', schema: { type: 'object' }, platform: { env: { apiKey: 'path' } } }],
      actions: [],
      triggers: [],
    };

    const result = validateManifest(manifest);

    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems.map((problem) => problem.pointer)).toContain('/credentialTypes/0/platform/env/apiKey');
  });
});

describe('harness sleep', () => {
  it('waits and records the pause', async () => {
    const test = createTestContext();
    const started = Date.now();

    await test.ctx.sleep(30);

    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(test.sleeps).toEqual([30]);
  });

  it('rejects on abort and bad input', async () => {
    const controller = new AbortController();
    const test = createTestContext({ signal: controller.signal });
    const pending = test.ctx.sleep(60_000);
    controller.abort();

    await expect(pending).rejects.toMatchObject({ code: 'RUNTIME_TASK_CANCELLED' });
    await expect(test.ctx.sleep(-1)).rejects.toMatchObject({ code: 'PLUGIN_HOST_REQUEST_INVALID' });
  });
});
