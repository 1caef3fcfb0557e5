/** Routes behind the builder's dashboard, run history, templates and webhook listener. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGraph, expectError, publishGraph, request, startRun } from './support/http.js';
import { buildChain, registerTestUser, startTestStudio, waitForRun, type TestStudio } from './support/studio.js';

let test: TestStudio;

beforeEach(async () => {
  test = await startTestStudio();
});

afterEach(async () => {
  await test.close();
});

/** Stores a finished run of `graphId` directly, at a chosen instant and with a chosen trigger. */
async function storeRun(graphId: string, fields: { id: string; createdAt: string; status?: 'succeeded' | 'failed'; trigger?: 'manual' | 'cron' }) {
  await test.storage.runs.create({
    id: fields.id,
    graphId,
    ownerId: test.user!.id,
    graphVersion: 1,
    status: fields.status ?? 'succeeded',
    trigger: fields.trigger ?? 'manual',
    input: null,
    output: null,
    error: null,
    response: null,
    deliveryId: null,
    createdAt: fields.createdAt,
    updatedAt: fields.createdAt,
    startedAt: fields.createdAt,
    finishedAt: fields.createdAt,
  });
}

function daysAgo(days: number): string {
  return new Date(Date.now() - days * 24 * 60 * 60 * 1000).toISOString();
}

describe('GET /v1/stats/daily', () => {
  it('counts runs per day with every day listed', async () => {
    const graphId = await createGraph(test, buildChain(1));
    await storeRun(graphId, { id: 'run_today_ok', createdAt: daysAgo(0) });
    await storeRun(graphId, { id: 'run_today_bad', createdAt: daysAgo(0), status: 'failed' });
    await storeRun(graphId, { id: 'run_old', createdAt: daysAgo(3) });
    await storeRun(graphId, { id: 'run_outside', createdAt: daysAgo(40) });

    const reply = await request(test, { method: 'GET', url: '/v1/stats/daily?days=7' });

    expect(reply.status).toBe(200);
    const items = reply.body.items as { day: string; runs: number; succeeded: number; failed: number; credits: number }[];
    expect(items).toHaveLength(7);
    expect(items[6].day).toBe(daysAgo(0).slice(0, 10));
    expect(items[6]).toMatchObject({ runs: 2, succeeded: 1, failed: 1 });
    expect(items.find((item) => item.day === daysAgo(3).slice(0, 10))).toMatchObject({ runs: 1, succeeded: 1 });
    expect(items.reduce((sum, item) => sum + item.runs, 0)).toBe(3);
  });

  it('shows only the caller', async () => {
    const graphId = await createGraph(test, buildChain(1));
    await storeRun(graphId, { id: 'run_mine', createdAt: daysAgo(0) });
    const other = await registerTestUser(test);

    const reply = await request(test, { method: 'GET', url: '/v1/stats/daily', token: other.accessToken });

    expect(reply.body.items).toHaveLength(30);
    expect(reply.body.items.every((item: { runs: number }) => item.runs === 0)).toBe(true);
  });

  it('rejects days above 366', async () => {
    const reply = await request(test, { method: 'GET', url: '/v1/stats/daily?days=400' });

    expectError(reply, { status: 400, code: 'REQUEST_INVALID', pointer: '/querystring/days' });
  });
});

describe('GET /v1/runs filters', () => {
  it('filters by trigger and date range', async () => {
    const graphId = await createGraph(test, buildChain(1));
    await storeRun(graphId, { id: 'run_a', createdAt: '2026-01-01T10:00:00.000Z' });
    await storeRun(graphId, { id: 'run_b', createdAt: '2026-01-02T10:00:00.000Z', trigger: 'cron' });
    await storeRun(graphId, { id: 'run_c', createdAt: '2026-01-03T10:00:00.000Z', trigger: 'cron' });
    await storeRun(graphId, { id: 'run_d', createdAt: '2026-01-04T10:00:00.000Z', trigger: 'cron' });

    const reply = await request(test, {
      method: 'GET',
      url: '/v1/runs?trigger=cron&since=2026-01-02T00:00:00Z&until=2026-01-04T00:00:00Z',
    });

    expect(reply.status).toBe(200);
    expect(reply.body.items.map((run: { id: string }) => run.id)).toEqual(['run_c', 'run_b']);
  });

  it('pages with a cursor inside the filters', async () => {
    const graphId = await createGraph(test, buildChain(1));
    for (const [index, id] of ['run_1', 'run_2', 'run_3'].entries()) {
      await storeRun(graphId, { id, createdAt: `2026-02-0${index + 1}T10:00:00.000Z`, status: 'failed' });
    }
    await storeRun(graphId, { id: 'run_ok', createdAt: '2026-02-04T10:00:00.000Z' });

    const first = await request(test, { method: 'GET', url: '/v1/runs?status=failed&limit=2' });
    const second = await request(test, { method: 'GET', url: `/v1/runs?status=failed&limit=2&cursor=${first.body.nextCursor}` });

    expect(first.body.items.map((run: { id: string }) => run.id)).toEqual(['run_3', 'run_2']);
    expect(second.body.items.map((run: { id: string }) => run.id)).toEqual(['run_1']);
    expect(second.body.nextCursor).toBeNull();
  });

  it('rejects an unknown trigger', async () => {
    const reply = await request(test, { method: 'GET', url: '/v1/runs?trigger=email' });

    expectError(reply, { status: 400, code: 'REQUEST_INVALID' });
  });
});

describe('GET /v1/runs/:id?attempts=true', () => {
  it('adds the attempts of each task', async () => {
    const graphId = await createGraph(test, buildChain(2));
    const runId = await startRun(test, graphId, { hello: 'world' });
    await waitForRun(test, runId);

    const plain = await request(test, { method: 'GET', url: `/v1/runs/${runId}` });
    const reply = await request(test, { method: 'GET', url: `/v1/runs/${runId}?attempts=true` });

    expect(plain.body.tasks[0].attemptHistory).toBeUndefined();
    expect(reply.body.tasks).toHaveLength(2);
    for (const task of reply.body.tasks) {
      expect(task.attemptHistory).toHaveLength(1);
      expect(task.attemptHistory[0]).toMatchObject({ attempt: 1, status: 'COMPLETED' });
      expect(typeof task.attemptHistory[0].startedAt).toBe('string');
    }
  });
});

describe('GET /v1/templates', () => {
  it('lists the examples as importable documents', async () => {
    const reply = await request(test, { method: 'GET', url: '/v1/templates' });

    expect(reply.status).toBe(200);
    const template = reply.body.items.find((item: { id: string }) => item.id === 'lead-qualification');
    expect(template.name).toBe('Lead qualification');
    expect(template.nodeCount).toBeGreaterThan(0);
    expect(template.document.format).toBe('gestorlead.graph/v1');

    const created = await request(test, { method: 'POST', url: '/v1/graphs/import', payload: template.document });
    expect(created.status).toBe(201);
    expect(created.body.id).not.toBe('lead-qualification');
  });

  it('requires a signed-in user', async () => {
    const reply = await request(test, { method: 'GET', url: '/v1/templates', token: null });

    expect(reply.status).toBe(401);
  });
});

describe('GET /v1/graphs/:id/deliveries/next', () => {
  it('returns the next test delivery', async () => {
    const url = await test.listen();
    const graphId = await createGraph(test, buildChain(1));
    const waiting = request(test, { method: 'GET', url: `/v1/graphs/${graphId}/deliveries/next?timeoutMs=20000` });
    // The wait starts when the request arrives, so the delivery is sent once it is listening.
    await new Promise((resolve) => setTimeout(resolve, 300));

    const sent = await fetch(`${url}/hooks/${graphId}/test?source=spec`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-sample': 'yes' },
      body: JSON.stringify({ lead: 'Ana' }),
    });
    const reply = await waiting;

    expect(sent.status).toBe(202);
    expect(reply.status).toBe(200);
    expect(reply.body.delivery.method).toBe('POST');
    expect(reply.body.delivery.test).toBe(true);
    expect(reply.body.delivery.headers['x-sample']).toBe('yes');
    expect(JSON.parse(reply.body.delivery.body)).toEqual({ lead: 'Ana' });
    expect(reply.body.delivery.query).toEqual({ source: 'spec' });
    expect(reply.body.listenedUntil).toBe(reply.body.delivery.receivedAt);
  });

  it('returns a delivery sent before the wait began after `after`', async () => {
    const graphId = await createGraph(test, buildChain(1));
    await publishGraph(test, graphId);
    const after = new Date(Date.now() - 1000).toISOString();
    await request(test, { method: 'POST', url: `/hooks/${graphId}/test`, payload: { n: 1 }, token: null });

    const reply = await request(test, { method: 'GET', url: `/v1/graphs/${graphId}/deliveries/next?after=${after}&timeoutMs=0` });

    expect(JSON.parse(reply.body.delivery.body)).toEqual({ n: 1 });
  });

  it('times out with no delivery', async () => {
    const graphId = await createGraph(test, buildChain(1));

    const reply = await request(test, { method: 'GET', url: `/v1/graphs/${graphId}/deliveries/next?timeoutMs=300` });

    expect(reply.status).toBe(200);
    expect(reply.body.delivery).toBeNull();
    expect(Date.parse(reply.body.listenedUntil)).toBeLessThanOrEqual(Date.now());
  });

  it('ignores live deliveries when listening for test ones', async () => {
    const graphId = await createGraph(test, buildChain(1));
    await publishGraph(test, graphId);
    const after = new Date(Date.now() - 1000).toISOString();
    await request(test, { method: 'POST', url: `/hooks/${graphId}`, payload: { live: true }, token: null });

    const reply = await request(test, { method: 'GET', url: `/v1/graphs/${graphId}/deliveries/next?after=${after}&timeoutMs=0` });

    expect(reply.body.delivery).toBeNull();
  });

  it('rejects a timeout above one minute', async () => {
    const graphId = await createGraph(test, buildChain(1));

    const reply = await request(test, { method: 'GET', url: `/v1/graphs/${graphId}/deliveries/next?timeoutMs=600000` });

    expectError(reply, { status: 400, code: 'REQUEST_INVALID', pointer: '/querystring/timeoutMs' });
  });
});

describe('POST /v1/graphs/:id/runs input schema', () => {
  const inputSchema = { type: 'object', required: ['email'], properties: { email: { type: 'string' } } };

  it('rejects input that fails the schema', async () => {
    const graphId = await createGraph(test, { ...buildChain(1), settings: { inputSchema } });

    const reply = await request(test, { method: 'POST', url: `/v1/graphs/${graphId}/runs`, payload: { input: { email: 5 } } });

    expectError(reply, { status: 400, code: 'REQUEST_INVALID', pointer: '/body/input/email', problemMessage: /string/ });
    expect(await test.storage.runs.list({ graphId })).toEqual([]);
  });

  it('starts a run with matching input', async () => {
    const graphId = await createGraph(test, { ...buildChain(1), settings: { inputSchema } });

    const runId = await startRun(test, graphId, { email: 'ana@example.com' });
    const { run } = await waitForRun(test, runId);

    expect(run.status).toBe('succeeded');
  });
});
