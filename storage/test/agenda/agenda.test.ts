import { Agenda, type AgendaOptions } from 'agenda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteAgendaBackend, type SqliteAgendaBackend } from '../../src/index.js';
import { createTempDatabase, delay, waitFor, type TempDatabase } from './helpers.js';

/** Hour and minute of `date` on the wall clock of `timeZone`, as "HH:MM". */
function wallClock(date: Date, timeZone: string): string {
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  return format.format(date);
}

describe('Agenda over the SQLite backend', () => {
  let temp: TempDatabase;
  let backend: SqliteAgendaBackend;
  let agenda: Agenda;

  /** Creates the test's Agenda. A short lock lifetime lets its lock-renewal timers end soon. */
  function createAgenda(options: Partial<AgendaOptions> = {}, notifications = true): Agenda {
    backend = createSqliteAgendaBackend({ path: temp.path, notifications });
    agenda = new Agenda({ backend, processEvery: 100, defaultLockLifetime: 2000, ...options });
    return agenda;
  }

  beforeEach(() => {
    temp = createTempDatabase();
  });

  afterEach(async () => {
    await agenda.stop();
    await backend.disconnect();
    temp.remove();
  });

  it('runs a job saved with now', async () => {
    createAgenda();
    const seen: unknown[] = [];
    agenda.define('hello', async (job) => {
      seen.push(job.attrs.data);
    });
    await agenda.start();

    const job = await agenda.now('hello', { n: 1 });
    await waitFor('the job to run', () => seen.length === 1);
    const readJob = async () => (await agenda.queryJobs({ id: job.attrs._id })).jobs[0];
    await waitFor('the job to finish', async () => (await readJob())?.state === 'completed');

    const stored = await readJob();
    expect(seen).toEqual([{ n: 1 }]);
    expect(stored.lastFinishedAt).toBeInstanceOf(Date);
    expect(stored.lockedAt).toBeUndefined();
    expect(stored.nextRunAt).toBeNull();
  });

  it('runs a scheduled job no earlier than its time', async () => {
    createAgenda();
    const startedAt: number[] = [];
    agenda.define('later', async () => {
      startedAt.push(Date.now());
    });
    await agenda.start();

    const runAt = new Date(Date.now() + 400);
    await agenda.schedule(runAt, 'later', {});
    await waitFor('the scheduled job to run', () => startedAt.length === 1);

    expect(startedAt[0]).toBeGreaterThanOrEqual(runAt.getTime());
  });

  it('repeats a cron job in its timezone', async () => {
    createAgenda();
    const runs: number[] = [];
    agenda.define('tick', async () => {
      runs.push(Date.now());
    });
    await agenda.start();

    await agenda.every('*/1 * * * * *', 'tick', undefined, { timezone: 'America/New_York' });
    await agenda.every('*/1 * * * * *', 'tick', undefined, { timezone: 'America/New_York' });
    await waitFor('two runs of the cron job', () => runs.length >= 2);

    const { jobs } = await agenda.queryJobs({ name: 'tick' });
    expect(jobs).toHaveLength(1);
    expect(jobs[0].type).toBe('single');
    expect(jobs[0].repeatInterval).toBe('*/1 * * * * *');
    expect(jobs[0].repeatTimezone).toBe('America/New_York');
    expect(jobs[0].state).toBe('repeating');
  });

  it('computes daily cron runs per timezone', async () => {
    createAgenda();
    await agenda.ready;

    const newYork = await agenda.every('0 9 * * *', 'ny-report', undefined, {
      timezone: 'America/New_York',
    });
    const kolkata = await agenda.every('30 9 * * *', 'in-report', undefined, {
      timezone: 'Asia/Kolkata',
    });

    const nyNext = (await backend.repository.getJobById(newYork.attrs._id!))!.nextRunAt!;
    const inNext = (await backend.repository.getJobById(kolkata.attrs._id!))!.nextRunAt!;
    expect(wallClock(nyNext, 'America/New_York')).toBe('09:00');
    expect(wallClock(inNext, 'Asia/Kolkata')).toBe('09:30');
    // 09:30 in Kolkata (UTC+05:30) is 04:00 UTC all year.
    expect(wallClock(inNext, 'UTC')).toBe('04:00');
    expect(nyNext.getTime()).toBeGreaterThan(Date.now());
  });

  it('keeps one job for a unique key', async () => {
    createAgenda();
    agenda.define('sync', async () => {});
    await agenda.ready;

    const saveSync = (v: number) =>
      agenda
        .create('sync', { userId: 7, v })
        .unique({ 'data.userId': 7 })
        .schedule('in 1 hour')
        .save();
    const first = await saveSync(1);
    const second = await saveSync(2);

    const { jobs } = await agenda.queryJobs({ name: 'sync' });
    expect(second.attrs._id).toBe(first.attrs._id);
    expect(jobs).toHaveLength(1);
    expect(jobs[0].data).toEqual({ userId: 7, v: 2 });
  });

  it('runs a debounced job once with the last data', async () => {
    createAgenda();
    const seen: unknown[] = [];
    agenda.define('index', async (job) => {
      seen.push(job.attrs.data);
    });
    await agenda.ready;

    for (const v of [1, 2, 3]) {
      await agenda.nowDebounced('index', { key: 'k', v }, { 'data.key': 'k' }, 300);
      await delay(50);
    }
    await agenda.start();
    await waitFor('the debounced job to run', () => seen.length > 0);
    await delay(400);

    expect(seen).toEqual([{ key: 'k', v: 3 }]);
    expect((await agenda.queryJobs({ name: 'index' })).total).toBe(1);
  });

  it('holds a disabled job until enabled', async () => {
    createAgenda();
    let runs = 0;
    agenda.define('paused', async () => {
      runs += 1;
    });
    await agenda.ready;
    await agenda.now('paused', {});

    expect(await agenda.disable({ name: 'paused' })).toBe(1);
    await agenda.start();
    await delay(400);
    expect(runs).toBe(0);
    expect((await agenda.getJobsOverview())[0].paused).toBe(1);

    expect(await agenda.enable({ name: 'paused' })).toBe(1);
    await waitFor('the enabled job to run', () => runs === 1);
  });

  it('limits concurrent runs of a job name', async () => {
    createAgenda();
    let active = 0;
    let maxActive = 0;
    let done = 0;
    agenda.define(
      'slow',
      async () => {
        active += 1;
        maxActive = Math.max(maxActive, active);
        await delay(150);
        active -= 1;
        done += 1;
      },
      { concurrency: 2 },
    );
    await agenda.ready;
    for (let i = 0; i < 6; i++) {
      await agenda.now('slow', { i });
    }

    await agenda.start();
    await waitFor('six runs', () => done === 6);

    expect(maxActive).toBe(2);
  });

  it('limits locked jobs with lockLimit', async () => {
    createAgenda();
    const lockedCounts: number[] = [];
    let done = 0;
    const countLocked = backend.repository.db.prepare(
      `select count(*) from agenda_jobs where name = 'limited' and locked_at is not null`,
    );
    agenda.define(
      'limited',
      async () => {
        lockedCounts.push(countLocked.pluck().get() as number);
        await delay(50);
        done += 1;
      },
      { lockLimit: 1, concurrency: 5 },
    );
    await agenda.ready;
    for (let i = 0; i < 4; i++) {
      await agenda.now('limited', { i });
    }

    await agenda.start();
    await waitFor('four runs', () => done === 4);

    expect(lockedCounts).toEqual([1, 1, 1, 1]);
  });

  it('records a failed run', async () => {
    createAgenda();
    agenda.define('broken', async () => {
      throw new Error('upstream returned 502');
    });
    const failed = new Promise<void>((resolve) => agenda.once('complete:broken', () => resolve()));
    await agenda.start();

    await agenda.now('broken', {});
    await failed;
    const countFailed = async () => (await agenda.queryJobs({ state: 'failed' })).total;
    await waitFor('the failure to be stored', async () => (await countFailed()) === 1);

    const [job] = (await agenda.queryJobs({ state: 'failed' })).jobs;
    expect(job.failCount).toBe(1);
    expect(job.failReason).toBe('upstream returned 502');
  });

  it('cancels jobs by name', async () => {
    createAgenda();
    await agenda.ready;
    await agenda.schedule('in 1 hour', 'a', {});
    await agenda.schedule('in 1 hour', 'a', {});
    await agenda.schedule('in 1 hour', 'b', {});

    expect(await agenda.cancel({ name: 'a' })).toBe(2);
    expect(await backend.repository.getDistinctJobNames()).toEqual(['b']);
  });

  describe('notification channel', () => {
    it('starts a job long before the next scan', async () => {
      createAgenda({ processEvery: '5 seconds' });
      let ranAt = 0;
      agenda.define('ping', async () => {
        ranAt = Date.now();
      });
      await agenda.start();
      await delay(100);

      const savedAt = Date.now();
      await agenda.now('ping', {});
      await waitFor('the notified job to run', () => ranAt > 0, 2000);

      expect(ranAt - savedAt).toBeLessThan(1000);
    });

    it('waits for the next scan when off', async () => {
      createAgenda({ processEvery: '5 seconds' }, false);
      let ran = false;
      agenda.define('ping', async () => {
        ran = true;
      });
      await agenda.start();
      await delay(100);

      await agenda.now('ping', {});
      await delay(1000);

      expect(ran).toBe(false);
    });
  });
});
