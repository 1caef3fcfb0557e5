import { Agenda } from 'agenda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteAgendaBackend, type SqliteAgendaBackend } from '../../src/index.js';
import { createTempDatabase, waitFor, type TempDatabase } from './helpers.js';
import { WorkerProcess, type WorkerEvent } from './worker-process.js';

/** Counts how often each job id appears among `events`. */
function countById(events: readonly WorkerEvent[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const event of events) {
    counts.set(event.id!, (counts.get(event.id!) ?? 0) + 1);
  }
  return counts;
}

describe('Agenda workers in two processes on one SQLite file', () => {
  let temp: TempDatabase;
  let workers: WorkerProcess[];
  let backend: SqliteAgendaBackend;
  /** The test process saves jobs through an Agenda that never starts processing. */
  let scheduler: Agenda;

  function startWorker(env: Record<string, string>): WorkerProcess {
    const worker = new WorkerProcess({ AGENDA_DB_PATH: temp.path, ...env });
    workers.push(worker);
    return worker;
  }

  beforeEach(async () => {
    temp = createTempDatabase();
    workers = [];
    backend = createSqliteAgendaBackend({ path: temp.path });
    scheduler = new Agenda({ backend, name: 'scheduler' });
    await scheduler.ready;
  });

  afterEach(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    await backend.disconnect();
    temp.remove();
  });

  it('batch claims split 300 jobs', async () => {
    const settings = { AGENDA_WAIT_FOR_START: '1' };
    const first = startWorker(settings);
    const second = startWorker(settings);
    await Promise.all([first.waitForEvent('ready'), second.waitForEvent('ready')]);
    const saved = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const job = await scheduler.now('work', { i });
      saved.add(job.attrs._id!);
    }

    // Both processes claim 40 jobs at a time, at the same moment, until neither finds any.
    let round = 0;
    for (;;) {
      round += 1;
      first.send('claim 40');
      second.send('claim 40');
      await waitFor(`claim round ${round}`, () => first.list('claimed').length === round && second.list('claimed').length === round);
      const latest = [first.list('claimed')[round - 1], second.list('claimed')[round - 1]];
      if (latest.every((event) => event.ids!.length === 0)) break;
    }

    const claimedIds = [...first.list('claimed'), ...second.list('claimed')].flatMap((event) => event.ids!);
    expect(claimedIds).toHaveLength(300);
    expect(new Set(claimedIds)).toEqual(saved);
    const locked = await backend.repository.queryJobs({ name: 'work' });
    for (const job of locked.jobs) expect(job.lockedAt, String(job._id)).toBeInstanceOf(Date);
  });

  it('runs each of 200 jobs exactly once', async () => {
    const settings = { AGENDA_LOCK_LIMIT: '5', AGENDA_CONCURRENCY: '5', AGENDA_JOB_MS: '5' };
    const first = startWorker(settings);
    const second = startWorker(settings);
    await Promise.all([first.waitForEvent('ready'), second.waitForEvent('ready')]);

    const ids = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const job = await scheduler.now('work', { i });
      ids.add(job.attrs._id!);
    }
    const done = () => [...first.list('done'), ...second.list('done')];
    await waitFor('200 finished jobs', () => done().length >= 200, 30_000);
    await waitFor(
      'every job to be stored as completed',
      async () => {
        const completed = await backend.repository.queryJobs({ name: 'work', state: 'completed' });
        return completed.total === 200;
      },
    );

    const starts = countById([...first.list('start'), ...second.list('start')]);
    expect(starts.size).toBe(200);
    expect([...starts.keys()].every((id) => ids.has(id))).toBe(true);
    expect([...starts.values()].every((count) => count === 1)).toBe(true);
    expect(countById(done()).size).toBe(200);
    expect(first.list('start').length).toBeGreaterThan(0);
    expect(second.list('start').length).toBeGreaterThan(0);
  });

  it('reruns a killed worker\'s job after expiry', async () => {
    const lockLifetimeMs = 2000;
    const settings = {
      AGENDA_LOCK_LIFETIME_MS: String(lockLifetimeMs),
      AGENDA_PROCESS_EVERY_MS: '200',
    };
    const doomed = startWorker({ ...settings, AGENDA_HANG: '1' });
    const survivor = startWorker({ ...settings, AGENDA_WAIT_FOR_START: '1' });
    await Promise.all([doomed.waitForEvent('ready'), survivor.waitForEvent('ready')]);

    const job = await scheduler.now('work', { crash: true });
    const firstStart = await doomed.waitForEvent('start');
    const lockedAt = (await backend.repository.getJobById(job.attrs._id!))!.lockedAt!;
    await doomed.kill();
    const killedAt = Date.now();
    survivor.send('start');
    await survivor.waitForEvent('started');

    const secondStart = await survivor.waitForEvent('start', lockLifetimeMs + 10_000);
    await survivor.waitForEvent('done');
    const readState = async () =>
      (await backend.repository.queryJobs({ id: job.attrs._id! })).jobs[0]?.state;
    await waitFor('the job to be stored as completed', async () => {
      return (await readState()) === 'completed';
    });

    expect(firstStart.id).toBe(job.attrs._id);
    expect(secondStart.id).toBe(job.attrs._id);
    // The survivor left the fresh lock alone and took the job once the lock expired.
    expect(secondStart.at!).toBeGreaterThanOrEqual(lockedAt.getTime() + lockLifetimeMs);
    expect(killedAt).toBeLessThan(lockedAt.getTime() + lockLifetimeMs);
    expect(survivor.list('start')).toHaveLength(1);
    const stored = (await backend.repository.getJobById(job.attrs._id!))!;
    expect(stored.lockedAt).toBeUndefined();
    expect(stored.lastFinishedAt!.getTime()).toBeGreaterThanOrEqual(secondStart.at!);
  });

  it('starts a job saved in another process promptly', async () => {
    // processEvery is 10 s, so without a notification the worker would find each job only at
    // its next scan, seconds later.
    const worker = startWorker({ AGENDA_PROCESS_EVERY_MS: '10000' });
    await worker.waitForEvent('ready');

    const latenciesMs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const savedAt = Date.now();
      const job = await scheduler.now('work', { i });
      const findStart = () => worker.list('start').find((event) => event.id === job.attrs._id);
      await waitFor('the worker to start the job', () => findStart() !== undefined, 5000);
      const start = findStart()!;
      latenciesMs.push(start.at! - savedAt);
    }

    const sorted = [...latenciesMs].sort((a, b) => a - b);
    console.log(
      `cross-process start latency in ms: ${latenciesMs.join(', ')} (median ${sorted[2]})`,
    );
    for (const latencyMs of latenciesMs) {
      expect(latencyMs).toBeLessThan(2000);
    }
  });
});
