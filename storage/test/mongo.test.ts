/**
 * The storage contract suite against MongoDB. It runs only where MONGO_URL names a replica set
 * (transactions need one), such as mongodb://127.0.0.1:27017/?replicaSet=rs0. Each run uses a
 * database of its own, emptied after every test and dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyStudio, mismatchedTables, type CopySources } from '../src/migrate/copy-studio.js';
import { agendaJobObjectId } from '../src/migrate/table-mappings.js';
import { openMongoStorage, type MongoStorage } from '../src/mongo/index.js';
import type { Storage } from '../src/types.js';
import { AGENDA_JOBS_COLLECTION } from '../src/mongo/agenda-backend.js';
import { COUNT_NOW, COUNTED_JOBS, EXPECTED_COUNTS, toMongoDocument } from './agenda/job-counts-fixture.js';
import { buildReserve, defineStorageContract, isoAt } from './contract/index.js';
import { createFilledStudio, type FilledStudio } from './migrate/studio-fixture.js';
import { MONGO_SKIP_REASON, mongoTestUrl } from './mongo-url.js';

const url = mongoTestUrl();
if (url === null) {
  console.warn(`MongoDB storage contract suite skipped: ${MONGO_SKIP_REASON}`);
}

/** One database per run, so parallel runs against one server never meet. */
const dbName = `gestorlead_test_${process.pid}_${randomBytes(4).toString('hex')}`;

describe.skipIf(url === null)(`MongoDB (${url === null ? `skipped: ${MONGO_SKIP_REASON}` : 'MONGO_URL'})`, () => {
  const admin = url === null ? null : mongoose.createConnection(url, { dbName });

  afterAll(async () => {
    if (admin === null) return;
    await admin.asPromise();
    await admin.dropDatabase();
    await admin.close();
  });

  defineStorageContract(
    'MongoDB',
    () => openMongoStorage({ url: url!, dbName, serverSelectionTimeoutMs: 10_000 }),
    async (storage: Storage) => {
      const { models } = storage as MongoStorage;
      await storage.close();
      await admin!.asPromise();
      for (const model of Object.values(models)) {
        await admin!.collection(model.collection.collectionName).deleteMany({});
      }
    },
  );
});

describe.skipIf(url === null)('MongoDB copy and jobs (MONGO_URL)', () => {
  let directory: string;
  let studio: FilledStudio;
  let sources: CopySources;
  let mongo: MongoStorage;
  /** A database apart from the contract suite's, so its per-test cleanup cannot empty it. */
  const copyDbName = `${dbName}_copy`;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'gestorlead-mongo-copy-'));
    studio = await createFilledStudio(directory);
    sources = {
      studio: new Database(studio.studioPath, { readonly: true }),
      jobs: new Database(studio.jobsPath, { readonly: true }),
    };
    mongo = await openMongoStorage({ url: url!, dbName: copyDbName, serverSelectionTimeoutMs: 10_000 });
  });

  afterAll(async () => {
    sources.studio.close();
    sources.jobs?.close();
    await studio.sqlite.close();
    await mongo.database.dropDatabase();
    await mongo.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('copy matches every count', async () => {
    const reports = await copyStudio(sources, mongo.database, { batchSize: 2 });

    expect(mismatchedTables(reports)).toEqual([]);
    expect(reports.every((report) => report.written === report.rows)).toBe(true);
  });

  it('copied studio reads back through the store', async () => {
    await copyStudio(sources, mongo.database, { batchSize: 100 });

    expect(await mongo.graphs.get('graph-1')).toEqual(await studio.sqlite.graphs.get('graph-1'));
    expect(await mongo.graphs.listVersions('graph-1')).toEqual(await studio.sqlite.graphs.listVersions('graph-1'));
    expect(await mongo.runs.get('run-1')).toEqual(await studio.sqlite.runs.get('run-1'));
    expect(await mongo.events.listByRun('run-1')).toEqual(await studio.sqlite.events.listByRun('run-1'));
    expect(await mongo.users.findByEmail('ana@example.com')).toEqual(await studio.sqlite.users.get('user-1'));
    expect(await mongo.credentials.get('cred-1')).toEqual(await studio.sqlite.credentials.get('cred-1'));
    expect(await mongo.ledger.balance('user-1')).toBe(await studio.sqlite.ledger.balance('user-1'));
    expect(await mongo.ledger.heldBalance('user-1')).toBe(await studio.sqlite.ledger.heldBalance('user-1'));
    expect(await mongo.ledger.listByTask('task-1')).toEqual(await studio.sqlite.ledger.listByTask('task-1'));
  });

  it('second copy duplicates nothing', async () => {
    await copyStudio(sources, mongo.database, { batchSize: 100 });
    const before = await mongo.models.ledger.countDocuments();

    const reports = await copyStudio(sources, mongo.database, { batchSize: 100 });

    expect(mismatchedTables(reports)).toEqual([]);
    expect(await mongo.models.ledger.countDocuments()).toBe(before);
  });

  it('append after copy continues task order', async () => {
    await copyStudio(sources, mongo.database, { batchSize: 100 });
    const entry = buildReserve(1, { userId: 'user-1', taskId: 'task-1', createdAt: isoAt(0) });

    await mongo.ledger.append(entry);

    expect((await mongo.ledger.listByTask('task-1')).at(-1)?.id).toBe(entry.id);
  });

  it('Agenda backend reads copied job', async () => {
    await copyStudio(sources, mongo.database, { batchSize: 100 });
    const sqliteId = (sources.jobs!.prepare('select id from agenda_jobs').get() as { id: string }).id;
    const backend = mongo.createAgendaBackend();
    await backend.connect();

    const job = await backend.repository.getJobById(String(agendaJobObjectId(sqliteId)));

    expect(job?.name).toBe('run');
    expect(job?.data).toEqual({ runId: 'run-1' });
    expect(job?.lockedAt ?? null).toBeNull();
    await backend.disconnect();
  });

  it('Agenda backend saves and finds job', async () => {
    const backend = mongo.createAgendaBackend();
    await backend.connect();

    const saved = await backend.repository.saveJob(
      { name: 'cron', type: 'normal', priority: 0, nextRunAt: new Date(), data: { graphId: 'graph-1' } },
      { lastModifiedBy: 'test' },
    );
    const found = await backend.repository.getJobById(String(saved._id));

    expect(found?.data).toEqual({ graphId: 'graph-1' });
    await backend.disconnect();
  });

  it('counts jobs by name', async () => {
    const jobs = mongo.database.collection(AGENDA_JOBS_COLLECTION);
    await jobs.deleteMany({});
    await jobs.insertMany(COUNTED_JOBS.map(toMongoDocument));

    const counts = await mongo.countAgendaJobs(COUNT_NOW);

    expect(counts).toEqual(EXPECTED_COUNTS);
    await jobs.deleteMany({});
  });
});
