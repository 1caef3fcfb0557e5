import http from 'node:http';
import type { GraphDocument, GraphNode, WebhookSettings } from '@gestorlead/sdk-plugin';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signWebhook } from '../src/webhooks/verify.js';
import { createGraph, expectError, expectStillServing, publishGraph, request } from './support/http.js';
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

/** Restarts the studio of the current test with configuration overrides. */
async function restartWith(env: Record<string, string>): Promise<void> {
  await test.close();
  test = await startTestStudio(env);
}

function withWebhook(document: GraphDocument, webhook: WebhookSettings): GraphDocument {
  return { ...document, settings: { ...document.settings, webhook } };
}

/** Creates and publishes a graph whose single echo node outputs the webhook input. */
async function publishedEcho(webhook: WebhookSettings = {}): Promise<string> {
  const id = await createGraph(test, withWebhook(buildChain(1), webhook));
  await publishGraph(test, id);
  return id;
}

/** Builds a sync graph: echo `n1`, the `middle` nodes, then `core/respond@1` as `reply`. */
function syncGraph(respond: Record<string, unknown>, middle: GraphNode[] = [], syncTimeoutMs?: number): GraphDocument {
  const nodes = [buildNode('n1'), ...middle, buildNode('reply', { type: 'core/respond@1', config: respond })];
  const edges = nodes.slice(1).map((node, index) => buildEdge(nodes[index].id, node.id));
  return withWebhook(buildGraph(nodes, edges), { mode: 'sync', ...(syncTimeoutMs ? { syncTimeoutMs } : {}) });
}

async function publish(document: GraphDocument): Promise<string> {
  const id = await createGraph(test, document);
  await publishGraph(test, id);
  return id;
}

async function runCount(graphId: string): Promise<number> {
  return (await test.storage.runs.list({ graphId, limit: 500 })).length;
}

/** Returns the value the entry node `n1` received as `input.in`, read from the finished run's output. */
async function entryInput(runId: string): Promise<any> {
  const { run } = await waitForRun(test, runId);
  expect(run.status).toBe('succeeded');
  return (run.output as Record<string, unknown>).n1;
}

interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Sends one request over a real socket to the listening studio. */
function send(url: string, options: http.RequestOptions, body?: string | Buffer): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(url, { agent: false, ...options }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () =>
        resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
      incoming.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

describe('async webhook', () => {
  it('reply carries the stored run id', async () => {
    const id = await publishedEcho();

    const reply = await request(test, { method: 'POST', url: `/hooks/${id}`, payload: { name: 'Ada' } });
    const run = await test.storage.runs.get(reply.body.runId);
    const deliveries = await test.storage.deliveries.listByGraph(id);

    expect(reply.status).toBe(202);
    expect(Object.keys(reply.body)).toEqual(['runId']);
    expect(run?.graphId).toBe(id);
    expect(run?.trigger).toBe('webhook');
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0].runId).toBe(reply.body.runId);
    expect(run?.deliveryId).toBe(deliveries[0].id);
    expect(deliveries[0].test).toBe(false);
  });

  it('JSON body, headers and query reach the run', async () => {
    const id = await publishedEcho();

    const reply = await request(test, {
      method: 'POST',
      url: `/hooks/${id}?source=crm&tag=a&tag=b`,
      headers: { 'x-lead-source': 'form', 'content-type': 'application/json; charset=utf-8' },
      payload: JSON.stringify({ name: 'Ada', score: 9 }),
    });
    const input = await entryInput(reply.body.runId);

    expect(reply.status).toBe(202);
    expect(input.method).toBe('POST');
    expect(input.body).toEqual({ name: 'Ada', score: 9 });
    expect(input.query).toEqual({ source: 'crm', tag: ['a', 'b'] });
    expect(input.headers['x-lead-source']).toBe('form');
    expect(Date.parse(input.receivedAt)).not.toBeNaN();
  });

  it('form body is parsed into fields', async () => {
    const id = await publishedEcho();

    const reply = await request(test, {
      method: 'POST',
      url: `/hooks/${id}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'name=Ada+Lovelace&tag=a&tag=b&empty=',
    });
    const input = await entryInput(reply.body.runId);

    expect(reply.status).toBe(202);
    expect(input.body).toEqual({ name: 'Ada Lovelace', tag: ['a', 'b'], empty: '' });
  });

  it('text body is kept as text', async () => {
    const id = await publishedEcho();

    const reply = await request(test, {
      method: 'PUT',
      url: `/hooks/${id}`,
      headers: { 'content-type': 'text/plain' },
      payload: 'hello {"not": "json"}',
    });
    const input = await entryInput(reply.body.runId);

    expect(reply.status).toBe(202);
    expect(input.method).toBe('PUT');
    expect(input.body).toBe('hello {"not": "json"}');
  });

  it('binary body is kept as base64', async () => {
    const id = await publishedEcho();
    const bytes = Buffer.from([0, 1, 2, 0xfe, 0xff]);

    const reply = await request(test, {
      method: 'POST',
      url: `/hooks/${id}`,
      headers: { 'content-type': 'application/octet-stream' },
      payload: bytes,
    });
    const input = await entryInput(reply.body.runId);
    const [delivery] = await test.storage.deliveries.listByGraph(id);

    expect(reply.status).toBe(202);
    expect(input.body).toEqual({ base64: bytes.toString('base64'), contentType: 'application/octet-stream', size: 5 });
    expect(delivery.bodyEncoding).toBe('base64');
    expect(Buffer.from(delivery.body, 'base64')).toEqual(bytes);
  });

  it('GET delivery has a null body', async () => {
    const id = await publishedEcho();

    const reply = await request(test, { method: 'GET', url: `/hooks/${id}?ping=1` });
    const input = await entryInput(reply.body.runId);

    expect(reply.status).toBe(202);
    expect(input.method).toBe('GET');
    expect(input.body).toBeNull();
    expect(input.query).toEqual({ ping: '1' });
  });

  it('test URL runs the latest draft', async () => {
    const id = await publishedEcho();
    await request(test, { method: 'PUT', url: `/v1/graphs/${id}`, payload: buildChain(2) });

    const live = await request(test, { method: 'POST', url: `/hooks/${id}`, payload: {} });
    const draft = await request(test, { method: 'POST', url: `/hooks/${id}/test`, payload: {} });
    const liveRun = await waitForRun(test, live.body.runId);
    const draftRun = await waitForRun(test, draft.body.runId);
    const [testDelivery] = await test.storage.deliveries.listByGraph(id, { test: true });

    expect(live.status).toBe(202);
    expect(draft.status).toBe(202);
    expect(liveRun.run.graphVersion).toBe(1);
    expect(draftRun.run.graphVersion).toBe(2);
    expect(draftRun.run.trigger).toBe('webhook-test');
    expect(testDelivery.runId).toBe(draft.body.runId);
  });

  it('test URL works before publishing', async () => {
    const id = await createGraph(test, buildChain(1));

    const reply = await request(test, { method: 'POST', url: `/hooks/${id}/test`, payload: {} });

    expect(reply.status).toBe(202);
    expect((await waitForRun(test, reply.body.runId)).run.status).toBe('succeeded');
  });

  it('publish switches the live version', async () => {
    const id = await publishedEcho();
    await request(test, { method: 'POST', url: `/hooks/${id}`, payload: {} });
    await request(test, { method: 'PUT', url: `/v1/graphs/${id}`, payload: buildChain(2) });
    await publishGraph(test, id);

    const reply = await request(test, { method: 'POST', url: `/hooks/${id}`, payload: {} });

    expect((await waitForRun(test, reply.body.runId)).run.graphVersion).toBe(2);
  });
});

describe('webhook rejections', () => {
  it('unpublished graph returns 404', async () => {
    const id = await createGraph(test, buildChain(1));

    const reply = await request(test, { method: 'POST', url: `/hooks/${id}`, payload: {} });

    expectError(reply, {
      status: 404,
      code: 'GRAPH_NOT_PUBLISHED',
      message: `graph "${id}" has no published version; publish it or call /hooks/${id}/test`,
      pointer: '/params/graphId',
    });
    expect(await runCount(id)).toBe(0);
  });

  it('unknown graph returns 404', async () => {
    const reply = await request(test, { method: 'POST', url: '/hooks/graph_missing', payload: {} });

    expectError(reply, {
      status: 404,
      code: 'GRAPH_NOT_FOUND',
      message: 'graph "graph_missing" does not exist',
      pointer: '/params/graphId',
    });
  });

  it('deleted graph returns 404', async () => {
    const id = await publishedEcho();
    await request(test, { method: 'POST', url: `/hooks/${id}`, payload: {} });
    await request(test, { method: 'DELETE', url: `/v1/graphs/${id}` });

    const reply = await request(test, { method: 'POST', url: `/hooks/${id}`, payload: {} });

    expectError(reply, { status: 404, code: 'GRAPH_NOT_FOUND', pointer: '/params/graphId' });
  });

  it('illegal graph id returns 400', async () => {
    const reply = await request(test, { method: 'POST', url: '/hooks/bad.id', payload: {} });

    expectError(reply, { status: 400, code: 'REQUEST_INVALID', pointer: '/params/graphId' });
  });

  it('body over the limit returns 413', async () => {
    await restartWith({ WEBHOOK_BODY_LIMIT_BYTES: '1024' });
    const id = await publishedEcho();

    const reply = await request(test, {
      method: 'POST',
      url: `/hooks/${id}`,
      headers: { 'content-type': 'text/plain' },
      payload: 'x'.repeat(2048),
    });

    expectError(reply, {
      status: 413,
      code: 'REQUEST_BODY_TOO_LARGE',
      message: 'request body is larger than the configured limit',
      pointer: '/body',
    });
    expect(await runCount(id)).toBe(0);
    await expectStillServing(test);
  });

  it('webhook limit is independent of API limit', async () => {
    await restartWith({ WEBHOOK_BODY_LIMIT_BYTES: '65536', API_BODY_LIMIT_BYTES: '4096' });
    const id = await publishedEcho();

    const reply = await request(test, {
      method: 'POST',
      url: `/hooks/${id}`,
      headers: { 'content-type': 'text/plain' },
      payload: 'x'.repeat(20_000),
    });

    expect(reply.status).toBe(202);
    expect((await entryInput(reply.body.runId)).body).toHaveLength(20_000);
  });

  it('invalid JSON returns 400', async () => {
    const id = await publishedEcho();

    const reply = await request(test, {
      method: 'POST',
      url: `/hooks/${id}`,
      headers: { 'content-type': 'application/json' },
      payload: '{"name": ',
    });

    expectError(reply, {
      status: 400,
      code: 'WEBHOOK_BODY_INVALID',
      message: /^body is not valid JSON/,
      pointer: '/body',
      problemMessage: 'is not valid JSON',
    });
    expect(await runCount(id)).toBe(0);
    await expectStillServing(test);
  });
});

describe('webhook token', () => {
  const token = { header: 'X-Api-Key', value: 's3cret-token-value' };

  it('missing token returns 401', async () => {
    const id = await publishedEcho({ token });

    const reply = await request(test, { method: 'POST', url: `/hooks/${id}`, payload: {} });

    expectError(reply, {
      status: 401,
      code: 'WEBHOOK_TOKEN_INVALID',
      message: 'header "x-api-key" is missing or does not match the webhook token',
      pointer: '/headers/x-api-key',
      problemMessage: 'is required',
    });
    expect(await runCount(id)).toBe(0);
  });

  it('wrong token returns 401', async () => {
    const id = await publishedEcho({ token });

    const reply = await request(test, {
      method: 'POST',
      url: `/hooks/${id}`,
      headers: { 'x-api-key': 's3cret-token-valuf' },
      payload: {},
    });

    expectError(reply, {
      status: 401,
      code: 'WEBHOOK_TOKEN_INVALID',
      pointer: '/headers/x-api-key',
      problemMessage: 'does not match',
    });
    expect(await runCount(id)).toBe(0);
  });

  it('valid token is accepted and not stored', async () => {
    const id = await publishedEcho({ token });

    const reply = await request(test, {
      method: 'POST',
      url: `/hooks/${id}`,
      headers: { 'x-api-key': token.value, authorization: 'Bearer other-secret' },
      payload: {},
    });
    const input = await entryInput(reply.body.runId);
    const [delivery] = await test.storage.deliveries.listByGraph(id);
    const run = await test.storage.runs.get(reply.body.runId);

    expect(reply.status).toBe(202);
    expect(delivery.headers['x-api-key']).toBe('[redacted]');
    expect(delivery.headers.authorization).toBe('[redacted]');
    expect(input.headers['x-api-key']).toBe('[redacted]');
    expect(JSON.stringify(delivery)).not.toContain(token.value);
    expect(JSON.stringify(run)).not.toContain(token.value);
    expect(JSON.stringify(run)).not.toContain('other-secret');
  });

  it('default token header is used', async () => {
    const id = await publishedEcho({ token: { value: token.value } });

    const rejected = await request(test, { method: 'POST', url: `/hooks/${id}`, headers: { 'x-api-key': token.value }, payload: {} });
    const accepted = await request(test, {
      method: 'POST',
      url: `/hooks/${id}`,
      headers: { 'x-webhook-token': token.value },
      payload: {},
    });

    expectError(rejected, { status: 401, code: 'WEBHOOK_TOKEN_INVALID', pointer: '/headers/x-webhook-token' });
    expect(accepted.status).toBe(202);
  });
});

describe('webhook HMAC signature', () => {
  const secret = 'hmac-secret';
  const body = JSON.stringify({ lead: 42 });

  function signedHeaders(timestamp: number, rawBody = body, key = secret): Record<string, string> {
    const seconds = String(timestamp);
    return {
      'content-type': 'application/json',
      'x-timestamp': seconds,
      'x-signature': signWebhook(key, seconds, rawBody),
    };
  }

  const nowSeconds = (): number => Math.floor(Date.now() / 1000);

  it('valid signature is accepted', async () => {
    const id = await publishedEcho({ hmac: { secret } });

    const reply = await request(test, { method: 'POST', url: `/hooks/${id}`, headers: signedHeaders(nowSeconds()), payload: body });

    expect(reply.status).toBe(202);
    expect((await entryInput(reply.body.runId)).body).toEqual({ lead: 42 });
  });

  it('signature over another body returns 401', async () => {
    const id = await publishedEcho({ hmac: { secret } });

    const reply = await request(test, {
      method: 'POST',
      url: `/hooks/${id}`,
      headers: signedHeaders(nowSeconds(), JSON.stringify({ lead: 43 })),
      payload: body,
    });

    expectError(reply, {
      status: 401,
      code: 'WEBHOOK_SIGNATURE_INVALID',
      message: 'header "x-signature" does not match the body\'s HMAC-SHA256',
      pointer: '/headers/x-signature',
      problemMessage: 'does not match',
    });
    expect(await runCount(id)).toBe(0);
  });

  it('signature with another secret returns 401', async () => {
    const id = await publishedEcho({ hmac: { secret } });

    const reply = await request(test, {
      method: 'POST',
      url: `/hooks/${id}`,
      headers: signedHeaders(nowSeconds(), body, 'other-secret'),
      payload: body,
    });

    expectError(reply, { status: 401, code: 'WEBHOOK_SIGNATURE_INVALID', pointer: '/headers/x-signature' });
  });

  it('missing signature returns 401', async () => {
    const id = await publishedEcho({ hmac: { secret } });
    const { 'x-signature': _signature, ...headers } = signedHeaders(nowSeconds());

    const reply = await request(test, { method: 'POST', url: `/hooks/${id}`, headers, payload: body });

    expectError(reply, {
      status: 401,
      code: 'WEBHOOK_SIGNATURE_INVALID',
      pointer: '/headers/x-signature',
      problemMessage: 'is required',
    });
  });

  it('stale timestamp returns 401', async () => {
    const id = await publishedEcho({ hmac: { secret, toleranceSeconds: 60 } });

    const reply = await request(test, {
      method: 'POST',
      url: `/hooks/${id}`,
      headers: signedHeaders(nowSeconds() - 600),
      payload: body,
    });

    expectError(reply, {
      status: 401,
      code: 'WEBHOOK_TIMESTAMP_STALE',
      message: 'header "x-timestamp" is more than 60 s away from the server clock',
      pointer: '/headers/x-timestamp',
    });
    expect(await runCount(id)).toBe(0);
  });

  it('timestamp in milliseconds returns 401', async () => {
    const id = await publishedEcho({ hmac: { secret } });

    const reply = await request(test, { method: 'POST', url: `/hooks/${id}`, headers: signedHeaders(Date.now()), payload: body });

    expectError(reply, {
      status: 401,
      code: 'WEBHOOK_TIMESTAMP_STALE',
      pointer: '/headers/x-timestamp',
      problemMessage: 'must be Unix seconds',
    });
  });

  it('replay inside the window returns 409', async () => {
    const id = await publishedEcho({ hmac: { secret } });
    const headers = signedHeaders(nowSeconds());

    const first = await request(test, { method: 'POST', url: `/hooks/${id}`, headers, payload: body });
    const replay = await request(test, { method: 'POST', url: `/hooks/${id}`, headers, payload: body });

    expect(first.status).toBe(202);
    expectError(replay, {
      status: 409,
      code: 'WEBHOOK_REPLAYED',
      message: 'this signed delivery was already received',
      pointer: '/headers/x-signature',
    });
    expect(await runCount(id)).toBe(1);
  });
});

describe('webhook de-duplication', () => {
  it('repeated event id returns the first run', async () => {
    const id = await publishedEcho({ eventIdHeader: 'X-Event-Id' });
    const delivery = { method: 'POST' as const, url: `/hooks/${id}`, headers: { 'x-event-id': 'evt-1' }, payload: { n: 1 } };

    const first = await request(test, delivery);
    const second = await request(test, delivery);
    await waitForRun(test, first.body.runId);

    expect(first.status).toBe(202);
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ runId: first.body.runId, duplicate: true });
    expect(await runCount(id)).toBe(1);
    expect(await test.storage.deliveries.listByGraph(id)).toHaveLength(1);
  });

  it('different event ids start runs', async () => {
    const id = await publishedEcho({ eventIdHeader: 'X-Event-Id' });

    const first = await request(test, { method: 'POST', url: `/hooks/${id}`, headers: { 'x-event-id': 'evt-1' }, payload: {} });
    const second = await request(test, { method: 'POST', url: `/hooks/${id}`, headers: { 'x-event-id': 'evt-2' }, payload: {} });

    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body.runId).not.toBe(first.body.runId);
    expect(await runCount(id)).toBe(2);
  });

  it('test event ids do not block live ones', async () => {
    const id = await publishedEcho({ eventIdHeader: 'X-Event-Id' });
    const headers = { 'x-event-id': 'evt-sample' };

    const sample = await request(test, { method: 'POST', url: `/hooks/${id}/test`, headers, payload: {} });
    const live = await request(test, { method: 'POST', url: `/hooks/${id}`, headers, payload: {} });
    const liveAgain = await request(test, { method: 'POST', url: `/hooks/${id}`, headers, payload: {} });

    expect(sample.status).toBe(202);
    expect(live.status).toBe(202);
    expect(live.body.runId).not.toBe(sample.body.runId);
    expect(liveAgain.body).toEqual({ runId: live.body.runId, duplicate: true });
    expect(await runCount(id)).toBe(2);
  });

  it('empty event id is not de-duplicated', async () => {
    const id = await publishedEcho({ eventIdHeader: 'X-Event-Id' });
    const delivery = { method: 'POST' as const, url: `/hooks/${id}`, headers: { 'x-event-id': '' }, payload: {} };

    const first = await request(test, delivery);
    const second = await request(test, delivery);
    const deliveries = await test.storage.deliveries.listByGraph(id);

    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(await runCount(id)).toBe(2);
    expect(deliveries.map((stored) => stored.eventId)).toEqual([null, null]);
  });

  it('concurrent duplicates start one run', async () => {
    const id = await publishedEcho({ eventIdHeader: 'X-Event-Id' });
    const delivery = { method: 'POST' as const, url: `/hooks/${id}`, headers: { 'x-event-id': 'evt-race' }, payload: { n: 1 } };

    const replies = await Promise.all(Array.from({ length: 8 }, () => request(test, delivery)));
    const accepted = replies.filter((reply) => reply.status === 202);
    const duplicates = replies.filter((reply) => reply.status === 200);
    const stored = await test.storage.runs.list({ graphId: id });

    expect(accepted).toHaveLength(1);
    expect(duplicates).toHaveLength(7);
    expect(duplicates.every((reply) => reply.body.duplicate === true)).toBe(true);
    expect(duplicates.every((reply) => reply.body.runId === accepted[0].body.runId)).toBe(true);
    expect(stored.map((run) => run.id)).toEqual([accepted[0].body.runId]);
  });

  it('concurrent sync duplicates start one run', async () => {
    const id = await publish({
      ...syncGraph({ body: 'ok' }),
      settings: { webhook: { mode: 'sync', eventIdHeader: 'X-Event-Id' } },
    });
    const delivery = { method: 'POST' as const, url: `/hooks/${id}`, headers: { 'x-event-id': 'evt-sync' }, payload: {} };

    const replies = await Promise.all(Array.from({ length: 4 }, () => request(test, delivery)));
    const statuses = replies.map((reply) => reply.status).sort();

    expect(statuses).toEqual([200, 200, 200, 200]);
    expect(replies.filter((reply) => reply.raw.body === 'ok')).toHaveLength(1);
    expect(await runCount(id)).toBe(1);
  });
});

describe('webhook preflight', () => {
  it('OPTIONS answers without a run', async () => {
    const id = await publishedEcho();

    const reply = await request(test, {
      method: 'OPTIONS',
      url: `/hooks/${id}`,
      headers: { origin: 'https://forms.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });

    expect(reply.status).toBe(204);
    expect(reply.headers['access-control-allow-methods']).toBe('GET, POST, PUT, PATCH, DELETE');
    expect(reply.headers['access-control-allow-headers']).toBe('content-type');
    expect(await runCount(id)).toBe(0);
  });

  it('HEAD answers without a run', async () => {
    const id = await publishedEcho();

    const live = await request(test, { method: 'HEAD', url: `/hooks/${id}` });
    const sample = await request(test, { method: 'HEAD', url: `/hooks/${id}/test` });

    expect(live.status).toBe(204);
    expect(sample.status).toBe(204);
    expect(await runCount(id)).toBe(0);
  });
});

describe('webhook metrics', () => {
  it('outcomes are counted', async () => {
    const id = await publishedEcho({ eventIdHeader: 'X-Event-Id' });
    const delivery = { method: 'POST' as const, url: `/hooks/${id}`, headers: { 'x-event-id': 'evt-1' }, payload: {} };
    await request(test, delivery);
    await request(test, delivery);
    await request(test, { method: 'POST', url: `/hooks/${id}`, headers: { 'content-type': 'application/json' }, payload: '{' });
    await request(test, { method: 'POST', url: '/hooks/graph_missing', payload: {} });

    const metrics = (await test.studio.app.inject({ method: 'GET', url: '/metrics' })).body;

    expect(metrics).toMatch(/^webhook_deliveries_total\{outcome="accepted"\} 1$/m);
    expect(metrics).toMatch(/^webhook_deliveries_total\{outcome="duplicate"\} 1$/m);
    expect(metrics).toMatch(/^webhook_deliveries_total\{outcome="rejected"\} 2$/m);
  });
});

describe('sync webhook', () => {
  it('respond node sets the reply', async () => {
    const id = await publish(
      syncGraph({
        status: 201,
        headers: { 'X-Lead': '{{ input.body.name }}' },
        body: { greeting: 'hello {{ input.body.name }}', source: '{{ input.query.source }}' },
      }),
    );

    const reply = await request(test, { method: 'POST', url: `/hooks/${id}?source=crm`, payload: { name: 'Ada' } });

    expect(reply.status).toBe(201);
    expect(reply.headers['x-lead']).toBe('Ada');
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    expect(reply.body).toEqual({ greeting: 'hello Ada', source: 'crm' });
  });

  it('text body replies as text', async () => {
    const id = await publish(syncGraph({ body: 'thanks {{ input.body.name }}' }));

    const reply = await request(test, { method: 'POST', url: `/hooks/${id}`, payload: { name: 'Ada' } });

    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(reply.raw.body).toBe('thanks Ada');
  });

  it('object body with text content type', async () => {
    const id = await publish(syncGraph({ headers: { 'content-type': 'text/csv' }, body: { rows: 2 } }));

    const reply = await request(test, { method: 'POST', url: `/hooks/${id}`, payload: {} });

    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/csv');
    expect(reply.raw.body).toBe('{"rows":2}');
  });

  it('reply comes before the run ends', async () => {
    const id = await publish({
      ...syncGraph({ body: 'early' }),
      nodes: [
        buildNode('n1'),
        buildNode('reply', { type: 'core/respond@1', config: { body: 'early' } }),
        buildNode('after', { type: 'test/sleep@1', config: { ms: 3000 } }),
      ],
      edges: [buildEdge('n1', 'reply'), buildEdge('reply', 'after')],
    });

    const reply = await request(test, { method: 'POST', url: `/hooks/${id}`, payload: {} });
    const runs = await test.storage.runs.list({ graphId: id });

    expect(reply.raw.body).toBe('early');
    expect(runs[0].status).toBe('running');
    expect((await waitForRun(test, runs[0].id)).run.status).toBe('succeeded');
  });

  it('slow graph replies 202 after timeout', async () => {
    const id = await publish(syncGraph({ body: 'late' }, [buildNode('slow', { type: 'test/sleep@1', config: { ms: 3000 } })], 200));

    const reply = await request(test, { method: 'POST', url: `/hooks/${id}`, payload: {} });
    const atReply = await test.storage.runs.get(reply.body.runId);
    const { run } = await waitForRun(test, reply.body.runId);

    expect(reply.status).toBe(202);
    expect(Object.keys(reply.body)).toEqual(['runId']);
    expect(atReply?.status).toBe('running');
    expect(run.status).toBe('succeeded');
    expect(run.response).toEqual({ status: 200, headers: {}, body: 'late' });
  });

  it('default sync timeout comes from config', async () => {
    await restartWith({ WEBHOOK_SYNC_TIMEOUT_MS: '200' });
    const id = await publish(syncGraph({ body: 'late' }, [buildNode('slow', { type: 'test/sleep@1', config: { ms: 3000 } })]));

    const reply = await request(test, { method: 'POST', url: `/hooks/${id}`, payload: {} });

    expect(reply.status).toBe(202);
    expect((await waitForRun(test, reply.body.runId)).run.status).toBe('succeeded');
  });

  it('run without respond node returns output', async () => {
    const id = await publish(withWebhook(buildChain(2), { mode: 'sync' }));

    const reply = await request(test, { method: 'POST', url: `/hooks/${id}`, payload: { name: 'Ada' } });

    expect(reply.status).toBe(200);
    expect(reply.body.runId).toMatch(/^run_/);
    expect(reply.body.status).toBe('succeeded');
    expect(reply.body.output.n2.body).toEqual({ name: 'Ada' });
  });

  it('failed run returns 500', async () => {
    const id = await publish(withWebhook(buildChain(1, 'test/fail@1'), { mode: 'sync' }));

    const reply = await request(test, { method: 'POST', url: `/hooks/${id}`, payload: {} });

    expectError(reply, { status: 500, code: 'RUN_FAILED', message: 'run failed before it replied' });
    expect(reply.body.details.runId).toMatch(/^run_/);
    expect(reply.body.details.status).toBe('failed');
    expect(reply.body.details.error.code).toBe('TEST_FAILURE');
  });

  it('acknowledged failure code returns 200', async () => {
    const id = await publish(withWebhook(buildChain(1, 'test/fail@1'), { mode: 'sync', acknowledgeErrorCodes: ['OTHER_CODE', 'TEST_FAILURE'] }));

    const reply = await request(test, { method: 'POST', url: `/hooks/${id}`, payload: {} });
    const { run } = await waitForRun(test, reply.body.runId);

    expect(reply.status).toBe(200);
    expect(reply.body.acknowledged).toBe(true);
    expect(reply.body.status).toBe('failed');
    expect(reply.body.error.code).toBe('TEST_FAILURE');
    expect(run.status).toBe('failed');
    expect(run.error?.code).toBe('TEST_FAILURE');
  });

  it('unlisted failure code returns 500', async () => {
    const id = await publish(withWebhook(buildChain(1, 'test/fail@1'), { mode: 'sync', acknowledgeErrorCodes: ['OTHER_CODE'] }));

    const reply = await request(test, { method: 'POST', url: `/hooks/${id}`, payload: {} });

    expectError(reply, { status: 500, code: 'RUN_FAILED', message: 'run failed before it replied' });
    expect(reply.body.details.error.code).toBe('TEST_FAILURE');
  });
});

describe('webhook over a real socket', () => {
  it('sync reply arrives over HTTP', async () => {
    const id = await publish(syncGraph({ status: 200, body: { hi: '{{ input.body.name }}' } }, [
      buildNode('pause', { type: 'test/sleep@1', config: { ms: 100 } }),
    ]));
    const url = await test.listen();

    const reply = await send(`${url}/hooks/${id}`, { method: 'POST', headers: { 'content-type': 'application/json' } }, '{"name":"Ada"}');

    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({ hi: 'Ada' });
  });

  it('respond headers cannot break framing', async () => {
    const id = await publish(syncGraph({ headers: { 'content-length': '1', 'transfer-encoding': 'chunked' }, body: 'complete body' }));
    const url = await test.listen();

    const reply = await send(`${url}/hooks/${id}`, { method: 'POST' });

    expect(reply.status).toBe(200);
    expect(reply.body).toBe('complete body');
    expect(reply.headers['transfer-encoding']).toBeUndefined();
    expect(reply.headers['content-length']).toBe(String('complete body'.length));
  });

  it('early disconnect harms neither server nor run', async () => {
    const id = await publish(syncGraph({ body: 'too late' }, [buildNode('slow', { type: 'test/sleep@1', config: { ms: 500 } })]));
    const url = await test.listen();

    const outgoing = http.request(`${url}/hooks/${id}`, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json' },
    });
    const closed = new Promise<void>((resolve) => outgoing.on('close', resolve));
    outgoing.on('error', () => {});
    outgoing.on('response', () => {
      throw new Error('the request was destroyed, so no reply should arrive');
    });
    outgoing.end('{"name":"Ada"}');
    await expect.poll(async () => runCount(id), { timeout: 10_000 }).toBe(1);
    outgoing.destroy();
    await closed;
    const [stored] = await test.storage.runs.list({ graphId: id });

    expect((await waitForRun(test, stored.id)).run.status).toBe('succeeded');
    expect((await send(`${url}/health`, { method: 'GET' })).status).toBe(200);
    const again = await send(`${url}/hooks/${id}`, { method: 'POST', headers: { 'content-type': 'application/json' } }, '{}');
    expect(again.status).toBe(200);
    expect(again.body).toBe('too late');
  });

  it('disconnect during upload starts no run', async () => {
    const id = await publishedEcho();
    const url = await test.listen();

    const outgoing = http.request(`${url}/hooks/${id}`, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', 'content-length': '1000' },
    });
    const closed = new Promise<void>((resolve) => outgoing.on('close', resolve));
    outgoing.on('error', () => {});
    outgoing.write('{"partial": ');
    await new Promise((resolve) => setTimeout(resolve, 100));
    outgoing.destroy();
    await closed;

    expect((await send(`${url}/health`, { method: 'GET' })).status).toBe(200);
    expect(await runCount(id)).toBe(0);
  });
});
