import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../support/server-process.js';
import { startTestStudio, type TestStudio } from '../support/studio.js';
import { REPO_ROOT } from './support.js';

const folders: string[] = [];
const studios: TestStudio[] = [];

afterEach(async () => {
  for (const studio of studios.splice(0)) await studio.close();
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function tempFolder(): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'gestorlead-deploy-'));
  folders.push(folder);
  return folder;
}

/**
 * Runs a script of scripts/ with `node` and returns its exit code and output. It runs
 * asynchronously, because the studio that a script calls serves from this process.
 */
function runScript(script: string, args: string[], env: Record<string, string> = {}): Promise<{ status: number; output: string }> {
  return new Promise((resolve) => {
    const options = { cwd: REPO_ROOT, env: { ...process.env, ...env }, encoding: 'utf8' as const, timeout: 20_000 };
    execFile(process.execPath, [path.join(REPO_ROOT, 'scripts', script), ...args], options, (error, stdout, stderr) => {
      let status = 0;
      if (error !== null) status = typeof error.code === 'number' ? error.code : 1;
      resolve({ status, output: `${stdout}${stderr}` });
    });
  });
}

describe('healthcheck.mjs', () => {
  it('passes against a studio', async () => {
    const studio = await startTestStudio();
    studios.push(studio);
    const url = new URL(await studio.listen());

    const api = await runScript('healthcheck.mjs', [], { ROLE: 'api', PORT: url.port });
    const worker = await runScript('healthcheck.mjs', [], { ROLE: 'worker', METRICS_PORT: url.port });

    expect(api.status, api.output).toBe(0);
    expect(worker.status, worker.output).toBe(0);
  });

  it('fails without a server', async () => {
    const port = await freePort();

    const closed = await runScript('healthcheck.mjs', [], { ROLE: 'all', PORT: String(port) });
    const disabled = await runScript('healthcheck.mjs', [], { ROLE: 'scheduler', METRICS_PORT: '0' });

    expect(closed.status).toBe(1);
    expect(closed.output).toContain(`GET /health on port ${port} failed`);
    expect(disabled.status).toBe(1);
    expect(disabled.output).toContain('METRICS_PORT is 0');
  });
});

describe('sqlite-backup.mjs', () => {
  it('backs up and restores a data folder', async () => {
    const dataDir = tempFolder();
    const backupDir = path.join(tempFolder(), 'sqlite-backup');
    const db = new Database(path.join(dataDir, 'studio.db'));
    db.pragma('journal_mode = WAL');
    db.exec('create table items (id integer primary key, name text)');
    db.prepare('insert into items (name) values (?)').run('before backup');

    // The connection stays open with unflushed WAL pages, as a running studio keeps it.
    const backup = await runScript('sqlite-backup.mjs', ['backup', dataDir, backupDir]);
    db.prepare('insert into items (name) values (?)').run('after backup');
    db.close();
    const restore = await runScript('sqlite-backup.mjs', ['restore', backupDir, dataDir]);

    expect(backup.status, backup.output).toBe(0);
    expect(restore.status, restore.output).toBe(0);
    expect(statSync(path.join(backupDir, 'studio.db')).size).toBeGreaterThan(0);
    const restored = new Database(path.join(dataDir, 'studio.db'), { readonly: true });
    const names = restored.prepare('select name from items order by id').pluck().all();
    restored.close();
    expect(names).toEqual(['before backup']);
  });

  it('rejects a missing folder', async () => {
    const missing = path.join(tempFolder(), 'missing');

    const result = await runScript('sqlite-backup.mjs', ['backup', missing, tempFolder()]);

    expect(result.status).toBe(1);
    expect(result.output).toContain(`data folder ${missing} does not exist`);
  });
});
