import Database from 'better-sqlite3';
import type { JobParameters } from 'agenda';
import { describe, expect, it } from 'vitest';
import {
  AGENDA_MIGRATIONS,
  AGENDA_VERSION_TABLE,
  AgendaJobLockLostError,
  AgendaJobNotFoundError,
  AgendaQueryUnsupportedError,
  StorageConflictError,
  StorageSchemaTooNewError,
  createSqliteAgendaBackend,
  openSqliteStorage,
} from '../../src/index.js';
import { buildJob, useJobRepository } from './helpers.js';

const MINUTE_MS = 60_000;

/** Returns the names of the jobs of a query result, in order. */
function namesOf(result: { jobs: JobParameters[] }): string[] {
  return result.jobs.map((job) => job.name);
}

describe('SQLite Agenda job repository', () => {
  const fixture = useJobRepository();
  const { save } = fixture;

  /** Sets raw columns of a job, to put it into states that would otherwise need waiting. */
  function setColumns(id: string, columns: Record<string, number | string | null>): void {
    const assignments = Object.keys(columns)
      .map((column) => `${column} = @${column}`)
      .join(', ');
    fixture.repo.db.prepare(`update agenda_jobs set ${assignments} where id = @id`).run({ ...columns, id });
  }

  describe('connect', () => {
    it('records its own migration sequence', () => {
      const versions = fixture.repo.db.prepare(`select version from ${AGENDA_VERSION_TABLE}`).pluck().all();
      expect(versions).toEqual(AGENDA_MIGRATIONS.map((migration) => migration.version));
      const studioTable = fixture.repo.db
        .prepare(`select name from sqlite_master where name = 'schema_migrations'`)
        .get();
      expect(studioTable).toBeUndefined();
    });

    it('shares a file with the studio schema', async () => {
      const storage = openSqliteStorage({ path: fixture.temp.path });
      try {
        await storage.ping();
        const saved = await save({ name: 'beside-studio' });
        expect(await fixture.repo.getJobById(saved._id)).toMatchObject({ name: 'beside-studio' });
        const listTables = fixture.repo.db.prepare(`select name from sqlite_master where type = 'table'`);
        const tables = listTables.pluck().all();
        expect(tables).toContain('schema_migrations');
        expect(tables).toContain('runs');
        expect(tables).toContain('agenda_jobs');
      } finally {
        await storage.close();
      }
    });

    it('opens its file in WAL mode with a busy timeout', () => {
      expect(fixture.repo.db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(fixture.repo.db.pragma('busy_timeout', { simple: true })).toBeGreaterThan(0);
    });

    it('reopens after disconnect', async () => {
      const saved = await save();
      await fixture.repo.disconnect();
      await expect(fixture.repo.getJobById(saved._id)).rejects.toThrow(/not connected/);
      await fixture.repo.connect();
      expect(await fixture.repo.getJobById(saved._id)).not.toBeNull();
    });

    it('leaves a borrowed connection open', async () => {
      const db = new Database(fixture.temp.path);
      try {
        const backend = createSqliteAgendaBackend({ db, notifications: false });
        expect(backend.ownsConnection).toBe(false);
        await backend.disconnect();
        expect(db.open).toBe(true);
      } finally {
        db.close();
      }
    });

    it('rejects a schema written by newer code', () => {
      fixture.repo.db.prepare(`insert into ${AGENDA_VERSION_TABLE} values (99, 'future', 'now')`).run();
      const open = () => createSqliteAgendaBackend({ path: fixture.temp.path });
      expect(open).toThrow(StorageSchemaTooNewError);
    });

    it('requires exactly one of path and db', () => {
      expect(() => createSqliteAgendaBackend({})).toThrow(TypeError);
    });
  });

  describe('saveJob', () => {
    it('inserts a job and reads every field back', async () => {
      const at = (offsetMs: number) => new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678) + offsetMs);
      const job: JobParameters = {
        name: 'full',
        priority: 10,
        nextRunAt: at(0),
        type: 'normal',
        data: { nested: { list: [1, 'two', null] }, flag: true },
        lockedAt: at(1),
        lastRunAt: at(2),
        lastFinishedAt: at(3),
        failedAt: at(4),
        failCount: 2,
        failReason: 'boom',
        repeatInterval: 60_000,
        repeatTimezone: 'Europe/Lisbon',
        repeatAt: '3:30pm',
        disabled: false,
        progress: 42.5,
        debounceStartedAt: at(5),
        fork: true,
        startDate: at(6),
        endDate: at(7),
        skipDays: [0, 6],
      };

      const saved = await fixture.repo.saveJob(job, { lastModifiedBy: 'writer' });

      expect(typeof saved._id).toBe('string');
      expect(saved).toEqual({ ...job, _id: saved._id, lastModifiedBy: 'writer' });
      expect(await fixture.repo.getJobById(saved._id!)).toEqual(saved);
    });

    it('keeps a string repeat interval a string', async () => {
      const saved = await save({ repeatInterval: '5 minutes' });
      expect((await fixture.repo.getJobById(saved._id))!.repeatInterval).toBe('5 minutes');
    });

    it('returns null nextRunAt and data for NULL columns', async () => {
      const saved = await save({ nextRunAt: null, data: undefined });
      const read = (await fixture.repo.getJobById(saved._id))!;
      expect(read.nextRunAt).toBeNull();
      expect(read.data).toBeNull();
      expect('lockedAt' in read).toBe(false);
    });

    it('updates only the properties present', async () => {
      const saved = await save({ name: 'partial', data: { keep: true }, failReason: 'old' });

      const updated = await fixture.repo.saveJob(
        { _id: saved._id, name: 'partial', priority: 20, failReason: undefined } as JobParameters,
        { lastModifiedBy: 'second' },
      );

      expect(updated._id).toBe(saved._id);
      expect(updated.priority).toBe(20);
      expect(updated.data).toEqual({ keep: true });
      expect(updated.failReason).toBeUndefined();
      expect(updated.lastModifiedBy).toBe('second');
    });

    it('returns a removed job unchanged', async () => {
      const saved = await save({ name: 'gone' });
      await fixture.repo.removeJobs({ id: saved._id });
      const input = { ...saved, priority: 7 };

      const result = await fixture.repo.saveJob(input, undefined);

      expect(result).toBe(input);
      expect(await fixture.repo.getJobById(saved._id)).toBeNull();
    });

    it('ignores an id saved with another name', async () => {
      const saved = await save({ name: 'original' });
      await fixture.repo.saveJob({ ...saved, name: 'renamed', priority: 9 }, undefined);
      expect(await fixture.repo.getJobById(saved._id)).toMatchObject({ name: 'original', priority: 0 });
    });

    describe('type single', () => {
      it('keeps one job per name', async () => {
        const first = await save({ name: 'tick', type: 'single', data: { run: 1 } });
        const second = await save({ name: 'tick', type: 'single', priority: 10, data: { run: 2 } });

        expect(second._id).toBe(first._id);
        expect(second.data).toEqual({ run: 2 });
        expect((await fixture.repo.queryJobs({ name: 'tick' })).total).toBe(1);
      });

      it('keeps a pending nextRunAt', async () => {
        const pending = new Date(Date.now() + 5 * MINUTE_MS);
        const first = await save({ name: 'tick', type: 'single', nextRunAt: pending });

        const second = await save({ name: 'tick', type: 'single', nextRunAt: new Date() });

        expect(second._id).toBe(first._id);
        expect(second.nextRunAt).toEqual(pending);
      });

      it('moves nextRunAt to a new future time', async () => {
        await save({ name: 'tick', type: 'single', nextRunAt: new Date(Date.now() + MINUTE_MS) });
        const later = new Date(Date.now() + 10 * MINUTE_MS);

        const second = await save({ name: 'tick', type: 'single', nextRunAt: later });

        expect(second.nextRunAt).toEqual(later);
      });

      it('writes a due nextRunAt on insert', async () => {
        const due = new Date(Date.now() - 1000);
        const saved = await save({ name: 'tick', type: 'single', nextRunAt: due });
        expect(saved.nextRunAt).toEqual(due);
      });

      it('rejects a second single job by id', async () => {
        await save({ name: 'tick', type: 'single' });
        const normal = await save({ name: 'tick', type: 'normal' });
        await expect(fixture.repo.saveJob({ ...normal, type: 'single' }, undefined)).rejects.toThrow(
          StorageConflictError,
        );
      });
    });

    describe('unique', () => {
      it('updates the job matching the unique query', async () => {
        const saveMail = (userId: number, body: string) =>
          save({ name: 'mail', data: { userId, body }, unique: { 'data.userId': userId } });
        const first = await saveMail(1, 'a');
        const second = await saveMail(1, 'b');
        const other = await saveMail(2, 'c');

        expect(second._id).toBe(first._id);
        expect(second.data).toEqual({ userId: 1, body: 'b' });
        expect(other._id).not.toBe(first._id);
        expect((await fixture.repo.queryJobs({ name: 'mail' })).total).toBe(2);
      });

      it('scopes the unique query to the job name', async () => {
        const a = await save({ name: 'a', data: { key: 1 }, unique: { 'data.key': 1 } });
        const b = await save({ name: 'b', data: { key: 1 }, unique: { 'data.key': 1 } });
        expect(b._id).not.toBe(a._id);
      });

      it('distinguishes JSON types', async () => {
        const numeric = await save({ data: { key: 1 }, unique: { 'data.key': 1 } });
        const text = await save({ data: { key: '1' }, unique: { 'data.key': '1' } });
        const boolean = await save({ data: { key: true }, unique: { 'data.key': true } });
        expect(new Set([numeric._id, text._id, boolean._id]).size).toBe(3);
      });

      it('compares objects, arrays and dates by value', async () => {
        const when = new Date('2026-03-01T00:00:00.000Z');
        const unique = { 'data.target': { kind: 'graph', ids: [1, 2] }, 'data.when': when };
        const data = { target: { kind: 'graph', ids: [1, 2] }, when };
        const first = await save({ data, unique });
        const second = await save({ data, unique });
        const reordered = await save({
          data: { target: { ids: [1, 2], kind: 'graph' }, when },
          unique: { 'data.target': { ids: [1, 2], kind: 'graph' } },
        });

        expect(second._id).toBe(first._id);
        // Embedded documents compare with their key order in MongoDB too.
        expect(reordered._id).not.toBe(first._id);
      });

      it('matches a missing value with null', async () => {
        const first = await save({ data: { other: 1 }, unique: { 'data.key': null } });
        const second = await save({ data: { other: 2 }, unique: { 'data.key': null } });
        expect(second._id).toBe(first._id);
      });

      it('matches stored top-level fields', async () => {
        const first = await save({ priority: 5, data: { n: 1 }, unique: { priority: 5 } });
        const second = await save({ priority: 5, data: { n: 2 }, unique: { priority: 5 } });
        expect(second._id).toBe(first._id);
      });

      it('returns the existing job unchanged with insertOnly', async () => {
        const first = await save({ data: { key: 1, v: 'first' }, unique: { 'data.key': 1 } });
        const second = await save({
          data: { key: 1, v: 'second' },
          unique: { 'data.key': 1 },
          uniqueOpts: { insertOnly: true },
        });

        expect(second._id).toBe(first._id);
        expect(second.data).toEqual({ key: 1, v: 'first' });
        expect((await fixture.repo.getJobById(first._id))!.data).toEqual({ key: 1, v: 'first' });
      });

      it('inserts with insertOnly when nothing matches', async () => {
        const saved = await save({
          data: { key: 3 },
          unique: { 'data.key': 3 },
          uniqueOpts: { insertOnly: true },
        });
        expect(await fixture.repo.getJobById(saved._id)).toMatchObject({ data: { key: 3 } });
      });

      it('does not store the unique query', async () => {
        const saved = await save({ data: { key: 1 }, unique: { 'data.key': 1 } });
        const read = (await fixture.repo.getJobById(saved._id))!;
        expect(read.unique).toBeUndefined();
        expect(read.uniqueOpts).toBeUndefined();
      });

      it('rejects MongoDB operators', async () => {
        const withOperator = save({ unique: { 'data.n': { $gt: 1 } } });
        await expect(withOperator).rejects.toThrow(AgendaQueryUnsupportedError);
        await expect(save({ unique: { $where: 'true' } })).rejects.toThrow(/\$where/);
      });

      it('rejects fields that are not stored', async () => {
        await expect(save({ unique: { owner: 'x' } })).rejects.toThrow(AgendaQueryUnsupportedError);
      });
    });

    describe('debounce', () => {
      const trailing = (delay: number, maxWait?: number) => ({
        unique: { 'data.key': 'k' },
        uniqueOpts: { debounce: { delay, maxWait, strategy: 'trailing' as const } },
      });
      const leading = (delay: number) => ({
        unique: { 'data.key': 'k' },
        uniqueOpts: { debounce: { delay, strategy: 'leading' as const } },
      });

      it('schedules a new trailing job after the delay', async () => {
        const before = Date.now();
        const saved = await save({ data: { key: 'k' }, nextRunAt: new Date(), ...trailing(1000) });
        const after = Date.now();

        expect(saved.nextRunAt!.getTime()).toBeGreaterThanOrEqual(before + 1000);
        expect(saved.nextRunAt!.getTime()).toBeLessThanOrEqual(after + 1000);
        expect(saved.debounceStartedAt!.getTime()).toBeGreaterThanOrEqual(before);
      });

      it('pushes a trailing job back and keeps its window start', async () => {
        const first = await save({ data: { key: 'k', v: 1 }, ...trailing(1000) });
        setColumns(first._id, {
          next_run_at: Date.now() + 100,
          debounce_started_at: Date.now() - 500,
        });
        const windowStart = (await fixture.repo.getJobById(first._id))!.debounceStartedAt!;

        const before = Date.now();
        const second = await save({ data: { key: 'k', v: 2 }, ...trailing(1000) });

        expect(second._id).toBe(first._id);
        expect(second.data).toEqual({ key: 'k', v: 2 });
        expect(second.nextRunAt!.getTime()).toBeGreaterThanOrEqual(before + 1000);
        expect(second.debounceStartedAt).toEqual(windowStart);
      });

      it('caps a trailing job at maxWait after the window start', async () => {
        const first = await save({ data: { key: 'k' }, ...trailing(2000, 3000) });
        const windowStart = Date.now() - 2000;
        setColumns(first._id, { debounce_started_at: windowStart });

        const second = await save({ data: { key: 'k' }, ...trailing(2000, 3000) });

        expect(second.nextRunAt!.getTime()).toBe(windowStart + 3000);
        expect(second.debounceStartedAt!.getTime()).toBe(windowStart);
      });

      it('runs a trailing job now once maxWait has passed', async () => {
        const first = await save({ data: { key: 'k' }, ...trailing(2000, 3000) });
        setColumns(first._id, {
          debounce_started_at: Date.now() - 3000,
          next_run_at: Date.now() + 2000,
        });

        const before = Date.now();
        const second = await save({ data: { key: 'k' }, ...trailing(2000, 3000) });

        expect(second.nextRunAt!.getTime()).toBeGreaterThanOrEqual(before);
        expect(second.nextRunAt!.getTime()).toBeLessThanOrEqual(Date.now());
        expect(second.debounceStartedAt).toBeUndefined();
      });

      it('runs a new leading job at its own time', async () => {
        const now = new Date();
        const saved = await save({ data: { key: 'k' }, nextRunAt: now, ...leading(5000) });
        expect(saved.nextRunAt).toEqual(now);
        expect(saved.debounceStartedAt).toBeDefined();
      });

      it('keeps nextRunAt of a leading job inside its window', async () => {
        const first = await save({
          data: { key: 'k', v: 1 },
          nextRunAt: new Date(),
          ...leading(5000),
        });
        const second = await save({
          data: { key: 'k', v: 2 },
          nextRunAt: new Date(Date.now() + 1),
          ...leading(5000),
        });

        expect(second._id).toBe(first._id);
        expect(second.nextRunAt).toEqual(first.nextRunAt);
        expect(second.data).toEqual({ key: 'k', v: 2 });
      });

      it('opens a new leading window after the delay', async () => {
        const first = await save({ data: { key: 'k' }, nextRunAt: new Date(), ...leading(5000) });
        setColumns(first._id, { debounce_started_at: Date.now() - 6000, next_run_at: null });

        const now = new Date();
        const second = await save({ data: { key: 'k' }, nextRunAt: now, ...leading(5000) });

        expect(second.nextRunAt).toEqual(now);
        expect(second.debounceStartedAt!.getTime()).toBeGreaterThanOrEqual(now.getTime());
      });

      it('ignores debounce without a unique query', async () => {
        const first = await save({ uniqueOpts: { debounce: { delay: 1000 } } });
        const second = await save({ uniqueOpts: { debounce: { delay: 1000 } } });
        expect(second._id).not.toBe(first._id);
      });
    });
  });

  describe('saveJobState', () => {
    it('writes the run state and nothing else', async () => {
      const saved = await save({ data: { keep: 1 }, failReason: 'old', progress: 10 });
      const lockedAt = new Date(Date.now() - 1000);
      const lastRunAt = new Date(Date.now() - 500);

      await fixture.repo.saveJobState(
        {
          ...saved,
          data: { overwritten: true },
          priority: 99,
          lockedAt,
          lastRunAt,
          nextRunAt: null,
          failReason: undefined,
          failCount: 3,
          progress: 80,
        },
        { lastModifiedBy: 'runner' },
      );

      const read = (await fixture.repo.getJobById(saved._id))!;
      expect(read.lockedAt).toEqual(lockedAt);
      expect(read.lastRunAt).toEqual(lastRunAt);
      expect(read.nextRunAt).toBeNull();
      expect(read.failReason).toBeUndefined();
      expect(read.failCount).toBe(3);
      expect(read.progress).toBe(80);
      expect(read.lastModifiedBy).toBe('runner');
      expect(read.data).toEqual({ keep: 1 });
      expect(read.priority).toBe(0);
    });

    it('keeps a zero failCount and progress', async () => {
      const saved = await save({ failCount: 2, progress: 50 });
      await fixture.repo.saveJobState({ ...saved, failCount: 0, progress: 0 }, undefined);
      const read = (await fixture.repo.getJobById(saved._id))!;
      expect(read.failCount).toBe(0);
      expect(read.progress).toBe(0);
    });

    it('throws when the job is gone', async () => {
      const saved = await save();
      await fixture.repo.removeJobs({ id: saved._id });
      await expect(fixture.repo.saveJobState(saved, undefined)).rejects.toThrow(AgendaJobNotFoundError);
    });

    it('throws without an id', async () => {
      await expect(fixture.repo.saveJobState(buildJob(), undefined)).rejects.toThrow(TypeError);
    });
  });

  describe('lockJob', () => {
    it('locks an unlocked job once', async () => {
      const saved = await save();
      const before = Date.now();

      const locked = await fixture.repo.lockJob(saved, { lastModifiedBy: 'p1' });
      const again = await fixture.repo.lockJob(saved, { lastModifiedBy: 'p2' });

      expect(locked!._id).toBe(saved._id);
      expect(locked!.lockedAt!.getTime()).toBeGreaterThanOrEqual(before);
      expect(locked!.lastModifiedBy).toBe('p1');
      expect(again).toBeUndefined();
    });

    it('does not lock a job whose nextRunAt changed', async () => {
      const saved = await save();
      const locked = await fixture.repo.lockJob({ ...saved, nextRunAt: new Date() }, undefined);
      expect(locked).toBeUndefined();
    });

    it('locks a job with a null nextRunAt', async () => {
      const saved = await save({ nextRunAt: null });
      expect(await fixture.repo.lockJob(saved, undefined)).toBeDefined();
    });

    it('does not lock a disabled job', async () => {
      const saved = await save({ disabled: true });
      expect(await fixture.repo.lockJob(saved, undefined)).toBeUndefined();
    });

    it('does not lock a job without an id', async () => {
      expect(await fixture.repo.lockJob(buildJob(), undefined)).toBeUndefined();
    });
  });

  describe('unlockJob and unlockJobs', () => {
    it('unlocks a scheduled job', async () => {
      const locked = (await fixture.repo.lockJob(await save(), undefined))!;
      await fixture.repo.unlockJob(locked);
      expect((await fixture.repo.getJobById(locked._id!))!.lockedAt).toBeUndefined();
    });

    it('keeps the lock during a one-time run', async () => {
      const saved = await save();
      setColumns(saved._id, { locked_at: Date.now(), next_run_at: null });
      await fixture.repo.unlockJob(saved);
      expect((await fixture.repo.getJobById(saved._id))!.lockedAt).toBeDefined();
    });

    it('unlocks listed jobs of any nextRunAt', async () => {
      const first = await save();
      const second = await save();
      const third = await save();
      for (const job of [first, second, third]) {
        setColumns(job._id, { locked_at: Date.now(), next_run_at: null });
      }

      await fixture.repo.unlockJobs([first._id, second._id]);
      await fixture.repo.unlockJobs([]);

      expect((await fixture.repo.getJobById(first._id))!.lockedAt).toBeUndefined();
      expect((await fixture.repo.getJobById(second._id))!.lockedAt).toBeUndefined();
      expect((await fixture.repo.getJobById(third._id))!.lockedAt).toBeDefined();
    });
  });

  describe('getNextJobToRun', () => {
    const scan = () => {
      const now = new Date();
      return {
        now,
        nextScanAt: new Date(now.getTime() + 5000),
        lockDeadline: new Date(now.getTime() - MINUTE_MS),
      };
    };
    const next = (name: string, window = scan()) =>
      fixture.repo.getNextJobToRun(name, window.nextScanAt, window.lockDeadline, window.now, {
        lastModifiedBy: 'scanner',
      });

    it('locks the earliest job, then the higher priority', async () => {
      const sameTime = new Date(Date.now() - MINUTE_MS);
      await save({ name: 'run', nextRunAt: sameTime, priority: 5, data: { label: 'low' } });
      await save({ name: 'run', nextRunAt: sameTime, priority: 10, data: { label: 'high' } });
      await save({
        name: 'run',
        nextRunAt: new Date(sameTime.getTime() - 1),
        priority: -10,
        data: { label: 'early' },
      });
      const window = scan();

      const labels: unknown[] = [];
      for (let i = 0; i < 4; i++) {
        labels.push((await next('run', window))?.data);
      }

      expect(labels).toEqual([{ label: 'early' }, { label: 'high' }, { label: 'low' }, undefined]);
    });

    it('sets lockedAt to now and lastModifiedBy', async () => {
      await save({ name: 'run' });
      const window = scan();

      const job = await next('run', window);

      expect(job!.lockedAt).toEqual(window.now);
      expect(job!.lastModifiedBy).toBe('scanner');
    });

    it('takes jobs due before the next scan only', async () => {
      await save({ name: 'soon', nextRunAt: new Date(Date.now() + 2000) });
      await save({ name: 'later', nextRunAt: new Date(Date.now() + MINUTE_MS) });
      expect(await next('soon')).toBeDefined();
      expect(await next('later')).toBeUndefined();
    });

    it('skips disabled jobs and other names', async () => {
      await save({ name: 'run', disabled: true });
      await save({ name: 'other' });
      expect(await next('run')).toBeUndefined();
    });

    it('takes a job whose lock expired', async () => {
      const saved = await save({ name: 'run', nextRunAt: null });
      setColumns(saved._id, { locked_at: Date.now() - 2 * MINUTE_MS });
      const job = await next('run');
      expect(job!._id).toBe(saved._id);
    });

    it('leaves a job whose lock is fresh', async () => {
      const saved = await save({ name: 'run' });
      setColumns(saved._id, { locked_at: Date.now() - 1000 });
      expect(await next('run')).toBeUndefined();
    });

    it('prefers an earlier expired lock', async () => {
      const expired = await save({ name: 'run', nextRunAt: new Date(Date.now() - 2 * MINUTE_MS) });
      setColumns(expired._id, { locked_at: Date.now() - 2 * MINUTE_MS });
      await save({ name: 'run', nextRunAt: new Date(Date.now() - MINUTE_MS) });
      expect((await next('run'))!._id).toBe(expired._id);
    });

    it('never gives one job to two connections', async () => {
      const other = fixture.pool.open(fixture.temp.path).repository;
      for (let i = 0; i < 10; i++) {
        await save({ name: 'run' });
      }

      const ids: string[] = [];
      for (let i = 0; i < 12; i++) {
        const connection = i % 2 === 0 ? fixture.repo : other;
        const job = await connection.getNextJobToRun('run', new Date(), new Date(0), undefined, {});
        if (job) {
          ids.push(job._id!);
        }
      }

      expect(ids).toHaveLength(10);
      expect(new Set(ids).size).toBe(10);
    });

    it('fences the state write of a lost lock', async () => {
      const other = fixture.pool.open(fixture.temp.path).repository;
      await save({ name: 'run', nextRunAt: new Date(Date.now() - 3 * MINUTE_MS) });
      const lockedAt = Date.now() - 2 * MINUTE_MS;
      const stale = (await fixture.repo.getNextJobToRun('run', new Date(), new Date(0), new Date(lockedAt), { lastModifiedBy: 'first' }))!;
      // The first lock is older than the deadline, so the other connection takes the job over.
      const window = scan();
      const takenOver = (await other.getNextJobToRun('run', window.nextScanAt, window.lockDeadline, window.now, { lastModifiedBy: 'second' }))!;
      expect(takenOver._id).toBe(stale._id);

      const unlock = fixture.repo.saveJobState({ ...stale, lockedAt: undefined, lastFinishedAt: new Date() }, { lastModifiedBy: 'first' });
      await expect(unlock).rejects.toThrow(AgendaJobLockLostError);
      const touch = fixture.repo.saveJobState({ ...stale, lockedAt: new Date() }, { lastModifiedBy: 'first' });
      await expect(touch).rejects.toThrow(AgendaJobLockLostError);

      const stored = (await other.getJobById(String(takenOver._id)))!;
      expect(stored.lockedAt).toEqual(window.now);
      expect(stored.lastModifiedBy).toBe('second');
      expect(stored.lastFinishedAt).toBeUndefined();
    });

    it('lets the lock owner touch and unlock', async () => {
      await save({ name: 'run', nextRunAt: new Date(Date.now() - 3 * MINUTE_MS) });
      const job = (await next('run'))!;
      const touchedAt = new Date(Date.now() + 5);

      await fixture.repo.saveJobState({ ...job, lockedAt: touchedAt }, { lastModifiedBy: 'scanner' });
      expect((await fixture.repo.getJobById(String(job._id)))!.lockedAt).toEqual(touchedAt);
      await fixture.repo.saveJobState({ ...job, lockedAt: undefined }, { lastModifiedBy: 'scanner' });

      expect((await fixture.repo.getJobById(String(job._id)))!.lockedAt).toBeUndefined();
    });

    it('uses an index for each branch', () => {
      const plan = fixture.repo.db
        .prepare(
          `explain query plan select id from agenda_jobs
           where name = 'x' and locked_at is null and next_run_at <= 1 and disabled is not 1
           order by next_run_at asc, priority desc limit 1`,
        )
        .all() as Array<{ detail: string }>;
      const expiredPlan = fixture.repo.db
        .prepare(
          `explain query plan select id from agenda_jobs
           where name = 'x' and locked_at <= 1 and disabled is not 1
           order by next_run_at asc, priority desc limit 1`,
        )
        .all() as Array<{ detail: string }>;

      const dueSteps = plan.map((step) => step.detail).join('\n');
      const expiredSteps = expiredPlan.map((step) => step.detail).join('\n');
      expect(dueSteps).toMatch(/USING INDEX agenda_jobs_due/);
      expect(dueSteps).not.toMatch(/TEMP B-TREE/);
      expect(expiredSteps).toMatch(/USING INDEX agenda_jobs_locked/);
    });
  });

  describe('queryJobs', () => {
    it('filters by name, names, id and ids', async () => {
      const a = await save({ name: 'alpha' });
      const b = await save({ name: 'beta' });
      await save({ name: 'gamma' });

      expect((await fixture.repo.queryJobs({ name: 'alpha' })).jobs.map((job) => job._id)).toEqual([a._id]);
      expect((await fixture.repo.queryJobs({ names: ['alpha', 'beta'] })).total).toBe(2);
      expect((await fixture.repo.queryJobs({ id: b._id })).jobs.map((job) => job._id)).toEqual([b._id]);
      expect((await fixture.repo.queryJobs({ ids: [a._id, b._id] })).total).toBe(2);
      expect((await fixture.repo.queryJobs()).total).toBe(3);
    });

    it('searches names case-insensitively and literally', async () => {
      await save({ name: 'Send.Mail' });
      await save({ name: 'sendXmail' });
      await save({ name: 'ÉTÉ report' });

      expect(namesOf(await fixture.repo.queryJobs({ search: 'send.' }))).toEqual(['Send.Mail']);
      expect((await fixture.repo.queryJobs({ search: 'SEND' })).total).toBe(2);
      expect((await fixture.repo.queryJobs({ search: 'été' })).total).toBe(1);
      expect((await fixture.repo.queryJobs({ search: '%' })).total).toBe(0);
    });

    it('lets search replace the name filter', async () => {
      await save({ name: 'alpha' });
      await save({ name: 'beta' });
      expect(namesOf(await fixture.repo.queryJobs({ name: 'alpha', search: 'beta' }))).toEqual(['beta']);
    });

    it('matches data partially', async () => {
      await save({ name: 'a', data: { graph: { id: 'g1', version: 2 }, user: 'u1' } });
      await save({ name: 'b', data: { graph: { id: 'g1', version: 3 }, user: 'u2' } });
      await save({ name: 'c', data: { graph: { id: 'g2' } } });
      await save({ name: 'd', data: 'plain' });

      const names = async (data: unknown) =>
        namesOf(await fixture.repo.queryJobs({ data, sort: { name: 'asc' } }));

      expect(await names({ graph: { id: 'g1' } })).toEqual(['a', 'b']);
      expect(await names({ graph: { id: 'g1', version: 3 } })).toEqual(['b']);
      expect(await names({ user: 'u1', graph: { id: 'g1' } })).toEqual(['a']);
      // null also matches a missing path, as in MongoDB: 'd' has no data.graph at all.
      expect(await names({ graph: { version: null } })).toEqual(['c', 'd']);
      expect(await names('plain')).toEqual(['d']);
      expect(await names({})).toEqual(['a', 'b', 'c', 'd']);
    });

    it('excludes disabled jobs on request', async () => {
      await save({ name: 'on' });
      await save({ name: 'off', disabled: true });
      expect((await fixture.repo.queryJobs({ includeDisabled: true })).total).toBe(2);
      expect(namesOf(await fixture.repo.queryJobs({ includeDisabled: false }))).toEqual(['on']);
    });

    it('sorts by run times by default', async () => {
      const base = Date.now();
      await save({ name: 'none', nextRunAt: null });
      await save({ name: 'early', nextRunAt: new Date(base) });
      const late = new Date(base + 1000);
      await save({ name: 'late-old', nextRunAt: late, lastRunAt: new Date(base - 2000) });
      await save({ name: 'late-new', nextRunAt: late, lastRunAt: new Date(base - 1000) });

      const names = namesOf(await fixture.repo.queryJobs());

      expect(names).toEqual(['late-new', 'late-old', 'early', 'none']);
    });

    it('sorts by the given keys', async () => {
      await save({ name: 'b', priority: 1 });
      await save({ name: 'a', priority: 1 });
      await save({ name: 'c', priority: 5 });

      const names = namesOf(await fixture.repo.queryJobs({ sort: { priority: 'desc', name: 'asc' } }));

      expect(names).toEqual(['c', 'a', 'b']);
    });

    it('pages with skip and limit', async () => {
      for (const name of ['a', 'b', 'c', 'd', 'e']) {
        await save({ name });
      }
      const page = await fixture.repo.queryJobs({ sort: { name: 'asc' }, skip: 1, limit: 2 });
      const rest = await fixture.repo.queryJobs({ sort: { name: 'asc' }, skip: 3 });

      expect(page.jobs.map((job) => job.name)).toEqual(['b', 'c']);
      expect(page.total).toBe(5);
      expect(rest.jobs.map((job) => job.name)).toEqual(['d', 'e']);
    });

    it('computes each state', async () => {
      const now = Date.now();
      await save({ name: 'running', lockedAt: new Date(now) });
      await save({ name: 'failed', failedAt: new Date(now), lastFinishedAt: new Date(now) });
      const inAMinute = new Date(now + MINUTE_MS);
      await save({ name: 'repeating', repeatInterval: '1 minute', nextRunAt: inAMinute });
      await save({ name: 'scheduled', nextRunAt: new Date(now + MINUTE_MS) });
      await save({ name: 'queued', nextRunAt: new Date(now - 1000) });
      await save({ name: 'completed', nextRunAt: null, lastFinishedAt: new Date(now) });

      const { jobs } = await fixture.repo.queryJobs();

      for (const job of jobs) {
        expect(job.state, job.name).toBe(job.name);
      }
    });

    it('filters by state before paging', async () => {
      for (let i = 0; i < 4; i++) {
        await save({ name: `queued-${i}`, nextRunAt: new Date(Date.now() - 1000) });
        await save({ name: `scheduled-${i}`, nextRunAt: new Date(Date.now() + MINUTE_MS) });
      }

      const result = await fixture.repo.queryJobs({
        state: 'scheduled',
        sort: { name: 'asc' },
        skip: 1,
        limit: 2,
      });

      expect(result.total).toBe(4);
      expect(result.jobs.map((job) => job.name)).toEqual(['scheduled-1', 'scheduled-2']);
      expect(result.jobs.every((job) => job.state === 'scheduled')).toBe(true);
    });
  });

  describe('getJobsOverview', () => {
    it('counts jobs per name and state', async () => {
      await save({ name: 'mail', nextRunAt: new Date(Date.now() - 1000) });
      await save({ name: 'mail', nextRunAt: new Date(Date.now() + MINUTE_MS), disabled: true });
      await save({ name: 'mail', lockedAt: new Date() });
      await save({ name: 'sync', failedAt: new Date(), nextRunAt: null });

      const overview = await fixture.repo.getJobsOverview();

      const empty = { running: 0, scheduled: 0, queued: 0, completed: 0, failed: 0, repeating: 0 };
      expect(overview).toEqual([
        { ...empty, name: 'mail', total: 3, running: 1, scheduled: 1, queued: 1, paused: 1 },
        { ...empty, name: 'sync', total: 1, failed: 1, paused: 0 },
      ]);
    });

    it('returns nothing for an empty store', async () => {
      expect(await fixture.repo.getJobsOverview()).toEqual([]);
    });
  });

  describe('getDistinctJobNames, getJobById, getQueueSize', () => {
    it('lists each name once, sorted', async () => {
      expect(await fixture.repo.getDistinctJobNames()).toEqual([]);
      await save({ name: 'b' });
      await save({ name: 'a' });
      await save({ name: 'b' });
      expect(await fixture.repo.getDistinctJobNames()).toEqual(['a', 'b']);
    });

    it('returns null for an unknown id', async () => {
      expect(await fixture.repo.getJobById('no-such-id')).toBeNull();
    });

    it('counts the jobs whose nextRunAt has passed', async () => {
      await save({ nextRunAt: new Date(Date.now() - 1000) });
      await save({ nextRunAt: new Date(Date.now() - 1000), disabled: true });
      await save({ nextRunAt: new Date(Date.now() + MINUTE_MS) });
      await save({ nextRunAt: null });
      expect(await fixture.repo.getQueueSize()).toBe(2);
    });
  });

  describe('removeJobs', () => {
    it('deletes by id, ids, name, names, notNames and data', async () => {
      const a = await save({ name: 'a' });
      const b = await save({ name: 'b' });
      const c = await save({ name: 'c' });
      await save({ name: 'd', data: { tenant: 't1', n: 1 } });
      await save({ name: 'd', data: { tenant: 't2', n: 2 } });
      await save({ name: 'e' });
      await save({ name: 'f' });

      expect(await fixture.repo.removeJobs({ id: a._id })).toBe(1);
      expect(await fixture.repo.removeJobs({ ids: [b._id, c._id, 'missing'] })).toBe(2);
      expect(await fixture.repo.removeJobs({ name: 'd', data: { tenant: 't1' } })).toBe(1);
      expect(await fixture.repo.removeJobs({ names: ['e', 'x'] })).toBe(1);
      expect(await fixture.repo.removeJobs({ notNames: ['d'] })).toBe(1);
      const remaining = (await fixture.repo.queryJobs()).jobs.map((job) => job.data);
      expect(remaining).toEqual([{ tenant: 't2', n: 2 }]);
    });

    it('deletes nothing without a criterion', async () => {
      await save();
      expect(await fixture.repo.removeJobs({})).toBe(0);
      expect(await fixture.repo.removeJobs({ names: [], data: {} })).toBe(0);
      expect((await fixture.repo.queryJobs()).total).toBe(1);
    });

    it('returns 0 when nothing matches', async () => {
      expect(await fixture.repo.removeJobs({ name: 'missing' })).toBe(0);
    });
  });

  describe('disableJobs and enableJobs', () => {
    it('counts only the jobs whose flag changes', async () => {
      await save({ name: 'a' });
      await save({ name: 'a', disabled: true });
      await save({ name: 'b' });

      expect(await fixture.repo.disableJobs({ name: 'a' })).toBe(1);
      expect(await fixture.repo.disableJobs({ name: 'a' })).toBe(0);
      expect(await fixture.repo.enableJobs({ names: ['a', 'b'] })).toBe(3);
      expect(await fixture.repo.enableJobs({ names: ['a', 'b'] })).toBe(0);
      expect((await fixture.repo.queryJobs({ includeDisabled: false })).total).toBe(3);
    });

    it('changes nothing without a criterion', async () => {
      await save();
      expect(await fixture.repo.disableJobs({})).toBe(0);
      expect(await fixture.repo.enableJobs({})).toBe(0);
      expect((await fixture.repo.queryJobs({ includeDisabled: false })).total).toBe(1);
    });
  });

  describe('purgeAllJobs', () => {
    it('deletes every job', async () => {
      await save({ name: 'a' });
      await save({ name: 'b' });
      expect(await fixture.repo.purgeAllJobs()).toBe(2);
      expect((await fixture.repo.queryJobs()).total).toBe(0);
    });
  });
});
