/**
 * Async webhook throughput. autocannon posts to `/hooks/:graphId` of a published one-node graph
 * (`core/noop@1`, async mode) on a studio started as `npm start` starts it, and the bench counts
 * the runs that reached `succeeded` in storage by the end of the load. The baseline is a plain
 * `node:http` server that replies 202 with JSON, loaded with the same settings in the same run.
 * Both servers run in child processes; autocannon runs in this process.
 */
import { asyncNoopGraph } from './lib/graphs.js';
import { createDataDir, listRunsOfGraph, seedGraphs, waitForDrain, type DataDir } from './lib/data-dir.js';
import { runLoad, type LoadOptions, type LoadResult } from './lib/load.js';
import { startBareHttpProcess, startStudioProcess, type ServerProcess } from './lib/processes.js';
import { runBenchmark, type BenchmarkOutput } from './lib/report.js';
import { formatNumber } from './lib/stats.js';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? '32');
const DURATION_SECONDS = Number(process.env.BENCH_DURATION_SECONDS ?? '10');
const WARMUP_SECONDS = 3;
const DRAIN_TIMEOUT_MS = 60_000;
const AIM_RUNS_PER_SECOND = 2000;
const WARMUP_GRAPH = 'bench-async-warmup';
const MEASURED_GRAPH = 'bench-async';
const BODY = JSON.stringify({ name: 'Ana Souza', email: 'ana@example.com', budget: 15000 });

function loadOptions(url: string, durationSeconds: number): LoadOptions {
  return { url, connections: CONNECTIONS, durationSeconds, method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY };
}

/** Loads `server` and reads its CPU time around the load, to show how the two cores were shared. */
async function loadServer(server: ServerProcess, options: LoadOptions): Promise<{ load: LoadResult; serverCpuSeconds: number }> {
  const cpuBefore = server.cpuSeconds();
  const load = await runLoad(options);
  return { load, serverCpuSeconds: server.cpuSeconds() - cpuBefore };
}

async function measureBaseline(): Promise<{ load: LoadResult; serverCpuSeconds: number }> {
  const server = await startBareHttpProcess('async');
  try {
    const url = `${server.url}/hooks/${MEASURED_GRAPH}`;
    await runLoad(loadOptions(url, WARMUP_SECONDS));
    return await loadServer(server, loadOptions(url, DURATION_SECONDS));
  } finally {
    await server.stop();
  }
}

async function measureStudio(dataDir: DataDir) {
  await seedGraphs(dataDir, { [WARMUP_GRAPH]: asyncNoopGraph(), [MEASURED_GRAPH]: asyncNoopGraph() });
  // A second connection to the studio's WAL database file, for polling and counting only.
  const observer = dataDir.open();
  let studio: ServerProcess | null = null;
  try {
    studio = await startStudioProcess({ DATA_DIR: dataDir.path, LOG_LEVEL: 'silent' });
    await runLoad(loadOptions(`${studio.url}/hooks/${WARMUP_GRAPH}`, WARMUP_SECONDS));
    await waitForDrain(observer, DRAIN_TIMEOUT_MS);
    const measured = await loadServer(studio, loadOptions(`${studio.url}/hooks/${MEASURED_GRAPH}`, DURATION_SECONDS));
    const drainMs = await waitForDrain(observer, DRAIN_TIMEOUT_MS);
    await studio.stop();
    return { ...measured, drainMs, runs: await listRunsOfGraph(observer, MEASURED_GRAPH) };
  } finally {
    await studio?.stop();
    await observer.close();
  }
}

async function measure(): Promise<BenchmarkOutput> {
  const dataDir = createDataDir('async');
  try {
    const baseline = await measureBaseline();
    const studio = await measureStudio(dataDir);

    const load = studio.load;
    const accepted = load.statusCounts['202'] ?? 0;
    const succeeded = studio.runs.filter((run) => run.status === 'succeeded');
    const notSucceeded = studio.runs.length - succeeded.length;
    // autocannon stops at its deadline without waiting for the requests in flight, so up to one
    // request per connection may have started a run whose 202 it did not count.
    if (notSucceeded > 0 || succeeded.length < accepted || succeeded.length > accepted + CONNECTIONS) {
      throw new Error(`${accepted} deliveries got 202, but ${succeeded.length} runs succeeded and ${notSucceeded} did not`);
    }
    const loadEnd = new Date(load.finishedAtMs).toISOString();
    const succeededByLoadEnd = succeeded.filter((run) => run.finishedAt !== null && run.finishedAt <= loadEnd).length;
    const runsPerSecond = succeededByLoadEnd / load.durationSeconds;
    const ratio = runsPerSecond / baseline.load.requestsPerSecond;

    const row = (server: string, result: LoadResult, serverCpuSeconds: number, runs: string) => ({
      server,
      'requests/s': formatNumber(result.requestsPerSecond),
      'runs/s succeeded': runs,
      'status codes': JSON.stringify(result.statusCounts),
      'errors/timeouts': `${result.errors}/${result.timeouts}`,
      'server CPU s': serverCpuSeconds.toFixed(1),
      'autocannon CPU s': result.loadCpuSeconds.toFixed(1),
    });
    return {
      settings: { connections: CONNECTIONS, durationSeconds: DURATION_SECONDS, warmupSeconds: WARMUP_SECONDS, pipelining: 1 },
      tables: [
        {
          title: `Async webhook, ${CONNECTIONS} connections, ${DURATION_SECONDS} s`,
          rows: [
            row('bare node:http (202 JSON)', baseline.load, baseline.serverCpuSeconds, '–'),
            row('studio', load, studio.serverCpuSeconds, formatNumber(runsPerSecond)),
          ],
        },
        {
          title: 'Run accounting',
          rows: [
            {
              '202 replies': formatNumber(accepted),
              'runs stored': formatNumber(studio.runs.length),
              succeeded: formatNumber(succeeded.length),
              'succeeded by load end': formatNumber(succeededByLoadEnd),
              'drain after load (ms)': formatNumber(studio.drainMs),
              'ratio to bare node:http': ratio.toFixed(3),
            },
          ],
        },
      ],
      aims: [
        {
          aim: `≥ ${formatNumber(AIM_RUNS_PER_SECOND)} runs/s succeeded`,
          measured: `${formatNumber(runsPerSecond)} runs/s`,
          met: runsPerSecond >= AIM_RUNS_PER_SECOND,
        },
      ],
      raw: {
        baseline,
        studio: { load, serverCpuSeconds: studio.serverCpuSeconds, drainMs: studio.drainMs },
        accepted,
        succeeded: succeeded.length,
        succeededByLoadEnd,
        runsPerSecond,
        ratio,
      },
    };
  } finally {
    dataDir.remove();
  }
}

await runBenchmark('webhook-async', measure);
