import type { JobParameters } from 'agenda';
import { describe, expect, it } from 'vitest';
import type { ClaimDueJobsOptions } from '../../src/index.js';
import { buildJob, useJobRepository } from './helpers.js';

const LOCK_LIFETIME_MS = 60_000;
const NOW = new Date('2026-01-10T12:00:00Z');

describe('SQLite batch claims of Agenda jobs', () => {
  const fixture = useJobRepository({ name: 'tick' });
  const { save } = fixture;

  function claimOptions(overrides: Partial<ClaimDueJobsOptions> = {}): ClaimDueJobsOptions {
    return {
      name: 'tick',
      now: NOW,
      lockDeadline: new Date(NOW.getTime() - LOCK_LIFETIME_MS),
      limit: 100,
      lockedBy: 'scheduler-a',
      ...overrides,
    };
  }

  it('claims due unlocked jobs only', async () => {
    const due = await save({ nextRunAt: new Date(NOW.getTime() - 1_000) });
    const dueNow = await save({ nextRunAt: NOW });
    await save({ nextRunAt: new Date(NOW.getTime() + 1) });
    await save({ nextRunAt: NOW, disabled: true });
    await save({ name: 'other', nextRunAt: NOW });
    const locked = await save({ nextRunAt: NOW, lockedAt: new Date(NOW.getTime() - 1_000) });

    const claimed = await fixture.repo.claimDueJobs(claimOptions());

    expect(claimed.map(({ job }) => job._id)).toEqual([due._id, dueNow._id]);
    for (const { job, expiredLockAt } of claimed) {
      expect(job.lockedAt).toEqual(NOW);
      expect(job.lastModifiedBy).toBe('scheduler-a');
      expect(expiredLockAt).toBeNull();
    }
    expect((await fixture.repo.getJobById(locked._id))?.lastModifiedBy).not.toBe('scheduler-a');
  });

  it('claims ahead up to dueBy', async () => {
    const soon = await save({ nextRunAt: new Date(NOW.getTime() + 500) });
    await save({ nextRunAt: new Date(NOW.getTime() + 1_500) });

    const claimed = await fixture.repo.claimDueJobs(claimOptions({ dueBy: new Date(NOW.getTime() + 1_000) }));

    expect(claimed.map(({ job }) => job._id)).toEqual([soon._id]);
    expect(claimed[0].job.lockedAt).toEqual(NOW);
    expect(await fixture.repo.stillClaimed([soon._id], NOW)).toEqual([soon._id]);
    await fixture.repo.disableJobs({ id: soon._id });
    expect(await fixture.repo.stillClaimed([soon._id], NOW)).toEqual([]);
  });

  it('takes over expired locks', async () => {
    const staleLock = new Date(NOW.getTime() - LOCK_LIFETIME_MS);
    const expired = await save({ nextRunAt: new Date(NOW.getTime() - 2 * LOCK_LIFETIME_MS), lockedAt: staleLock });

    const [claimed, ...more] = await fixture.repo.claimDueJobs(claimOptions());

    expect(more).toHaveLength(0);
    expect(claimed.job._id).toBe(expired._id);
    expect(claimed.job.lockedAt).toEqual(NOW);
    expect(claimed.expiredLockAt).toEqual(staleLock);
  });

  it('claims the earliest first up to the limit', async () => {
    const ids: string[] = [];
    for (let second = 5; second >= 1; second -= 1) {
      ids.push((await save({ nextRunAt: new Date(NOW.getTime() - second * 1_000) }))._id);
    }

    const first = await fixture.repo.claimDueJobs(claimOptions({ limit: 3 }));
    const second = await fixture.repo.claimDueJobs(claimOptions({ limit: 3, lockedBy: 'scheduler-b' }));
    const third = await fixture.repo.claimDueJobs(claimOptions({ limit: 3, lockedBy: 'scheduler-b' }));

    expect(first.map(({ job }) => job._id).sort()).toEqual(ids.slice(0, 3).sort());
    expect(second.map(({ job }) => job._id).sort()).toEqual(ids.slice(3).sort());
    expect(third).toHaveLength(0);
  });

  it('two connections never claim the same job', async () => {
    const other = fixture.pool.open(fixture.temp.path).repository;
    for (let i = 0; i < 50; i += 1) await save({ nextRunAt: NOW, data: { i } });

    const [a, b] = await Promise.all([
      fixture.repo.claimDueJobs(claimOptions({ limit: 30 })),
      other.claimDueJobs(claimOptions({ limit: 30, lockedBy: 'scheduler-b' })),
    ]);

    const ids = [...a, ...b].map(({ job }) => String(job._id));
    expect(ids).toHaveLength(50);
    expect(new Set(ids).size).toBe(50);
  });

  it('release moves and unlocks the claimed jobs', async () => {
    const job = await save({ nextRunAt: NOW, data: { scheduledAt: 'first' } });
    const [claimed] = await fixture.repo.claimDueJobs(claimOptions());
    const next = new Date(NOW.getTime() + 86_400_000);

    const written = await fixture.repo.releaseJobs([{ id: job._id, lockedAt: claimed.job.lockedAt!, data: { scheduledAt: 'second' }, nextRunAt: next, lastRunAt: NOW }], 'scheduler-a');

    expect(written).toBe(1);
    const stored = await fixture.repo.getJobById(job._id);
    expect(stored?.lockedAt).toBeUndefined();
    expect(stored?.nextRunAt).toEqual(next);
    expect(stored?.lastRunAt).toEqual(NOW);
    expect(stored?.data).toEqual({ scheduledAt: 'second' });
    expect(await fixture.repo.nextRunTime('tick')).toEqual(next);
  });

  it('release keeps a pause and skips lost claims', async () => {
    const paused = await save({ nextRunAt: NOW });
    const taken = await save({ nextRunAt: NOW });
    const removed = await save({ nextRunAt: NOW });
    await fixture.repo.claimDueJobs(claimOptions());
    await fixture.repo.disableJobs({ id: paused._id });
    await fixture.repo.removeJobs({ id: removed._id });
    // Another scheduler took this job over after the lock expired.
    const later = new Date(NOW.getTime() + 2 * LOCK_LIFETIME_MS);
    await fixture.repo.claimDueJobs(claimOptions({ now: later, lockDeadline: new Date(later.getTime() - LOCK_LIFETIME_MS), lockedBy: 'scheduler-b' }));

    const next = new Date(NOW.getTime() + 1_000);
    const release = (id: string) => ({ id, lockedAt: NOW, data: { moved: true }, nextRunAt: next, lastRunAt: NOW });
    const written = await fixture.repo.releaseJobs([release(paused._id), release(taken._id), release(removed._id)], 'scheduler-a');

    // Only the paused job is still locked by this claim.
    expect(written).toBe(1);
    const storedPaused = await fixture.repo.getJobById(paused._id);
    expect(storedPaused?.disabled).toBe(true);
    expect(storedPaused?.nextRunAt).toEqual(next);
    const storedTaken = await fixture.repo.getJobById(taken._id);
    expect(storedTaken?.lockedAt).toEqual(later);
    expect(storedTaken?.lastModifiedBy).toBe('scheduler-b');
  });

  it('release without lastRunAt keeps it', async () => {
    const ranAt = new Date(NOW.getTime() - 86_400_000);
    const job = await save({ nextRunAt: NOW, lastRunAt: ranAt });
    await fixture.repo.claimDueJobs(claimOptions());

    await fixture.repo.releaseJobs([{ id: job._id, lockedAt: NOW, data: job.data, nextRunAt: NOW }], 'scheduler-a');

    const stored = await fixture.repo.getJobById(job._id);
    expect(stored?.lastRunAt).toEqual(ranAt);
    expect(stored?.lockedAt).toBeUndefined();
  });

  it('nextRunTime skips locked and disabled jobs', async () => {
    expect(await fixture.repo.nextRunTime('tick')).toBeNull();
    await save({ nextRunAt: new Date(NOW.getTime() - 5_000), lockedAt: NOW });
    await save({ nextRunAt: new Date(NOW.getTime() - 4_000), disabled: true });
    await save({ nextRunAt: new Date(NOW.getTime() - 3_000) });
    await save({ nextRunAt: new Date(NOW.getTime() - 2_000) });

    expect(await fixture.repo.nextRunTime('tick')).toEqual(new Date(NOW.getTime() - 3_000));
  });

  it('saveJobs inserts unique jobs once', async () => {
    const runJob = (runId: string): JobParameters => ({
      ...buildJob({ name: 'run', data: { runId } }),
      unique: { 'data.runId': runId },
      uniqueOpts: { insertOnly: true },
    });
    const [existing] = await fixture.repo.saveJobs([runJob('r1')], { lastModifiedBy: 'api' });

    const saved = await fixture.repo.saveJobs([runJob('r1'), runJob('r2'), runJob('r3')], { lastModifiedBy: 'scheduler-a' });

    expect(saved.map((job) => (job.data as { runId: string }).runId)).toEqual(['r1', 'r2', 'r3']);
    expect(saved[0]._id).toBe(existing._id);
    expect(saved[0].lastModifiedBy).toBe('api');
    expect((await fixture.repo.queryJobs({ name: 'run' })).total).toBe(3);
  });

  it('saveJobs rolls back every job on a failure', async () => {
    const bad = { ...buildJob({ name: 'run' }), nextRunAt: new Date(Number.NaN) };

    await expect(fixture.repo.saveJobs([buildJob({ name: 'run' }), bad], undefined)).rejects.toThrow(RangeError);

    expect((await fixture.repo.queryJobs({ name: 'run' })).total).toBe(0);
  });
});
