import { ActionFailedError, createTestContext, runAction, type TestContextOptions } from '@gestorlead/sdk-plugin/testing';
import { describe, expect, it } from 'vitest';
import plugin from '../src/index.js';
import { base64Utf8, interpolate, readPointer, renderText } from '../src/values.js';

/**
 * Runs an HTTP action with an unrestricted `ctx.http`. `runAction` limits requests to the
 * manifest's `permissions.hosts`, which the core plugin leaves empty because the studio trusts
 * it to reach any public host.
 */
async function runNetworkAction(name: string, options: TestContextOptions) {
  const entry = plugin.actions.find((action) => action.name === name)!;
  const test = createTestContext(options);
  const result = await entry.run(test.ctx);
  return { result, requests: test.requests, logs: test.logs };
}

async function failureOf(promise: Promise<unknown>): Promise<{ code: string; retryable: boolean; message: string; details?: any }> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error, 'the action should have failed').toBeDefined();
  return error as { code: string; retryable: boolean; message: string };
}

describe('template', () => {
  it('fills placeholders from the input', async () => {
    const result = await runAction(plugin, 'template', {
      config: { template: 'Hi {{ input.name }}, {{ input.tags }} {{ input.missing }}|{{ inputs.in.items[1] }}' },
      input: { in: { name: 'Ada', tags: ['a', 'b'], items: [1, 2] } },
    });

    expect(result.outputs).toEqual({ out: 'Hi Ada, ["a","b"] |2' });
  });

  it('never reaches prototypes', () => {
    expect(renderText('{{ input.constructor }}{{ input.__proto__ }}', { input: {} })).toBe('');
    expect(interpolate('{{ input.count }}', { input: { count: 3 } })).toBe(3);
    expect(readPointer({ a: [{ b: 1 }] }, '/a/0/b')).toBe(1);
    expect(readPointer({ a: 1 }, '/constructor')).toBeUndefined();
  });
});

describe('json', () => {
  it('picks and renames fields', async () => {
    const result = await runAction(plugin, 'json', {
      config: { fields: [{ from: '/user/email', to: 'email' }, { from: '/score' }, { from: '/absent', to: 'gone' }] },
      input: { in: { user: { email: 'a@example.com', name: 'A' }, score: 7 } },
    });

    expect(result.outputs).toEqual({ out: { email: 'a@example.com', score: 7, gone: null } });
  });

  it('maps over an array', async () => {
    const result = await runAction(plugin, 'json', {
      config: { source: '/leads', each: true, fields: [{ from: '/id', to: 'leadId' }] },
      input: { in: { leads: [{ id: 1, x: 0 }, { id: 2 }] } },
    });

    expect(result.outputs).toEqual({ out: [{ leadId: 1 }, { leadId: 2 }] });
  });

  it('reports a missing source and a non-array', async () => {
    const missing = await failureOf(runAction(plugin, 'json', { config: { source: '/nope' }, input: { in: {} } }));
    const notArray = await failureOf(runAction(plugin, 'json', { config: { each: true }, input: { in: { a: 1 } } }));

    expect(missing.code).toBe('CORE_JSON_SOURCE_MISSING');
    expect(notArray.code).toBe('CORE_JSON_NOT_ARRAY');
  });
});

describe('code', () => {
  it('returns the value of the code', async () => {
    const result = await runAction(plugin, 'code', {
      config: { code: 'const total = input.items.reduce((sum, item) => sum + item, 0); return { total, factor: config.factor };', params: { factor: 2 } },
      input: { in: { items: [1, 2, 3] } },
    });

    expect(result.outputs).toEqual({ out: { total: 6, factor: 2 } });
  });

  it('supports await and undefined results', async () => {
    const result = await runAction(plugin, 'code', { config: { code: 'await null;' } });

    expect(result.outputs).toEqual({ out: null });
  });

  it('reports compile, run and result errors', async () => {
    const invalid = await failureOf(runAction(plugin, 'code', { config: { code: 'return (' } }));
    const thrown = await failureOf(runAction(plugin, 'code', { config: { code: 'throw new TypeError("bad lead")' } }));
    const notJson = await failureOf(runAction(plugin, 'code', { config: { code: 'return 10n' } }));

    expect(invalid).toBeInstanceOf(ActionFailedError);
    expect(invalid.code).toBe('CORE_CODE_INVALID');
    expect(thrown.code).toBe('CORE_CODE_FAILED');
    expect(thrown.message).toContain('TypeError: bad lead');
    expect(notJson.code).toBe('CORE_CODE_RESULT_INVALID');
  });

  it('declares its own limits', () => {
    const code = plugin.manifest.actions.find((action) => action.name === 'code')!;

    expect(code.limits).toEqual({ memoryMb: 64, cpuTimeMs: 1_000, timeoutMs: 5_000 });
  });
});

describe('http', () => {
  it('sends a templated request', async () => {
    const { result, requests } = await runNetworkAction('http', {
      config: {
        method: 'POST',
        url: 'https://api.example.com/leads/{{ input.id }}',
        query: { source: '{{ input.source }}' },
        headers: { 'x-trace': 'lead-{{ input.id }}' },
        body: { name: '{{ input.name }}' },
      },
      input: { in: { id: 42, source: 'form', name: 'Ada' } },
      http: { 'POST https://api.example.com/leads/42': { status: 201, body: { created: true } } },
    });

    expect(result).toMatchObject({ status: 201, body: { created: true } });
    expect(requests[0].url).toBe('https://api.example.com/leads/42?source=form');
    expect(requests[0].headers['x-trace']).toBe('lead-42');
    expect(requests[0].body).toEqual({ name: 'Ada' });
  });

  it('applies each kind of authentication', async () => {
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ type: 'bearer', token: 't0k' }, 'authorization', 'Bearer t0k'],
      [{ type: 'basic', username: 'ana', password: 'pässword' }, 'authorization', `Basic ${base64Utf8('ana:pässword')}`],
      [{ type: 'header', headerName: 'X-Api-Key', headerValue: 'k1' }, 'x-api-key', 'k1'],
    ];
    for (const [auth, header, value] of cases) {
      const { requests } = await runNetworkAction('http', {
        config: { url: 'https://api.example.com/me' },
        credentials: { auth },
        http: () => ({ body: {} }),
      });
      expect(requests[0].headers[header], JSON.stringify(auth)).toBe(value);
    }
    expect(base64Utf8('ana:pässword')).toBe(Buffer.from('ana:pässword', 'utf8').toString('base64'));
  });

  it('fails on error statuses unless told not to', async () => {
    const unavailable = await failureOf(
      runNetworkAction('http', { config: { url: 'https://api.example.com/x' }, http: () => ({ status: 503, body: { down: true } }) }),
    );
    const notFound = await failureOf(runNetworkAction('http', { config: { url: 'https://api.example.com/x' }, http: () => ({ status: 404 }) }));
    const passed = await runNetworkAction('http', {
      config: { url: 'https://api.example.com/x', failOnStatus: false },
      http: () => ({ status: 404, body: 'nope' }),
    });

    expect(unavailable).toMatchObject({ code: 'CORE_HTTP_STATUS', retryable: true, details: { status: 503, body: { down: true } } });
    expect(notFound).toMatchObject({ code: 'CORE_HTTP_STATUS', retryable: false });
    expect(passed.result).toMatchObject({ status: 404, body: 'nope' });
  });

  it('rejects an incomplete credential', async () => {
    const error = await failureOf(
      runNetworkAction('http', { config: { url: 'https://api.example.com/x' }, credentials: { auth: { type: 'bearer' } }, http: () => ({}) }),
    );

    expect(error.code).toBe('CORE_HTTP_AUTH_INVALID');
  });
});

describe('wait-until', () => {
  it('polls with backoff until the value matches', async () => {
    const { result, requests, logs } = await runNetworkAction('wait-until', {
      config: { url: 'https://api.example.com/jobs/{{ input.id }}', pointer: '/state', equals: 'done', intervalMs: 10, backoffFactor: 2 },
      input: { in: { id: 'j1' } },
      http: {
        'GET https://api.example.com/jobs/j1': [{ body: { state: 'queued' } }, { status: 503 }, { body: { state: 'done', result: 7 } }],
      },
    });

    expect(result).toMatchObject({ value: 'done', polls: 3, body: { state: 'done', result: 7 } });
    expect(requests).toHaveLength(3);
    expect(logs.map((line) => (line.data as { nextPollMs: number }).nextPollMs)).toEqual([10, 20]);
  });

  it('times out with the last value', async () => {
    const error = await failureOf(
      runNetworkAction('wait-until', {
        config: { url: 'https://api.example.com/jobs/j2', pointer: '/state', equals: 'done', intervalMs: 10, timeoutMs: 50 },
        http: () => ({ body: { state: 'running' } }),
      }),
    );

    expect(error).toMatchObject({ code: 'CORE_WAIT_TIMEOUT', retryable: false, details: { lastValue: 'running' } });
  });

  it('leaves pauses to the retry policy without Atomics', async () => {
    const original = globalThis.SharedArrayBuffer;
    // The studio's isolates have no SharedArrayBuffer, so the action cannot pause in place.
    Reflect.deleteProperty(globalThis, 'SharedArrayBuffer');
    try {
      const config = { url: 'https://api.example.com/jobs/j4', pointer: '/state', equals: 'done', intervalMs: 10, timeoutMs: 25 };
      const http = () => ({ body: { state: 'running' } });

      const pending = await failureOf(runNetworkAction('wait-until', { config, http }));
      const late = await failureOf(runNetworkAction('wait-until', { config, http, run: { attempt: 3 } }));
      const done = await runNetworkAction('wait-until', { config, http: () => ({ body: { state: 'done' } }), run: { attempt: 2 } });

      expect(pending).toMatchObject({ code: 'CORE_WAIT_PENDING', retryable: true, details: { retryAfterMs: 10, polls: 1 } });
      expect(late).toMatchObject({ code: 'CORE_WAIT_TIMEOUT', details: { polls: 3 } });
      expect(done.result).toMatchObject({ value: 'done', polls: 2 });
    } finally {
      globalThis.SharedArrayBuffer = original;
    }
  });

  it('stops on a client error', async () => {
    const error = await failureOf(
      runNetworkAction('wait-until', {
        config: { url: 'https://api.example.com/jobs/j3', pointer: '/state', equals: 'done', intervalMs: 10 },
        http: () => ({ status: 404 }),
      }),
    );

    expect(error.code).toBe('CORE_WAIT_HTTP_STATUS');
  });
});
