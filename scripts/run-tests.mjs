#!/usr/bin/env node
// Runs the whole vitest suite, then prints one closing line "tests: N passed, N failed, N skipped"
// taken from vitest's JSON report, and exits with vitest's exit code.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

if (!process.env.MONGO_URL) {
  console.log('MongoDB contract suite skipped: MONGO_URL is not set (set it to a replica set such as mongodb://127.0.0.1:27017/?replicaSet=rs0 to run it).');
}

const reportDir = mkdtempSync(path.join(os.tmpdir(), 'gestorlead-vitest-'));
const reportFile = path.join(reportDir, 'report.json');
const args = ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${reportFile}`, ...process.argv.slice(2)];
const result = spawnSync('npx', args, { stdio: 'inherit', env: process.env });

let exitCode = result.status ?? 1;
try {
  const report = JSON.parse(readFileSync(reportFile, 'utf8'));
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  console.log(`tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped`);
  if (report.numTotalTests === 0) exitCode = 1;
} catch (error) {
  console.error(`no vitest report was written: ${error.message}`);
  exitCode = exitCode || 1;
} finally {
  rmSync(reportDir, { recursive: true, force: true });
}
process.exit(exitCode);
