/**
 * Cron lateness: 1,000 published graphs whose schedules all fire in the same second, fired by
 * one and then two scheduler processes (ROLE=scheduler) on one data folder. Lateness is the
 * time from a fire time to `firedAt` in the run's input (when the scheduler took the fire) and to
 * the run's `createdAt` (when the run was stored). Every fire must start exactly one run. The
 * baseline is 1,000 `setTimeout` timers due at the same instant in this idle process.
 */
import { createLogger } from '../runtime/src/logger.js';
import { CRON_BATCH_SIZE } from '../runtime/src/scheduling/scheduling.js';
import { ScheduleService } from '../runtime/src/scheduling/schedule-service.js';
import { JobStore } from '../runtime/src/scheduling/job-store.js';
import { createDataDir } from './lib/data-dir.js';
import { storePublished } from './lib/graphs.js';
import { startRoleProcess, type RoleProcess } from './lib/roles.js';
import { runBenchmark, type BenchmarkOutput } from './lib/report.js';
import { formatNumber, median, percentile } from './lib/stats.js';
import path from 'node:path';

const SCHEDULES = Number(process.env.BENCH_SCHEDULES ?? '1000');
/**
 * Time from storing the schedules to their fire time, in ms. The schedulers start within it. A
 * loaded machine needs more than the default 25 s to store 1,000 schedules and start two
 * processes, so BENCH_CRON_LEAD_MS sets it.
 */
const LEAD_MS = Number(process.env.BENCH_CRON_LEAD_MS ?? '25000');
/** Time after the fire time before the runs are counted. */
const SETTLE_MS = 10_000;
const AIM_P99_MS = 250;

interface LatenessRound {
  label: string;
  fired: number[];
  stored: number[];
  runs: number;
  duplicates: number;
  missing: number;
  schedulerCpuSeconds: number;
}

/** Lateness of SCHEDULES timers of this process due at the same instant, in ms. */
async function measureTimers(): Promise<number[]> {
  const dueAt = Date.now() + 1_000;
  const lateness: number[] = [];
  await new Promise<void>((resolve) => {
    for (let index = 0; index < SCHEDULES; index += 1) {
      setTimeout(() => {
        lateness.push(Date.now() - dueAt);
        if (lateness.length === SCHEDULES) resolve();
      }, dueAt - Date.now());
    }
  });
  return lateness;
}

/** Returns a 6-field cron expression that fires once a day at `at` (UTC). */
function dailyAt(at: Date): string {
  return `${at.getUTCSeconds()} ${at.getUTCMinutes()} ${at.getUTCHours()} * * *`;
}

async function measureSchedulers(schedulers: number): Promise<LatenessRound> {
  const dataDir = createDataDir(`cron-${schedulers}`);
  const storage = dataDir.open();
  const log = createLogger('silent');
  const jobs = new JobStore({
    settings: { jobsDbPath: path.join(dataDir.path, 'jobs.db'), lockLifetimeMs: 60_000, scanIntervalMs: 5_000, notifyPollMs: 50 },
    log,
    name: 'bench-schedules',
    maxConcurrency: 1,
  });
  const processes: RoleProcess[] = [];
  try {
    const setupStart = Date.now();
    const fireAt = new Date(Math.ceil((setupStart + LEAD_MS) / 1000) * 1000);
    const graphIds: string[] = [];
    for (let index = 0; index < SCHEDULES; index += 1) {
      const id = `graph_cron_${index}`;
      await storePublished(storage, id, {
        name: `cron ${index}`,
        settings: { schedule: { cron: dailyAt(fireAt), timezone: 'UTC' } },
        nodes: [{ id: 'noop', type: 'core/noop@1', position: { x: 0, y: 0 }, config: {} }],
        edges: [],
      });
      graphIds.push(id);
    }
    await jobs.open();
    const schedules = new ScheduleService({ jobs, storage, log });
    for (const id of graphIds) await schedules.sync(id);
    await jobs.close();
    const storedAt = Date.now();

    for (let index = 0; index < schedulers; index += 1) {
      processes.push(await startRoleProcess('scheduler', { DATA_DIR: dataDir.path }));
    }
    const setup = `storing the schedules took ${((storedAt - setupStart) / 1000).toFixed(1)} s and starting the schedulers ${((Date.now() - storedAt) / 1000).toFixed(1)} s`;
    if (Date.now() > fireAt.getTime() - 2_000) {
      throw new Error(`the schedulers started too late for the fire time: ${setup}; set BENCH_CRON_LEAD_MS above ${LEAD_MS}`);
    }
    console.error(setup);
    const cpuBefore = processes.reduce((sum, child) => sum + child.cpuSeconds(), 0);
    await new Promise((resolve) => setTimeout(resolve, fireAt.getTime() + SETTLE_MS - Date.now()));
    const schedulerCpuSeconds = processes.reduce((sum, child) => sum + child.cpuSeconds(), 0) - cpuBefore;

    const runs = (await storage.runs.listByStatus(['queued', 'running', 'succeeded', 'failed', 'cancelled'])).filter((run) => run.trigger === 'cron');
    const fired: number[] = [];
    const stored: number[] = [];
    const keys = new Set<string>();
    for (const run of runs) {
      const input = run.input as { scheduledAt: string; firedAt: string };
      keys.add(`${run.graphId} ${input.scheduledAt}`);
      fired.push(Date.parse(input.firedAt) - Date.parse(input.scheduledAt));
      stored.push(Date.parse(run.createdAt) - Date.parse(input.scheduledAt));
    }
    const graphsFired = new Set(runs.map((run) => run.graphId)).size;
    return {
      label: `${schedulers} scheduler${schedulers === 1 ? '' : 's'}`,
      fired,
      stored,
      runs: runs.length,
      duplicates: runs.length - keys.size,
      missing: SCHEDULES - graphsFired,
      schedulerCpuSeconds,
    };
  } finally {
    for (const child of processes) await child.stop();
    await storage.close();
    dataDir.remove();
  }
}

function latencyCells(values: number[]): Record<string, string> {
  return {
    'p50 ms': formatNumber(median(values), 1),
    'p99 ms': formatNumber(percentile(values, 99), 1),
    'max ms': formatNumber(Math.max(...values), 1),
  };
}

async function measure(): Promise<BenchmarkOutput> {
  const timers = await measureTimers();
  const rounds = [await measureSchedulers(1), await measureSchedulers(2)];

  const rows = [
    { measured: `baseline: ${formatNumber(SCHEDULES)} setTimeout timers`, runs: '–', duplicates: '–', missing: '–', ...latencyCells(timers), 'scheduler CPU s': '–' },
  ];
  for (const round of rounds) {
    rows.push({ measured: `${round.label}, fired`, runs: formatNumber(round.runs), duplicates: String(round.duplicates), missing: String(round.missing), ...latencyCells(round.fired), 'scheduler CPU s': round.schedulerCpuSeconds.toFixed(1) });
    rows.push({ measured: `${round.label}, run stored`, runs: '', duplicates: '', missing: '', ...latencyCells(round.stored), 'scheduler CPU s': '' });
  }
  const aims = rounds.flatMap((round) => {
    // The run's createdAt is the later of the two instants, because firedAt is when the batch
    // reached its fire time and createdAt is taken just before its runs are written.
    const p99 = percentile(round.stored, 99);
    return [
      { aim: `${round.label}: p99 lateness of the stored run ≤ ${AIM_P99_MS} ms`, measured: `${formatNumber(p99, 1)} ms`, met: p99 <= AIM_P99_MS },
      { aim: `${round.label}: no duplicate or missing fire`, measured: `${round.duplicates} duplicates, ${round.missing} missing`, met: round.duplicates === 0 && round.missing === 0 },
    ];
  });
  return {
    settings: { schedules: SCHEDULES, leadMs: LEAD_MS, cronBatchSize: CRON_BATCH_SIZE, scanIntervalMs: 5_000 },
    tables: [{ title: `${formatNumber(SCHEDULES)} schedules due in the same second`, rows }],
    aims,
    raw: { timers, rounds },
  };
}

await runBenchmark('cron-lateness', measure);
