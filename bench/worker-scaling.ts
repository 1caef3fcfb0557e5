/**
 * Run throughput of 1, 2 and 3 worker processes (ROLE=worker) on one data folder, on a graph of
 * one `core/http@1` node whose request a local server replies to after `BENCH_WORKER_REPLY_MS`.
 * The bench stores a backlog of queued runs with their Agenda jobs, as an API process would, and
 * times how long the workers take to finish it. The baseline is one worker, measured in the
 * same run; the ideal is `workers × RUN_CONCURRENCY / reply time`.
 *
 * The default reply time of 250 ms is in the range of an AI provider's reply. There one worker's
 * ceiling is 32 runs/s, which costs its process an estimated 30 % of a core at the 9–10 ms of CPU
 * per run measured in bench/README.md. At 50 ms one worker needs more CPU than a 2-core machine
 * has, so that configuration measures CPU per run rather than scaling.
 */
import { createServer } from 'node:http';
import Database from 'better-sqlite3';
import { createDataDir } from './lib/data-dir.js';
import { httpCallGraph, RunEnqueuer, startRoleProcess, type RoleProcess } from './lib/roles.js';
import { readCpuTimes } from './lib/machine.js';
import { readChildrenCpuSeconds } from './lib/processes.js';
import { runBenchmark, type BenchmarkOutput } from './lib/report.js';
import { formatNumber } from './lib/stats.js';

const RUNS = Number(process.env.BENCH_SCALING_RUNS ?? '1500');
const WORKER_CONCURRENCY = Number(process.env.BENCH_WORKER_CONCURRENCY ?? '8');
const SERVER_DELAY_MS = Number(process.env.BENCH_WORKER_REPLY_MS ?? '250');
const WORKER_COUNTS = (process.env.BENCH_WORKER_COUNTS ?? '1,2,3').split(',').map(Number);
const SANDBOX_POOL_SIZE = Math.ceil(WORKER_CONCURRENCY / 4);
const AIM_RATIO = 1.7;
const DRAIN_TIMEOUT_MS = 120_000;

/** Starts a server on 127.0.0.1 that replies to every request after SERVER_DELAY_MS. */
async function startSlowServer(): Promise<{ port: number; requests: () => number; close: () => Promise<void> }> {
  let requests = 0;
  const server = createServer((request, response) => {
    requests += 1;
    request.resume();
    setTimeout(() => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"ok":true}');
    }, SERVER_DELAY_MS);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    requests: () => requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

interface ScalingResult {
  workers: number;
  seconds: number;
  runsPerSecond: number;
  succeeded: number;
  /** CPU of the worker processes themselves while they finished the backlog. */
  workerCpuSeconds: number;
  /** CPU of the workers' sandbox processes in the same time. */
  sandboxCpuSeconds: number;
  /** Share of all cores busy in the same time, from every process on the machine. */
  machineBusy: number | null;
  /** Time the bench took to store the backlog, while the workers already ran it. */
  enqueueSeconds: number;
}

async function measureWorkers(workers: number, serverPort: number): Promise<ScalingResult> {
  const dataDir = createDataDir(`scaling-${workers}`);
  const storage = dataDir.open();
  const processes: RoleProcess[] = [];
  const enqueuer = new RunEnqueuer(storage, dataDir.path);
  const counter = new Database(dataDir.databasePath, { readonly: true });
  try {
    await storage.graphs.create('graph_io', { ...httpCallGraph(`http://127.0.0.1:${serverPort}/call`), id: 'graph_io' });
    await storage.graphs.freeze('graph_io', 1);
    const env = {
      DATA_DIR: dataDir.path,
      HTTP_ALLOW_PRIVATE: `127.0.0.1:${serverPort}`,
      RUN_CONCURRENCY: String(WORKER_CONCURRENCY),
      // A sandbox child runs 4 plugin calls at once, so 2 children serve 8 concurrent runs.
      SANDBOX_POOL_SIZE: String(SANDBOX_POOL_SIZE),
    };
    for (let index = 0; index < workers; index += 1) processes.push(await startRoleProcess('worker', env));
    await enqueuer.open();

    const cpuBefore = processes.reduce((sum, child) => sum + child.cpuSeconds(), 0);
    const sandboxCpuBefore = sandboxCpuSeconds(processes);
    const machineBefore = readCpuTimes();
    const started = performance.now();
    for (let index = 0; index < RUNS; index += 1) await enqueuer.enqueue('graph_io', `run_io_${index}`, { index });
    const enqueueSeconds = (performance.now() - started) / 1000;
    const countSucceeded = counter.prepare("select count(*) from runs where status = 'succeeded'").pluck();
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    while ((countSucceeded.get() as number) < RUNS) {
      if (Date.now() > deadline) throw new Error(`${workers} workers did not finish ${RUNS} runs within ${DRAIN_TIMEOUT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const seconds = (performance.now() - started) / 1000;
    const workerCpuSeconds = processes.reduce((sum, child) => sum + child.cpuSeconds(), 0) - cpuBefore;
    const sandboxCpu = sandboxCpuSeconds(processes) - sandboxCpuBefore;
    const machineAfter = readCpuTimes();
    const machineBusy =
      machineBefore && machineAfter && machineAfter.total > machineBefore.total
        ? (machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total)
        : null;
    const notSucceeded = counter.prepare("select count(*) from runs where status <> 'succeeded'").pluck().get() as number;
    if (notSucceeded > 0) throw new Error(`${notSucceeded} runs did not succeed with ${workers} workers`);
    return {
      workers,
      seconds,
      runsPerSecond: RUNS / seconds,
      succeeded: RUNS,
      workerCpuSeconds,
      sandboxCpuSeconds: sandboxCpu,
      machineBusy,
      enqueueSeconds,
    };
  } finally {
    counter.close();
    for (const child of processes) await child.stop();
    await enqueuer.close();
    await storage.close();
    dataDir.remove();
  }
}

function sandboxCpuSeconds(processes: RoleProcess[]): number {
  return processes.reduce((sum, child) => sum + readChildrenCpuSeconds(child.child.pid!), 0);
}

async function measure(): Promise<BenchmarkOutput> {
  const server = await startSlowServer();
  try {
    const results: ScalingResult[] = [];
    for (const workers of WORKER_COUNTS) results.push(await measureWorkers(workers, server.port));
    const baseline = results[0].runsPerSecond;
    const rows = results.map((result) => ({
      workers: String(result.workers),
      'runs/s': formatNumber(result.runsPerSecond),
      'ratio to 1 worker': (result.runsPerSecond / baseline).toFixed(2),
      'ideal runs/s': formatNumber((result.workers * WORKER_CONCURRENCY * 1000) / SERVER_DELAY_MS),
      'seconds for the backlog': result.seconds.toFixed(2),
      'worker CPU s': result.workerCpuSeconds.toFixed(1),
      'worker CPU ms per run': ((result.workerCpuSeconds * 1000) / RUNS).toFixed(2),
      'sandbox CPU s': result.sandboxCpuSeconds.toFixed(1),
      'machine busy': result.machineBusy === null ? '–' : `${(result.machineBusy * 100).toFixed(0)} %`,
      'enqueue s': result.enqueueSeconds.toFixed(2),
    }));
    const largest = results[results.length - 1];
    const ratio = largest.runsPerSecond / baseline;
    return {
      settings: { runs: RUNS, workerConcurrency: WORKER_CONCURRENCY, serverDelayMs: SERVER_DELAY_MS, sandboxPoolSize: SANDBOX_POOL_SIZE },
      tables: [{ title: `${RUNS} queued runs of one core/http@1 node (${SERVER_DELAY_MS} ms server)`, rows }],
      aims: [
        { aim: `≥ ${AIM_RATIO}× runs/s with ${largest.workers} workers vs ${results[0].workers}`, measured: `${ratio.toFixed(2)}×`, met: ratio >= AIM_RATIO },
      ],
      notes: [`HTTP requests served: ${formatNumber(server.requests())} for ${formatNumber(RUNS * WORKER_COUNTS.length)} runs`],
      raw: { results },
    };
  } finally {
    await server.close();
  }
}

await runBenchmark('worker-scaling', measure);
