import { Aggregator } from 'mingo';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countSqliteAgendaJobs } from '../../src/agenda/job-counts.js';
import { agendaJobCountsPipeline } from '../../src/mongo/agenda-counts.js';
import { BackendPool, buildJob, createTempDatabase, type TempDatabase } from './helpers.js';
import { COUNT_NOW, COUNTED_JOBS, EXPECTED_COUNTS, toMongoDocument } from './job-counts-fixture.js';

describe('SQLite job counts', () => {
  let temp: TempDatabase;
  let pool: BackendPool;

  beforeEach(() => {
    temp = createTempDatabase();
    pool = new BackendPool();
  });

  afterEach(async () => {
    await pool.closeAll();
    temp.remove();
  });

  it('counts each case of the fixture', async () => {
    const backend = pool.open(temp.path);
    await backend.connect();
    const repository = backend.repository;
    for (const job of COUNTED_JOBS) {
      const saved = await repository.saveJob(
        buildJob({ name: job.name, nextRunAt: job.nextRunAt, disabled: job.disabled }),
        { lastModifiedBy: 'test' },
      );
      if (job.lockedAt) {
        repository.db.prepare('update agenda_jobs set locked_at = ? where id = ?').run(job.lockedAt.getTime(), String(saved._id));
      }
    }

    const counts = countSqliteAgendaJobs(repository.db, COUNT_NOW);

    expect(counts).toEqual(EXPECTED_COUNTS);
  });

  it('returns no rows for an empty store', async () => {
    const backend = pool.open(temp.path);
    await backend.connect();

    expect(countSqliteAgendaJobs(backend.repository.db, COUNT_NOW)).toEqual([]);
  });
});

/**
 * The MongoDB pipeline evaluated by mingo, an implementation of MongoDB's query and aggregation
 * language over plain objects. mingo 7.2.6 finds `{ $eq: ['$missing', null] }` true and
 * `{ $lte: [null, date] }` false, so these tests cannot catch a pipeline that relies on such
 * comparisons. The pipeline uses `$ifNull` and `$type` instead, and the MONGO_URL suite in
 * storage/test/mongo.test.ts runs it against a real server.
 */
describe('MongoDB job counts pipeline', () => {
  function aggregate(documents: Record<string, unknown>[]): unknown[] {
    return new Aggregator(agendaJobCountsPipeline(COUNT_NOW)).run(documents);
  }

  it('counts each case of the fixture', () => {
    expect(aggregate(COUNTED_JOBS.map(toMongoDocument))).toEqual(EXPECTED_COUNTS);
  });

  it('skips jobs without a nextRunAt field', () => {
    const document = toMongoDocument({ name: 'run', nextRunAt: null });
    delete document.nextRunAt;

    expect(aggregate([document])).toEqual([{ name: 'run', queued: 0, running: 0, oldestDueAt: null }]);
  });

  it('counts a job due exactly now', () => {
    const rows = aggregate([toMongoDocument({ name: 'run', nextRunAt: COUNT_NOW })]);

    expect(rows).toEqual([{ name: 'run', queued: 1, running: 0, oldestDueAt: COUNT_NOW }]);
  });

  it('returns no rows for an empty collection', () => {
    expect(aggregate([])).toEqual([]);
  });
});
