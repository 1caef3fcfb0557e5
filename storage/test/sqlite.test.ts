import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStorage } from '../src/index.js';
import { BUSY_TIMEOUT_MS, openConnection } from '../src/sqlite/connection.js';
import { SqliteStorage } from '../src/sqlite/index.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, applyMigrations, type Migration } from '../src/sqlite/migrations.js';
import { StorageConflictError, StorageSchemaTooNewError, type Storage } from '../src/types.js';
import {
  buildApiKey,
  buildArtifact,
  buildAttempt,
  buildCredential,
  buildDelivery,
  buildEvents,
  buildGraphDocument,
  buildLedgerEntry,
  buildOAuthState,
  buildRefreshToken,
  buildReserve,
  buildRun,
  buildTask,
  buildUser,
  defineStorageContract,
  isoAt,
} from './contract/index.js';
import type { RaceCommand, RaceOutcome } from './race-worker.js';

const REPOSITORY_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const RACE_WORKER = join(REPOSITORY_ROOT, 'storage', 'test', 'race-worker.ts');

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

    const tables = [
      'graphs',
      'graph_versions',
      'runs',
      'tasks',
      'task_attempts',
      'run_events',
      'deliveries',
      'users',
      'refresh_tokens',
      'api_keys',
      'credentials',
      'oauth_states',
      'ledger_entries',
      'credit_balances',
      'artifacts',
    ];
    const fullScan = new RegExp(`^SCAN (${tables.join('|')})$`);
    const queries = statements.filter((sql) => !/^\s*(insert|begin|commit|rollback)/i.test(sql));
    expect(queries.length).toBeGreaterThan(60);
    for (const sql of queries) {
      const plan = db.prepare(`explain query plan ${sql}`).all() as Array<{ detail: string }>;
      const scans = plan.map((step) => step.detail).filter((detail) => fullScan.test(detail));
      expect(scans, sql).toEqual([]);
    }
  });

  it('store of schema 4 migrates with null owners', async () => {
    const raw = openRaw();
    applyMigrations(raw, path, MIGRATIONS.filter((migration) => migration.version <= 4));
    const at = isoAt(0);
    raw
      .prepare(
        `insert into graphs (id, name, name_lower, description, latest_version, published_version, created_at,
                             updated_at)
         values ('graph-1', 'Old', 'old', null, 1, null, ?, ?)`,
      )
      .run(at, at);
    raw
      .prepare(
        `insert into graph_versions (graph_id, version, document, created_at, updated_at, published_at, frozen_at)
         values ('graph-1', 1, ?, ?, ?, null, null)`,
      )
      .run(JSON.stringify(buildGraphDocument({ name: 'Old' })), at, at);
    raw
      .prepare(
        `insert into runs (id, graph_id, graph_version, status, trigger_kind, input, output, error, response,
                           delivery_id, created_at, updated_at, started_at, finished_at)
         values ('run-1', 'graph-1', 1, 'succeeded', 'manual', null, null, null, null, null, ?, ?, null, null)`,
      )
      .run(at, at);
    raw
      .prepare(
        `insert into plugins (name, version, manifest, code, sha256, installed_at)
         values ('mailer', '1.0.0', '{"name":"mailer"}', 'code', ?, ?)`,
      )
      .run('a'.repeat(64), at);

    const storage = open();

    expect(raw.prepare('select max(version) from schema_migrations').pluck().get()).toBe(LATEST_SCHEMA_VERSION);
    expect((await storage.graphs.get('graph-1'))?.ownerId).toBeNull();
    expect((await storage.runs.get('run-1'))?.ownerId).toBeNull();
    expect((await storage.plugins.get('mailer', '1.0.0'))?.ownerId).toBeNull();
    expect((await storage.plugins.list({ visibleTo: 'user-1' })).map((plugin) => plugin.name)).toEqual(['mailer']);
    expect(await storage.graphs.claimUnowned('user-1')).toBe(1);
    expect((await storage.runs.get('run-1'))?.ownerId).toBe('user-1');
    expect(await storage.graphs.count({ ownerId: 'user-1' })).toBe(1);
  });

  it('connections share one ledger balance', async () => {
    const first = open();
    const second = open();
    await first.ledger.append(buildLedgerEntry({ delta: 3, amount: 3 }));

    await second.ledger.append(buildReserve(2));
    await first.ledger.append(buildReserve(1));
    const overdraw = second.ledger.append(buildReserve(1));

    await expect(overdraw).rejects.toThrow(/available balance is 0/);
    expect(await first.ledger.balance('user-1')).toBe(0);
    expect(await second.ledger.balance('user-1')).toBe(0);
  });

  it('balance row equals sum of deltas', async () => {
    const storage = open();
    await storage.ledger.append(buildLedgerEntry({ userId: 'user-1', delta: 50, amount: 50 }));
    await storage.ledger.append(buildReserve(20, { userId: 'user-1' }));
    await storage.ledger.append(buildLedgerEntry({ userId: 'user-2', kind: 'adjustment', delta: -7, amount: 7 }), {
      allowNegative: true,
    });
    await storage.ledger.append(buildLedgerEntry({ userId: 'user-1', kind: 'release', delta: 20, amount: 20 }));

    const rows = openRaw()
      .prepare(
        `select user_id, balance, (select sum(delta) from ledger_entries e where e.user_id = b.user_id) as total
         from credit_balances b order by user_id`,
      )
      .all();

    expect(rows).toEqual([
      { user_id: 'user-1', balance: 50, total: 50 },
      { user_id: 'user-2', balance: -7, total: -7 },
    ]);
  });

  it('rotate from two connections succeeds once', async () => {
    const first = open();
    const second = open();
    const token = buildRefreshToken();
    await first.refreshTokens.create(token);

    expect(await first.refreshTokens.rotate(token.id, buildRefreshToken(), isoAt(1))).toBe(true);
    expect(await second.refreshTokens.rotate(token.id, buildRefreshToken(), isoAt(2))).toBe(false);
  });

  it('processes racing for credits never overdraw', async () => {
    const storage = open();
    await storage.ledger.append(buildLedgerEntry({ delta: 100, amount: 100 }));

    const outcomes = await runRace(
      [1, 2, 3].map((worker) => ({ paths: [path], mode: 'ledger', worker, attempts: 80 })),
    );

    expect(outcomes.flatMap((outcome) => outcome.errors)).toEqual([]);
    expect(sum(outcomes.map((outcome) => outcome.created))).toBe(100);
    expect(sum(outcomes.map((outcome) => outcome.insufficient))).toBe(140);
    expect(await storage.ledger.balance('user-1')).toBe(0);
    const raw = openRaw();
    expect(raw.prepare("select sum(delta) from ledger_entries where user_id = 'user-1'").pluck().get()).toBe(0);
    expect(raw.prepare("select count(*) from ledger_entries where kind = 'reserve'").pluck().get()).toBe(100);
  });

  it('processes racing to sign up make one admin', async () => {
    // Each round races on a new file, because only the first user of a store can become admin.
    const paths = Array.from({ length: 20 }, (_, round) => join(directory, `signup-${round}.db`));

    const outcomes = await runRace([1, 2, 3].map((worker) => ({ paths, mode: 'users', worker, attempts: 1 })));

    expect(outcomes.flatMap((outcome) => outcome.errors)).toEqual([]);
    expect(sum(outcomes.map((outcome) => outcome.created))).toBe(3 * paths.length);
    expect(sum(outcomes.map((outcome) => outcome.admins))).toBe(paths.length);
    for (const roundPath of paths) {
      const db = new Database(roundPath, { readonly: true });
      opened.push(db);
      expect(db.prepare('select count(*) from users where admin = 1').pluck().get(), roundPath).toBe(1);
    }
  });
});

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/**
 * Starts one `race-worker.ts` process per command, waits until every one has opened its stores,
 * then starts them together and returns their outcomes in command order.
 */
async function runRace(commands: RaceCommand[]): Promise<RaceOutcome[]> {
  const workers = commands.map((command) => {
    const child = spawn(
      process.execPath,
      ['--no-node-snapshot', '--import', 'tsx', RACE_WORKER, JSON.stringify(command)],
      { cwd: REPOSITORY_ROOT, stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, lines, exited };
  });

  for (const worker of workers) {
    const first = await worker.lines.next();
    expect(first.value).toBe('ready');
  }
  // Every worker spins until this instant, so their first writes start within about a millisecond.
  const startAt = Date.now() + 100;
  for (const worker of workers) {
    worker.child.stdin.end(`${startAt}\n`);
  }

  const outcomes: RaceOutcome[] = [];
  for (const worker of workers) {
    const last = await worker.lines.next();
    expect(await worker.exited).toBe(0);
    outcomes.push(JSON.parse(String(last.value)) as RaceOutcome);
  }
  return outcomes;
}

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

  await storage.runs.list({ ownerId: 'user-1', trigger: ['cron'], since: isoAt(0), until: isoAt(5) });
  await storage.runs.list({ ownerId: 'user-1', graphId: 'graph-1', since: isoAt(0), before: isoAt(3), beforeId: 'run-9' });
  await storage.runs.dailyCounts('user-1', isoAt(0));

  await storage.deliveries.get('missing');
  await storage.deliveries.findByEventId('graph-1', 'evt-1');
  await storage.deliveries.listByGraph('graph-1');
  await storage.deliveries.listByGraph('graph-1', { test: true });

  await exerciseOwnershipMethods(storage);
  await exerciseAccountMethods(storage);
  await exerciseLedgerMethods(storage);
  await exerciseArtifactMethods(storage);
}

async function exerciseArtifactMethods(storage: Storage): Promise<void> {
  const artifact = buildArtifact();
  await storage.artifacts.create(artifact);
  await storage.artifacts.get(artifact.id);
  await storage.artifacts.listByRun(artifact.runId, { limit: 5, offset: 1 });
  await storage.artifacts.listExpired(isoAt(1), 10);
  await storage.artifacts.delete(artifact.id);
}

async function exerciseOwnershipMethods(storage: Storage): Promise<void> {
  await storage.graphs.create('graph-2', buildGraphDocument(), { ownerId: null });
  await storage.graphs.list({ ownerId: 'user-1' });
  await storage.graphs.list({ ownerId: 'user-1', search: 'lead', limit: 5, offset: 1 });
  await storage.graphs.count({ ownerId: 'user-1' });
  await storage.runs.create(buildRun({ graphId: 'graph-2' }));
  await storage.graphs.claimUnowned('user-1');
  await storage.runs.list({ ownerId: 'user-1' });
  await storage.runs.list({ ownerId: 'user-1', graphId: 'graph-2', status: ['queued'], before: isoAt(1) });
}

async function exerciseAccountMethods(storage: Storage): Promise<void> {
  const user = await storage.users.create(buildUser({ googleId: 'google-1' }), { firstBecomesAdmin: true });
  await storage.users.get(user.id);
  await storage.users.findByEmail(user.email);
  await storage.users.findByGoogleId('google-1');
  await storage.users.list();
  await storage.users.list({ search: 'ana', limit: 5, offset: 1 });
  await storage.users.count();
  await storage.users.update(user.id, { fullName: 'Ana Lima' });

  const token = buildRefreshToken({ userId: user.id });
  await storage.refreshTokens.create(token);
  await storage.refreshTokens.findByHash(token.tokenHash);
  await storage.refreshTokens.rotate(token.id, buildRefreshToken({ userId: user.id }), isoAt(1));
  await storage.refreshTokens.revokeFamily(token.familyId, isoAt(2));
  await storage.refreshTokens.revokeByUser(user.id, isoAt(3));
  await storage.refreshTokens.purgeExpired(isoAt(4));

  const key = buildApiKey({ userId: user.id });
  await storage.apiKeys.create(key);
  await storage.apiKeys.findByHash(key.keyHash);
  await storage.apiKeys.listByUser(user.id);
  await storage.apiKeys.touch(key.id, isoAt(1));
  await storage.apiKeys.revoke(user.id, key.id, isoAt(2));

  const credential = buildCredential({ ownerId: user.id });
  await storage.credentials.create(credential);
  await storage.credentials.get(credential.id);
  await storage.credentials.listByOwner(user.id);
  await storage.credentials.listByOwner(user.id, { type: credential.type });
  await storage.credentials.update(credential.id, { name: 'Renamed' }, { expectedUpdatedAt: credential.updatedAt });
  await storage.credentials.listNotEncryptedWith('key-new', 10);
  await storage.credentials.delete(credential.id);

  const state = buildOAuthState({ userId: user.id });
  await storage.oauthStates.create(state);
  await storage.oauthStates.take(state.state, isoAt(1));
  await storage.oauthStates.purgeExpired(isoAt(2));
}

async function exerciseLedgerMethods(storage: Storage): Promise<void> {
  await storage.ledger.append(buildLedgerEntry());
  const reserve = buildReserve(5);
  await storage.ledger.append(reserve);
  await storage.ledger.append(reserve);
  await storage.ledger.append(buildLedgerEntry({ kind: 'capture', delta: 0, amount: 5, reservationKey: reserve.idempotencyKey }));
  await storage.ledger.balance('user-1');
  await storage.ledger.findByKey(reserve.idempotencyKey);
  await storage.ledger.list('user-1');
  await storage.ledger.list('user-1', { kinds: ['reserve'], before: isoAt(1), beforeId: 'entry-9', limit: 5 });
  await storage.ledger.listByTask('task-1');
  await storage.ledger.listOpenReservations();
  await storage.ledger.listOpenReservations({ runId: 'run-1' });
  await storage.ledger.heldBalance('user-1');
  await storage.ledger.dailyUsage('user-1', isoAt(0));
}
