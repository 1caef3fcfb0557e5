/**
 * Start-up time: from spawning `node --no-node-snapshot --import tsx runtime/src/main.ts` to the
 * `studio ready` log line and to the first 200 on `/health`, with a data folder of 10,000
 * published webhook graphs and with an empty one (SEED_EXAMPLES=false for both), started in
 * alternation. To show what part is Node.js itself and tsx compiling TypeScript, it also times
 * plain `node`, `node --import tsx` on an empty module, and loading the studio's modules alone.
 */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { createInterface } from 'node:readline';
import type { Storage } from '@gestorlead/storage';
import { createDataDir, type DataDir } from './lib/data-dir.js';
import { storePublished } from './lib/graphs.js';
import { findFreePort, NODE_TS_FLAGS, REPO_ROOT } from './lib/processes.js';
import { runBenchmark, type BenchmarkOutput } from './lib/report.js';
import { median } from './lib/stats.js';

const GRAPH_COUNT = Number(process.env.BENCH_GRAPH_COUNT ?? '10000');
const STARTS = 5;
const AIM_READY_MS = 500;
const START_TIMEOUT_MS = 30_000;

/** Stores `count` published webhook graphs of two nodes each. */
async function seedWebhookGraphs(storage: Storage, count: number): Promise<void> {
  for (let index = 0; index < count; index += 1) {
    await storePublished(storage, `hook-${index}`, {
      name: `Webhook graph ${index}`,
      settings: { webhook: { mode: index % 2 === 0 ? 'async' : 'sync' } },
      nodes: [
        { id: 'check', type: 'core/noop@1', position: { x: 0, y: 0 }, config: {} },
        { id: 'reply', type: 'core/respond@1', position: { x: 200, y: 0 }, config: { status: 200, body: { ok: true } } },
      ],
      edges: [{ id: 'check-reply', source: 'check', sourcePort: 'out', target: 'reply', targetPort: 'in' }],
    });
  }
}

/** Returns whether `GET url` responded with 200 (false on any connection error). */
function isHealthy(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const call = request(url, { agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    call.on('error', () => resolve(false));
    call.end();
  });
}

interface StartTiming {
  readyMs: number;
  healthMs: number;
}

/** Spawns the studio on `dataDir`, times the ready line and the first healthy response, then stops it. */
async function timeStudioStart(dataDir: DataDir): Promise<StartTiming> {
  const port = await findFreePort();
  const started = performance.now();
  const child = spawn(process.execPath, [...NODE_TS_FLAGS, 'runtime/src/main.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), DATA_DIR: dataDir.path, LOG_LEVEL: 'info', SEED_EXAMPLES: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const ready = new Promise<number>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout! });
      lines.on('line', (line) => {
        if (line.includes('"msg":"studio ready"')) resolve(performance.now() - started);
      });
      child.once('exit', (code) => reject(new Error(`studio exited with code ${code} before it was ready`)));
    });
    const healthy = (async () => {
      const url = `http://127.0.0.1:${port}/health`;
      while (!(await isHealthy(url))) {
        if (performance.now() - started > START_TIMEOUT_MS || child.exitCode !== null) {
          throw new Error(`${url} did not respond with 200 within ${START_TIMEOUT_MS} ms`);
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      return performance.now() - started;
    })();
    const [readyMs, healthMs] = await Promise.all([ready, healthy]);
    return { readyMs, healthMs };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

/** Times a Node.js process from spawn to exit. */
async function timeProcess(args: string[]): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited with code ${code}`);
  return performance.now() - started;
}

async function medianOf(count: number, sample: () => Promise<number>): Promise<number> {
  const samples: number[] = [];
  for (let index = 0; index < count; index += 1) samples.push(await sample());
  return median(samples);
}

async function measure(): Promise<BenchmarkOutput> {
  const empty = createDataDir('startup-empty');
  const seeded = createDataDir('startup-seeded');
  try {
    const seedStarted = performance.now();
    const storage = seeded.open();
    try {
      await seedWebhookGraphs(storage, GRAPH_COUNT);
    } finally {
      await storage.close();
    }
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    // Creates the empty database and its schema once, as a first start would.
    await empty.open().close();

    // One start of each first fills tsx's compile cache, so every timed start finds it warm.
    await timeStudioStart(empty);
    await timeStudioStart(seeded);
    const emptyStarts: StartTiming[] = [];
    const seededStarts: StartTiming[] = [];
    for (let index = 0; index < STARTS; index += 1) {
      emptyStarts.push(await timeStudioStart(empty));
      seededStarts.push(await timeStudioStart(seeded));
    }
    const emptyReady = median(emptyStarts.map((start) => start.readyMs));
    const seededReady = median(seededStarts.map((start) => start.readyMs));
    const emptyHealth = median(emptyStarts.map((start) => start.healthMs));
    const seededHealth = median(seededStarts.map((start) => start.healthMs));

    const nodeOnly = await medianOf(STARTS, () => timeProcess(['--no-node-snapshot', '-e', '0']));
    const tsxEmpty = await medianOf(STARTS, () => timeProcess([...NODE_TS_FLAGS, 'bench/servers/exit.ts']));
    const modulesOnly = await medianOf(STARTS, () => timeProcess([...NODE_TS_FLAGS, 'bench/servers/import-studio.ts']));

    return {
      settings: { graphs: GRAPH_COUNT, starts: STARTS },
      tables: [
        {
          title: `Studio start-up, median of ${STARTS} starts`,
          rows: [
            {
              'data folder': 'empty',
              'spawn → studio ready (ms)': emptyReady.toFixed(0),
              'spawn → /health 200 (ms)': emptyHealth.toFixed(0),
              'ratio to empty': '1.00',
            },
            {
              'data folder': `${GRAPH_COUNT.toLocaleString('en-US')} published webhook graphs`,
              'spawn → studio ready (ms)': seededReady.toFixed(0),
              'spawn → /health 200 (ms)': seededHealth.toFixed(0),
              'ratio to empty': (seededReady / emptyReady).toFixed(2),
            },
          ],
        },
        {
          title: `Where the time goes, median of ${STARTS} processes run to exit`,
          rows: [
            { process: 'node --no-node-snapshot -e 0', 'spawn → exit (ms)': nodeOnly.toFixed(0) },
            { process: 'node --no-node-snapshot --import tsx (empty module)', 'spawn → exit (ms)': tsxEmpty.toFixed(0) },
            { process: "… importing main.ts's modules, no studio built", 'spawn → exit (ms)': modulesOnly.toFixed(0) },
          ],
        },
      ],
      aims: [
        {
          aim: `≤ ${AIM_READY_MS} ms from spawn to ready with ${GRAPH_COUNT.toLocaleString('en-US')} graphs`,
          measured: `${seededReady.toFixed(0)} ms`,
          met: seededReady <= AIM_READY_MS,
        },
      ],
      notes: [
        `Seeding ${GRAPH_COUNT.toLocaleString('en-US')} graphs took ${seedSeconds.toFixed(1)} s (not part of any start).`,
        `Module loading through tsx takes ${(modulesOnly - nodeOnly).toFixed(0)} ms of a ${emptyReady.toFixed(0)} ms start on an empty folder; Node.js alone takes ${nodeOnly.toFixed(0)} ms.`,
      ],
      raw: { emptyStarts, seededStarts, nodeOnly, tsxEmpty, modulesOnly, seedSeconds },
    };
  } finally {
    empty.remove();
    seeded.remove();
  }
}

await runBenchmark('startup', measure);
