/**
 * Measures `events.append` throughput of the SQLite adapter on a WAL database file in the OS
 * temp directory, for several batch sizes. Run from the repository root:
 *
 *   node --import tsx storage/bench/event-append.ts
 *
 * Each event carries a `task.log` payload of about 120 bytes of JSON. The file is removed at exit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStorage } from '../src/index.js';
import type { RunEventRecord } from '../src/types.js';

const TOTAL_EVENTS = 200_000;
const BATCH_SIZES = [1, 10, 100, 1000];
const RUN_COUNT = 20;

function buildBatch(runId: string, firstSeq: number, size: number): RunEventRecord[] {
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

async function measure(batchSize: number): Promise<number> {
  const directory = mkdtempSync(join(tmpdir(), 'gestorlead-bench-'));
  const storage = openSqliteStorage({ path: join(directory, 'bench.db') });
  try {
    const eventsPerRun = TOTAL_EVENTS / RUN_COUNT;
    const started = process.hrtime.bigint();
    for (let run = 0; run < RUN_COUNT; run += 1) {
      for (let seq = 1; seq <= eventsPerRun; seq += batchSize) {
        await storage.events.append(buildBatch(`run-${run}`, seq, Math.min(batchSize, eventsPerRun - seq + 1)));
      }
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return TOTAL_EVENTS / seconds;
  } finally {
    await storage.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

for (const batchSize of BATCH_SIZES) {
  const rate = await measure(batchSize);
  const formattedRate = Math.round(rate).toLocaleString('en-US');
  console.log(`batch size ${String(batchSize).padStart(4)}: ${formattedRate} events/s`);
}
