/**
 * The zoo: hostile plugins run through a real pool. Every attack must end with its coded error
 * within a bounded time, while a healthy call started beside it succeeds and this process (the
 * server's stand-in) keeps running.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SandboxPool } from '../../src/sandbox/pool.js';
import type { CallLimits, CallOutcome, PluginCode } from '../../src/sandbox/types.js';
import { actionRequest, codeOf, okResponse, packZooPlugin, RecordingHost, sleep, TEST_LIMITS } from './support.js';

/** One attack: the action, its expected error code, and the time it must end within. */
interface Attack {
  plugin: string;
  action: string;
  code: string;
  withinMs: number;
  limits?: Partial<CallLimits>;
  message?: RegExp;
}

/** Memory attacks get CPU time to spare, so the memory limit is what stops them. */
const MEMORY_LIMITS: Partial<CallLimits> = { memoryMb: 32, cpuTimeMs: 10_000, timeoutMs: 20_000 };

const ATTACKS: Attack[] = [
  { plugin: 'cpu', action: 'syncLoop', code: 'PLUGIN_CPU_TIME_EXCEEDED', withinMs: 5000 },
  { plugin: 'cpu', action: 'asyncLoop', code: 'PLUGIN_CPU_TIME_EXCEEDED', withinMs: 5000 },
  { plugin: 'cpu', action: 'catastrophicRegex', code: 'PLUGIN_CPU_TIME_EXCEEDED', withinMs: 5000 },
  { plugin: 'cpu', action: 'spinAfterReturn', code: 'PLUGIN_CPU_TIME_EXCEEDED', withinMs: 5000 },
  {
    plugin: 'cpu',
    action: 'deepRecursion',
    code: 'RUNTIME_NODE_FAILED',
    withinMs: 5000,
    message: /Maximum call stack size exceeded/,
  },
  { plugin: 'cpu', action: 'neverResolves', code: 'PLUGIN_TIMEOUT', withinMs: 5000, limits: { timeoutMs: 1000 } },
  { plugin: 'memory', action: 'arrayGrowth', code: 'PLUGIN_MEMORY_LIMIT', withinMs: 15_000, limits: MEMORY_LIMITS },
  { plugin: 'memory', action: 'mapGrowth', code: 'PLUGIN_MEMORY_LIMIT', withinMs: 15_000, limits: MEMORY_LIMITS },
  { plugin: 'memory', action: 'stringDoubling', code: 'PLUGIN_MEMORY_LIMIT', withinMs: 15_000, limits: MEMORY_LIMITS },
  { plugin: 'memory', action: 'arrayBuffers', code: 'PLUGIN_MEMORY_LIMIT', withinMs: 15_000, limits: MEMORY_LIMITS },
  { plugin: 'memory', action: 'hugeArrayFill', code: 'PLUGIN_MEMORY_LIMIT', withinMs: 15_000, limits: MEMORY_LIMITS },
  {
    plugin: 'memory',
    action: 'wasmMemory',
    code: 'RUNTIME_NODE_FAILED',
    withinMs: 5000,
    limits: MEMORY_LIMITS,
    message: /reading 'Memory'/,
  },
  { plugin: 'escape', action: 'useRequire', code: 'RUNTIME_NODE_FAILED', withinMs: 5000, message: /require is not a function/ },
  { plugin: 'escape', action: 'useProcess', code: 'RUNTIME_NODE_FAILED', withinMs: 5000, message: /reading 'env'/ },
  { plugin: 'escape', action: 'dynamicImport', code: 'RUNTIME_NODE_FAILED', withinMs: 5000, message: /Not supported/ },
  { plugin: 'escape', action: 'useFetch', code: 'RUNTIME_NODE_FAILED', withinMs: 5000, message: /fetch is not a function/ },
  {
    plugin: 'escape',
    action: 'sharedMemory',
    code: 'RUNTIME_NODE_FAILED',
    withinMs: 5000,
    message: /SharedArrayBuffer is not a constructor/,
  },
  { plugin: 'escape', action: 'timers', code: 'RUNTIME_NODE_FAILED', withinMs: 5000, message: /setTimeout is not a function/ },
  { plugin: 'oversize', action: 'hugeResult', code: 'PLUGIN_RESULT_TOO_LARGE', withinMs: 20_000, limits: { memoryMb: 256, cpuTimeMs: 15_000, timeoutMs: 15_000 } },
  { plugin: 'oversize', action: 'hugeRequest', code: 'PLUGIN_PAYLOAD_TOO_LARGE', withinMs: 20_000, limits: { memoryMb: 256, cpuTimeMs: 15_000, timeoutMs: 15_000 } },
  { plugin: 'oversize', action: 'bigIntResult', code: 'PLUGIN_RESULT_INVALID', withinMs: 5000 },
  { plugin: 'oversize', action: 'cyclicResult', code: 'PLUGIN_RESULT_INVALID', withinMs: 5000 },
];

/** What each thrower's value becomes. */
const THROWN: { action: string; code: string; message: RegExp }[] = [
  { action: 'throwString', code: 'PLUGIN_THROWN_VALUE', message: /type string instead of an Error: "a plain string"/ },
  { action: 'throwNumber', code: 'PLUGIN_THROWN_VALUE', message: /type number instead of an Error: 42/ },
  { action: 'throwNull', code: 'PLUGIN_THROWN_VALUE', message: /type null instead of an Error$/ },
  { action: 'throwUndefined', code: 'PLUGIN_THROWN_VALUE', message: /type undefined instead of an Error$/ },
  { action: 'throwObject', code: 'PLUGIN_THROWN_VALUE', message: /type object instead of an Error: \[object Object\]/ },
  { action: 'throwSymbol', code: 'PLUGIN_THROWN_VALUE', message: /type symbol instead of an Error: Symbol\(thrown\)/ },
  { action: 'throwBigInt', code: 'PLUGIN_THROWN_VALUE', message: /type bigint instead of an Error: 1000000000000000000000000000000/ },
  { action: 'throwFunction', code: 'PLUGIN_THROWN_VALUE', message: /type function instead of an Error$/ },
  { action: 'throwTypeError', code: 'RUNTIME_NODE_FAILED', message: /^TypeError: a bug in the plugin$/ },
  { action: 'throwCodedObject', code: 'THROWERS_CODED', message: /^a coded plain object$/ },
  { action: 'throwHostileObject', code: 'PLUGIN_THROWN_VALUE', message: /properties cannot be read/ },
  { action: 'throwUnserializableDetails', code: 'THROWERS_DETAILS', message: /^details hold a BigInt$/ },
];

let pool: SandboxPool;
let healthy: PluginCode;
const plugins = new Map<string, PluginCode>();

beforeAll(async () => {
  pool = new SandboxPool({ poolSize: 2 });
  healthy = codeOf(await packZooPlugin('healthy'));
  for (const name of ['cpu', 'memory', 'escape', 'pollution', 'throwers', 'oversize']) {
    plugins.set(name, codeOf(await packZooPlugin(name)));
  }
  await pool.ready();
});

afterAll(async () => {
  await pool.close();
});

function zooPlugin(name: string): PluginCode {
  const plugin = plugins.get(name);
  if (plugin === undefined) {
    throw new Error(`zoo plugin ${name} was not packed`);
  }
  return plugin;
}

/** Runs a healthy echo call and checks its outputs. */
async function expectHealthyCall(label: string): Promise<void> {
  const outcome = await pool.callAction(actionRequest(healthy, 'mirror', { call: { input: { in: label } } }));
  expect(outcome, `healthy call beside ${label}`).toEqual({ ok: true, outputs: { out: label } });
}

function errorOf(outcome: CallOutcome): { code: string; message: string } {
  if (outcome.ok) {
    throw new Error(`expected an error, got outputs ${JSON.stringify(outcome.outputs).slice(0, 200)}`);
  }
  return outcome.error;
}

describe('attacks', () => {
  for (const attack of ATTACKS) {
    it(`${attack.plugin}/${attack.action} ends with ${attack.code}`, async () => {
      const host = new RecordingHost({ http: async (request) => okResponse(request.url) });
      const startedAt = performance.now();

      const attackCall = pool.callAction(
        actionRequest(zooPlugin(attack.plugin), attack.action, { host, limits: { ...TEST_LIMITS, ...attack.limits } }),
      );
      const healthyCall = expectHealthyCall(`${attack.plugin}/${attack.action}`);
      const outcome = await attackCall;
      const elapsed = performance.now() - startedAt;
      await healthyCall;

      const error = errorOf(outcome);
      expect(error.code).toBe(attack.code);
      if (attack.message !== undefined) {
        expect(error.message).toMatch(attack.message);
      }
      expect(elapsed).toBeLessThan(attack.withinMs);
      expect(host.calls.filter((call) => call.op === 'http')).toEqual([]);
      // The attacked plugin still runs, in a new or recycled isolate.
      if (attack.plugin === 'cpu' || attack.plugin === 'memory') {
        const after = await pool.callAction(actionRequest(zooPlugin(attack.plugin), 'quick'));
        expect(after).toEqual({ ok: true, outputs: { out: 'quick' } });
      }
    });
  }
});

describe('thrown values', () => {
  for (const thrown of THROWN) {
    for (const async of [false, true]) {
      it(`${thrown.action}${async ? ' (rejected)' : ''} becomes ${thrown.code}`, async () => {
        const healthyCall = expectHealthyCall(thrown.action);

        const outcome = await pool.callAction(
          actionRequest(zooPlugin('throwers'), thrown.action, { call: { config: { async } } }),
        );

        const error = errorOf(outcome);
        expect(error.code).toBe(thrown.code);
        expect(error.message).toMatch(thrown.message);
        await healthyCall;
      });
    }
  }

  it('keeps the retryable flag and details of a coded object', async () => {
    const outcome = await pool.callAction(actionRequest(zooPlugin('throwers'), 'throwCodedObject'));

    expect(outcome).toEqual({
      ok: false,
      error: { code: 'THROWERS_CODED', message: 'a coded plain object', retryable: true, details: { n: 1 } },
    });
  });
});

describe('escape attempts that return', () => {
  it('finds no process through constructors', async () => {
    const outcome = await pool.callAction(actionRequest(zooPlugin('escape'), 'constructorChain'));

    expect(outcome).toEqual({
      ok: true,
      outputs: { out: { fromContext: 'undefined', globalIsOwn: true, processOnGlobal: 'undefined' } },
    });
  });

  it('finds no host objects in stack frames', async () => {
    const outcome = await pool.callAction(actionRequest(zooPlugin('escape'), 'stackFrames'));

    expect(outcome.ok).toBe(true);
    const frames = outcome.ok ? (outcome.outputs.out as string[]) : [];
    expect(frames.length).toBeGreaterThan(0);
    expect(new Set(frames)).toEqual(new Set(['undefined']));
  });

  it('sees only ECMAScript globals', async () => {
    const outcome = await pool.callAction(actionRequest(zooPlugin('escape'), 'globalNames'));

    const names = outcome.ok ? (outcome.outputs.out as string[]) : [];
    expect(names).toContain('Object');
    expect(names).toContain('__gestorleadPlugin');
    for (const name of ['process', 'require', 'module', 'Buffer', 'fetch', 'setTimeout', 'setImmediate', 'queueMicrotask', 'WebAssembly', 'SharedArrayBuffer', 'Atomics']) {
      expect(names, name).not.toContain(name);
    }
  });
});

describe('pollution', () => {
  it('never reaches the next call', async () => {
    for (let round = 0; round < 4; round += 1) {
      const polluted = await pool.callAction(actionRequest(zooPlugin('pollution'), 'pollute'));
      const inspected = await pool.callAction(actionRequest(zooPlugin('pollution'), 'inspect'));

      expect(polluted).toEqual({ ok: true, outputs: { out: 'polluted' } });
      expect(inspected).toEqual({
        ok: true,
        outputs: { out: { objectPrototype: null, arrayPrototype: null, mapped: [2, 4], json: '{"a":1}', global: null } },
      });
    }
    await expectHealthyCall('pollution');
  });
});

describe('floods', () => {
  it('caps the log lines of a call', async () => {
    const host = new RecordingHost();

    const outcome = await pool.callAction(actionRequest(zooPlugin('oversize'), 'logFlood', { host, call: { config: { lines: 5000 } } }));

    expect(outcome).toEqual({ ok: true, outputs: { out: 5000 } });
    expect(host.logs).toHaveLength(1001);
    expect(host.logs[0].message.length).toBeLessThanOrEqual(8193);
    expect(host.logs[0].data).toEqual({ truncated: true, length: JSON.stringify({ blob: 'z'.repeat(200_000) }).length });
    expect(host.logs[1000]).toMatchObject({ level: 'warn', data: { dropped: 4000 } });
  });

  it('caps the host requests in flight', async () => {
    const host = new RecordingHost({
      http: async (request) => {
        await sleep(50);
        return okResponse(request.url);
      },
    });

    const outcome = await pool.callAction(actionRequest(zooPlugin('oversize'), 'requestFlood', { host }));

    const results = outcome.ok ? (outcome.outputs.out as string[]) : [];
    expect(results.filter((result) => result === 'ok')).toHaveLength(16);
    expect(results.filter((result) => result === 'PLUGIN_HOST_REQUEST_LIMIT')).toHaveLength(84);
    expect(host.calls).toHaveLength(16);
  });
});

describe('the server process', () => {
  it('survives the zoo with a working pool', async () => {
    await expectHealthyCall('the end of the zoo');

    expect(pool.stats().children).toBe(2);
    expect(pool.stats().busy).toBe(0);
    expect(process.memoryUsage().rss).toBeLessThan(1024 * 1024 * 1024);
  });
});
