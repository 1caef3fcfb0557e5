import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatReport, parseMigrateArguments, runMigrateCommand } from '../../src/migrate/command.js';
import { openSqliteStorage } from '../../src/index.js';
import { buildUser } from '../contract/index.js';

describe('migrate command', () => {
  let directory: string;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'gestorlead-migrate-cli-'));
  });

  afterEach(() => {
    vi.restoreAllMocks();
    rmSync(directory, { recursive: true, force: true });
  });

  it('--from is required', () => {
    expect(() => parseMigrateArguments(['--to', 'mongodb://127.0.0.1/x'])).toThrow(/--from is required/);
  });

  it('--to is required outside dry run', () => {
    expect(() => parseMigrateArguments(['--from', 'studio.db'])).toThrow(/--to is required/);
  });

  it('--to must be a MongoDB URL', () => {
    expect(() => parseMigrateArguments(['--from', 'studio.db', '--to', 'postgres://x'])).toThrow(/--to must start with mongodb:\/\//);
  });

  it('--batch-size must be a positive integer', () => {
    expect(() => parseMigrateArguments(['--from', 'a.db', '--dry-run', '--batch-size', '0'])).toThrow(/--batch-size must be an integer/);
  });

  it('jobs.db beside --from is the default job store', () => {
    writeFileSync(join(directory, 'jobs.db'), '');

    const parsed = parseMigrateArguments(['--from', join(directory, 'studio.db'), '--dry-run']);

    expect(parsed).toMatchObject({ jobs: join(directory, 'jobs.db'), dryRun: true, batchSize: 500, to: null });
  });

  it('--no-jobs copies no job store', () => {
    writeFileSync(join(directory, 'jobs.db'), '');

    const parsed = parseMigrateArguments(['--from', join(directory, 'studio.db'), '--dry-run', '--no-jobs']);

    expect(parsed).toMatchObject({ jobs: null });
  });

  it('report line shows counts and status', () => {
    const line = formatReport({ table: 'runs', collection: 'runs', rows: 3, written: 3, found: 2 });

    expect(line).toMatch(/^runs +→ runs +3 rows, 3 written, 2 found: COUNT MISMATCH$/);
  });

  it('dry run prints row counts', async () => {
    const studioPath = join(directory, 'studio.db');
    const storage = openSqliteStorage({ path: studioPath });
    await storage.users.create(buildUser());
    await storage.close();
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => lines.push(line));

    const code = await runMigrateCommand(['--from', studioPath, '--dry-run']);

    expect(code).toBe(0);
    expect(lines).toContain('users              → users            1 rows');
    expect(lines.at(-1)).toBe('1 rows would be copied.');
  });

  it('missing source file is a usage error', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);

    const code = await runMigrateCommand(['--from', join(directory, 'none.db'), '--dry-run']);

    expect(code).toBe(2);
  });
});
