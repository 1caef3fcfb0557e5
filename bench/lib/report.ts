import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describeMachine, sampleCpuBusy, type MachineInfo } from './machine.js';
import { REPO_ROOT } from './processes.js';

/** One row of a result table: column name to a formatted cell. */
export type TableRow = Record<string, string>;

/** A target from the benchmark brief and whether this run met it. */
export interface AimCheck {
  aim: string;
  measured: string;
  met: boolean;
}

/** The result of one benchmark: its tables, aims and notes. */
export interface BenchmarkOutput {
  settings: Record<string, unknown>;
  tables: { title: string; rows: TableRow[] }[];
  aims: AimCheck[];
  notes?: string[];
  /** Unformatted numbers for `bench/results/<name>.json`. */
  raw?: unknown;
}

/** A finished benchmark with the machine it ran on. */
export interface BenchmarkReport extends BenchmarkOutput {
  name: string;
  measuredAt: string;
  seconds: number;
  machine: MachineInfo;
}

/** Share of all cores busy before a start above which the report warns of a busy machine. */
const BUSY_SHARE = 0.1;

/** Folder of the latest JSON report of each benchmark. */
export const RESULTS_DIR = path.join(REPO_ROOT, 'bench', 'results');

/** Renders rows as a Markdown table whose columns are the keys of the first row. */
export function markdownTable(rows: TableRow[]): string {
  if (rows.length === 0) return '(no rows)';
  const columns = Object.keys(rows[0]);
  const lines = [`| ${columns.join(' | ')} |`, `| ${columns.map(() => '---').join(' | ')} |`];
  for (const row of rows) lines.push(`| ${columns.map((column) => row[column] ?? '').join(' | ')} |`);
  return lines.join('\n');
}

/** Formats a report for the terminal, in Markdown so it can be pasted into `bench/README.md`. */
export function formatReport(report: BenchmarkReport): string {
  const { machine } = report;
  const busy = machine.busyBeforeStart === null ? 'unknown' : `${(machine.busyBeforeStart * 100).toFixed(0)} %`;
  const parts = [
    `## ${report.name}`,
    '',
    `machine: ${machine.cpuCount} × ${machine.cpuModel}, Node.js ${machine.nodeVersion}, SQLite ${machine.sqliteVersion}; CPU busy before start: ${busy}`,
    `settings: ${JSON.stringify(report.settings)}`,
    '',
  ];
  for (const table of report.tables) parts.push(`### ${table.title}`, '', markdownTable(table.rows), '');
  if (report.aims.length > 0) {
    const rows = report.aims.map((aim) => ({ aim: aim.aim, measured: aim.measured, met: aim.met ? 'yes' : 'no' }));
    parts.push('### Aims', '', markdownTable(rows), '');
  }
  for (const note of report.notes ?? []) parts.push(`- ${note}`);
  parts.push(`(${report.seconds.toFixed(1)} s)`);
  return parts.join('\n');
}

function writeReport(report: BenchmarkReport): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${report.name}.json`);
  // Write to a temporary name first, so an interrupted run leaves the last complete file.
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(report, null, 2)}\n`);
  renameSync(temporary, file);
}

/**
 * Runs one benchmark, prints its report and stores it as `bench/results/<name>.json`. Sets the
 * exit code to 1 when the benchmark throws.
 */
export async function runBenchmark(name: string, measure: () => Promise<BenchmarkOutput>): Promise<void> {
  try {
    const busyBeforeStart = await sampleCpuBusy();
    if (busyBeforeStart !== null && busyBeforeStart > BUSY_SHARE) {
      console.log(`warning: other processes kept ${(busyBeforeStart * 100).toFixed(0)} % of the CPU busy before the start`);
    }
    const started = process.hrtime.bigint();
    const output = await measure();
    const report: BenchmarkReport = {
      name,
      measuredAt: new Date().toISOString(),
      seconds: Number(process.hrtime.bigint() - started) / 1e9,
      machine: describeMachine(busyBeforeStart),
      ...output,
    };
    writeReport(report);
    console.log(formatReport(report));
  } catch (error) {
    console.error(`benchmark ${name} failed:`, error);
    process.exitCode = 1;
  }
}
