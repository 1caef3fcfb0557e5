import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';

/** The machine and software a result was measured on. */
export interface MachineInfo {
  cpuCount: number;
  cpuModel: string;
  nodeVersion: string;
  sqliteVersion: string;
  betterSqlite3Version: string;
  platform: string;
  /**
   * Share of all cores (0–1) that other processes kept busy during the second before the
   * benchmark started. Above about 0.1, the numbers are lower and noisier than on an idle machine.
   */
  busyBeforeStart: number | null;
}

function readCpuModel(): string {
  try {
    const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
    const match = /^model name\s*:\s*(.+)$/m.exec(cpuinfo);
    if (match) return match[1].trim();
  } catch {
    // Not Linux: fall back to what os.cpus() reports.
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

/**
 * Reads the SQLite library version through the better-sqlite3 copy that the storage workspace
 * depends on, so the bench reports the exact build the adapter uses.
 */
function readSqliteVersions(): { sqlite: string; driver: string } {
  const requireFromStorage = createRequire(import.meta.resolve('@gestorlead/storage'));
  const Database = requireFromStorage('better-sqlite3') as new (path: string) => {
    prepare(sql: string): { pluck(): { get(): unknown } };
    close(): void;
  };
  const driver = (requireFromStorage('better-sqlite3/package.json') as { version: string }).version;
  const db = new Database(':memory:');
  try {
    return { sqlite: String(db.prepare('select sqlite_version()').pluck().get()), driver };
  } finally {
    db.close();
  }
}

/** Reads the busy and total clock ticks of all cores from `/proc/stat` (Linux only, else null). */
export function readCpuTimes(): { busy: number; total: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    // Fields: user nice system idle iowait irq softirq steal; idle and iowait count as not busy.
    const total = ticks.slice(0, 8).reduce((sum, value) => sum + value, 0);
    return { busy: total - ticks[3] - ticks[4], total };
  } catch {
    return null;
  }
}

/** Measures the share of all cores in use over `milliseconds` (Linux only, else null). */
export async function sampleCpuBusy(milliseconds = 1000): Promise<number | null> {
  const before = readCpuTimes();
  await new Promise((resolve) => setTimeout(resolve, milliseconds));
  const after = readCpuTimes();
  if (!before || !after || after.total === before.total) return null;
  return (after.busy - before.busy) / (after.total - before.total);
}

/**
 * Collects the CPU count (`os.availableParallelism()`, as `nproc` reports), model and versions.
 * `busyBeforeStart` is the result of `sampleCpuBusy` taken before the benchmark ran.
 */
export function describeMachine(busyBeforeStart: number | null): MachineInfo {
  const versions = readSqliteVersions();
  return {
    cpuCount: os.availableParallelism(),
    cpuModel: readCpuModel(),
    nodeVersion: process.version,
    sqliteVersion: versions.sqlite,
    betterSqlite3Version: versions.driver,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    busyBeforeStart,
  };
}
