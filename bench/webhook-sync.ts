/**
 * Sync webhook latency. autocannon posts to `/hooks/:graphId` of a published one-node graph
 * (`core/respond@1`, sync mode), so each reply waits for the run's respond node, at a fixed
 * number of connections. Every response time is recorded at full precision. The baseline is a
 * plain `node:http` server that replies 200 with JSON, loaded with the same settings.
 */
import { createDataDir, listRunsOfGraph, seedGraphs, waitForDrain } from './lib/data-dir.js';
import { syncRespondGraph } from './lib/graphs.js';
import { runLoad, type LoadOptions, type LoadResult } from './lib/load.js';
import { startBareHttpProcess, startStudioProcess, type ServerProcess } from './lib/processes.js';
import { runBenchmark, type BenchmarkOutput, type TableRow } from './lib/report.js';
import { formatNumber } from './lib/stats.js';

const CONNECTION_COUNTS = [1, 10];
const DURATION_SECONDS = Number(process.env.BENCH_DURATION_SECONDS ?? '5');
const WARMUP_SECONDS = 2;
const AIM_P99_MS = 5;
const GRAPH_ID = 'bench-sync';
const BODY = JSON.stringify({ name: 'Ana Souza', email: 'ana@example.com', budget: 15000 });

function loadOptions(url: string, connections: number, durationSeconds: number): LoadOptions {
  return {
    url,
    connections,
    durationSeconds,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: BODY,
    recordLatencies: true,
  };
}

/** Warms `url` up, then measures it once per connection count. */
async function measureServer(url: string): Promise<Map<number, LoadResult>> {
  await runLoad(loadOptions(url, Math.max(...CONNECTION_COUNTS), WARMUP_SECONDS));
  const results = new Map<number, LoadResult>();
  for (const connections of CONNECTION_COUNTS) {
    results.set(connections, await runLoad(loadOptions(url, connections, DURATION_SECONDS)));
  }
  return results;
}

function latencyCells(result: LoadResult): TableRow {
  const latency = result.latencyMs!;
  return {
    'requests/s': formatNumber(result.requestsPerSecond),
    'p50 ms': latency.p50.toFixed(2),
    'p90 ms': latency.p90.toFixed(2),
    'p99 ms': latency.p99.toFixed(2),
    'max ms': latency.max.toFixed(1),
    'status codes': JSON.stringify(result.statusCounts),
  };
}

async function measure(): Promise<BenchmarkOutput> {
  const bare = await startBareHttpProcess('sync');
  let baseline: Map<number, LoadResult>;
  try {
    baseline = await measureServer(`${bare.url}/hooks/${GRAPH_ID}`);
  } finally {
    await bare.stop();
  }

  const dataDir = createDataDir('sync');
  let studioResults: Map<number, LoadResult>;
  let runCount: number;
  let succeededCount: number;
  try {
    await seedGraphs(dataDir, { [GRAPH_ID]: syncRespondGraph() });
    // A second connection to the studio's WAL database file, for polling and counting only.
    const observer = dataDir.open();
    let studio: ServerProcess | null = null;
    try {
      studio = await startStudioProcess({ DATA_DIR: dataDir.path, LOG_LEVEL: 'silent' });
      studioResults = await measureServer(`${studio.url}/hooks/${GRAPH_ID}`);
      await waitForDrain(observer, 30_000);
      await studio.stop();
      const runs = await listRunsOfGraph(observer, GRAPH_ID);
      runCount = runs.length;
      succeededCount = runs.filter((run) => run.status === 'succeeded').length;
    } finally {
      await studio?.stop();
      await observer.close();
    }
  } finally {
    dataDir.remove();
  }

  const rows: TableRow[] = [];
  const aims = [];
  for (const connections of CONNECTION_COUNTS) {
    const studio = studioResults.get(connections)!;
    const base = baseline.get(connections)!;
    const non200 = studio.responses - (studio.statusCounts['200'] ?? 0);
    if (non200 > 0 || studio.errors > 0) {
      throw new Error(`studio replied to ${non200} of ${studio.responses} requests with a status other than 200 (${studio.errors} errors)`);
    }
    rows.push({ server: 'bare node:http (200 JSON)', connections: String(connections), ...latencyCells(base) });
    rows.push({
      server: 'studio',
      connections: String(connections),
      ...latencyCells(studio),
      'p50 ratio': (studio.latencyMs!.p50 / base.latencyMs!.p50).toFixed(1),
      'p99 ratio': (studio.latencyMs!.p99 / base.latencyMs!.p99).toFixed(1),
    });
    aims.push({
      aim: `p99 ≤ ${AIM_P99_MS} ms at ${connections} connection${connections === 1 ? '' : 's'}`,
      measured: `${studio.latencyMs!.p99.toFixed(2)} ms`,
      met: studio.latencyMs!.p99 <= AIM_P99_MS,
    });
  }
  // The ratio columns exist on studio rows only; give the baseline rows empty cells.
  for (const row of rows) {
    row['p50 ratio'] ??= '–';
    row['p99 ratio'] ??= '–';
  }

  return {
    settings: { connections: CONNECTION_COUNTS, durationSeconds: DURATION_SECONDS, warmupSeconds: WARMUP_SECONDS },
    tables: [
      { title: `Sync webhook, ${DURATION_SECONDS} s per connection count`, rows },
      {
        title: 'Run accounting',
        rows: [{ 'runs stored (warm-up included)': formatNumber(runCount), succeeded: formatNumber(succeededCount) }],
      },
    ],
    aims,
    raw: { baseline: Object.fromEntries(baseline), studio: Object.fromEntries(studioResults) },
  };
}

await runBenchmark('webhook-sync', measure);
