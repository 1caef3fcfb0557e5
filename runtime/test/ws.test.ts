import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGraph, expectError, request, startRun } from './support/http.js';
import { buildChain, buildEdge, buildGraph, buildNode, startTestStudio, waitForRun, type TestStudio } from './support/studio.js';
import { MAX_SUBSCRIPTIONS } from '../src/routes/ws.js';
import { TestWsClient, type ServerMessage } from './support/ws-client.js';

let test: TestStudio;
let url: string;
const clients: TestWsClient[] = [];

beforeEach(async () => {
  test = await startTestStudio();
  url = await test.listen();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await test.close();
});

async function connect(): Promise<TestWsClient> {
  const client = await TestWsClient.connect(url, { token: test.token });
  clients.push(client);
  return client;
}

/** Fetches the stored events of a run through `GET /v1/runs/:id/events`. */
async function storedEvents(runId: string): Promise<Array<Record<string, unknown>>> {
  const reply = await request(test, { method: 'GET', url: `/v1/runs/${runId}/events?limit=5000` });
  return reply.body.items;
}

/** Removes `graphId`, which only live events carry, so a live event equals its stored record. */
function withoutGraphId(event: Record<string, unknown>): Record<string, unknown> {
  const { graphId: _graphId, ...rest } = event;
  return rest;
}

function consecutive(count: number, first = 1): number[] {
  return Array.from({ length: count }, (_, index) => first + index);
}

const isSubscribed = (message: ServerMessage): boolean => message.type === 'subscribed';
const isError = (message: ServerMessage): message is Extract<ServerMessage, { type: 'error' }> => message.type === 'error';

/** Builds log(3 lines) → pause → log(3 lines) → pause → echo, so a run emits events for a while. */
function slowLoggingGraph(pauseMs: number) {
  const nodes = [
    buildNode('log1', { type: 'test/log@1', config: { lines: 3 } }),
    buildNode('pause1', { type: 'test/sleep@1', config: { ms: pauseMs } }),
    buildNode('log2', { type: 'test/log@1', config: { lines: 3 } }),
    buildNode('pause2', { type: 'test/sleep@1', config: { ms: pauseMs } }),
    buildNode('last'),
  ];
  return buildGraph(nodes, nodes.slice(1).map((node, index) => buildEdge(nodes[index].id, node.id)));
}

describe('run subscription', () => {
  it('events arrive in order', async () => {
    const graphId = await createGraph(test, slowLoggingGraph(50));
    const client = await connect();
    const runId = await startRun(test, graphId);

    client.send({ type: 'subscribe', runId });
    await client.waitForFinish(runId);
    const events = client.events(runId);

    expect(events.map((event) => event.seq)).toEqual(consecutive(events.length));
    expect(events[0].type).toBe('run.queued');
    expect(events.at(-1)?.type).toBe('run.finished');
    expect(events.every((event) => event.graphId === graphId)).toBe(true);
    expect(events.map(withoutGraphId)).toEqual(await storedEvents(runId));
  });

  it('subscribed message reports progress', async () => {
    const graphId = await createGraph(test, buildChain(2));
    const runId = await startRun(test, graphId);
    await waitForRun(test, runId);
    const client = await connect();

    client.send({ type: 'subscribe', runId });
    const subscribed = await client.waitFor(isSubscribed);
    const stored = await storedEvents(runId);

    expect(subscribed).toEqual({ type: 'subscribed', runId, lastSeq: stored.length, status: 'succeeded' });
    expect(client.events(runId).map(withoutGraphId)).toEqual(stored);
  });

  it('after skips earlier events', async () => {
    const graphId = await createGraph(test, buildChain(2));
    const runId = await startRun(test, graphId);
    await waitForRun(test, runId);
    const client = await connect();

    client.send({ type: 'subscribe', runId, after: 3 });
    await client.waitFor(isSubscribed);
    const seqs = client.events(runId).map((event) => event.seq);
    const stored = await storedEvents(runId);

    expect(seqs).toEqual(consecutive(stored.length - 3, 4));
  });

  it('replay and live join without gaps', async () => {
    const graphId = await createGraph(test, buildGraph([buildNode('logger', { type: 'test/log@1', config: { lines: 200 } })], []));
    const client = await connect();

    const runIds: string[] = [];
    for (let index = 0; index < 10; index += 1) {
      const runId = await startRun(test, graphId);
      runIds.push(runId);
      client.send({ type: 'subscribe', runId });
    }
    for (const runId of runIds) await client.waitForFinish(runId);

    for (const runId of runIds) {
      const seqs = client.events(runId).map((event) => event.seq);
      const stored = await storedEvents(runId);
      expect(seqs, runId).toEqual(consecutive(stored.length));
      expect(stored.length, runId).toBeGreaterThan(200);
    }
  });

  it('reconnect with after resumes exactly', async () => {
    const graphId = await createGraph(test, slowLoggingGraph(300));
    const first = await connect();
    const runId = await startRun(test, graphId);

    first.send({ type: 'subscribe', runId });
    await first.waitFor((message) => message.type === 'event' && message.event.nodeId === 'log1' && message.event.type === 'task.completed');
    await first.close();
    const seen = first.events(runId);
    const lastSeq = seen.at(-1)!.seq;
    await new Promise((resolve) => setTimeout(resolve, 150));
    const second = await connect();
    second.send({ type: 'subscribe', runId, after: lastSeq });
    await second.waitForFinish(runId);
    const rest = second.events(runId);
    const stored = await storedEvents(runId);

    expect(rest[0].seq).toBe(lastSeq + 1);
    expect([...seen, ...rest].map((event) => event.seq)).toEqual(consecutive(stored.length));
    expect([...seen, ...rest].map(withoutGraphId)).toEqual(stored);
  });

  it('unsubscribe stops run events', async () => {
    const graphId = await createGraph(test, slowLoggingGraph(200));
    const client = await connect();
    const runId = await startRun(test, graphId);

    client.send({ type: 'subscribe', runId });
    await client.waitFor(isSubscribed);
    client.send({ type: 'unsubscribe', runId });
    client.send({ type: 'ping' });
    await client.waitFor((message) => message.type === 'pong');
    const countAtUnsubscribe = client.events(runId).length;
    await waitForRun(test, runId);
    client.send({ type: 'ping' });
    await expect.poll(() => client.messages.filter((message) => message.type === 'pong').length).toBe(2);

    expect(client.events(runId)).toHaveLength(countAtUnsubscribe);
    expect(client.events(runId).some((event) => event.type === 'run.finished')).toBe(false);
  });

  it('resubscribe replaces the running replay', async () => {
    const graphId = await createGraph(test, buildGraph([buildNode('logger', { type: 'test/log@1', config: { lines: 50 } })], []));
    const runId = await startRun(test, graphId);
    await waitForRun(test, runId);
    const client = await connect();

    // Both frames leave in one TCP write, so the second subscribe arrives while the first replays.
    client.rawSocket.cork();
    client.send({ type: 'subscribe', runId });
    client.send({ type: 'subscribe', runId, after: 10 });
    client.rawSocket.uncork();
    await client.waitFor(isSubscribed);
    client.send({ type: 'ping' });
    await client.waitFor((message) => message.type === 'pong');
    const stored = await storedEvents(runId);

    expect(client.messages.filter(isSubscribed)).toHaveLength(1);
    expect(client.events(runId).map((event) => event.seq)).toEqual(consecutive(stored.length - 10, 11));
  });
});

describe('graph subscription', () => {
  it('receives live events of new runs', async () => {
    const graphId = await createGraph(test, buildChain(2));
    const otherGraphId = await createGraph(test, buildChain(1));
    const client = await connect();

    client.send({ type: 'subscribe', graphId });
    expect(await client.waitFor(isSubscribed)).toEqual({ type: 'subscribed', graphId });
    const runIds = [await startRun(test, graphId), await startRun(test, graphId)];
    const otherRunId = await startRun(test, otherGraphId);
    for (const runId of runIds) await client.waitForFinish(runId);
    await waitForRun(test, otherRunId);

    for (const runId of runIds) {
      const events = client.events(runId);
      expect(events.map((event) => event.seq), runId).toEqual(consecutive(events.length));
      expect(events.map(withoutGraphId), runId).toEqual(await storedEvents(runId));
    }
    expect(client.events(otherRunId)).toEqual([]);
  });
});

describe('invalid messages', () => {
  const cases: Array<{ name: string; message: unknown; code: string; pointer: string; text: string | RegExp }> = [
    { name: 'text that is not JSON', message: 'subscribe please', code: 'REQUEST_INVALID', pointer: '', text: 'message is not valid JSON' },
    { name: 'JSON that is not an object', message: '42', code: 'REQUEST_INVALID', pointer: '/type', text: /^type must be one of/ },
    { name: 'unknown type', message: { type: 'dance' }, code: 'REQUEST_INVALID', pointer: '/type', text: 'type must be one of: subscribe, unsubscribe, ping' },
    { name: 'numeric runId', message: { type: 'subscribe', runId: 42 }, code: 'REQUEST_INVALID', pointer: '/runId', text: 'runId must be a run id' },
    { name: 'runId with spaces', message: { type: 'subscribe', runId: 'run 1' }, code: 'REQUEST_INVALID', pointer: '/runId', text: 'runId must be a run id' },
    { name: 'graphId with slash', message: { type: 'subscribe', graphId: 'a/b' }, code: 'REQUEST_INVALID', pointer: '/graphId', text: 'graphId must be a graph id' },
    { name: 'no id', message: { type: 'subscribe' }, code: 'REQUEST_INVALID', pointer: '/runId', text: 'give runId or graphId' },
    { name: 'negative after', message: { type: 'subscribe', runId: 'run_x', after: -1 }, code: 'REQUEST_INVALID', pointer: '/after', text: /^after must be a non-negative integer/ },
    { name: 'fractional after', message: { type: 'subscribe', runId: 'run_x', after: 1.5 }, code: 'REQUEST_INVALID', pointer: '/after', text: /^after must be a non-negative integer/ },
    { name: 'string after', message: { type: 'subscribe', runId: 'run_x', after: '3' }, code: 'REQUEST_INVALID', pointer: '/after', text: /^after must be a non-negative integer/ },
    { name: 'unknown run', message: { type: 'subscribe', runId: 'run_missing' }, code: 'RUN_NOT_FOUND', pointer: '/runId', text: 'run "run_missing" does not exist' },
    { name: 'both ids', message: { type: 'subscribe', runId: 'run_x', graphId: 'graph_x' }, code: 'REQUEST_INVALID', pointer: '/graphId', text: 'give either runId or graphId, not both' },
    { name: 'unsafe after', message: { type: 'subscribe', runId: 'run_x', after: 2 ** 60 }, code: 'REQUEST_INVALID', pointer: '/after', text: /^after must be a non-negative integer/ },
  ];

  for (const { name, message, code, pointer, text } of cases) {
    it(`${name} gets an error`, async () => {
      const client = await connect();

      client.send(message);
      const error = await client.waitFor(isError);
      client.send({ type: 'ping' });
      const pong = await client.waitFor((reply) => reply.type === 'pong');

      expect(error.code).toBe(code);
      expect(error.pointer).toBe(pointer);
      expect(error.message).toMatch(text);
      expect(pong).toEqual({ type: 'pong' });
    });
  }

  it('unsubscribe is acknowledged', async () => {
    const graphId = await createGraph(test, buildChain(1));
    const client = await connect();

    client.send({ type: 'subscribe', graphId });
    await client.waitFor(isSubscribed);
    client.send({ type: 'unsubscribe', graphId });
    const first = await client.waitFor((message) => message.type === 'unsubscribed');
    client.send({ type: 'unsubscribe', graphId });
    await client.waitFor((message) => message.type === 'unsubscribed' && message !== first);

    const acknowledgements = client.messages.filter((message) => message.type === 'unsubscribed');
    expect(acknowledgements).toEqual([
      { type: 'unsubscribed', graphId, existed: true },
      { type: 'unsubscribed', graphId, existed: false },
    ]);
  });

  it('subscriptions per connection are capped', async () => {
    // Only the user's own graphs can be subscribed, so the studio stores one per subscription.
    for (let index = 0; index <= MAX_SUBSCRIPTIONS; index += 1) {
      await test.storage.graphs.create(`graph_${index}`, { ...buildChain(1), id: `graph_${index}` }, { ownerId: test.user!.id });
    }
    const client = await connect();

    for (let index = 0; index < MAX_SUBSCRIPTIONS; index += 1) client.send({ type: 'subscribe', graphId: `graph_${index}` });
    await client.waitFor(() => client.messages.filter(isSubscribed).length === MAX_SUBSCRIPTIONS);
    client.send({ type: 'subscribe', graphId: `graph_${MAX_SUBSCRIPTIONS}` });
    const error = await client.waitFor(isError);

    expect(error.code).toBe('REQUEST_INVALID');
    expect(error.message).toBe(`a connection may hold at most ${MAX_SUBSCRIPTIONS} subscriptions; unsubscribe first`);
    expect(client.messages.filter(isSubscribed)).toHaveLength(MAX_SUBSCRIPTIONS);
  });

  it('errors leave subscriptions working', async () => {
    const graphId = await createGraph(test, buildChain(1));
    const client = await connect();

    client.send('{oops');
    client.send({ type: 'subscribe', graphId });
    await client.waitFor(isSubscribed);
    const runId = await startRun(test, graphId);
    await client.waitForFinish(runId);

    expect(client.messages.filter(isError)).toHaveLength(1);
    expect(client.events(runId).at(-1)?.type).toBe('run.finished');
  });
});

describe('plain HTTP', () => {
  it('request without upgrade gets 404', async () => {
    const reply = await request(test, { method: 'GET', url: '/v1/ws' });

    expectError(reply, {
      status: 404,
      code: 'ROUTE_NOT_FOUND',
      message: /accepts WebSocket connections only/,
      pointer: '/headers/upgrade',
      problemMessage: 'must be websocket',
    });
  });
});

describe('connection accounting', () => {
  it('gauge counts connected clients', async () => {
    const gauge = async (): Promise<string | undefined> => {
      const metrics = await test.studio.app.inject({ method: 'GET', url: '/metrics' });
      return /^websocket_clients (\d+)$/m.exec(metrics.body)?.[1];
    };
    const client = await connect();
    await expect.poll(gauge).toBe('1');

    await client.close();

    await expect.poll(gauge).toBe('0');
  });
});

describe('long replay', () => {
  it('reading client gets every event', async () => {
    const lines = 20_000;
    const graphId = await createGraph(test, buildGraph([buildNode('logger', { type: 'test/log@1', config: { lines } })], []));
    const runId = await startRun(test, graphId);
    await waitForRun(test, runId, 30_000);
    await test.studio.ctx.events.flush();
    const total = await test.storage.events.maxSeq(runId);
    const client = await connect();

    client.send({ type: 'subscribe', runId });
    const subscribed = await client.waitFor(isSubscribed, 30_000);

    expect(subscribed).toMatchObject({ type: 'subscribed', runId, lastSeq: total });
    expect(client.events(runId).map((event) => event.seq)).toEqual(consecutive(total));
    expect(total).toBeGreaterThan(lines);
  });
});

describe('slow client', () => {
  it('paused reader is closed with 1013', async () => {
    await test.close();
    test = await startTestStudio({ WS_MAX_BUFFERED_BYTES: '1024' });
    url = await test.listen();
    const lines = 40_000;
    const graphId = await createGraph(test, buildGraph([buildNode('logger', { type: 'test/log@1', config: { lines } })], []));
    const client = await connect();
    client.send({ type: 'subscribe', graphId });
    await client.waitFor(isSubscribed);

    client.rawSocket.pause();
    const runId = await startRun(test, graphId);
    const { run } = await waitForRun(test, runId, 30_000);
    const serverSockets = [...test.studio.app.websocketServer.clients];
    const subscribers = test.studio.app.websocketServer.clients.size;
    client.rawSocket.resume();
    const closed = await client.closed;

    expect(run.status).toBe('succeeded');
    expect(closed.code).toBe(1013);
    expect(closed.reason).toMatch(/too slow/);
    expect(subscribers).toBe(1);
    // The studio stops sending once the buffer passes the limit: at most one more event is held.
    expect(serverSockets[0].bufferedAmount).toBeLessThan(1024 + 2048);
    expect(client.events(runId).length).toBeLessThan(lines / 2);
    expect(client.events(runId).map((event) => event.seq)).toEqual(consecutive(client.events(runId).length));
  });

  it('slow client resumes after reconnect', async () => {
    await test.close();
    test = await startTestStudio({ WS_MAX_BUFFERED_BYTES: '1024' });
    url = await test.listen();
    const graphId = await createGraph(test, buildGraph([buildNode('logger', { type: 'test/log@1', config: { lines: 40_000 } })], []));
    const slow = await connect();
    slow.send({ type: 'subscribe', graphId });
    await slow.waitFor(isSubscribed);

    slow.rawSocket.pause();
    const runId = await startRun(test, graphId);
    await waitForRun(test, runId, 30_000);
    slow.rawSocket.resume();
    const closed = await slow.closed;
    const seen = slow.events(runId);
    const fresh = await connect();
    fresh.send({ type: 'subscribe', runId, after: seen.at(-1)?.seq ?? 0 });
    await fresh.waitFor(isSubscribed, 30_000);
    await test.studio.ctx.events.flush();
    const total = await test.storage.events.maxSeq(runId);

    expect(closed.code).toBe(1013);
    expect(seen.length).toBeLessThan(total);
    expect([...seen, ...fresh.events(runId)].map((event) => event.seq)).toEqual(consecutive(total));
  });
});
