/**
 * The plugin sandbox: warm call latency over the child boundary, cold start of a child,
 * latency and throughput of healthy calls beside a hostile neighbour, and the memory of an idle
 * pool. Baselines, measured in the same process: an IPC echo child with the pool's serialization,
 * the same call on an isolate inside this process (no child boundary), a bare `node` child, and
 * the same load without a neighbour.
 *
 *   node --no-node-snapshot --import tsx bench/sandbox.ts
 *
 * Every phase is bounded; the whole run stops itself after `TIME_LIMIT_MS`.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

import { contextPrelude } from '../runtime/src/sandbox/prelude.mjs';
import { SandboxPool, SANDBOX_DEFAULTS } from '../runtime/src/sandbox/pool.js';
import type { CallLimits, PluginCode } from '../runtime/src/sandbox/types.js';
import { actionRequest, codeOf, packZooPlugin, rawCode, sleep } from '../runtime/test/sandbox/support.js';
import { runBenchmark, type AimCheck, type BenchmarkOutput, type TableRow } from './lib/report.js';
import { formatNumber, median, percentile } from './lib/stats.js';

/** The run ends itself after this long, whatever phase it is in. */
const TIME_LIMIT_MS = 150_000;
const PAYLOAD = 'x'.repeat(1000);
const WARM_CALLS = 2000;
const PACED_CALLS = 1000;
/** Pause between paced calls, so each call finds its isolate's next context prepared. */
const PACE_MS = 2;
const COLD_STARTS = 5;
const LOAD_ROUNDS = 40;
/** Each load case runs this many times, interleaved with the others; the report keeps medians. */
const LOAD_REPETITIONS = 3;
const LOAD_CONCURRENCY = 50;
const LARGE_RESULT_CHARS = 5_000_000;
const LARGE_RESULT_CALLS = 80;
const AIM_WARM_P50_MS = 0.4;
const AIM_NEIGHBOUR_P99_RATIO = 2;

interface LatencySummary {
  p50: number;
  p99: number;
  count: number;
}

function summarize(samples: number[]): LatencySummary {
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), count: samples.length };
}

function ms(value: number, digits = 3): string {
  return `${formatNumber(value, digits)} ms`;
}

/** Resident set size of a process from `/proc/<pid>/status`, in MiB (Linux only). */
function rssMiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/* ------------------------------------------------------------------ warm calls */

async function measureWarmCalls(pool: SandboxPool, plugin: PluginCode): Promise<{ backToBack: LatencySummary; paced: LatencySummary }> {
  const request = actionRequest(plugin, 'mirror', { call: { input: { in: PAYLOAD } } });
  for (let index = 0; index < 500; index += 1) {
    await pool.callAction(request);
  }
  const backToBack: number[] = [];
  for (let index = 0; index < WARM_CALLS; index += 1) {
    const startedAt = performance.now();
    const outcome = await pool.callAction(request);
    backToBack.push(performance.now() - startedAt);
    if (!outcome.ok) {
      throw new Error(`warm call failed: ${outcome.error.code}`);
    }
  }
  const paced: number[] = [];
  for (let index = 0; index < PACED_CALLS; index += 1) {
    await sleep(PACE_MS);
    const startedAt = performance.now();
    await pool.callAction(request);
    paced.push(performance.now() - startedAt);
  }
  return { backToBack: summarize(backToBack), paced: summarize(paced) };
}

/**
 * Measures the round trip of a 1 KB message to a child that echoes it, with the pool's
 * serialization: back to back, and one every `PACE_MS` as the paced pool calls.
 */
async function measureIpcEcho(): Promise<{ backToBack: LatencySummary; paced: LatencySummary }> {
  const child = spawn(process.execPath, ['-e', "process.on('message', (m) => process.send(m))"], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  let resolveReply: () => void = () => undefined;
  child.on('message', () => resolveReply());
  const message = { type: 'call', id: 1, payload: JSON.stringify({ input: { in: PAYLOAD } }) };
  const roundTrip = async (): Promise<number> => {
    const startedAt = performance.now();
    await new Promise<void>((resolve) => {
      resolveReply = resolve;
      child.send(message);
    });
    return performance.now() - startedAt;
  };

  const backToBack: number[] = [];
  for (let index = 0; index < 500 + WARM_CALLS; index += 1) {
    const elapsed = await roundTrip();
    if (index >= 500) {
      backToBack.push(elapsed);
    }
  }
  const paced: number[] = [];
  for (let index = 0; index < PACED_CALLS; index += 1) {
    await sleep(PACE_MS);
    paced.push(await roundTrip());
  }
  child.kill('SIGKILL');
  return { backToBack: summarize(backToBack), paced: summarize(paced) };
}

/**
 * Measures the call on an isolate inside this process. Each context is prepared before the clock
 * starts, as a warm child prepares it, so only the call into the isolate is timed.
 */
async function measureInProcessIsolate(plugin: PluginCode): Promise<LatencySummary> {
  const require = createRequire(import.meta.url);
  const ivm = require('isolated-vm') as typeof import('isolated-vm');
  const preludeSettings = {
    maxPayloadBytes: SANDBOX_DEFAULTS.maxPayloadBytes,
    maxPendingHostRequests: SANDBOX_DEFAULTS.maxPendingHostRequests,
    maxLogLinesPerCall: SANDBOX_DEFAULTS.maxLogLinesPerCall,
    maxLogMessageLength: SANDBOX_DEFAULTS.maxLogMessageLength,
    maxLogDataLength: SANDBOX_DEFAULTS.maxLogDataLength,
  };

  const isolate = new ivm.Isolate({ memoryLimit: 64 });
  const bundle = await isolate.compileScript(plugin.code);
  const prelude = await isolate.compileScript(`(${contextPrelude.toString()})(${JSON.stringify(preludeSettings)})`);
  const host = new ivm.Reference(async () => '{"ok":true,"value":null}');
  const log = new ivm.Callback(() => undefined, { ignored: true });
  const payload = JSON.stringify({
    action: 'mirror',
    version: 1,
    config: {},
    input: { in: PAYLOAD },
    credentials: {},
    run: { id: 'run', graphId: 'graph', nodeId: 'node', taskId: 'task', attempt: 1 },
  });

  const samples: number[] = [];
  for (let index = 0; index < 200 + PACED_CALLS; index += 1) {
    const context = await isolate.createContext();
    const entry = (await prelude.run(context, { reference: true })) as import('isolated-vm').Reference<Function>;
    await bundle.run(context);
    await sleep(PACE_MS);
    const startedAt = performance.now();
    await entry.apply(undefined, ['call', 'action', null, payload, host, log], { result: { promise: true } });
    if (index >= 200) {
      samples.push(performance.now() - startedAt);
    }
    entry.release();
    context.release();
  }

  isolate.dispose();
  return summarize(samples);
}

/* ------------------------------------------------------------------ large results */

interface LargeResults {
  warmRss: number;
  afterRss: number;
  msPerCall: number;
}

/**
 * RSS of a child of a pool of 1 after 5 warm-up calls, and after `LARGE_RESULT_CALLS` more
 * calls that each return a string of `LARGE_RESULT_CHARS` characters.
 */
async function measureLargeResults(): Promise<LargeResults> {
  const pool = new SandboxPool({ poolSize: 1 });
  await pool.ready();
  const [pid] = pool.childPids();
  const plugin = rawCode(
    'bench-large@1.0.0',
    '(() => { globalThis.__gestorleadPlugin = { manifest: { actions: [{ name: "large", version: 1, outputs: [{ name: "out" }] }] },' +
      ` actions: [{ name: "large", version: 1, run: () => "x".repeat(${LARGE_RESULT_CHARS}) }], triggers: [] }; })();`,
  );
  const request = actionRequest(plugin, 'large', { limits: { memoryMb: 128, cpuTimeMs: 5_000 } });
  const call = async (): Promise<void> => {
    const outcome = await pool.callAction(request);
    if (!outcome.ok) {
      throw new Error(`large result call failed: ${outcome.error.code}`);
    }
  };
  for (let index = 0; index < 5; index += 1) {
    await call();
  }
  const warmRss = rssMiB(pid);
  const startedAt = performance.now();
  for (let index = 0; index < LARGE_RESULT_CALLS; index += 1) {
    await call();
  }
  const msPerCall = (performance.now() - startedAt) / LARGE_RESULT_CALLS;
  const afterRss = rssMiB(pid);
  await pool.close();
  return { warmRss, afterRss, msPerCall };
}

/* ------------------------------------------------------------------ cold start */

interface ColdStart {
  ready: number;
  firstCall: number;
}

async function measureColdStart(plugin: PluginCode): Promise<ColdStart> {
  const readies: number[] = [];
  const firstCalls: number[] = [];
  for (let round = 0; round < COLD_STARTS; round += 1) {
    const startedAt = performance.now();
    const pool = new SandboxPool({ poolSize: 1 });
    await pool.ready();
    readies.push(performance.now() - startedAt);
    const outcome = await pool.callAction(actionRequest(plugin, 'mirror', { call: { input: { in: PAYLOAD } } }));
    firstCalls.push(performance.now() - startedAt);
    if (!outcome.ok) {
      throw new Error(`first call failed: ${outcome.error.code}`);
    }
    await pool.close();
  }
  return { ready: median(readies), firstCall: median(firstCalls) };
}

/** Spawn of a bare `node` child to its first IPC message, with and without loading isolated-vm. */
async function measureBareChild(loadIsolatedVm: boolean): Promise<number> {
  const isolatedVmPath = createRequire(import.meta.url).resolve('isolated-vm');
  const script = loadIsolatedVm ? `require(${JSON.stringify(isolatedVmPath)}); process.send('ready')` : "process.send('ready')";
  const samples: number[] = [];
  for (let round = 0; round < COLD_STARTS; round += 1) {
    const startedAt = performance.now();
    const child = spawn(process.execPath, ['--no-node-snapshot', '-e', script], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    await new Promise((resolve) => child.once('message', resolve));
    samples.push(performance.now() - startedAt);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  return median(samples);
}

/* ------------------------------------------------------------------ load beside a neighbour */

interface Neighbour {
  label: string;
  plugin: string;
  action: string;
  limits: Partial<CallLimits>;
}

const NEIGHBOURS: Neighbour[] = [
  { label: 'CPU burner (syncLoop, 1 s CPU per call)', plugin: 'cpu', action: 'syncLoop', limits: { cpuTimeMs: 1000, timeoutMs: 10_000 } },
  {
    label: 'memory bomb (arrayGrowth, 64 MiB heap)',
    plugin: 'memory',
    action: 'arrayGrowth',
    limits: { memoryMb: 64, cpuTimeMs: 10_000, timeoutMs: 20_000 },
  },
  {
    label: 'fatal memory bomb (hugeArrayFill, child retired)',
    plugin: 'memory',
    action: 'hugeArrayFill',
    limits: { memoryMb: 64, cpuTimeMs: 10_000, timeoutMs: 20_000 },
  },
];

interface LoadResult extends LatencySummary {
  callsPerSecond: number;
  failures: number;
  neighbourCalls: number;
  neighbourCodes: string[];
}

/** `LOAD_ROUNDS` rounds of `LOAD_CONCURRENCY` concurrent healthy calls, while `neighbour` runs back to back. */
async function runLoad(pool: SandboxPool, healthy: PluginCode, neighbour: { plugin: PluginCode; spec: Neighbour } | undefined): Promise<LoadResult> {
  let stop = false;
  let neighbourCalls = 0;
  const neighbourCodes = new Set<string>();
  const neighbourLoop = (async () => {
    while (neighbour !== undefined && !stop) {
      const outcome = await pool.callAction(actionRequest(neighbour.plugin, neighbour.spec.action, { limits: neighbour.spec.limits }));
      neighbourCalls += 1;
      neighbourCodes.add(outcome.ok ? 'ok' : outcome.error.code);
    }
  })();
  if (neighbour !== undefined) {
    await sleep(200);
  }

  const request = actionRequest(healthy, 'mirror', { call: { input: { in: PAYLOAD } } });
  const samples: number[] = [];
  let failures = 0;
  const startedAt = performance.now();
  for (let round = 0; round < LOAD_ROUNDS; round += 1) {
    await Promise.all(
      Array.from({ length: LOAD_CONCURRENCY }, async () => {
        const callStartedAt = performance.now();
        const outcome = await pool.callAction(request);
        samples.push(performance.now() - callStartedAt);
        if (!outcome.ok) {
          failures += 1;
        }
      }),
    );
  }
  const elapsed = performance.now() - startedAt;
  stop = true;
  await neighbourLoop;
  return {
    ...summarize(samples),
    callsPerSecond: (samples.length / elapsed) * 1000,
    failures,
    neighbourCalls,
    neighbourCodes: [...neighbourCodes],
  };
}

/** Returns the median of each number over repeated runs of one load case, and the range of p99. */
function medianLoad(runs: LoadResult[]): LoadResult & { p99Min: number; p99Max: number } {
  const p99s = runs.map((run) => run.p99);
  return {
    p50: median(runs.map((run) => run.p50)),
    p99: median(p99s),
    p99Min: Math.min(...p99s),
    p99Max: Math.max(...p99s),
    count: runs.reduce((sum, run) => sum + run.count, 0),
    callsPerSecond: median(runs.map((run) => run.callsPerSecond)),
    failures: runs.reduce((sum, run) => sum + run.failures, 0),
    neighbourCalls: runs.reduce((sum, run) => sum + run.neighbourCalls, 0),
    neighbourCodes: [...new Set(runs.flatMap((run) => run.neighbourCodes))],
  };
}

/* ------------------------------------------------------------------ report */

async function measure(): Promise<BenchmarkOutput> {
  const deadline = setTimeout(() => {
    console.error(`the sandbox benchmark did not finish within ${TIME_LIMIT_MS / 1000} s; stopping it`);
    process.exit(1);
  }, TIME_LIMIT_MS);
  deadline.unref();

  const healthy = codeOf(await packZooPlugin('healthy'));
  const attackers = new Map([
    ['cpu', codeOf(await packZooPlugin('cpu'))],
    ['memory', codeOf(await packZooPlugin('memory'))],
  ]);
  const parentRssBefore = rssMiB(process.pid);

  // Idle memory first, before this process has run any isolate of its own.
  const idlePool = new SandboxPool();
  await idlePool.ready();
  await sleep(500);
  const idleChildren = idlePool.childPids().map(rssMiB);
  const parentRssWithPool = rssMiB(process.pid);
  const warm = await measureWarmCalls(idlePool, healthy);
  await sleep(500);
  const warmChildren = idlePool.childPids().map(rssMiB);

  const baselineRuns: LoadResult[] = [];
  const neighbourRuns = NEIGHBOURS.map(() => [] as LoadResult[]);
  for (let repetition = 0; repetition < LOAD_REPETITIONS; repetition += 1) {
    baselineRuns.push(await runLoad(idlePool, healthy, undefined));
    for (const [index, spec] of NEIGHBOURS.entries()) {
      const plugin = attackers.get(spec.plugin) as PluginCode;
      neighbourRuns[index].push(await runLoad(idlePool, healthy, { plugin, spec }));
    }
  }
  const baselineLoad = medianLoad(baselineRuns);
  const loads = NEIGHBOURS.map((spec, index) => ({ spec, result: medianLoad(neighbourRuns[index]) }));
  const crashes = idlePool.stats().crashes;
  await idlePool.close();

  const ipcEcho = await measureIpcEcho();
  const inProcess = await measureInProcessIsolate(healthy);
  const cold = await measureColdStart(healthy);
  const bareChild = await measureBareChild(false);
  const bareChildWithIsolatedVm = await measureBareChild(true);
  const largeResults = await measureLargeResults();

  const warmRows: TableRow[] = [
    { case: 'pool call, back to back', p50: ms(warm.backToBack.p50), p99: ms(warm.backToBack.p99), calls: String(warm.backToBack.count) },
    { case: `pool call, one every ${PACE_MS} ms`, p50: ms(warm.paced.p50), p99: ms(warm.paced.p99), calls: String(warm.paced.count) },
    {
      case: 'baseline: IPC echo child, 1 KB, back to back',
      p50: ms(ipcEcho.backToBack.p50),
      p99: ms(ipcEcho.backToBack.p99),
      calls: String(ipcEcho.backToBack.count),
    },
    {
      case: `baseline: IPC echo child, 1 KB, one every ${PACE_MS} ms`,
      p50: ms(ipcEcho.paced.p50),
      p99: ms(ipcEcho.paced.p99),
      calls: String(ipcEcho.paced.count),
    },
    {
      case: `baseline: isolate in this process, context prepared, one every ${PACE_MS} ms`,
      p50: ms(inProcess.p50),
      p99: ms(inProcess.p99),
      calls: String(inProcess.count),
    },
  ];
  const coldRows: TableRow[] = [
    { case: 'pool of 1: spawn to ready', median: ms(cold.ready, 1) },
    { case: 'pool of 1: spawn to first call result (new isolate, bundle compiled)', median: ms(cold.firstCall, 1) },
    { case: 'baseline: bare node child to first IPC message', median: ms(bareChild, 1) },
    { case: 'baseline: bare node child that loads isolated-vm', median: ms(bareChildWithIsolatedVm, 1) },
  ];
  const loadRow = (label: string, result: ReturnType<typeof medianLoad>): TableRow => ({
    neighbour: label,
    'healthy p50': ms(result.p50, 2),
    'healthy p99 (range)': `${ms(result.p99, 2)} (${formatNumber(result.p99Min, 1)}–${formatNumber(result.p99Max, 1)})`,
    'p99 / baseline': `${formatNumber(result.p99 / baselineLoad.p99, 2)}×`,
    'healthy calls/s': formatNumber(result.callsPerSecond),
    'healthy failures': String(result.failures),
    'neighbour calls (outcomes)': `${result.neighbourCalls} (${result.neighbourCodes.join(', ') || '–'})`,
  });
  const loadRows = [loadRow('none (baseline)', baselineLoad), ...loads.map(({ spec, result }) => loadRow(spec.label, result))];
  const memoryRows: TableRow[] = [
    { process: 'parent before the pool', 'RSS MiB': formatNumber(parentRssBefore, 1) },
    { process: 'parent with an idle pool', 'RSS MiB': formatNumber(parentRssWithPool, 1) },
    ...idleChildren.map((rss, index) => ({ process: `child ${index + 1}, idle`, 'RSS MiB': formatNumber(rss, 1) })),
    ...warmChildren.map((rss, index) => ({ process: `child ${index + 1}, after warm calls`, 'RSS MiB': formatNumber(rss, 1) })),
    {
      process: 'idle pool in total (parent + children)',
      'RSS MiB': formatNumber(parentRssWithPool + idleChildren.reduce((sum, rss) => sum + rss, 0), 1),
    },
    { process: 'pool of 1: child after 5 calls with a 5 MB result', 'RSS MiB': formatNumber(largeResults.warmRss, 1) },
    {
      process: `pool of 1: the same child after ${LARGE_RESULT_CALLS} more (${formatNumber(largeResults.msPerCall, 1)} ms per call)`,
      'RSS MiB': formatNumber(largeResults.afterRss, 1),
    },
  ];

  const worstRatio = Math.max(...loads.map(({ result }) => result.p99 / baselineLoad.p99));
  const aims: AimCheck[] = [
    { aim: `warm call p50 ≤ ${AIM_WARM_P50_MS} ms (back to back)`, measured: ms(warm.backToBack.p50), met: warm.backToBack.p50 <= AIM_WARM_P50_MS },
    { aim: `warm call p50 ≤ ${AIM_WARM_P50_MS} ms (one every ${PACE_MS} ms)`, measured: ms(warm.paced.p50), met: warm.paced.p50 <= AIM_WARM_P50_MS },
    {
      aim: `healthy p99 beside a neighbour ≤ ${AIM_NEIGHBOUR_P99_RATIO}× without`,
      measured: `${formatNumber(worstRatio, 2)}× (worst neighbour)`,
      met: worstRatio <= AIM_NEIGHBOUR_P99_RATIO,
    },
  ];

  return {
    settings: {
      poolSize: SANDBOX_DEFAULTS.poolSize,
      concurrencyPerChild: SANDBOX_DEFAULTS.concurrencyPerChild,
      payloadBytes: PAYLOAD.length,
      warmCalls: WARM_CALLS,
      pacedCalls: PACED_CALLS,
      paceMs: PACE_MS,
      loadRounds: LOAD_ROUNDS,
      loadConcurrency: LOAD_CONCURRENCY,
      loadRepetitions: LOAD_REPETITIONS,
    },
    tables: [
      { title: 'Warm call, 1 KB in and out (mirror action)', rows: warmRows },
      { title: 'Cold start', rows: coldRows },
      {
        title: `${LOAD_CONCURRENCY} concurrent healthy calls × ${LOAD_ROUNDS} rounds beside a neighbour, median of ${LOAD_REPETITIONS} runs`,
        rows: loadRows,
      },
      { title: 'Memory', rows: memoryRows },
    ],
    aims,
    notes: [
      `The pool (${SANDBOX_DEFAULTS.poolSize} children × ${SANDBOX_DEFAULTS.concurrencyPerChild} calls) counted ${crashes} retired or crashed children during the load phases.`,
      'Each call runs in a fresh context, which took about 0.8 ms of isolate CPU to prepare for this 18 KB bundle. A warm isolate prepares the next one after each call, so calls sent back to back wait for it.',
    ],
    raw: { warm, ipcEcho, inProcess, cold, bareChild, bareChildWithIsolatedVm, baselineRuns, neighbourRuns, memory: { parentRssBefore, parentRssWithPool, idleChildren, warmChildren, largeResults } },
  };
}

await runBenchmark('sandbox', measure);
