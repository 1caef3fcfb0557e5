/**
 * Raw `events.append` throughput of the SQLite adapter: appends 200,000 `task.log` events
 * (about 120 bytes of JSON data each) spread over 20 runs to a new WAL database file in the OS
 * temp directory, once per batch size and event order. Each `append` call is one transaction.
 * The database file is removed afterwards. `event-bus.ts` reuses `measureAppendRate` as its baseline.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openSqliteStorage, type RunEventRecord } from '@gestorlead/storage';
import { runBenchmark, type BenchmarkOutput } from './lib/report.js';
import { formatNumber } from './lib/stats.js';

const TOTAL_EVENTS = 200_000;
const BATCH_SIZES = [1, 10, 100, 1000];
const RUN_COUNT = 20;

/** Builds `size` `task.log` events of one run with consecutive sequence numbers. */
export function buildLogEvents(runId: string, firstSeq: number, size: number): RunEventRecord[] {
  const at = new Date().toISOString();
  const events: RunEventRecord[] = [];
  for (let offset = 0; offset < size; offset += 1) {
    events.push({
      runId,
      seq: firstSeq + offset,
      type: 'task.log',
      at,
      taskId: `${runId}-task`,
      nodeId: 'forward',
      data: {
        level: 'info',
        message: `POST https://crm.example.com/leads replied 201 (line ${firstSeq + offset})`,
      },
    });
  }
  return events;
}

/**
 * Order of the events over the runs. `run-by-run` appends all events of one run before the
 * next, and `interleaved` takes them round-robin from every run, as concurrent runs publish them.
 */
export type EventOrder = 'run-by-run' | 'interleaved';

function buildInterleavedEvents(nextSeq: number[], firstIndex: number, size: number): RunEventRecord[] {
  const at = new Date().toISOString();
  const events: RunEventRecord[] = [];
  for (let offset = 0; offset < size; offset += 1) {
    const run = (firstIndex + offset) % RUN_COUNT;
    const seq = nextSeq[run]++;
    events.push({
      runId: `run-${run}`,
      seq,
      type: 'task.log',
      at,
      taskId: `run-${run}-task`,
      nodeId: 'forward',
      data: { level: 'info', message: `POST https://crm.example.com/leads replied 201 (line ${seq})` },
    });
  }
  return events;
}

/**
 * Appends `totalEvents` events over 20 runs in `append` calls of `batchSize` events to a new
 * database file; returns events per second.
 */
export async function measureAppendRate(
  batchSize: number,
  totalEvents = TOTAL_EVENTS,
  order: EventOrder = 'run-by-run',
): Promise<number> {
  const directory = mkdtempSync(join(tmpdir(), 'gestorlead-bench-append-'));
  const storage = openSqliteStorage({ path: join(directory, 'bench.db') });
  try {
    const eventsPerRun = totalEvents / RUN_COUNT;
    const started = process.hrtime.bigint();
    if (order === 'run-by-run') {
      for (let run = 0; run < RUN_COUNT; run += 1) {
        for (let seq = 1; seq <= eventsPerRun; seq += batchSize) {
          await storage.events.append(buildLogEvents(`run-${run}`, seq, Math.min(batchSize, eventsPerRun - seq + 1)));
        }
      }
    } else {
      const nextSeq = new Array<number>(RUN_COUNT).fill(1);
      for (let index = 0; index < totalEvents; index += batchSize) {
        await storage.events.append(buildInterleavedEvents(nextSeq, index, Math.min(batchSize, totalEvents - index)));
      }
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return totalEvents / seconds;
  } finally {
    await storage.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

async function measure(): Promise<BenchmarkOutput> {
  const rows = [];
  const raw: Record<number, { runByRun: number; interleaved: number }> = {};
  for (const batchSize of BATCH_SIZES) {
    const runByRun = await measureAppendRate(batchSize, TOTAL_EVENTS, 'run-by-run');
    const interleaved = await measureAppendRate(batchSize, TOTAL_EVENTS, 'interleaved');
    raw[batchSize] = { runByRun, interleaved };
    rows.push({
      'events per append call': String(batchSize),
      'events/s, run by run': formatNumber(runByRun),
      'events/s, 20 runs interleaved': formatNumber(interleaved),
    });
  }
  return {
    settings: { totalEvents: TOTAL_EVENTS, runs: RUN_COUNT, batchSizes: BATCH_SIZES },
    tables: [{ title: `events.append, ${formatNumber(TOTAL_EVENTS)} events per batch size`, rows }],
    aims: [],
    raw,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runBenchmark('event-append', measure);
}
