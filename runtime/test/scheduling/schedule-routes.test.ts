import type { GraphDocument } from '@gestorlead/sdk-plugin';
import type { InjectOptions } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { CronScheduler, cronRunId } from '../../src/scheduling/cron-scheduler.js';
import { request } from '../support/http.js';
import { buildNode, waitForRun, type TestStudio } from '../support/studio.js';
import { cronJobs, startSchedulingStudio, waitUntil, type SchedulingStudio } from './support.js';

let test: SchedulingStudio | null = null;

afterEach(async () => {
  await test?.close();
  test = null;
});

/** Sends a request as the studio's first account, which owns the graphs it creates. */
async function send<T = any>(options: InjectOptions): Promise<{ status: number; body: T }> {
  const reply = await request<T>(test!, options);
  return { status: reply.status, body: reply.body };
}

function scheduledGraph(schedule: Record<string, unknown> | undefined, settings: Record<string, unknown> = {}): GraphDocument {
  return {
    name: 'scheduled',
    nodes: [buildNode('n1')],
    edges: [],
    settings: { ...settings, ...(schedule ? { schedule: schedule as never } : {}) },
  };
}

async function createAndPublish(document: GraphDocument): Promise<string> {
  const created = await send<{ id: string }>({ method: 'POST', url: '/v1/graphs', payload: document });
  expect(created.status).toBe(201);
  const published = await send({ method: 'POST', url: `/v1/graphs/${created.body.id}/publish` });
  expect(published.status).toBe(200);
  return created.body.id;
}

/** Creates a cron scheduler of the test studio whose clock reads `now`. */
function schedulerAt(now: Date, missedAfterMs = 60_000): CronScheduler {
  return new CronScheduler({
    jobs: test!.scheduling.jobs,
    storage: test!.storage,
    executor: test!.studio.ctx.executor,
    log: test!.studio.ctx.log,
    missedAfterMs,
    lockLifetimeMs: 60_000,
    batchSize: 1,
    scanIntervalMs: 5_000,
    now: () => now,
  });
}

describe('schedule validation', () => {
  const cases: [string, Record<string, unknown> | undefined, Record<string, unknown>, string][] = [
    ['unparsable cron', { cron: '61 * * * *' }, {}, '/settings/schedule/cron'],
    ['four fields', { cron: '* * * *' }, {}, '/settings/schedule/cron'],
    ['seven fields', { cron: '0 0 0 * * * *' }, {}, '/settings/schedule/cron'],
    ['alias', { cron: '@daily' }, {}, '/settings/schedule/cron'],
    ['unknown zone', { cron: '0 9 * * *', timezone: 'Mars/Olympus_Mons' }, {}, '/settings/schedule/timezone'],
    ['unknown graph zone', { cron: '0 9 * * *' }, { timezone: 'Nowhere/City' }, '/settings/timezone'],
    ['unknown graph zone without schedule', undefined, { timezone: 'Nowhere/City' }, '/settings/timezone'],
    ['unknown graph zone beside own zone', { cron: '0 9 * * *', timezone: 'UTC' }, { timezone: 'Nowhere/City' }, '/settings/timezone'],
  ];

  for (const [name, schedule, settings, pointer] of cases) {
    it(`rejects ${name}`, async () => {
      test = await startSchedulingStudio();
      const reply = await send({ method: 'POST', url: '/v1/graphs', payload: scheduledGraph(schedule, settings) });
      expect(reply.status).toBe(400);
      expect(reply.body.code).toBe('GRAPH_INVALID');
      expect(reply.body.errors).toContainEqual(expect.objectContaining({ pointer, code: 'GRAPH_SCHEDULE_INVALID' }));
    });
  }

  it('rejects an unknown missed policy', async () => {
    test = await startSchedulingStudio();
    const reply = await send({ method: 'POST', url: '/v1/graphs', payload: scheduledGraph({ cron: '0 9 * * *', missed: 'all' }) });
    expect(reply.status).toBe(400);
    expect(reply.body.errors).toContainEqual(expect.objectContaining({ pointer: '/settings/schedule/missed' }));
  });

  it('accepts 5 and 6 fields', async () => {
    test = await startSchedulingStudio();
    for (const cron of ['0 9 * * MON-FRI', '*/10 * * * * *']) {
      const reply = await send({ method: 'POST', url: '/v1/graphs', payload: scheduledGraph({ cron, timezone: 'America/New_York', missed: 'runOnce' }) });
      expect(reply.status, cron).toBe(201);
    }
  });
});

describe('schedule preview route', () => {
  it("defaults to the graph's schedule", async () => {
    test = await startSchedulingStudio();
    const id = await createAndPublish(scheduledGraph({ cron: '0 12 * * *', timezone: 'Asia/Tokyo' }));
    const reply = await send<string[]>({ method: 'GET', url: `/v1/graphs/${id}/schedule/preview?count=3` });
    expect(reply.status).toBe(200);
    expect(reply.body).toHaveLength(3);
    for (const instant of reply.body) expect(instant).toMatch(/^\d{4}-\d{2}-\d{2}T03:00:00\.000Z$/);
    expect(Date.parse(reply.body[0])).toBeGreaterThan(Date.now() - 1000);
    expect(Date.parse(reply.body[1]) - Date.parse(reply.body[0])).toBe(86_400_000);
  });

  it('previews a draft schedule', async () => {
    test = await startSchedulingStudio();
    const created = await send<{ id: string }>({ method: 'POST', url: '/v1/graphs', payload: scheduledGraph({ cron: '*/15 * * * *' }) });
    const reply = await send<string[]>({ method: 'GET', url: `/v1/graphs/${created.body.id}/schedule/preview` });
    expect(reply.status).toBe(200);
    expect(reply.body).toHaveLength(10);
    for (const instant of reply.body) expect(new Date(instant).getUTCMinutes() % 15).toBe(0);
  });

  it('takes cron and timezone from the query', async () => {
    test = await startSchedulingStudio();
    const id = await createAndPublish(scheduledGraph(undefined));
    const reply = await send<string[]>({
      method: 'GET',
      url: `/v1/graphs/${id}/schedule/preview?cron=${encodeURIComponent('30 9 * * *')}&timezone=Asia/Kolkata&count=2`,
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toHaveLength(2);
    for (const instant of reply.body) expect(instant).toMatch(/T04:00:00\.000Z$/);
  });

  const invalid: [string, string, string][] = [
    ['bad cron', `cron=${encodeURIComponent('70 * * * *')}`, '/querystring/cron'],
    ['cron alias', `cron=${encodeURIComponent('@hourly')}`, '/querystring/cron'],
    ['bad zone', `cron=${encodeURIComponent('0 * * * *')}&timezone=Atlantis/Central`, '/querystring/timezone'],
    ['zero count', `cron=${encodeURIComponent('0 * * * *')}&count=0`, '/querystring/count'],
    ['huge count', `cron=${encodeURIComponent('0 * * * *')}&count=1000`, '/querystring/count'],
    ['text count', `cron=${encodeURIComponent('0 * * * *')}&count=many`, '/querystring/count'],
  ];
  for (const [name, query, pointer] of invalid) {
    it(`rejects ${name}`, async () => {
      test = await startSchedulingStudio();
      const id = await createAndPublish(scheduledGraph(undefined));
      const reply = await send({ method: 'GET', url: `/v1/graphs/${id}/schedule/preview?${query}` });
      expect(reply.status).toBe(400);
      expect(reply.body.code).toBe('REQUEST_INVALID');
      expect(reply.body.errors[0].pointer).toBe(pointer);
    });
  }

  it('needs cron for a graph without a schedule', async () => {
    test = await startSchedulingStudio();
    const id = await createAndPublish(scheduledGraph(undefined));
    const reply = await send({ method: 'GET', url: `/v1/graphs/${id}/schedule/preview` });
    expect(reply.status).toBe(404);
    expect(reply.body.code).toBe('SCHEDULE_NOT_FOUND');
    expect(reply.body.errors[0].pointer).toBe('/querystring/cron');
  });

  it('unknown graph is 404', async () => {
    test = await startSchedulingStudio();
    const reply = await send({ method: 'GET', url: '/v1/graphs/graph_missing/schedule/preview?cron=0+*+*+*+*' });
    expect(reply.status).toBe(404);
    expect(reply.body.code).toBe('GRAPH_NOT_FOUND');
  });
});

describe('schedule jobs', () => {
  it('publish stores one cron job', async () => {
    const now = new Date('2025-03-08T12:00:00Z');
    test = await startSchedulingStudio({ now: () => now });
    const id = await createAndPublish(scheduledGraph({ cron: '30 2 * * *', timezone: 'America/New_York' }));
    const jobs = await cronJobs(test.scheduling);
    expect(jobs).toHaveLength(1);
    expect(jobs[0].data).toMatchObject({ graphId: id, version: 1, cron: '30 2 * * *', scheduledAt: '2025-03-09T07:30:00.000Z' });
    expect(jobs[0].nextRunAt?.toISOString()).toBe('2025-03-09T07:30:00.000Z');

    const state = await send({ method: 'GET', url: `/v1/graphs/${id}/schedule` });
    expect(state.status).toBe(200);
    expect(state.body).toEqual({
      graphId: id,
      version: 1,
      cron: '30 2 * * *',
      timezone: 'America/New_York',
      enabled: true,
      missed: 'skip',
      paused: false,
      nextFireAt: '2025-03-09T07:30:00.000Z',
    });
  });

  it('re-publish replaces the schedule', async () => {
    const now = new Date('2025-06-01T00:00:00Z');
    test = await startSchedulingStudio({ now: () => now });
    const id = await createAndPublish(scheduledGraph({ cron: '0 9 * * *' }));
    const [oldJob] = await cronJobs(test.scheduling);

    const saved = await send({ method: 'PUT', url: `/v1/graphs/${id}`, payload: scheduledGraph({ cron: '0 18 * * *' }) });
    expect(saved.status).toBe(200);
    expect((await cronJobs(test.scheduling))[0].data.version).toBe(1);
    await send({ method: 'POST', url: `/v1/graphs/${id}/publish` });

    const jobs = await cronJobs(test.scheduling);
    expect(jobs).toHaveLength(1);
    expect(jobs[0].data).toMatchObject({ version: 2, cron: '0 18 * * *', scheduledAt: '2025-06-01T18:00:00.000Z' });

    // A fire of the old version's job, as a scheduler that locked it before the publish would
    // run it, starts no run and reports the job as stale.
    const fire = await schedulerAt(new Date('2025-06-01T09:00:01Z')).fire(oldJob.data as never);
    expect(fire.stale).toBe(true);
    expect(fire.runId).toBeNull();
    expect(await test.storage.runs.list({ graphId: id })).toHaveLength(0);
  });

  it('publishing an older version moves the job back', async () => {
    test = await startSchedulingStudio();
    const id = await createAndPublish(scheduledGraph({ cron: '0 9 * * *' }));
    await send({ method: 'PUT', url: `/v1/graphs/${id}`, payload: scheduledGraph({ cron: '0 18 * * *' }) });
    await send({ method: 'POST', url: `/v1/graphs/${id}/publish` });
    await send({ method: 'POST', url: `/v1/graphs/${id}/publish`, payload: { version: 1 } });
    const jobs = await cronJobs(test.scheduling);
    expect(jobs).toHaveLength(1);
    expect(jobs[0].data).toMatchObject({ version: 1, cron: '0 9 * * *' });
  });

  it('disabled schedule and delete remove the job', async () => {
    test = await startSchedulingStudio();
    const id = await createAndPublish(scheduledGraph({ cron: '0 9 * * *' }));
    await send({ method: 'PUT', url: `/v1/graphs/${id}`, payload: scheduledGraph({ cron: '0 9 * * *', enabled: false }) });
    await send({ method: 'POST', url: `/v1/graphs/${id}/publish` });
    expect(await cronJobs(test.scheduling)).toHaveLength(0);
    const state = await send({ method: 'GET', url: `/v1/graphs/${id}/schedule` });
    expect(state.body).toMatchObject({ enabled: false, nextFireAt: null });

    const other = await createAndPublish(scheduledGraph({ cron: '0 10 * * *' }));
    expect(await cronJobs(test.scheduling)).toHaveLength(1);
    expect((await send({ method: 'DELETE', url: `/v1/graphs/${other}` })).status).toBe(204);
    expect(await cronJobs(test.scheduling)).toHaveLength(0);
  });

  it('pause and resume', async () => {
    test = await startSchedulingStudio();
    const id = await createAndPublish(scheduledGraph({ cron: '0 9 * * *' }));

    const paused = await send({ method: 'POST', url: `/v1/graphs/${id}/schedule/pause` });
    expect(paused.status).toBe(200);
    expect(paused.body.paused).toBe(true);
    expect((await cronJobs(test.scheduling))[0].disabled).toBe(true);

    // A publish keeps the pause.
    await send({ method: 'PUT', url: `/v1/graphs/${id}`, payload: scheduledGraph({ cron: '0 10 * * *' }) });
    await send({ method: 'POST', url: `/v1/graphs/${id}/publish` });
    const afterPublish = await cronJobs(test.scheduling);
    expect(afterPublish).toHaveLength(1);
    expect(afterPublish[0].data.version).toBe(2);
    expect(afterPublish[0].disabled).toBe(true);

    const resumed = await send({ method: 'POST', url: `/v1/graphs/${id}/schedule/resume` });
    expect(resumed.status).toBe(200);
    expect(resumed.body).toMatchObject({ paused: false, version: 2 });
    expect((await cronJobs(test.scheduling))[0].disabled).toBe(false);
  });

  it('pause without a schedule is 404', async () => {
    test = await startSchedulingStudio();
    const id = await createAndPublish(scheduledGraph(undefined));
    const reply = await send({ method: 'POST', url: `/v1/graphs/${id}/schedule/pause` });
    expect(reply.status).toBe(404);
    expect(reply.body.code).toBe('SCHEDULE_NOT_FOUND');
    expect((await send({ method: 'POST', url: '/v1/graphs/graph_nope/schedule/resume' })).body.code).toBe('GRAPH_NOT_FOUND');
  });
});

describe('cron fires', () => {
  it('fire starts a cron run once', async () => {
    test = await startSchedulingStudio();
    const id = await createAndPublish(scheduledGraph({ cron: '0 9 * * *' }));
    const data = { graphId: id, version: 1, cron: '0 9 * * *', timezone: 'UTC', missed: 'skip' as const, scheduledAt: '2025-06-02T09:00:00.000Z' };

    const first = await schedulerAt(new Date('2025-06-02T09:00:00.250Z')).fire(data);
    expect(first).toMatchObject({ duplicate: false, stale: false, missed: 0 });
    expect(first.runId).toBe(cronRunId(id, new Date(data.scheduledAt)));
    expect(first.next?.toISOString()).toBe('2025-06-03T09:00:00.000Z');

    // A second scheduler firing the same time starts nothing more.
    const second = await schedulerAt(new Date('2025-06-02T09:00:00.400Z')).fire(data);
    expect(second.duplicate).toBe(true);

    const { run } = await waitForRun({ studio: test.studio, storage: test.storage } as TestStudio, first.runId!);
    expect(run.status).toBe('succeeded');
    expect(run.trigger).toBe('cron');
    expect(run.input).toEqual({ scheduledAt: '2025-06-02T09:00:00.000Z', firedAt: '2025-06-02T09:00:00.250Z' });
    expect(await test.storage.runs.list({ graphId: id })).toHaveLength(1);
  });

  it('missed fires with skip', async () => {
    test = await startSchedulingStudio();
    const id = await createAndPublish(scheduledGraph({ cron: '0 9 * * *', missed: 'skip' }));
    const data = { graphId: id, version: 1, cron: '0 9 * * *', timezone: 'UTC', missed: 'skip' as const, scheduledAt: '2025-06-02T09:00:00.000Z' };
    const result = await schedulerAt(new Date('2025-06-05T10:30:00Z')).fire(data);
    expect(result).toMatchObject({ runId: null, missed: 4 });
    expect(result.next?.toISOString()).toBe('2025-06-06T09:00:00.000Z');
    expect(await test.storage.runs.list({ graphId: id })).toHaveLength(0);
  });

  it('missed fires with runOnce', async () => {
    test = await startSchedulingStudio();
    const id = await createAndPublish(scheduledGraph({ cron: '0 9 * * *', missed: 'runOnce' }));
    const data = { graphId: id, version: 1, cron: '0 9 * * *', timezone: 'UTC', missed: 'runOnce' as const, scheduledAt: '2025-06-02T09:00:00.000Z' };
    const result = await schedulerAt(new Date('2025-06-05T10:30:00Z')).fire(data);
    expect(result.missed).toBe(4);
    expect(result.runId).toBe(cronRunId(id, new Date('2025-06-05T09:00:00Z')));
    expect(result.next?.toISOString()).toBe('2025-06-06T09:00:00.000Z');
    const runs = await test.storage.runs.list({ graphId: id });
    expect(runs).toHaveLength(1);
    expect(runs[0].input).toEqual({ scheduledAt: '2025-06-05T09:00:00.000Z', firedAt: '2025-06-05T10:30:00.000Z' });
  });

  it('fires every second', async () => {
    test = await startSchedulingStudio();
    const id = await createAndPublish(scheduledGraph({ cron: '* * * * * *' }));
    await test.scheduling.start(test.studio.ctx);
    await waitUntil(async () => (await test!.storage.runs.list({ graphId: id, status: ['succeeded'] })).length >= 2, 10_000, 'two cron runs');

    const runs = await test.storage.runs.list({ graphId: id });
    const scheduled = runs.map((run) => (run.input as { scheduledAt: string }).scheduledAt);
    expect(new Set(scheduled).size).toBe(scheduled.length);
    for (const run of runs) {
      expect(run.trigger).toBe('cron');
      const { scheduledAt, firedAt } = run.input as { scheduledAt: string; firedAt: string };
      expect(scheduledAt).toMatch(/\.000Z$/);
      // A generous bound: the fire happens within seconds of its time even on a busy machine.
      expect(Date.parse(firedAt) - Date.parse(scheduledAt)).toBeLessThan(5_000);
      expect(Date.parse(firedAt)).toBeGreaterThanOrEqual(Date.parse(scheduledAt));
    }
    const [job] = await cronJobs(test.scheduling);
    expect(Date.parse(job.data.scheduledAt)).toBeGreaterThan(Math.max(...scheduled.map((at) => Date.parse(at))) - 1);
  });
});
