/**
 * Runs the benchmarks, each in its own Node.js process, and prints a summary of their aims.
 *
 *   npm run bench                          every benchmark (about 3 minutes on 2 cores)
 *   npm run bench -- webhook-sync startup  only the named ones
 *   npm run bench -- --list                the names
 *
 * Each benchmark prints its report in Markdown and writes it to `bench/results/<name>.json`.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { NODE_TS_FLAGS, REPO_ROOT } from './lib/processes.js';
import { markdownTable, RESULTS_DIR, type BenchmarkReport } from './lib/report.js';

interface BenchmarkEntry {
  name: string;
  summary: string;
  /** The process is stopped after this many seconds. */
  timeLimitSeconds: number;
}

const BENCHMARKS: BenchmarkEntry[] = [
  { name: 'webhook-async', summary: 'async webhook → one-node run stored, runs/s', timeLimitSeconds: 120 },
  { name: 'webhook-sync', summary: 'sync webhook latency at 1 and 10 connections', timeLimitSeconds: 90 },
  { name: 'executor-overhead', summary: 'executor µs per node, SQLite file and :memory:', timeLimitSeconds: 90 },
  { name: 'event-append', summary: 'raw events.append throughput by batch size', timeLimitSeconds: 90 },
  { name: 'event-bus', summary: 'EventBus publish + flush into SQLite, events/s', timeLimitSeconds: 90 },
  { name: 'startup', summary: 'start-up with 10,000 stored webhook graphs', timeLimitSeconds: 120 },
  { name: 'cron-lateness', summary: 'lateness of 1,000 schedules due in the same second', timeLimitSeconds: 300 },
  { name: 'builder-canvas', summary: 'canvas frame times and node renders at 500, 1,000 and 5,000 nodes', timeLimitSeconds: 300 },
  { name: 'worker-scaling', summary: 'runs/s of 1, 2 and 3 worker processes on an I/O-bound graph', timeLimitSeconds: 180 },
];

/** Sends `signal` to a process group; a group that has already exited is skipped. */
function signalGroup(groupId: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-groupId, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Runs one benchmark file in a new process group, so a stop also ends the servers it started. */
function runOne(entry: BenchmarkEntry): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...NODE_TS_FLAGS, path.join('bench', `${entry.name}.ts`)], {
      cwd: REPO_ROOT,
      stdio: 'inherit',
      detached: true,
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      console.error(`${entry.name} timed out after ${entry.timeLimitSeconds} s; stopping it`);
      signalGroup(child.pid!, 'SIGTERM');
      // The group may outlive the benchmark process, so it gets SIGKILL either way.
      setTimeout(() => signalGroup(child.pid!, 'SIGKILL'), 5000).unref();
    }, entry.timeLimitSeconds * 1000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      // Ends any server the benchmark left running, for example after it crashed.
      signalGroup(child.pid!, 'SIGTERM');
      resolve(code === 0 && !timedOut);
    });
  });
}

function readReport(name: string, notBefore: number): BenchmarkReport | null {
  const file = path.join(RESULTS_DIR, `${name}.json`);
  if (!existsSync(file)) return null;
  const report = JSON.parse(readFileSync(file, 'utf8')) as BenchmarkReport;
  return Date.parse(report.measuredAt) >= notBefore ? report : null;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { list: { type: 'boolean', default: false } } });
  if (values.list) {
    for (const entry of BENCHMARKS) console.log(`${entry.name.padEnd(18)} ${entry.summary}`);
    return;
  }
  const unknown = positionals.filter((name) => !BENCHMARKS.some((entry) => entry.name === name));
  if (unknown.length > 0) {
    console.error(`unknown benchmark: ${unknown.join(', ')}; run with --list to see the names`);
    process.exitCode = 2;
    return;
  }
  const selected = positionals.length === 0 ? BENCHMARKS : BENCHMARKS.filter((entry) => positionals.includes(entry.name));

  const started = Date.now();
  const failed: string[] = [];
  for (const entry of selected) {
    console.log(`\n# ${entry.name}\n`);
    if (!(await runOne(entry))) failed.push(entry.name);
  }

  const rows = [];
  for (const entry of selected) {
    const report = readReport(entry.name, started);
    for (const aim of report?.aims ?? []) {
      rows.push({ benchmark: entry.name, aim: aim.aim, measured: aim.measured, met: aim.met ? 'yes' : 'no' });
    }
  }
  console.log(`\n# Summary (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
  console.log(markdownTable(rows));
  if (failed.length > 0) {
    console.error(`\nfailed: ${failed.join(', ')}`);
    process.exitCode = 1;
  }
}

await main();
