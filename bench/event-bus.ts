/**
 * Run event persistence through the EventBus: publishes `task.log` events of 20 runs, a fixed
 * number per event-loop turn, and waits until the bus has stored them all in a SQLite WAL file.
 * The bus writes one `events.append` batch per turn, so the events per turn set the batch size.
 * The baseline is raw `events.append` of the same events in batches of the same size (20 runs
 * interleaved, as the bus receives them), measured in the same process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { openSqliteStorage } from '@gestorlead/storage';
import { EventBus } from '../runtime/src/events/event-bus.js';
import { createLogger } from '../runtime/src/logger.js';
import { measureAppendRate } from './event-append.js';
import { runBenchmark, type BenchmarkOutput } from './lib/report.js';
import { formatNumber } from './lib/stats.js';

const RUN_COUNT = 20;
const AIM_EVENTS_PER_SECOND = 20_000;
/** Events published per event-loop turn, and the total for each. */
const CASES = [
  { perTurn: 1, total: 40_000 },
  { perTurn: 10, total: 100_000 },
  { perTurn: 100, total: 200_000 },
  { perTurn: 1000, total: 200_000 },
];

/** Publishes `total` events, `perTurn` per event-loop turn; returns stored events per second. */
async function measureBusRate(perTurn: number, total: number): Promise<number> {
  const directory = mkdtempSync(join(tmpdir(), 'gestorlead-bench-bus-'));
  const storage = openSqliteStorage({ path: join(directory, 'bench.db') });
  const bus = new EventBus(storage.events, createLogger('silent'));
  try {
    for (let run = 0; run < RUN_COUNT; run += 1) await bus.openRun(`run-${run}`);
    const started = process.hrtime.bigint();
    for (let published = 0; published < total; ) {
      for (let index = 0; index < perTurn && published < total; index += 1, published += 1) {
        const runId = `run-${published % RUN_COUNT}`;
        bus.publish(runId, 'bench-graph', {
          type: 'task.log',
          taskId: `${runId}-task`,
          nodeId: 'forward',
          data: { level: 'info', message: `POST https://crm.example.com/leads replied 201 (line ${published})`, data: null },
        });
      }
      await nextTurn();
    }
    await bus.flush();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const stored = (await Promise.all(Array.from({ length: RUN_COUNT }, (_, run) => storage.events.maxSeq(`run-${run}`)))).reduce(
      (sum, count) => sum + count,
      0,
    );
    if (stored !== total) throw new Error(`published ${total} events but ${stored} were stored`);
    return total / seconds;
  } finally {
    await storage.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

async function measure(): Promise<BenchmarkOutput> {
  const rows = [];
  const raw: Record<number, { bus: number; append: number }> = {};
  let worst = Infinity;
  for (const { perTurn, total } of CASES) {
    const bus = await measureBusRate(perTurn, total);
    const append = await measureAppendRate(perTurn, total, 'interleaved');
    raw[perTurn] = { bus, append };
    worst = Math.min(worst, bus);
    rows.push({
      'events per turn': String(perTurn),
      events: formatNumber(total),
      'EventBus events/s': formatNumber(bus),
      'events.append events/s': formatNumber(append),
      'bus ÷ append': (bus / append).toFixed(2),
    });
  }
  return {
    settings: { runs: RUN_COUNT, cases: CASES },
    tables: [{ title: 'EventBus.publish + flush into SQLite, against raw events.append', rows }],
    aims: [
      {
        aim: `≥ ${formatNumber(AIM_EVENTS_PER_SECOND)} events/s through the EventBus (every case)`,
        measured: `${formatNumber(worst)} events/s at worst`,
        met: worst >= AIM_EVENTS_PER_SECOND,
      },
    ],
    raw,
  };
}

await runBenchmark('event-bus', measure);
