import type { GraphDocument } from '@gestorlead/sdk-plugin';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createGraph,
  expectError,
  expectStillServing,
  publishGraph,
  request,
  startRun,
} from './support/http.js';
import {
  buildChain,
  buildEdge,
  buildGraph,
  buildNode,
  startTestStudio,
  waitForRun,
  type TestStudio,
} from './support/studio.js';

let test: TestStudio;

beforeEach(async () => {
  test = await startTestStudio();
});

afterEach(async () => {
  await test.close();
});

function renamed(document: GraphDocument, name: string): GraphDocument {
  return { ...document, name };
}

describe('graph API', () => {
  it('create returns id and version', async () => {
    const reply = await request(test, { method: 'POST', url: '/v1/graphs', payload: buildChain(2) });

    expect(reply.status).toBe(201);
    expect(reply.body.id).toMatch(/^graph_[A-Za-z0-9_-]+$/);
    expect(reply.body.version).toBe(1);
  });

  it('get returns the latest document', async () => {
    const document = buildChain(2);
    const id = await createGraph(test, document);

    const reply = await request(test, { method: 'GET', url: `/v1/graphs/${id}` });

    expect(reply.status).toBe(200);
    expect(reply.body.id).toBe(id);
    expect(reply.body.version).toBe(1);
    expect(reply.body.latestVersion).toBe(1);
    expect(reply.body.publishedVersion).toBeNull();
    expect(reply.body.document.nodes).toEqual(document.nodes);
    expect(reply.body.document.edges).toEqual(document.edges);
  });

  it('list contains created graphs', async () => {
    const first = await createGraph(test, renamed(buildChain(1), 'first'));
    const second = await createGraph(test, renamed(buildChain(1), 'second'));

    const reply = await request(test, { method: 'GET', url: '/v1/graphs' });

    expect(reply.status).toBe(200);
    expect(reply.body.items.map((graph: { id: string }) => graph.id).sort()).toEqual([first, second].sort());
  });

  it('put overwrites an unpublished draft', async () => {
    const id = await createGraph(test, buildChain(1));

    const reply = await request(test, { method: 'PUT', url: `/v1/graphs/${id}`, payload: renamed(buildChain(3), 'edited') });
    const stored = await request(test, { method: 'GET', url: `/v1/graphs/${id}` });

    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ id, version: 1 });
    expect(stored.body.name).toBe('edited');
    expect(stored.body.document.nodes).toHaveLength(3);
  });

  it('delete removes the graph', async () => {
    const id = await createGraph(test, buildChain(1));

    const reply = await request(test, { method: 'DELETE', url: `/v1/graphs/${id}` });
    const after = await request(test, { method: 'GET', url: `/v1/graphs/${id}` });

    expect(reply.status).toBe(204);
    expect(reply.raw.body).toBe('');
    expectError(after, { status: 404, code: 'GRAPH_NOT_FOUND', pointer: '/params/id' });
  });

  it('versions list a new draft', async () => {
    const id = await createGraph(test, buildChain(1));

    const reply = await request(test, { method: 'GET', url: `/v1/graphs/${id}/versions` });

    expect(reply.status).toBe(200);
    expect(reply.body.items).toHaveLength(1);
    expect(reply.body.items[0].version).toBe(1);
    expect(reply.body.items[0].state).toBe('draft');
    expect(reply.body.items[0].publishedAt).toBeNull();
    expect(reply.body.items[0].publishedBy).toBeNull();
  });

  it('publish marks the latest version', async () => {
    const id = await createGraph(test, buildChain(1));

    const reply = await request(test, { method: 'POST', url: `/v1/graphs/${id}/publish` });
    const versions = await request(test, { method: 'GET', url: `/v1/graphs/${id}/versions` });

    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ id, publishedVersion: 1 });
    expect(versions.body.items[0].state).toBe('published');
    expect(typeof versions.body.items[0].publishedAt).toBe('string');
    expect(versions.body.items[0].publishedBy).toEqual({ id: test.user!.id, email: test.user!.email });
  });

  it('put after publish adds a draft', async () => {
    const original = renamed(buildChain(1), 'original');
    const id = await createGraph(test, original);
    await publishGraph(test, id);

    const reply = await request(test, { method: 'PUT', url: `/v1/graphs/${id}`, payload: renamed(buildChain(2), 'edited') });
    const versions = await request(test, { method: 'GET', url: `/v1/graphs/${id}/versions` });
    const published = await request(test, { method: 'GET', url: `/v1/graphs/${id}?version=1` });
    const latest = await request(test, { method: 'GET', url: `/v1/graphs/${id}` });

    expect(reply.status).toBe(200);
    expect(reply.body.version).toBe(2);
    expect(versions.body.items.map((item: { version: number; state: string }) => [item.version, item.state])).toEqual([
      [2, 'draft'],
      [1, 'published'],
    ]);
    expect(published.body.document.name).toBe('original');
    expect(published.body.document.nodes).toEqual(original.nodes);
    expect(latest.body.version).toBe(2);
    expect(latest.body.publishedVersion).toBe(1);
    expect(latest.body.document.name).toBe('edited');
  });

  it('publish accepts an explicit version', async () => {
    const id = await createGraph(test, buildChain(1));
    await publishGraph(test, id);
    await request(test, { method: 'PUT', url: `/v1/graphs/${id}`, payload: buildChain(2) });
    await publishGraph(test, id);

    const reply = await request(test, { method: 'POST', url: `/v1/graphs/${id}/publish`, payload: { version: 1 } });
    const graph = await request(test, { method: 'GET', url: `/v1/graphs/${id}` });

    expect(reply.status).toBe(200);
    expect(reply.body.publishedVersion).toBe(1);
    expect(graph.body.publishedVersion).toBe(1);
    expect(graph.body.latestVersion).toBe(2);
  });

  it('publish of a missing version fails', async () => {
    const id = await createGraph(test, buildChain(1));

    const reply = await request(test, { method: 'POST', url: `/v1/graphs/${id}/publish`, payload: { version: 9 } });

    expectError(reply, {
      status: 404,
      code: 'GRAPH_VERSION_NOT_FOUND',
      message: `graph "${id}" has no version 9`,
      pointer: '/body/version',
    });
  });

  it('get of a missing version fails', async () => {
    const id = await createGraph(test, buildChain(1));

    const reply = await request(test, { method: 'GET', url: `/v1/graphs/${id}?version=4` });

    expectError(reply, {
      status: 404,
      code: 'GRAPH_VERSION_NOT_FOUND',
      message: `graph "${id}" has no version 4`,
      pointer: '/querystring/version',
    });
  });

  it('export and import round trip', async () => {
    const document = buildGraph(
      [buildNode('wait', { type: 'core/delay@1', config: { ms: 1 } }), buildNode('done', { type: 'core/noop@1' })],
      [buildEdge('wait', 'done')],
      { name: 'Lead intake / EU', description: 'exported', settings: { webhook: { mode: 'sync' } } },
    );
    const id = await createGraph(test, document);

    const exported = await test.studio.app.inject({
      method: 'GET',
      url: `/v1/graphs/${id}/export`,
      headers: { authorization: `Bearer ${test.token}` },
    });
    const imported = await request(test, {
      method: 'POST',
      url: '/v1/graphs/import',
      headers: { 'content-type': 'application/json' },
      payload: exported.body,
    });
    const copy = await request(test, { method: 'GET', url: `/v1/graphs/${imported.body.id}` });

    expect(exported.statusCode).toBe(200);
    expect(exported.headers['content-type']).toMatch(/^application\/json/);
    expect(exported.headers['content-disposition']).toBe('attachment; filename="Lead-intake-EU.json"');
    expect(JSON.parse(exported.body).format).toBe('gestorlead.graph/v1');
    expect(imported.status).toBe(201);
    expect(imported.body.id).not.toBe(id);
    expect(imported.body.version).toBe(1);
    expect(copy.body.document.name).toBe(document.name);
    expect(copy.body.document.description).toBe(document.description);
    expect(copy.body.document.settings).toEqual(document.settings);
    expect(copy.body.document.nodes).toEqual(document.nodes);
    expect(copy.body.document.edges).toEqual(document.edges);
  });

  it('import rejects an unknown format', async () => {
    const reply = await request(test, {
      method: 'POST',
      url: '/v1/graphs/import',
      payload: { format: 'other/v9', ...buildChain(1) },
    });

    expectError(reply, { status: 400, code: 'GRAPH_INVALID', pointer: '/format', problemMessage: /unknown format/ });
  });

  it('node types list the built-ins', async () => {
    const reply = await request(test, { method: 'GET', url: '/v1/node-types' });
    const types = new Map<string, { configSchema: unknown; execute?: unknown }>(
      reply.body.items.map((item: { type: string }) => [item.type, item]),
    );

    expect(reply.status).toBe(200);
    for (const type of ['core/condition@1', 'core/merge@1', 'core/delay@1', 'core/respond@1', 'core/noop@1']) {
      expect(types.get(type), type).toBeDefined();
      expect(types.get(type)?.configSchema, type).toMatchObject({ type: 'object' });
    }
    expect(types.get('core/delay@1')?.configSchema).toMatchObject({ required: ['ms'] });
  });
});

describe('run API', () => {
  it('manual run returns a run id', async () => {
    const id = await createGraph(test, buildChain(2));

    const reply = await request(test, {
      method: 'POST',
      url: `/v1/graphs/${id}/runs`,
      payload: { input: { lead: 7 } },
    });
    const { run } = await waitForRun(test, reply.body.runId);

    expect(reply.status).toBe(202);
    expect(reply.body.runId).toMatch(/^run_/);
    expect(run.status).toBe('succeeded');
    expect(run.trigger).toBe('manual');
    expect(run.output).toEqual({ n2: { lead: 7 } });
  });

  it('manual run accepts no body', async () => {
    const id = await createGraph(test, buildChain(1));

    const reply = await request(test, { method: 'POST', url: `/v1/graphs/${id}/runs` });
    const { run } = await waitForRun(test, reply.body.runId);

    expect(reply.status).toBe(202);
    expect(run.status).toBe('succeeded');
    expect(run.input).toBeNull();
  });

  it('manual run uses the requested version', async () => {
    const id = await createGraph(test, buildChain(1));
    await publishGraph(test, id);
    await request(test, { method: 'PUT', url: `/v1/graphs/${id}`, payload: buildChain(3) });

    const reply = await request(test, { method: 'POST', url: `/v1/graphs/${id}/runs`, payload: { input: 1, version: 1 } });
    const { run, tasks } = await waitForRun(test, reply.body.runId);

    expect(reply.status).toBe(202);
    expect(run.graphVersion).toBe(1);
    expect([...tasks.keys()]).toEqual(['n1']);
  });

  it('manual run of a missing version fails', async () => {
    const id = await createGraph(test, buildChain(1));

    const reply = await request(test, { method: 'POST', url: `/v1/graphs/${id}/runs`, payload: { version: 3 } });

    expectError(reply, { status: 404, code: 'GRAPH_VERSION_NOT_FOUND', pointer: '/body/version' });
  });

  it('run list filters by graph and status', async () => {
    const passing = await createGraph(test, buildChain(1));
    const failing = await createGraph(test, buildChain(1, 'test/fail@1'));
    const passed = [await startRun(test, passing), await startRun(test, passing)];
    const failed = await startRun(test, failing);
    for (const runId of [...passed, failed]) await waitForRun(test, runId);

    const byGraph = await request(test, { method: 'GET', url: `/v1/runs?graphId=${passing}` });
    const byStatus = await request(test, { method: 'GET', url: '/v1/runs?status=failed' });
    const byBoth = await request(test, { method: 'GET', url: `/v1/runs?graphId=${failing}&status=succeeded` });
    const byStatuses = await request(test, { method: 'GET', url: '/v1/runs?status=failed&status=succeeded' });

    expect(byGraph.status).toBe(200);
    expect(byGraph.body.items.map((run: { id: string }) => run.id).sort()).toEqual([...passed].sort());
    expect(byStatus.body.items.map((run: { id: string }) => run.id)).toEqual([failed]);
    expect(byBoth.body.items).toEqual([]);
    expect(byStatuses.body.items).toHaveLength(3);
  });

  it('run list pages with cursors', async () => {
    const id = await createGraph(test, buildChain(1));
    const started: string[] = [];
    for (let index = 0; index < 5; index += 1) started.push(await startRun(test, id));
    for (const runId of started) await waitForRun(test, runId);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/v1/runs?graphId=${id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await request(test, { method: 'GET', url });
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((run: { id: string }) => run.id));
      cursor = page.body.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 10);

    expect(seen).toHaveLength(5);
    expect(new Set(seen)).toEqual(new Set(started));
  });

  it('malformed cursor is rejected', async () => {
    const reply = await request(test, { method: 'GET', url: '/v1/runs?cursor=bm90LWpzb24' });

    expectError(reply, { status: 400, code: 'REQUEST_INVALID', pointer: '/querystring/cursor' });
  });

  it('run detail includes tasks', async () => {
    const id = await createGraph(test, buildChain(2));
    const runId = await startRun(test, id, 'x');
    await waitForRun(test, runId);

    const reply = await request(test, { method: 'GET', url: `/v1/runs/${runId}` });

    expect(reply.status).toBe(200);
    expect(reply.body.id).toBe(runId);
    expect(reply.body.status).toBe('succeeded');
    expect(reply.body.tasks.map((task: { nodeId: string }) => task.nodeId).sort()).toEqual(['n1', 'n2']);
    expect(reply.body.tasks.every((task: { status: string }) => task.status === 'COMPLETED')).toBe(true);
  });

  it('task detail includes attempts', async () => {
    const id = await createGraph(test, buildChain(1));
    const runId = await startRun(test, id);
    const { tasks } = await waitForRun(test, runId);

    const reply = await request(test, { method: 'GET', url: `/v1/tasks/${tasks.get('n1')!.id}` });

    expect(reply.status).toBe(200);
    expect(reply.body.nodeId).toBe('n1');
    expect(reply.body.attemptHistory).toHaveLength(1);
    expect(reply.body.attemptHistory[0].status).toBe('COMPLETED');
  });

  it('cancel stops a running run', async () => {
    const id = await createGraph(test, buildGraph([buildNode('wait', { type: 'test/sleep@1', config: { ms: 20_000 } })], []));
    const runId = await startRun(test, id);
    await expect.poll(() => test.probe.count(runId, 'wait'), { timeout: 10_000 }).toBe(1);

    const reply = await request(test, { method: 'POST', url: `/v1/runs/${runId}/cancel` });

    expect(reply.status).toBe(200);
    expect(reply.body.status).toBe('cancelled');
    expect((await waitForRun(test, runId)).run.status).toBe('cancelled');
  });

  it('cancel of a queued run', async () => {
    await test.close();
    test = await startTestStudio({ RUN_CONCURRENCY: '1' });
    const id = await createGraph(test, buildGraph([buildNode('wait', { type: 'test/sleep@1', config: { ms: 20_000 } })], []));
    const running = await startRun(test, id);
    await expect.poll(() => test.probe.count(running, 'wait'), { timeout: 10_000 }).toBe(1);
    const queued = await startRun(test, id);

    const reply = await request(test, { method: 'POST', url: `/v1/runs/${queued}/cancel` });
    await request(test, { method: 'POST', url: `/v1/runs/${running}/cancel` });
    const { run } = await waitForRun(test, queued);

    expect(reply.status).toBe(200);
    expect(reply.body.status).toBe('cancelled');
    expect(run.status).toBe('cancelled');
    expect(test.probe.count(queued, 'wait')).toBe(0);
  });

  it('resume of a cancelled run', async () => {
    const id = await createGraph(test, buildGraph([buildNode('wait', { type: 'test/sleep@1', config: { ms: 500 } })], []));
    const runId = await startRun(test, id);
    await expect.poll(() => test.probe.count(runId, 'wait'), { timeout: 10_000 }).toBe(1);
    await request(test, { method: 'POST', url: `/v1/runs/${runId}/cancel` });

    const reply = await request(test, { method: 'POST', url: `/v1/runs/${runId}/resume` });
    const { run } = await waitForRun(test, runId);

    expect(reply.status).toBe(202);
    expect(run.status).toBe('succeeded');
    expect(test.probe.count(runId, 'wait')).toBe(2);
  });

  it('cancel of a finished run conflicts', async () => {
    const id = await createGraph(test, buildChain(1));
    const runId = await startRun(test, id);
    await waitForRun(test, runId);

    const reply = await request(test, { method: 'POST', url: `/v1/runs/${runId}/cancel` });

    expectError(reply, {
      status: 409,
      code: 'RUN_NOT_CANCELLABLE',
      message: `run "${runId}" is succeeded; only queued or running runs can be cancelled`,
      pointer: '/params/id',
    });
  });

  it('resume of a succeeded run conflicts', async () => {
    const id = await createGraph(test, buildChain(1));
    const runId = await startRun(test, id);
    await waitForRun(test, runId);

    const reply = await request(test, { method: 'POST', url: `/v1/runs/${runId}/resume` });

    expectError(reply, {
      status: 409,
      code: 'RUN_NOT_RESUMABLE',
      message: `run "${runId}" is succeeded; only failed or cancelled runs can be resumed`,
      pointer: '/params/id',
    });
  });

  it('resume recovers a transient failure', async () => {
    const document = buildGraph(
      [buildNode('first'), buildNode('flaky', { type: 'test/fail@1', config: { failTimes: 1 } }), buildNode('last')],
      [buildEdge('first', 'flaky'), buildEdge('flaky', 'last')],
    );
    const id = await createGraph(test, document);
    const runId = await startRun(test, id, 'payload');
    const failed = await waitForRun(test, runId);

    const reply = await request(test, { method: 'POST', url: `/v1/runs/${runId}/resume` });
    const resumed = await waitForRun(test, runId);

    expect(failed.run.status).toBe('failed');
    expect(reply.status).toBe(202);
    expect(reply.body.id).toBe(runId);
    expect(resumed.run.status).toBe('succeeded');
    expect(resumed.run.output).toEqual({ last: 'payload' });
    expect(test.probe.count(runId, 'first')).toBe(1);
    expect(test.probe.count(runId, 'flaky')).toBe(2);
  });

  it('run events are ordered with consecutive seq', async () => {
    const id = await createGraph(test, buildChain(3));
    const runId = await startRun(test, id);
    await waitForRun(test, runId);

    const all = await request(test, { method: 'GET', url: `/v1/runs/${runId}/events` });
    const later = await request(test, { method: 'GET', url: `/v1/runs/${runId}/events?after=2` });
    const seqs = all.body.items.map((event: { seq: number }) => event.seq);

    expect(all.status).toBe(200);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, index) => index + 1));
    expect(all.body.items[0].type).toBe('run.queued');
    expect(all.body.items.at(-1).type).toBe('run.finished');
    expect(all.body.lastSeq).toBe(seqs.length);
    expect(later.body.items).toEqual(all.body.items.slice(2));
  });

  it('task logs contain the log lines', async () => {
    const id = await createGraph(test, buildGraph([buildNode('logger', { type: 'test/log@1', config: { lines: 3 } })], []));
    const runId = await startRun(test, id);
    const { tasks } = await waitForRun(test, runId);

    const reply = await request(test, { method: 'GET', url: `/v1/tasks/${tasks.get('logger')!.id}/logs` });
    const lines = reply.body.items.filter((event: { type: string }) => event.type === 'task.log');

    expect(reply.status).toBe(200);
    expect(lines.map((event: { data: { message: string } }) => event.data.message)).toEqual(['line 1', 'line 2', 'line 3']);
    expect(lines.every((event: { data: { level: string } }) => event.data.level === 'info')).toBe(true);
  });
});

describe('operations API', () => {
  it('health reports storage kind', async () => {
    const reply = await request(test, { method: 'GET', url: '/health' });

    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ status: 'ok', storage: 'sqlite' });
  });

  it('metrics count HTTP requests', async () => {
    await request(test, { method: 'GET', url: '/health' });

    const reply = await test.studio.app.inject({ method: 'GET', url: '/metrics' });

    expect(reply.statusCode).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^text\/plain/);
    expect(reply.body).toMatch(/^http_requests_total\{method="GET",route="\/health",status="200"\} 1$/m);
  });

  it('OpenAPI document describes error replies', async () => {
    const reply = await request(test, { method: 'GET', url: '/docs/json' });
    const create = reply.body.paths['/v1/graphs'].post.responses;
    const webhook = reply.body.paths['/hooks/{graphId}'].post.responses;

    expect(Object.keys(create)).toEqual(expect.arrayContaining(['201', '4XX', '5XX']));
    expect(create['4XX'].content['application/json'].schema.required).toEqual(['statusCode', 'code', 'message', 'errors']);
    expect(webhook['4XX']).toBeUndefined();
  });

  it('OpenAPI document lists the routes', async () => {
    const reply = await request(test, { method: 'GET', url: '/docs/json' });

    expect(reply.status).toBe(200);
    expect(reply.body.openapi).toMatch(/^3\./);
    for (const path of [
      '/v1/graphs',
      '/v1/graphs/{id}',
      '/v1/graphs/{id}/publish',
      '/v1/graphs/{id}/runs',
      '/v1/runs/{id}/events',
      '/v1/tasks/{id}/logs',
      '/hooks/{graphId}',
      '/health',
    ]) {
      expect(reply.body.paths[path], path).toBeDefined();
    }
    expect(reply.body.paths['/v1/graphs'].post).toBeDefined();
  });
});

describe('invalid graph documents', () => {
  const delay = (config: Record<string, unknown>) => buildNode('wait', { type: 'core/delay@1', config });
  const cases: Array<{ name: string; document: unknown; pointer: string; code: string; message: RegExp }> = [
    {
      name: 'duplicate node id',
      document: buildGraph([buildNode('a'), buildNode('a')], []),
      pointer: '/nodes/1/id',
      code: 'GRAPH_DUPLICATE_ID',
      message: /duplicate node id "a"/,
    },
    {
      name: 'dangling edge',
      document: buildGraph([buildNode('a')], [buildEdge('a', 'ghost')]),
      pointer: '/edges/0/target',
      code: 'GRAPH_DANGLING_EDGE',
      message: /target node "ghost" not found/,
    },
    {
      name: 'unknown node type',
      document: buildGraph([buildNode('a', { type: 'acme/missing@1' })], []),
      pointer: '/nodes/0/type',
      code: 'GRAPH_UNKNOWN_NODE_TYPE',
      message: /unknown node type "acme\/missing@1"/,
    },
    {
      name: 'cycle',
      document: buildGraph([buildNode('a'), buildNode('b')], [buildEdge('a', 'b'), buildEdge('b', 'a')]),
      pointer: '/edges/1',
      code: 'GRAPH_CYCLE',
      message: /cycle/,
    },
    {
      name: 'delay config invalid',
      document: buildGraph([delay({ ms: -5 })], []),
      pointer: '/nodes/0/config/ms',
      code: 'GRAPH_CONFIG_INVALID',
      message: /at least 0/,
    },
    {
      name: 'missing name',
      document: { nodes: [], edges: [] },
      pointer: '/name',
      code: 'GRAPH_SCHEMA',
      message: /is required/,
    },
  ];

  for (const { name, document, pointer, code, message } of cases) {
    it(`create rejects ${name}`, async () => {
      const reply = await request(test, { method: 'POST', url: '/v1/graphs', payload: document as object });
      const problem = reply.body.errors.find((entry: { pointer: string }) => entry.pointer === pointer);

      expectError(reply, { status: 400, code: 'GRAPH_INVALID', pointer, message: /^graph document has \d+ problem/ });
      expect(problem.code).toBe(code);
      expect(problem.message).toMatch(message);
      expect(await test.storage.graphs.count()).toBe(0);
      await expectStillServing(test);
    });
  }

  it('put rejects an invalid document', async () => {
    const id = await createGraph(test, buildChain(1));

    const reply = await request(test, {
      method: 'PUT',
      url: `/v1/graphs/${id}`,
      payload: buildGraph([buildNode('a'), buildNode('a')], []),
    });
    const stored = await request(test, { method: 'GET', url: `/v1/graphs/${id}` });

    expectError(reply, { status: 400, code: 'GRAPH_INVALID', pointer: '/nodes/1/id' });
    expect(stored.body.document.nodes).toHaveLength(1);
  });

  it('create reports every problem', async () => {
    const document = buildGraph([buildNode('a'), buildNode('a'), delay({})], [buildEdge('a', 'ghost')]);

    const reply = await request(test, { method: 'POST', url: '/v1/graphs', payload: document });
    const pointers = reply.body.errors.map((problem: { pointer: string }) => problem.pointer);

    expect(reply.status).toBe(400);
    expect(pointers).toContain('/nodes/1/id');
    expect(pointers).toContain('/edges/0/target');
    expect(pointers).toContain('/nodes/2/config/ms');
    expect(reply.body.message).toBe(`graph document has ${pointers.length} problem(s); first: ${pointers[0]} ${reply.body.errors[0].message}`);
  });
});

describe('malformed requests', () => {
  it('malformed JSON body is rejected', async () => {
    const reply = await request(test, {
      method: 'POST',
      url: '/v1/graphs',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": "broken",',
    });

    expectError(reply, {
      status: 400,
      code: 'REQUEST_INVALID',
      message: /^body is not valid JSON/,
      pointer: '/body',
      problemMessage: 'is not valid JSON',
    });
    await expectStillServing(test);
  });

  it('empty JSON body is rejected', async () => {
    const reply = await request(test, {
      method: 'POST',
      url: '/v1/graphs',
      headers: { 'content-type': 'application/json' },
      payload: '',
    });

    expectError(reply, { status: 400, code: 'REQUEST_INVALID', pointer: '/body', problemMessage: 'must not be empty' });
  });

  it('JSON array body is rejected', async () => {
    const reply = await request(test, { method: 'POST', url: '/v1/graphs', payload: [] as unknown as object });

    expectError(reply, { status: 400, code: 'REQUEST_INVALID', pointer: '/body', problemMessage: 'must be object' });
  });

  for (const contentType of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded']) {
    it(`content type ${contentType} is rejected`, async () => {
      const reply = await request(test, {
        method: 'POST',
        url: '/v1/graphs',
        headers: { 'content-type': contentType },
        payload: JSON.stringify(buildChain(1)),
      });

      expectError(reply, {
        status: 415,
        code: 'REQUEST_UNSUPPORTED_MEDIA_TYPE',
        message: 'send the body as application/json',
        pointer: '/headers/content-type',
        problemMessage: 'must be application/json',
      });
      expect(await test.storage.graphs.count()).toBe(0);
      await expectStillServing(test);
    });
  }

  it('unknown body property is rejected', async () => {
    const id = await createGraph(test, buildChain(1));

    const reply = await request(test, { method: 'POST', url: `/v1/graphs/${id}/runs`, payload: { inputs: 1 } });

    expectError(reply, { status: 400, code: 'REQUEST_INVALID', pointer: '/body/inputs', problemMessage: 'is not allowed' });
  });

  it('limit of zero is rejected', async () => {
    const reply = await request(test, { method: 'GET', url: '/v1/runs?limit=0' });

    expectError(reply, {
      status: 400,
      code: 'REQUEST_INVALID',
      message: 'request is invalid: /querystring/limit must be >= 1',
      pointer: '/querystring/limit',
      problemMessage: 'must be >= 1',
    });
    await expectStillServing(test);
  });

  it('unknown run status is rejected', async () => {
    const reply = await request(test, { method: 'GET', url: '/v1/runs?status=lost' });

    expect(reply.status).toBe(400);
    expect(reply.body.code).toBe('REQUEST_INVALID');
    expect(reply.body.errors.map((problem: { pointer: string }) => problem.pointer)).toContain('/querystring/status');
  });

  it('unknown query parameter is rejected', async () => {
    const reply = await request(test, { method: 'GET', url: '/v1/graphs?page=2' });

    expectError(reply, { status: 400, code: 'REQUEST_INVALID', pointer: '/querystring/page', problemMessage: 'is not allowed' });
  });

  it('events after a negative seq is rejected', async () => {
    const id = await createGraph(test, buildChain(1));
    const runId = await startRun(test, id);

    const reply = await request(test, { method: 'GET', url: `/v1/runs/${runId}/events?after=-1` });

    expectError(reply, { status: 400, code: 'REQUEST_INVALID', pointer: '/querystring/after' });
  });

  it('unknown route returns 404', async () => {
    const reply = await request(test, { method: 'GET', url: '/v1/nothing-here?x=1' });

    expectError(reply, {
      status: 404,
      code: 'ROUTE_NOT_FOUND',
      message: 'no route for GET /v1/nothing-here',
      pointer: '/url',
      problemMessage: 'matches no route',
    });
  });

  it('malformed percent encoding is rejected', async () => {
    const reply = await request(test, { method: 'GET', url: '/v1/graphs/%E0%A4%A' });

    expectError(reply, { status: 400, code: 'REQUEST_INVALID', pointer: '/url', problemMessage: 'is not a valid URL' });
    await expectStillServing(test);
  });

  it('overlong path parameter is rejected', async () => {
    const reply = await request(test, { method: 'GET', url: `/v1/runs/${'a'.repeat(150)}/events` });

    expectError(reply, { status: 400, code: 'REQUEST_INVALID', pointer: '/url', problemMessage: /longer than 100 characters/ });
    await expectStillServing(test);
  });

  it('unknown method returns 404', async () => {
    const reply = await request(test, { method: 'PATCH', url: '/v1/graphs' });

    expectError(reply, { status: 404, code: 'ROUTE_NOT_FOUND', pointer: '/url' });
  });

  const unknownIds: Array<{ method: 'GET' | 'POST' | 'PUT' | 'DELETE'; url: string; code: string; payload?: object }> = [
    { method: 'GET', url: '/v1/graphs/graph_missing', code: 'GRAPH_NOT_FOUND' },
    { method: 'PUT', url: '/v1/graphs/graph_missing', code: 'GRAPH_NOT_FOUND', payload: buildChain(1) },
    { method: 'DELETE', url: '/v1/graphs/graph_missing', code: 'GRAPH_NOT_FOUND' },
    { method: 'GET', url: '/v1/graphs/graph_missing/versions', code: 'GRAPH_NOT_FOUND' },
    { method: 'POST', url: '/v1/graphs/graph_missing/publish', code: 'GRAPH_NOT_FOUND' },
    { method: 'GET', url: '/v1/graphs/graph_missing/export', code: 'GRAPH_NOT_FOUND' },
    { method: 'POST', url: '/v1/graphs/graph_missing/runs', code: 'GRAPH_NOT_FOUND', payload: {} },
    { method: 'GET', url: '/v1/runs/run_missing', code: 'RUN_NOT_FOUND' },
    { method: 'POST', url: '/v1/runs/run_missing/cancel', code: 'RUN_NOT_FOUND' },
    { method: 'POST', url: '/v1/runs/run_missing/resume', code: 'RUN_NOT_FOUND' },
    { method: 'GET', url: '/v1/runs/run_missing/events', code: 'RUN_NOT_FOUND' },
    { method: 'GET', url: '/v1/tasks/task_missing', code: 'TASK_NOT_FOUND' },
    { method: 'GET', url: '/v1/tasks/task_missing/logs', code: 'TASK_NOT_FOUND' },
  ];
  for (const { method, url, code, payload } of unknownIds) {
    it(`${method} ${url} returns ${code}`, async () => {
      const reply = await request(test, { method, url, payload });

      expectError(reply, { status: 404, code, pointer: '/params/id', message: /"(graph|run|task)_missing" does not exist/ });
    });
  }

  for (const url of ['/v1/graphs/bad%20id', '/v1/runs/run.1', '/v1/tasks/%E2%9C%93', `/v1/graphs/${'a'.repeat(65)}`]) {
    it(`id in ${url} is rejected`, async () => {
      const reply = await request(test, { method: 'GET', url });

      expectError(reply, { status: 400, code: 'REQUEST_INVALID', pointer: '/params/id', message: /^request is invalid: \/params\/id/ });
      await expectStillServing(test);
    });
  }
});

describe('API body limit', () => {
  it('body over the limit returns 413', async () => {
    await test.close();
    test = await startTestStudio({ API_BODY_LIMIT_BYTES: '2048' });
    const document = buildGraph([buildNode('big', { config: { value: 'x'.repeat(4096) } })], []);

    const reply = await request(test, { method: 'POST', url: '/v1/graphs', payload: document });

    expectError(reply, {
      status: 413,
      code: 'REQUEST_BODY_TOO_LARGE',
      message: 'request body is larger than the configured limit',
      pointer: '/body',
    });
    expect(await test.storage.graphs.count()).toBe(0);
    await expectStillServing(test);
  });
});
