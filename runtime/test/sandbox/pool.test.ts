import { getEventListeners } from 'node:events';
import { readFileSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { resolveCallLimits } from '../../src/sandbox/limits.js';
import { SandboxPool } from '../../src/sandbox/pool.js';
import type { CallOutcome, PluginCode } from '../../src/sandbox/types.js';
import {
  actionRequest,
  codeOf,
  deferred,
  okResponse,
  packZooPlugin,
  rawCode,
  RecordingHost,
  sleep,
  triggerRequest,
  waitFor,
} from './support.js';

let healthy: PluginCode;

beforeAll(async () => {
  healthy = codeOf(await packZooPlugin('healthy'));
});

/** Collects pools created by a test so that `afterAll` closes them even when it fails. */
const pools: SandboxPool[] = [];
function createPool(options: ConstructorParameters<typeof SandboxPool>[0]): SandboxPool {
  const pool = new SandboxPool(options);
  pools.push(pool);
  return pool;
}

afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.close()));
});

/** Returns the signal the host received with its first HTTP request. */
function httpSignal(host: RecordingHost): AbortSignal {
  const call = host.calls[0];
  if (call?.op !== 'http') {
    throw new Error(`the first host call is ${call?.op ?? 'missing'}, not http`);
  }
  return call.signal;
}

describe('calls through a shared pool', () => {
  let pool: SandboxPool;

  beforeAll(async () => {
    pool = createPool({ poolSize: 2 });
    await pool.ready();
  });

  it('passes call data into ctx', async () => {
    const outcome = await pool.callAction(
      actionRequest(healthy, 'echo', {
        call: {
          config: { extra: true },
          input: { in: { lead: 7 } },
          credentials: { account: { value: 'secret-token' } },
          run: { id: 'run-9', graphId: 'graph-9', nodeId: 'node-9', taskId: 'task-9', attempt: 2 },
        },
      }),
    );

    expect(outcome).toEqual({
      ok: true,
      outputs: {
        out: {
          config: { extra: true, label: 'echo' },
          input: { in: { lead: 7 } },
          credentials: { account: { value: 'secret-token' } },
          run: { id: 'run-9', graphId: 'graph-9', nodeId: 'node-9', taskId: 'task-9', attempt: 2 },
        },
      },
    });
  });

  it('sends a plain result to the first port', async () => {
    const outcome = await pool.callAction(actionRequest(healthy, 'mirror', { call: { input: { in: [1, 'two'] } } }));

    expect(outcome).toEqual({ ok: true, outputs: { out: [1, 'two'] } });
  });

  it('keeps the ports of outputs()', async () => {
    const outcome = await pool.callAction(actionRequest(healthy, 'route', { call: { input: { in: 5 } } }));

    expect(outcome).toEqual({ ok: true, outputs: { second: 5 } });
  });

  it('turns undefined into null', async () => {
    const outcome = await pool.callAction(actionRequest(healthy, 'nothing'));

    expect(outcome).toEqual({ ok: true, outputs: { out: null } });
  });

  it('returns a PluginError as data', async () => {
    const outcome = await pool.callAction(actionRequest(healthy, 'fail'));

    expect(outcome).toEqual({
      ok: false,
      error: { code: 'HEALTHY_FAILED', message: 'failed on purpose', retryable: true, details: { attempt: 1 } },
    });
  });

  it('reports an unknown action', async () => {
    const missing = await pool.callAction(actionRequest(healthy, 'absent'));
    const wrongVersion = await pool.callAction(actionRequest(healthy, 'echo', { call: { version: 2 } }));

    expect(missing).toMatchObject({ ok: false, error: { code: 'PLUGIN_ACTION_NOT_FOUND' } });
    expect(wrongVersion).toMatchObject({ ok: false, error: { code: 'PLUGIN_ACTION_NOT_FOUND' } });
  });

  it('forwards http requests to the host', async () => {
    const host = new RecordingHost({ http: async (request) => okResponse(request.url, { seen: request.body }) });

    const outcome = await pool.callAction(
      actionRequest(healthy, 'fetchUrl', {
        host,
        call: { config: { url: 'https://api.example.com/items', method: 'POST', body: { name: 'a' } } },
      }),
    );

    expect(outcome).toEqual({ ok: true, outputs: { out: okResponse('https://api.example.com/items', { seen: { name: 'a' } }) } });
    expect(host.calls).toHaveLength(1);
    expect(host.calls[0]).toMatchObject({
      op: 'http',
      request: { url: 'https://api.example.com/items', method: 'POST', body: { name: 'a' } },
    });
    expect(httpSignal(host).aborted).toBe(true);
  });

  it('rejects into the plugin with the host code', async () => {
    const host = new RecordingHost({
      http: async () => {
        throw { code: 'PLUGIN_HTTP_HOST_NOT_ALLOWED', message: 'host "evil.example" is not allowed', retryable: false, details: { host: 'evil.example' } };
      },
    });

    const outcome = await pool.callAction(
      actionRequest(healthy, 'fetchAndCatch', { host, call: { config: { url: 'https://evil.example/' } } }),
    );

    expect(outcome).toEqual({
      ok: true,
      outputs: {
        out: {
          rejected: true,
          isError: true,
          name: 'PluginError',
          code: 'PLUGIN_HTTP_HOST_NOT_ALLOWED',
          message: 'host "evil.example" is not allowed',
          retryable: false,
          details: { host: 'evil.example' },
        },
      },
    });
  });

  it('hides uncoded host errors', async () => {
    const host = new RecordingHost({
      http: async () => {
        throw new Error('connection to db with password hunter2 failed');
      },
    });

    const outcome = await pool.callAction(
      actionRequest(healthy, 'fetchAndCatch', { host, call: { config: { url: 'https://api.example.com/' } } }),
    );

    expect(outcome).toMatchObject({ ok: true, outputs: { out: { code: 'PLUGIN_HOST_FAILED', retryable: true } } });
    expect(JSON.stringify(outcome)).not.toContain('hunter2');
  });

  it('rejects a host response over the size cap', async () => {
    const host = new RecordingHost({ http: async (request) => okResponse(request.url, 'x'.repeat(11 * 1024 * 1024)) });

    const outcome = await pool.callAction(
      actionRequest(healthy, 'fetchAndCatch', { host, call: { config: { url: 'https://api.example.com/big' } } }),
    );

    expect(outcome).toMatchObject({ ok: true, outputs: { out: { code: 'PLUGIN_PAYLOAD_TOO_LARGE' } } });
  });

  it('stores and reads files', async () => {
    const host = new RecordingHost({
      putFile: async (file) => ({ id: 'file-1', name: file.name, contentType: file.contentType, size: 5 }),
      getFile: async (id) => ({ ref: { id, name: 'hello.txt', contentType: 'text/plain', size: 5 }, base64: 'aGVsbG8=' }),
    });

    const outcome = await pool.callAction(actionRequest(healthy, 'storeFile', { host }));

    const ref = { id: 'file-1', name: 'hello.txt', contentType: 'text/plain', size: 5 };
    expect(outcome).toEqual({ ok: true, outputs: { out: { ref, read: { ref, base64: 'aGVsbG8=' } } } });
    expect(host.calls.map((call) => call.op)).toEqual(['putFile', 'getFile']);
    expect(host.calls[0]).toEqual({ op: 'putFile', file: { name: 'hello.txt', contentType: 'text/plain', base64: 'aGVsbG8=' } });
    expect(host.calls[1]).toEqual({ op: 'getFile', id: 'file-1' });
  });

  it('passes a host file error through', async () => {
    const host = new RecordingHost({
      getFile: async (id) => {
        throw { code: 'PLUGIN_FILE_NOT_FOUND', message: `no file has the id "${id}"`, retryable: false };
      },
    });

    const outcome = await pool.callAction(actionRequest(healthy, 'readFile', { host, call: { config: { id: 'nope' } } }));

    expect(outcome).toEqual({
      ok: false,
      error: { code: 'PLUGIN_FILE_NOT_FOUND', message: 'no file has the id "nope"', retryable: false },
    });
  });

  it('rejects a file id that is not a string', async () => {
    const host = new RecordingHost();

    const outcome = await pool.callAction(actionRequest(healthy, 'readFile', { host, call: { config: { id: 42 } } }));

    expect(outcome).toMatchObject({ ok: false, error: { code: 'PLUGIN_HOST_REQUEST_INVALID' } });
    expect(host.calls).toEqual([]);
  });

  it('forwards log lines with levels and data', async () => {
    const host = new RecordingHost();

    const outcome = await pool.callAction(actionRequest(healthy, 'logLines', { host }));

    expect(outcome).toEqual({ ok: true, outputs: { out: 'logged' } });
    expect(host.logs).toEqual([
      { op: 'log', level: 'debug', message: 'debug line', data: undefined, hasData: false },
      { op: 'log', level: 'info', message: 'info line', data: { answer: 42 }, hasData: true },
      { op: 'log', level: 'warn', message: 'warn line', data: ['a', 'b'], hasData: true },
      { op: 'log', level: 'error', message: 'error line', data: undefined, hasData: false },
    ]);
  });

  it('verifies a delivery', async () => {
    const request = { method: 'POST', headers: { 'x-secret': 'open sesame' }, query: {}, body: { a: 1 }, rawBodyBase64: '' };
    const accepted = await pool.callTrigger(triggerRequest(healthy, 'hook', 'verify', { call: { request } }));
    const rejected = await pool.callTrigger(
      triggerRequest(healthy, 'hook', 'verify', { call: { request: { ...request, headers: { 'x-secret': 'wrong' } } } }),
    );

    expect(accepted).toEqual({ ok: true, result: true });
    expect(rejected).toEqual({ ok: true, result: false });
  });

  it('parses a delivery and forwards its logs', async () => {
    const host = new RecordingHost();
    const request = { method: 'POST', headers: {}, query: { page: '2' }, body: { lead: 'x' }, rawBodyBase64: '' };

    const outcome = await pool.callTrigger(triggerRequest(healthy, 'hook', 'parse', { host, call: { request } }));

    expect(outcome).toEqual({ ok: true, result: { body: { lead: 'x' }, query: { page: '2' }, method: 'POST' } });
    expect(host.logs.map((log) => log.message)).toEqual(['parsed a delivery']);
  });

  it('reports a missing trigger hook', async () => {
    const outcome = await pool.callTrigger(triggerRequest(healthy, 'parseOnly', 'verify'));

    expect(outcome).toMatchObject({ ok: false, error: { code: 'PLUGIN_TRIGGER_HOOK_NOT_DEFINED', details: { hook: 'verify' } } });
  });

  it('reports an unknown trigger', async () => {
    const outcome = await pool.callTrigger(triggerRequest(healthy, 'absent', 'parse'));

    expect(outcome).toMatchObject({ ok: false, error: { code: 'PLUGIN_TRIGGER_NOT_FOUND' } });
  });

  it('hides gc from plugin code', async () => {
    // Children run with --expose-gc, which also defines `gc` in every isolate's context.
    const code = rawCode(
      'raw-gc@1.0.0',
      '(() => { globalThis.__gestorleadPlugin = { manifest: { actions: [{ name: "probe", version: 1, outputs: [{ name: "out" }] }] },' +
        ' actions: [{ name: "probe", version: 1, run: () => { globalThis.gc = () => 1; return typeof gc; } }], triggers: [] }; })();',
    );

    const outcome = await pool.callAction(actionRequest(code, 'probe'));

    expect(outcome).toEqual({ ok: true, outputs: { out: 'undefined' } });
  });

  it('rejects a bundle without a definition', async () => {
    const outcome = await pool.callAction(actionRequest(rawCode('raw-empty@1.0.0', 'globalThis.unrelated = 1;'), 'echo'));

    expect(outcome).toMatchObject({ ok: false, error: { code: 'PLUGIN_BUNDLE_INVALID' } });
  });

  it('reports a bundle that throws', async () => {
    const outcome = await pool.callAction(
      actionRequest(rawCode('raw-throws@1.0.0', 'throw new TypeError("top level failed");'), 'echo'),
    );

    expect(outcome).toMatchObject({ ok: false, error: { code: 'PLUGIN_BUNDLE_INVALID' } });
    expect(outcome.ok ? '' : outcome.error.message).toContain('top level failed');
  });

  it('reports a bundle that does not compile', async () => {
    const outcome = await pool.callAction(actionRequest(rawCode('raw-syntax@1.0.0', 'function ('), 'echo'));

    expect(outcome).toMatchObject({ ok: false, error: { code: 'PLUGIN_BUNDLE_INVALID' } });
    expect(outcome.ok ? '' : outcome.error.message).toContain('SyntaxError');
  });

  it('rejects code whose hash differs', async () => {
    const outcome = await pool.callAction(actionRequest({ ...healthy, key: 'zoo-healthy@9.9.9', sha256: '0'.repeat(64) }, 'echo'));

    expect(outcome).toMatchObject({ ok: false, error: { code: 'PLUGIN_CODE_HASH_MISMATCH' } });
  });

  it('rejects call data that is not JSON', async () => {
    const outcome = await pool.callAction(actionRequest(healthy, 'echo', { call: { config: { big: 1n } as never } }));

    expect(outcome).toMatchObject({ ok: false, error: { code: 'PLUGIN_CALL_INVALID' } });
  });

  it('rejects call data over the size cap', async () => {
    const outcome = await pool.callAction(
      actionRequest(healthy, 'mirror', { call: { input: { in: 'x'.repeat(11 * 1024 * 1024) } } }),
    );

    expect(outcome).toMatchObject({ ok: false, error: { code: 'PLUGIN_PAYLOAD_TOO_LARGE', details: { maxBytes: 10 * 1024 * 1024 } } });
  });

  it('rejects a call whose signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();

    const outcome = await pool.callAction(actionRequest(healthy, 'echo', { signal: controller.signal }));

    expect(outcome).toMatchObject({ ok: false, error: { code: 'RUNTIME_TASK_CANCELLED' } });
  });

  it('cancels a running call', async () => {
    const started = deferred<void>();
    const host = new RecordingHost({
      http: (request, signal) =>
        new Promise((_resolve, reject) => {
          started.resolve();
          signal.addEventListener('abort', () => reject(new Error('aborted by the sandbox')));
        }),
    });
    const controller = new AbortController();
    const call = pool.callAction(actionRequest(healthy, 'waitForCancel', { host, signal: controller.signal, limits: { timeoutMs: 20_000 } }));
    await started.promise;

    const abortedAt = performance.now();
    controller.abort();
    const outcome = await call;

    expect(outcome).toEqual({ ok: false, error: { code: 'RUNTIME_TASK_CANCELLED', message: 'the task was cancelled', retryable: false } });
    expect(performance.now() - abortedAt).toBeLessThan(1000);
    expect(httpSignal(host).aborted).toBe(true);
    await waitFor(() => pool.stats().busy === 0, 5000, 'the cancelled call to leave its child');
  });

  it('cancels a call that ignores the signal', async () => {
    const controller = new AbortController();
    const call = pool.callAction(
      actionRequest(healthy, 'burn', {
        signal: controller.signal,
        call: { config: { ms: 20_000 } },
        limits: { cpuTimeMs: 30_000, timeoutMs: 30_000 },
      }),
    );
    await waitFor(() => pool.stats().busy === 1, 5000, 'the call to start');
    await sleep(100);

    controller.abort();
    const outcome = await call;

    expect(outcome).toMatchObject({ ok: false, error: { code: 'RUNTIME_TASK_CANCELLED' } });
    await waitFor(() => pool.stats().busy === 0, 5000, 'the burning isolate to be disposed');
  });

  it('cancels every call that shares a signal', async () => {
    const controller = new AbortController();
    const host = new RecordingHost({ http: (_request, signal) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))) });
    const calls = Array.from({ length: 12 }, () =>
      pool.callAction(actionRequest(healthy, 'waitForCancel', { host, signal: controller.signal, limits: { timeoutMs: 20_000 } })),
    );
    await waitFor(() => host.calls.length === 8, 5000, 'eight calls to reach the host');

    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort();
    const outcomes = await Promise.all(calls);

    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({ ok: false, error: { code: 'RUNTIME_TASK_CANCELLED' } });
    }
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    await waitFor(() => pool.stats().busy === 0, 5000, 'the cancelled calls to leave their children');
  });

  it('ends a call at its timeout', async () => {
    const host = new RecordingHost({ http: (_request, signal) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))) });
    const startedAt = performance.now();

    const outcome = await pool.callAction(actionRequest(healthy, 'waitForCancel', { host, limits: { timeoutMs: 300 } }));

    expect(outcome).toMatchObject({ ok: false, error: { code: 'PLUGIN_TIMEOUT', retryable: true, details: { timeoutMs: 300 } } });
    const elapsed = performance.now() - startedAt;
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(3000);
    expect(httpSignal(host).aborted).toBe(true);
  });

  it('counts children and busy calls', async () => {
    const release = deferred<void>();
    const host = new RecordingHost({ http: async (request) => release.promise.then(() => okResponse(request.url)) });
    const call = pool.callAction(actionRequest(healthy, 'fetchUrl', { host, call: { config: { url: 'https://api.example.com/' } } }));
    await waitFor(() => host.calls.length === 1, 5000, 'the host request');

    expect(pool.stats()).toEqual({ children: 2, busy: 1, crashes: 0, queued: 0 });
    release.resolve();
    expect(await call).toMatchObject({ ok: true });
    expect(pool.stats().busy).toBe(0);
  });
});

/** CPU time a process has used, from `/proc/<pid>/stat` (Linux), in ms. */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of the line, in clock ticks of 10 ms on Linux.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

describe('limits', () => {
  it('resolves defaults and maximums', () => {
    const defaults = { memoryMb: 64, cpuTimeMs: 1000, timeoutMs: 5000 };
    const maximums = { memoryMb: 128, cpuTimeMs: 2000, timeoutMs: 10_000 };

    expect(resolveCallLimits(undefined, defaults, maximums)).toEqual(defaults);
    expect(resolveCallLimits({ memoryMb: 512, cpuTimeMs: 0, timeoutMs: Number.NaN }, defaults, maximums)).toEqual({
      memoryMb: 128,
      cpuTimeMs: 1000,
      timeoutMs: 5000,
    });
    expect(resolveCallLimits({ memoryMb: 1, cpuTimeMs: 1.7, timeoutMs: 20 }, defaults, maximums)).toEqual({
      memoryMb: 8,
      cpuTimeMs: 1,
      timeoutMs: 20,
    });
  });

  it('caps a call at the pool maximums', async () => {
    const pool = createPool({ poolSize: 1, maxLimits: { cpuTimeMs: 200 } });

    const outcome = await pool.callAction(
      actionRequest(healthy, 'burn', { call: { config: { ms: 10_000 } }, limits: { cpuTimeMs: 60_000, timeoutMs: 20_000 } }),
    );

    expect(pool.resolveLimits({ cpuTimeMs: 60_000 }).cpuTimeMs).toBe(200);
    expect(outcome).toMatchObject({ ok: false, error: { code: 'PLUGIN_CPU_TIME_EXCEEDED', details: { cpuTimeMs: 200 } } });
  });

  it('stops a bundle whose top level loops', async () => {
    const pool = createPool({ poolSize: 1, bundleTimeoutMs: 300 });
    const startedAt = performance.now();

    const outcome = await pool.callAction(actionRequest(rawCode('raw-loop@1.0.0', 'for (;;) {}'), 'echo'));

    expect(outcome).toMatchObject({ ok: false, error: { code: 'PLUGIN_BUNDLE_INVALID' } });
    expect(performance.now() - startedAt).toBeLessThan(4000);
  });
  it('stops a looping bundle at the call timeout', async () => {
    const pool = createPool({ poolSize: 1, bundleTimeoutMs: 20_000 });
    await pool.ready();
    const [pid] = pool.childPids();

    const outcome = await pool.callAction(actionRequest(rawCode('raw-loop-2@1.0.0', 'for (;;) {}'), 'echo', { limits: { timeoutMs: 300 } }));
    await sleep(100);
    const cpuBefore = processCpuMs(pid);
    await sleep(500);
    const cpuUsed = processCpuMs(pid) - cpuBefore;

    expect(outcome).toMatchObject({ ok: false, error: { code: 'PLUGIN_TIMEOUT' } });
    expect(cpuUsed).toBeLessThan(250);
  });
});

describe('queueing and concurrency', () => {
  it('queues calls beyond the concurrency', async () => {
    const pool = createPool({ poolSize: 1, concurrencyPerChild: 1 });
    await pool.ready();
    const startedAt = performance.now();

    const calls = [0, 1, 2].map(() =>
      pool.callAction(actionRequest(healthy, 'burn', { call: { config: { ms: 150 } }, limits: { cpuTimeMs: 5000 } })),
    );
    expect(pool.stats().queued).toBe(2);
    const outcomes = await Promise.all(calls);

    for (const outcome of outcomes) {
      expect(outcome.ok).toBe(true);
    }
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(3 * 150);
    expect(pool.stats().queued).toBe(0);
  });

  it('runs calls in parallel up to the concurrency', async () => {
    const pool = createPool({ poolSize: 2, concurrencyPerChild: 2 });
    await pool.ready();
    let inFlight = 0;
    let maxInFlight = 0;
    const host = new RecordingHost({
      http: async (request) => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await sleep(300);
        inFlight -= 1;
        return okResponse(request.url);
      },
    });

    const calls = Array.from({ length: 6 }, () =>
      pool.callAction(actionRequest(healthy, 'fetchUrl', { host, call: { config: { url: 'https://api.example.com/' } } })),
    );
    const outcomes = await Promise.all(calls);

    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    expect(maxInFlight).toBe(4);
  });

  it('rejects calls beyond maxQueue', async () => {
    const pool = createPool({ poolSize: 1, concurrencyPerChild: 1, maxQueue: 1 });
    const release = deferred<void>();
    const host = new RecordingHost({ http: async (request) => release.promise.then(() => okResponse(request.url)) });
    const request = actionRequest(healthy, 'fetchUrl', { host, call: { config: { url: 'https://api.example.com/' } } });
    await pool.ready();

    const running = pool.callAction(request);
    await waitFor(() => pool.stats().busy === 1, 5000, 'the first call to start');
    const queued = pool.callAction(request);
    const rejected = await pool.callAction(request);

    expect(rejected).toMatchObject({ ok: false, error: { code: 'PLUGIN_SANDBOX_BUSY', retryable: true } });
    release.resolve();
    expect((await running).ok).toBe(true);
    expect((await queued).ok).toBe(true);
  });

  it('times out a call that waits in the queue', async () => {
    const pool = createPool({ poolSize: 1, concurrencyPerChild: 1 });
    const release = deferred<void>();
    const host = new RecordingHost({ http: async (request) => release.promise.then(() => okResponse(request.url)) });
    await pool.ready();
    const running = pool.callAction(actionRequest(healthy, 'fetchUrl', { host, call: { config: { url: 'https://api.example.com/' } } }));

    const queued = await pool.callAction(actionRequest(healthy, 'echo', { limits: { timeoutMs: 200 } }));

    expect(queued).toMatchObject({ ok: false, error: { code: 'PLUGIN_TIMEOUT', details: { queued: true } } });
    release.resolve();
    expect((await running).ok).toBe(true);
  });

  it('removes a cancelled call from the queue', async () => {
    const pool = createPool({ poolSize: 1, concurrencyPerChild: 1 });
    const release = deferred<void>();
    const host = new RecordingHost({ http: async (request) => release.promise.then(() => okResponse(request.url)) });
    await pool.ready();
    const running = pool.callAction(actionRequest(healthy, 'fetchUrl', { host, call: { config: { url: 'https://api.example.com/' } } }));
    const controller = new AbortController();
    const queued = pool.callAction(actionRequest(healthy, 'echo', { signal: controller.signal }));
    expect(pool.stats().queued).toBe(1);

    controller.abort();

    expect(await queued).toMatchObject({ ok: false, error: { code: 'RUNTIME_TASK_CANCELLED' } });
    expect(pool.stats().queued).toBe(0);
    release.resolve();
    expect((await running).ok).toBe(true);
  });

  it('resends code a child evicted', async () => {
    const pool = createPool({ poolSize: 1, maxCachedPlugins: 1 });
    const other = codeOf(await packZooPlugin('cpu'));

    const first = await pool.callAction(actionRequest(healthy, 'nothing'));
    const evicting = await pool.callAction(actionRequest(other, 'quick'));
    const again = await pool.callAction(actionRequest(healthy, 'nothing'));

    expect(first.ok).toBe(true);
    expect(evicting.ok).toBe(true);
    expect(again).toEqual({ ok: true, outputs: { out: null } });
  });
});

/** `healthy` under another plugin name, so the pool treats its calls as another plugin's. */
function healthyAs(name: string): PluginCode {
  return { ...healthy, key: `${name}@1.0.0` };
}

/**
 * Returns a host whose HTTP requests wait until the test releases them. `started` lists the URL
 * of each request in arrival order, and `release(url)` resolves that request.
 */
function gatedHost() {
  const gates = new Map<string, () => void>();
  const host = new RecordingHost({
    http: (request) => new Promise((resolve) => gates.set(request.url, () => resolve(okResponse(request.url)))),
  });
  return {
    host,
    started: (): string[] => host.calls.flatMap((call) => (call.op === 'http' ? [call.request.url] : [])),
    release(url: string): void {
      const gate = gates.get(url);
      if (gate === undefined) {
        throw new Error(`no request to ${url} is waiting`);
      }
      gate();
    },
  };
}

describe('fairness between plugins', () => {
  let A: PluginCode;
  let B: PluginCode;
  let C: PluginCode;

  beforeAll(() => {
    A = healthyAs('plugin-a');
    B = healthyAs('plugin-b');
    C = healthyAs('plugin-c');
  });

  /** Starts a `fetchUrl` call of `plugin` that waits at `https://<label>.example/` until released. */
  function gatedCall(pool: SandboxPool, plugin: PluginCode, gate: ReturnType<typeof gatedHost>, label: string) {
    return pool.callAction(
      actionRequest(plugin, 'fetchUrl', {
        host: gate.host,
        call: { config: { url: `https://${label}.example/` } },
        limits: { timeoutMs: 20_000 },
      }),
    );
  }

  it('lone plugin uses every slot', async () => {
    const pool = createPool({ poolSize: 2, concurrencyPerChild: 2 });
    await pool.ready();
    const gate = gatedHost();

    const calls = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'].map((label) => gatedCall(pool, A, gate, label));
    await waitFor(() => gate.started().length === 4, 5000, 'four calls to reach the host');
    await sleep(200);

    // The reserve slot is only for a plugin with no call in flight, so the fifth call waits.
    expect(gate.started()).toHaveLength(4);
    expect(pool.stats()).toMatchObject({ busy: 4, queued: 2 });
    for (const label of ['a1', 'a2', 'a3', 'a4']) {
      gate.release(`https://${label}.example/`);
    }
    await waitFor(() => gate.started().length === 6, 5000, 'the queued calls to start');
    gate.release('https://a5.example/');
    gate.release('https://a6.example/');
    const outcomes = await Promise.all(calls);
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
  });

  it('waiting plugin gets the next free slot', async () => {
    const pool = createPool({ poolSize: 1, concurrencyPerChild: 4 });
    await pool.ready();
    const gate = gatedHost();
    const running = ['a1', 'a2', 'a3'].map((label) => gatedCall(pool, A, gate, label));
    await waitFor(() => gate.started().length === 3, 5000, 'three calls of plugin A to start');
    running.push(gatedCall(pool, B, gate, 'b1'));
    await waitFor(() => gate.started().length === 4, 5000, 'the call of plugin B to start');

    // a4 has waited longer than b2, but plugin A has three calls in flight and plugin B one.
    const a4 = gatedCall(pool, A, gate, 'a4');
    const b2 = gatedCall(pool, B, gate, 'b2');
    await sleep(200);
    expect(pool.stats()).toMatchObject({ busy: 4, queued: 2 });
    gate.release('https://a1.example/');
    await waitFor(() => gate.started().length === 5, 5000, 'a queued call to start');

    expect(gate.started()[4]).toBe('https://b2.example/');
    expect(pool.stats()).toMatchObject({ busy: 4, queued: 1 });
    for (const label of ['a2', 'a3', 'b1', 'b2']) {
      gate.release(`https://${label}.example/`);
    }
    await waitFor(() => gate.started().length === 6, 5000, 'a4 to start');
    gate.release('https://a4.example/');
    const outcomes = await Promise.all([...running, a4, b2]);
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
  });

  it('two plugins interleave', async () => {
    const pool = createPool({ poolSize: 1, concurrencyPerChild: 2 });
    await pool.ready();
    const gate = gatedHost();
    const labels = ['a1', 'a2', 'a3', 'a4', 'b1', 'b2', 'b3', 'b4'];
    const outcomes = new Map<string, Promise<CallOutcome>>();
    const submit = (label: string): void => {
      outcomes.set(`https://${label}.example/`, gatedCall(pool, label.startsWith('a') ? A : B, gate, label));
    };
    // Calls dispatched at once may reach the host in any order, so the first ones start in steps.
    ['a1', 'a2', 'a3', 'a4'].forEach(submit);
    await waitFor(() => gate.started().length === 2, 5000, 'plugin A to hold both slots');
    ['b1', 'b2', 'b3', 'b4'].forEach(submit);

    // Each step releases the call that started first among those still running. The pool has
    // dispatched the next call by the time the released call's outcome resolves, so the test
    // then waits until every call holding a slot has reached the host.
    let released = 0;
    while (released < labels.length) {
      await waitFor(() => gate.started().length === released + pool.stats().busy, 5000, 'dispatched calls to reach the host');
      const url = gate.started()[released];
      gate.release(url);
      expect(await outcomes.get(url), url).toMatchObject({ ok: true });
      released += 1;
    }

    // a1 and a2 fill both slots, b1 takes the reserve slot, and then each free slot goes to the
    // plugin with fewer calls in flight. First in, first out would run a3 and a4 before b1.
    const order = gate.started().map((url) => new URL(url).hostname.split('.')[0]);
    expect(order.slice(0, 2).sort()).toEqual(['a1', 'a2']);
    expect(order.slice(2)).toEqual(['b1', 'a3', 'b2', 'a4', 'b3', 'b4']);
  });

  it('reserve slot takes one call at a time', async () => {
    const pool = createPool({ poolSize: 1, concurrencyPerChild: 2 });
    await pool.ready();
    const gate = gatedHost();
    const calls = [gatedCall(pool, A, gate, 'a1'), gatedCall(pool, A, gate, 'a2'), gatedCall(pool, A, gate, 'a3')];
    await waitFor(() => gate.started().length === 2, 5000, 'plugin A to hold both slots');

    calls.push(gatedCall(pool, B, gate, 'b1'));
    await waitFor(() => gate.started().length === 3, 5000, 'plugin B to start on the reserve slot');
    calls.push(gatedCall(pool, C, gate, 'c1'));
    await sleep(200);

    expect(gate.started()).toHaveLength(3);
    expect(gate.started()[2]).toBe('https://b1.example/');
    expect(pool.stats()).toMatchObject({ busy: 3, queued: 2 });
    gate.release('https://b1.example/');
    await waitFor(() => gate.started().length === 4, 5000, 'plugin C to take the reserve slot');
    expect(gate.started()[3]).toBe('https://c1.example/');
    expect(pool.stats()).toMatchObject({ busy: 3, queued: 1 });
    for (const label of ['a1', 'a2', 'c1']) {
      gate.release(`https://${label}.example/`);
    }
    await waitFor(() => gate.started().length === 5, 5000, 'a3 to start');
    gate.release('https://a3.example/');
    const outcomes = await Promise.all(calls);
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
  });

  it('other plugin runs beside a spinning plugin', async () => {
    const pool = createPool({ poolSize: 1, concurrencyPerChild: 2 });
    await pool.ready();
    const limits = { cpuTimeMs: 30_000, timeoutMs: 30_000 };
    const controller = new AbortController();
    const spinning = [1, 2].map(() =>
      pool.callAction(actionRequest(A, 'burn', { call: { config: { ms: 20_000 } }, limits, signal: controller.signal })),
    );
    await waitFor(() => pool.stats().busy === 2, 5000, 'two spinning calls to start');
    const startedAt = performance.now();

    const outcome = await pool.callAction(actionRequest(B, 'nothing'));

    expect(outcome).toEqual({ ok: true, outputs: { out: null } });
    expect(performance.now() - startedAt).toBeLessThan(5000);
    controller.abort();
    for (const spin of await Promise.all(spinning)) {
      expect(spin).toMatchObject({ ok: false, error: { code: 'RUNTIME_TASK_CANCELLED' } });
    }
    await waitFor(() => pool.stats().busy === 0, 5000, 'the spinning isolates to be disposed');
  });
});

describe('supervision', () => {
  /** Starts a call whose host request hangs until `release` is called. */
  function hangingCall(pool: SandboxPool) {
    const release = deferred<void>();
    const started = deferred<void>();
    const host = new RecordingHost({
      http: async (request) => {
        started.resolve();
        await release.promise;
        return okResponse(request.url);
      },
    });
    const outcome = pool.callAction(
      actionRequest(healthy, 'fetchUrl', { host, call: { config: { url: 'https://api.example.com/' } }, limits: { timeoutMs: 20_000 } }),
    );
    return { outcome, started: started.promise, release: () => release.resolve() };
  }

  it('replaces a child killed with SIGKILL', async () => {
    const pool = createPool({ poolSize: 1 });
    await pool.ready();
    const [pid] = pool.childPids();
    const call = hangingCall(pool);
    await call.started;

    process.kill(pid, 'SIGKILL');
    const outcome = await call.outcome;

    expect(outcome).toMatchObject({
      ok: false,
      error: { code: 'PLUGIN_SANDBOX_CRASHED', retryable: true, details: { signal: 'SIGKILL' } },
    });
    expect(pool.stats().crashes).toBe(1);
    await pool.ready();
    expect(pool.childPids()).toHaveLength(1);
    expect(pool.childPids()).not.toContain(pid);
    expect(await pool.callAction(actionRequest(healthy, 'nothing'))).toEqual({ ok: true, outputs: { out: null } });
  });

  it('keeps calls on other children running', async () => {
    const pool = createPool({ poolSize: 2, concurrencyPerChild: 1 });
    await pool.ready();
    const first = hangingCall(pool);
    const second = hangingCall(pool);
    await Promise.all([first.started, second.started]);

    process.kill(pool.childPids()[0], 'SIGKILL');
    const crashed = await Promise.race([first.outcome, second.outcome]);
    first.release();
    second.release();
    const outcomes = await Promise.all([first.outcome, second.outcome]);

    expect(crashed).toMatchObject({ ok: false, error: { code: 'PLUGIN_SANDBOX_CRASHED' } });
    expect(outcomes.filter((outcome) => outcome.ok)).toHaveLength(1);
  });

  it('dispatches queued calls after a crash', async () => {
    const pool = createPool({ poolSize: 1, concurrencyPerChild: 1 });
    await pool.ready();
    const running = hangingCall(pool);
    await running.started;
    const queued = [pool.callAction(actionRequest(healthy, 'nothing')), pool.callAction(actionRequest(healthy, 'route'))];
    expect(pool.stats().queued).toBe(2);

    process.kill(pool.childPids()[0], 'SIGKILL');

    expect(await running.outcome).toMatchObject({ ok: false, error: { code: 'PLUGIN_SANDBOX_CRASHED' } });
    expect(await queued[0]).toEqual({ ok: true, outputs: { out: null } });
    expect(await queued[1]).toEqual({ ok: true, outputs: { second: null } });
  });

  it('kills a child that stops answering heartbeats', async () => {
    const pool = createPool({ poolSize: 1, heartbeatIntervalMs: 100, heartbeatTimeoutMs: 600 });
    await pool.ready();
    const [pid] = pool.childPids();
    const call = hangingCall(pool);
    await call.started;

    process.kill(pid, 'SIGSTOP');
    const outcome = await call.outcome;

    expect(outcome).toMatchObject({ ok: false, error: { code: 'PLUGIN_SANDBOX_CRASHED', details: { reason: 'unresponsive' } } });
    await pool.ready();
    expect(pool.childPids()).not.toContain(pid);
    expect(pool.stats().crashes).toBe(1);
    expect((await pool.callAction(actionRequest(healthy, 'nothing'))).ok).toBe(true);
  });

  it('retires a child that misses a call deadline', async () => {
    const pool = createPool({ poolSize: 1, heartbeatTimeoutMs: 60_000, backstopGraceMs: 300 });
    await pool.ready();
    const [pid] = pool.childPids();

    // A stopped child cannot enforce the timeout, and heartbeats are too slow to notice it here.
    process.kill(pid, 'SIGSTOP');
    const startedAt = performance.now();
    const outcome = await pool.callAction(actionRequest(healthy, 'nothing', { limits: { timeoutMs: 300 } }));

    expect(outcome).toMatchObject({ ok: false, error: { code: 'PLUGIN_TIMEOUT' } });
    expect(performance.now() - startedAt).toBeLessThan(3000);
    await waitFor(() => !pool.childPids().includes(pid), 5000, 'the stopped child to be killed');
    await pool.ready();
    expect(pool.stats().crashes).toBe(1);
    expect((await pool.callAction(actionRequest(healthy, 'nothing'))).ok).toBe(true);
  });

  it('lets neighbours finish after a fatal out-of-memory error', async () => {
    const pool = createPool({ poolSize: 1, concurrencyPerChild: 2 });
    const memory = codeOf(await packZooPlugin('memory'));
    await pool.ready();
    const [pid] = pool.childPids();
    const neighbour = hangingCall(pool);
    await neighbour.started;

    const bomb = await pool.callAction(actionRequest(memory, 'hugeArrayFill', { limits: { cpuTimeMs: 10_000 } }));
    expect(bomb).toMatchObject({ ok: false, error: { code: 'PLUGIN_MEMORY_LIMIT', details: { fatal: true } } });
    neighbour.release();

    expect(await neighbour.outcome).toMatchObject({ ok: true });
    await waitFor(() => !pool.childPids().includes(pid), 5000, 'the retired child to end');
    await pool.ready();
    expect(pool.stats().crashes).toBe(1);
    expect((await pool.callAction(actionRequest(healthy, 'nothing'))).ok).toBe(true);
  });

  it('fails queued and running calls on close', async () => {
    const pool = createPool({ poolSize: 1, concurrencyPerChild: 1 });
    await pool.ready();
    const running = hangingCall(pool);
    await running.started;
    const queued = pool.callAction(actionRequest(healthy, 'nothing'));

    await pool.close();

    expect(await running.outcome).toMatchObject({ ok: false, error: { code: 'PLUGIN_SANDBOX_CLOSED' } });
    expect(await queued).toMatchObject({ ok: false, error: { code: 'PLUGIN_SANDBOX_CLOSED' } });
    expect(await pool.callAction(actionRequest(healthy, 'nothing'))).toMatchObject({
      ok: false,
      error: { code: 'PLUGIN_SANDBOX_CLOSED' },
    });
    expect(pool.childPids()).toEqual([]);
  });
});
