import { afterEach, describe, expect, it } from 'vitest';
import { CronScheduler, cronRunId } from '../../src/scheduling/cron-scheduler.js';
import { CRON_JOB } from '../../src/scheduling/job-store.js';
import { buildNode } from '../support/studio.js';
import { cronJobs, startSchedulingStudio, type SchedulingStudio } from './support.js';

const studios: SchedulingStudio[] = [];

afterEach(async () => {
  const [first, ...others] = studios.splice(0);
  // The first studio made the shared data folder, so it closes last and removes the folder.
  for (const studio of others) await studio.close(true);
  await first?.close();
});

/** The instant the schedules are stored at. They first fire at 09:00:00 UTC. */
const STORED_AT = new Date('2025-06-02T08:59:30Z');
const FIRE_AT = new Date('2025-06-02T09:00:00Z');
const LOCK_LIFETIME_MS = 60_000;

/** Stores `count` published graphs whose schedules fire daily at 09:00:00 UTC, and their cron jobs. */
async function storeSchedules(test: SchedulingStudio, count: number, missed: 'skip' | 'runOnce' = 'skip'): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const id = `graph_batch_${index}`;
    const document = { name: id, nodes: [buildNode('n1')], edges: [], settings: { schedule: { cron: '0 0 9 * * *', timezone: 'UTC', missed } } };
    await test.storage.graphs.create(id, { ...document, id });
    await test.storage.graphs.publish(id, 1);
    await test.scheduling.schedules.sync(id);
    ids.push(id);
  }
  return ids;
}

/** Creates a cron scheduler of `test` whose clock reads the value of `clock`. */
function schedulerOf(test: SchedulingStudio, clock: { now: Date }, batchSize = 1_000): CronScheduler {
  return new CronScheduler({
    jobs: test.scheduling.jobs,
    storage: test.storage,
    executor: test.studio.ctx.executor,
    log: test.studio.ctx.log,
    missedAfterMs: 60_000,
    lockLifetimeMs: LOCK_LIFETIME_MS,
    batchSize,
    scanIntervalMs: 60_000,
    now: () => clock.now,
  });
}

/** Fire times of the stored cron runs, by graph id. */
async function cronRunsByGraph(test: SchedulingStudio): Promise<Map<string, string[]>> {
  const runs = await test.storage.runs.listByStatus(['queued', 'running', 'succeeded', 'failed']);
  const byGraph = new Map<string, string[]>();
  for (const run of runs.filter((item) => item.trigger === 'cron')) {
    const scheduledAt = (run.input as { scheduledAt: string }).scheduledAt;
    byGraph.set(run.graphId, [...(byGraph.get(run.graphId) ?? []), scheduledAt]);
  }
  return byGraph;
}

/**
 * Records the ids of the jobs that the studio's claims return, and calls `afterClaim` with the
 * claim's lock time after each claim that locked jobs.
 */
function recordClaims(test: SchedulingStudio, afterClaim?: (lockedAt: Date) => Promise<void>): string[] {
  const ids: string[] = [];
  const { batches } = test.scheduling.jobs;
  const claimDueJobs = batches.claimDueJobs.bind(batches);
  batches.claimDueJobs = async (options) => {
    const claimed = await claimDueJobs(options);
    ids.push(...claimed.map(({ job }) => String(job._id)));
    if (claimed.length > 0) await afterClaim?.(options.now);
    return claimed;
  };
  return ids;
}

/** Returns a clock that runs in real time from `start`. */
function runningClock(start: Date): { readonly now: Date } {
  const offsetMs = start.getTime() - Date.now();
  return {
    get now() {
      return new Date(Date.now() + offsetMs);
    },
  };
}

async function startStudios(count: number): Promise<SchedulingStudio[]> {
  const first = await startSchedulingStudio({ now: () => STORED_AT });
  studios.push(first);
  for (let index = 1; index < count; index += 1) {
    studios.push(await startSchedulingStudio({ now: () => STORED_AT, dataDir: first.dataDir }));
  }
  return [...studios];
}

describe('cron batches', () => {
  it('fires every due schedule once', async () => {
    const [test] = await startStudios(1);
    const ids = await storeSchedules(test, 30);
    const clock = { now: new Date(FIRE_AT.getTime() + 120) };
    const starts: Array<[string, number]> = [];
    test.scheduling.jobs.onJobStart((name, latenessMs) => starts.push([name, latenessMs]));

    await schedulerOf(test, clock, 7).fireDue();

    // The lateness metric observes each fire: 120 ms from the fire time to the claim.
    expect(starts).toEqual(ids.map(() => [CRON_JOB, 120]));

    const fired = await cronRunsByGraph(test);
    expect(fired.size).toBe(30);
    for (const id of ids) expect(fired.get(id), id).toEqual([FIRE_AT.toISOString()]);
    const jobs = await cronJobs(test.scheduling);
    expect(jobs).toHaveLength(30);
    for (const job of jobs) {
      expect(job.lockedAt, job.data.graphId).toBeUndefined();
      expect(job.data.scheduledAt).toBe('2025-06-03T09:00:00.000Z');
      expect(job.nextRunAt?.toISOString()).toBe('2025-06-03T09:00:00.000Z');
    }
  });

  it('two schedulers split the fires', async () => {
    const [first, second] = await startStudios(2);
    const ids = await storeSchedules(first, 40);
    const clock = { now: new Date(FIRE_AT.getTime() + 50) };
    const claimedIds = [recordClaims(first), recordClaims(second)];
    const schedulers = [schedulerOf(first, clock, 15), schedulerOf(second, clock, 15)];

    await Promise.all(schedulers.map((scheduler) => scheduler.fireDue()));

    const fired = await cronRunsByGraph(first);
    for (const id of ids) expect(fired.get(id), id).toEqual([FIRE_AT.toISOString()]);
    expect(claimedIds[0].length + claimedIds[1].length).toBe(40);
    expect(new Set([...claimedIds[0], ...claimedIds[1]]).size).toBe(40);
    for (const job of await cronJobs(first.scheduling)) expect(job.data.scheduledAt).toBe('2025-06-03T09:00:00.000Z');
  });

  it('skips runs that exist and stores the rest', async () => {
    const [test] = await startStudios(1);
    const ids = await storeSchedules(test, 10);
    const existing = ids.slice(0, 4);
    await test.studio.ctx.executor.createRuns(
      existing.map((graphId) => ({ graphId, version: 1, trigger: 'cron' as const, id: cronRunId(graphId, FIRE_AT), input: { scheduledAt: FIRE_AT.toISOString(), firedAt: 'earlier' } })),
    );

    await schedulerOf(test, { now: new Date(FIRE_AT.getTime() + 10) }).fireDue();

    const fired = await cronRunsByGraph(test);
    for (const id of ids) expect(fired.get(id), id).toEqual([FIRE_AT.toISOString()]);
    for (const graphId of existing) {
      const run = await test.storage.runs.get(cronRunId(graphId, FIRE_AT));
      expect((run?.input as { firedAt: string }).firedAt, graphId).toBe('earlier');
    }
    for (const job of await cronJobs(test.scheduling)) expect(job.data.scheduledAt).toBe('2025-06-03T09:00:00.000Z');
  });

  it('takes over a batch of a stopped scheduler', async () => {
    const [test] = await startStudios(1);
    const ids = await storeSchedules(test, 6, 'skip');
    const { batches } = test.scheduling.jobs;
    // A scheduler claims the batch on time and stops before it stores any run.
    const claimedAt = new Date(FIRE_AT.getTime() + 20);
    const claim = { name: CRON_JOB, now: claimedAt, lockDeadline: new Date(claimedAt.getTime() - LOCK_LIFETIME_MS), limit: 100, lockedBy: 'stopped-scheduler' };
    expect(await batches.claimDueJobs(claim)).toHaveLength(6);
    // It stored the runs of two graphs in an earlier write, as if it stopped mid-batch.
    await test.studio.ctx.executor.createRuns(
      ids.slice(0, 2).map((graphId) => ({ graphId, version: 1, trigger: 'cron' as const, id: cronRunId(graphId, FIRE_AT), input: { scheduledAt: FIRE_AT.toISOString(), firedAt: claimedAt.toISOString() } })),
    );

    const clock = { now: new Date(claimedAt.getTime() + LOCK_LIFETIME_MS - 1_000) };
    const scheduler = schedulerOf(test, clock);
    await scheduler.fireDue();
    expect((await cronRunsByGraph(test)).size).toBe(2);

    // Past the lock lifetime, and past the missed-fire limit, the claims are taken over and the
    // fire counts as on time, because the stopped scheduler claimed it on time.
    clock.now = new Date(claimedAt.getTime() + LOCK_LIFETIME_MS + 1_000);
    await scheduler.fireDue();

    const fired = await cronRunsByGraph(test);
    for (const id of ids) expect(fired.get(id), id).toEqual([FIRE_AT.toISOString()]);
    for (const job of await cronJobs(test.scheduling)) {
      expect(job.lockedAt, job.data.graphId).toBeUndefined();
      expect(job.data.scheduledAt).toBe('2025-06-03T09:00:00.000Z');
    }
  });

  it('leaves paused and future schedules alone', async () => {
    const [test] = await startStudios(1);
    const ids = await storeSchedules(test, 3);
    await test.scheduling.schedules.pause(ids[0]);

    // Five seconds early is outside the claim-ahead window of one second.
    await schedulerOf(test, { now: new Date(FIRE_AT.getTime() - 5_000) }).fireDue();
    expect((await cronRunsByGraph(test)).size).toBe(0);
    for (const job of await cronJobs(test.scheduling)) expect(job.lockedAt, job.data.graphId).toBeUndefined();

    await schedulerOf(test, { now: new Date(FIRE_AT.getTime() + 5) }).fireDue();
    const fired = await cronRunsByGraph(test);
    expect([...fired.keys()].sort()).toEqual(ids.slice(1));
    const paused = (await cronJobs(test.scheduling)).find((job) => job.data.graphId === ids[0]);
    expect(paused?.disabled).toBe(true);
    expect(paused?.data.scheduledAt).toBe(FIRE_AT.toISOString());
  });

  it('removes jobs of unpublished versions', async () => {
    const [test] = await startStudios(1);
    const [id] = await storeSchedules(test, 1);
    const document = { name: id, nodes: [buildNode('n1')], edges: [], settings: { schedule: { cron: '0 0 18 * * *', timezone: 'UTC' } } };
    const draft = await test.storage.graphs.saveDraft(id, document);
    expect(draft?.version).toBe(2);
    await test.storage.graphs.publish(id, 2);

    await schedulerOf(test, { now: new Date(FIRE_AT.getTime() + 5) }).fireDue();

    expect((await cronRunsByGraph(test)).size).toBe(0);
    expect(await cronJobs(test.scheduling)).toHaveLength(0);
  });

  it('claims ahead and fires on time', async () => {
    const [test] = await startStudios(1);
    const ids = await storeSchedules(test, 5);
    const claimTimes: Date[] = [];
    recordClaims(test, async (lockedAt) => {
      claimTimes.push(lockedAt);
    });

    await schedulerOf(test, runningClock(new Date(FIRE_AT.getTime() - 300))).fireDue();

    expect(claimTimes).toHaveLength(1);
    expect(claimTimes[0].getTime()).toBeLessThan(FIRE_AT.getTime());
    const runs = await test.storage.runs.listByStatus(['queued', 'running', 'succeeded', 'failed']);
    expect(runs).toHaveLength(ids.length);
    for (const run of runs) {
      const { scheduledAt, firedAt } = run.input as { scheduledAt: string; firedAt: string };
      expect(scheduledAt).toBe(FIRE_AT.toISOString());
      expect(Date.parse(firedAt)).toBeGreaterThanOrEqual(FIRE_AT.getTime());
    }
  });

  it('pause after the claim fires nothing', async () => {
    const [test] = await startStudios(1);
    const ids = await storeSchedules(test, 3);
    recordClaims(test, async () => {
      await test.scheduling.schedules.pause(ids[0]);
    });

    await schedulerOf(test, runningClock(new Date(FIRE_AT.getTime() - 200))).fireDue();

    const fired = await cronRunsByGraph(test);
    expect([...fired.keys()].sort()).toEqual(ids.slice(1));
    const paused = (await cronJobs(test.scheduling)).find((job) => job.data.graphId === ids[0]);
    expect(paused?.disabled).toBe(true);
    expect(paused?.lockedAt).toBeUndefined();
    expect(paused?.data.scheduledAt).toBe(FIRE_AT.toISOString());
  });
});
