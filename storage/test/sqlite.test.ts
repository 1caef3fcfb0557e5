import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStorage } from '../src/index.js';
import { BUSY_TIMEOUT_MS, openConnection } from '../src/sqlite/connection.js';
import { SqliteStorage } from '../src/sqlite/index.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, applyMigrations, type Migration } from '../src/sqlite/migrations.js';
import { StorageConflictError, StorageSchemaTooNewError, type Storage } from '../src/types.js';
import {
  buildAttempt,
  buildDelivery,
  buildEvents,
  buildGraphDocument,
  buildRun,
  buildTask,
  defineStorageContract,
} from './contract/index.js';

const directories = new Map<Storage, string>();

function createTempDirectory(): string {
  return mkdtempSync(join(tmpdir(), 'gestorlead-storage-'));
}

defineStorageContract(
  'SQLite',
  async () => {
    const directory = createTempDirectory();
    const storage = openSqliteStorage({ path: join(directory, 'studio.db') });
    directories.set(storage, directory);
    return storage;
  },
  async (storage) => {
    await storage.close();
    rmSync(directories.get(storage)!, { recursive: true, force: true });
    directories.delete(storage);
  },
);

describe('SQLite adapter', () => {
  let directory: string;
  let path: string;
  /** Stores and raw connections opened by the running test, closed after it. */
  const opened: Array<Storage | Database.Database> = [];

  function open(): Storage {
    const storage = openSqliteStorage({ path });
    opened.push(storage);
    return storage;
  }

  function openRaw(): Database.Database {
    const db = new Database(path);
    opened.push(db);
    return db;
  }

  beforeEach(() => {
    directory = createTempDirectory();
    path = join(directory, 'studio.db');
  });

  afterEach(async () => {
    for (const handle of opened.splice(0)) {
      await handle.close();
    }
    rmSync(directory, { recursive: true, force: true });
  });

  it('creates missing parent directories', async () => {
    path = join(directory, 'a', 'b', 'studio.db');

    const storage = open();
    await storage.ping();

    expect(existsSync(path)).toBe(true);
  });

  it('kind is sqlite', () => {
    expect(open().kind).toBe('sqlite');
  });

  it('records each migration once', async () => {
    await open().close();
    await open().close();

    const rows = openRaw().prepare('select version, name from schema_migrations order by version').all();

    expect(rows).toEqual(MIGRATIONS.map(({ version, name }) => ({ version, name })));
  });

  it('migration versions count up from one', () => {
    expect(MIGRATIONS.map((migration) => migration.version)).toEqual(MIGRATIONS.map((_, index) => index + 1));
    expect(LATEST_SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  it('applies only pending migrations', () => {
    const db = openRaw();
    applyMigrations(db, path);
    const next: Migration = {
      version: LATEST_SCHEMA_VERSION + 1,
      name: 'add-notes',
      sql: 'create table notes (id text primary key)',
    };

    applyMigrations(db, path, [...MIGRATIONS, next]);

    const versions = db.prepare('select version from schema_migrations order by version').pluck().all();
    expect(versions).toEqual([...MIGRATIONS.map((migration) => migration.version), next.version]);
    expect(db.prepare("select name from sqlite_master where name = 'notes'").pluck().get()).toBe('notes');
  });

  it('failed migration rolls back', () => {
    const db = openRaw();
    const broken: Migration = { version: LATEST_SCHEMA_VERSION + 1, name: 'broken', sql: 'create table broken (' };

    expect(() => applyMigrations(db, path, [...MIGRATIONS, broken])).toThrow();

    expect(db.prepare("select count(*) from sqlite_master where name = 'schema_migrations'").pluck().get()).toBe(0);
    expect(db.prepare("select count(*) from sqlite_master where name = 'runs'").pluck().get()).toBe(0);
  });

  it('reopening keeps stored data', async () => {
    const first = open();
    await first.graphs.create('graph-1', buildGraphDocument({ name: 'Kept' }));
    const run = buildRun();
    await first.runs.create(run);
    await first.events.append(buildEvents(3, { runId: run.id }));
    await first.close();

    const second = open();

    expect((await second.graphs.get('graph-1'))?.name).toBe('Kept');
    expect(await second.runs.get(run.id)).toEqual(run);
    expect(await second.events.maxSeq(run.id)).toBe(3);
  });

  it('WAL journal mode is active', async () => {
    await open().ping();

    expect(openRaw().pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('connection sets its pragmas', () => {
    const db = openConnection(path);
    opened.push(db);

    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(BUSY_TIMEOUT_MS);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
  });

  it('newer schema is rejected', async () => {
    const storage = open();
    await storage.graphs.create('graph-1', buildGraphDocument());
    await storage.close();
    const raw = new Database(path);
    raw
      .prepare("insert into schema_migrations (version, name, applied_at) values (?, 'from-the-future', ?)")
      .run(LATEST_SCHEMA_VERSION + 1, '2030-01-01T00:00:00.000Z');
    raw.close();

    let error: unknown;
    try {
      open();
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(StorageSchemaTooNewError);
    expect((error as StorageSchemaTooNewError).code).toBe('STORAGE_SCHEMA_TOO_NEW');
    expect((error as StorageSchemaTooNewError).storedVersion).toBe(LATEST_SCHEMA_VERSION + 1);
    expect((error as StorageSchemaTooNewError).supportedVersion).toBe(LATEST_SCHEMA_VERSION);
    expect((error as Error).message).toContain(path);
    expect(openRaw().prepare('select count(*) from graphs').pluck().get()).toBe(1);
  });

  it('connections see committed writes', async () => {
    const writer = open();
    const reader = open();
    const run = buildRun();

    await writer.runs.create(run);
    await reader.events.append(buildEvents(2, { runId: run.id }));
    await reader.runs.update(run.id, { status: 'running' });

    expect((await reader.runs.get(run.id))?.id).toBe(run.id);
    expect(await writer.events.maxSeq(run.id)).toBe(2);
    expect((await writer.runs.get(run.id))?.status).toBe('running');
  });

  it('in-memory database works', async () => {
    path = ':memory:';
    const storage = open();

    await storage.graphs.create('graph-1', buildGraphDocument());

    expect(await storage.graphs.count()).toBe(1);
  });

  it('conflict keeps SQLite error as cause', async () => {
    const storage = open();
    const run = buildRun();
    await storage.runs.create(run);

    const error = await storage.runs.create(run).catch((rejection: unknown) => rejection);

    expect(error).toBeInstanceOf(StorageConflictError);
    expect((error as Error).message).toContain(run.id);
    expect((error as Error).cause).toBeInstanceOf(Database.SqliteError);
    expect(((error as Error).cause as { code: string }).code).toBe('SQLITE_CONSTRAINT_PRIMARYKEY');
  });

  it('closed store rejects calls', async () => {
    const storage = open();
    await storage.close();

    await expect(storage.ping()).rejects.toThrow(/not open/);
  });

  it('every query uses an index', async () => {
    const statements: string[] = [];
    const db = new Database(path, { verbose: (sql) => statements.push(String(sql)) });
    opened.push(db);
    applyMigrations(db, path);
    const storage = new SqliteStorage(db);
    statements.length = 0;

    await exerciseEveryMethod(storage);

    const tables = ['graphs', 'graph_versions', 'runs', 'tasks', 'task_attempts', 'run_events', 'deliveries'];
    const fullScan = new RegExp(`^SCAN (${tables.join('|')})$`);
    const queries = statements.filter((sql) => !/^\s*(insert|begin|commit|rollback)/i.test(sql));
    expect(queries.length).toBeGreaterThan(20);
    for (const sql of queries) {
      const plan = db.prepare(`explain query plan ${sql}`).all() as Array<{ detail: string }>;
      const scans = plan.map((step) => step.detail).filter((detail) => fullScan.test(detail));
      expect(scans, sql).toEqual([]);
    }
  });
});

/** Calls every repository method once, so that each prepared statement runs at least once. */
async function exerciseEveryMethod(storage: Storage): Promise<void> {
  await storage.graphs.create('graph-1', buildGraphDocument());
  await storage.graphs.get('graph-1');
  await storage.graphs.list();
  await storage.graphs.list({ search: 'lead', limit: 5, offset: 1 });
  await storage.graphs.saveDraft('graph-1', buildGraphDocument({ name: 'Edited' }));
  await storage.graphs.publish('graph-1', 1);
  await storage.graphs.saveDraft('graph-1', buildGraphDocument({ name: 'Second' }));
  await storage.graphs.getVersion('graph-1', 2);
  await storage.graphs.listVersions('graph-1');
  await storage.graphs.count();
  await storage.graphs.delete('graph-1');

  const run = buildRun();
  await storage.runs.create(run, buildDelivery({ runId: run.id, eventId: 'evt-1' }));
  await storage.runs.get(run.id);
  await storage.runs.update(run.id, { status: 'running' });
  await storage.runs.listByStatus(['queued', 'running']);
  await storage.runs.list();
  await storage.runs.list({ graphId: 'graph-1' });
  await storage.runs.list({ status: ['running'] });
  await storage.runs.list({ before: run.createdAt });
  await storage.runs.list({ graphId: 'graph-1', status: ['running'], before: run.createdAt });

  const task = buildTask({ runId: run.id });
  await storage.tasks.create(task);
  await storage.tasks.get(task.id);
  await storage.tasks.listByRun(run.id);
  await storage.tasks.update(task.id, { status: 'IN_PROGRESS' });
  await storage.tasks.createAttempt(buildAttempt({ taskId: task.id, runId: run.id }));
  await storage.tasks.updateAttempt(task.id, 1, { status: 'COMPLETED' });
  await storage.tasks.listAttempts(task.id);

  await storage.events.append(buildEvents(3, { runId: run.id, taskId: task.id }));
  await storage.events.listByRun(run.id, { after: 1 });
  await storage.events.listByTask(task.id);
  await storage.events.listByTask(task.id, { types: ['task.log'], limit: 2 });
  await storage.events.maxSeq(run.id);

  await storage.deliveries.get('missing');
  await storage.deliveries.findByEventId('graph-1', 'evt-1');
  await storage.deliveries.listByGraph('graph-1');
  await storage.deliveries.listByGraph('graph-1', { test: true });
}
