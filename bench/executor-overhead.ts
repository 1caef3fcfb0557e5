/**
 * Executor overhead per node with no I/O in the nodes. The graphs are chains of 10 and 60
 * `core/noop@1` nodes and a 10-wide fan-out and fan-in (noop → 10 noops → merge). Each runs one
 * run at a time through the real Executor, EventBus and SQLite storage, on a database file in
 * the OS temp directory and on `:memory:`. Each timed run ends when its events are stored. The
 * baseline is the same number of awaited no-op async calls in a plain loop, in the same process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { GraphDocument } from '@gestorlead/sdk-plugin';
import { openSqliteStorage, type Storage } from '@gestorlead/storage';
import { EventBus } from '../runtime/src/events/event-bus.js';
import { Executor, newRunId } from '../runtime/src/executor/executor.js';
import { InMemoryNodeTypeRegistry } from '../runtime/src/executor/registry.js';
import { createLogger } from '../runtime/src/logger.js';
import { BUILT_IN_NODE_TYPES } from '../runtime/src/nodes/index.js';
import { fanOutFanIn, noopChain, storePublished } from './lib/graphs.js';
import { runBenchmark, type BenchmarkOutput, type TableRow } from './lib/report.js';
import { median } from './lib/stats.js';

const AIM_MICROSECONDS_PER_NODE = 20;
/** Timed repetitions per case; the report keeps the median. */
const REPETITIONS = 5;

interface Shape {
  name: string;
  document: GraphDocument;
  nodeCount: number;
  runsPerRepetition: number;
}

const SHAPES: Shape[] = [
  { name: 'chain of 10', document: noopChain(10), nodeCount: 10, runsPerRepetition: 200 },
  { name: 'chain of 60', document: noopChain(60), nodeCount: 60, runsPerRepetition: 40 },
  { name: 'fan-out 10, fan-in', document: fanOutFanIn(10), nodeCount: 12, runsPerRepetition: 200 },
];

interface Harness {
  executor: Executor;
  events: EventBus;
  storage: Storage;
  close(): Promise<void>;
}

function openHarness(databasePath: string): Harness {
  const storage = openSqliteStorage({ path: databasePath });
  const log = createLogger('silent');
  const events = new EventBus(storage.events, log);
  const executor = new Executor({
    storage,
    events,
    registry: new InMemoryNodeTypeRegistry(BUILT_IN_NODE_TYPES),
    log,
    taskTimeoutMs: 60_000,
    runConcurrency: 64,
  });
  return {
    executor,
    events,
    storage,
    close: async () => {
      await executor.close();
      await storage.close();
    },
  };
}

/** Runs a graph once and waits until the run has finished and its events are stored. */
async function runOnce(harness: Harness, graphId: string): Promise<void> {
  const id = newRunId();
  const { reply } = harness.executor.waitForReply(id, 30_000);
  await harness.executor.createRun({ id, graphId, version: 1, input: { lead: 'Ana Souza' }, trigger: 'manual' });
  const outcome = await reply;
  if (outcome.kind !== 'finished' || outcome.run.status !== 'succeeded') {
    throw new Error(`run ${id} of ${graphId} ended as ${outcome.kind === 'finished' ? outcome.run.status : outcome.kind}`);
  }
  await harness.events.flush();
}

/** Returns microseconds per node of one repetition. */
async function timeShape(harness: Harness, graphId: string, shape: Shape): Promise<number> {
  const started = process.hrtime.bigint();
  for (let run = 0; run < shape.runsPerRepetition; run += 1) await runOnce(harness, graphId);
  const micros = Number(process.hrtime.bigint() - started) / 1000;
  return micros / (shape.runsPerRepetition * shape.nodeCount);
}

async function noop(): Promise<void> {}

/** Returns microseconds per awaited call of an empty async function, over `calls` calls. */
async function timeAwaitedCalls(calls: number): Promise<number> {
  const started = process.hrtime.bigint();
  for (let call = 0; call < calls; call += 1) await noop();
  return Number(process.hrtime.bigint() - started) / 1000 / calls;
}

async function measureStore(label: string, databasePath: string): Promise<Map<string, number>> {
  const harness = openHarness(databasePath);
  const perNode = new Map<string, number>();
  try {
    for (const [index, shape] of SHAPES.entries()) {
      const graphId = `bench-shape-${index}`;
      await storePublished(harness.storage, graphId, shape.document);
      // Warm-up: lets V8 optimise the executor's code paths for this shape.
      for (let run = 0; run < Math.ceil(shape.runsPerRepetition / 4); run += 1) await runOnce(harness, graphId);
      const samples: number[] = [];
      for (let repetition = 0; repetition < REPETITIONS; repetition += 1) {
        samples.push(await timeShape(harness, graphId, shape));
      }
      perNode.set(shape.name, median(samples));
    }
  } finally {
    await harness.close();
  }
  console.error(`measured ${label}`);
  return perNode;
}

async function measure(): Promise<BenchmarkOutput> {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'gestorlead-bench-executor-'));
  try {
    const onFile = await measureStore('file', path.join(directory, 'studio.db'));
    const inMemory = await measureStore(':memory:', ':memory:');

    const rows: TableRow[] = [];
    const raw: Record<string, unknown> = {};
    let worstFilePerNode = 0;
    for (const shape of SHAPES) {
      const calls = shape.nodeCount * shape.runsPerRepetition;
      await timeAwaitedCalls(calls);
      const baselineSamples: number[] = [];
      for (let repetition = 0; repetition < REPETITIONS; repetition += 1) {
        baselineSamples.push(await timeAwaitedCalls(calls));
      }
      const baseline = median(baselineSamples);
      const file = onFile.get(shape.name)!;
      const memory = inMemory.get(shape.name)!;
      worstFilePerNode = Math.max(worstFilePerNode, file);
      rows.push({
        graph: shape.name,
        nodes: String(shape.nodeCount),
        'µs/node, SQLite file': file.toFixed(1),
        'µs/node, SQLite :memory:': memory.toFixed(1),
        'µs/run, SQLite file': (file * shape.nodeCount).toFixed(0),
        'baseline µs/await': baseline.toFixed(3),
        'file ÷ baseline': (file / baseline).toFixed(0),
      });
      raw[shape.name] = { file, memory, baseline };
    }
    const marginal = (onFile.get('chain of 60')! * 60 - onFile.get('chain of 10')! * 10) / 50;
    return {
      settings: { repetitions: REPETITIONS, runs: Object.fromEntries(SHAPES.map((shape) => [shape.name, shape.runsPerRepetition])) },
      tables: [{ title: 'Executor overhead, one run at a time (median of repetitions)', rows }],
      aims: [
        {
          aim: `≤ ${AIM_MICROSECONDS_PER_NODE} µs per node (SQLite file, every shape)`,
          measured: `${worstFilePerNode.toFixed(1)} µs per node at worst; ${marginal.toFixed(1)} µs per extra chain node`,
          met: worstFilePerNode <= AIM_MICROSECONDS_PER_NODE,
        },
      ],
      notes: [
        `A chain node beyond the tenth costs ${marginal.toFixed(1)} µs on a SQLite file ((60-node run − 10-node run) ÷ 50).`,
      ],
      raw: { ...raw, marginalMicrosPerChainNode: marginal },
    };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

await runBenchmark('executor-overhead', measure);
