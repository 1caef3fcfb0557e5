// Regression tests for defects found by feeding the running studio hostile or unusual input.
// Each test states the behaviour the studio should have.
import net from 'node:net';
import { interpolate, type GraphDocument } from '@gestorlead/sdk-plugin';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from '../src/errors.js';
import { evaluateRule } from '../src/nodes/condition.js';
import { parseWebhookBody } from '../src/webhooks/parse-body.js';
import { signWebhook } from '../src/webhooks/verify.js';
import { createGraph, publishGraph, request, startRun } from './support/http.js';
import {
  buildEdge,
  buildGraph,
  buildNode,
  runGraph,
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

const FORM = 'application/x-www-form-urlencoded';

/**
 * Builds a condition `c` with one case on `port` that matches when `matches`. Node `hit` is fed
 * by `port` and node `miss` by `else`.
 */
function conditionGraph(port: string, matches: boolean): GraphDocument {
  const rule = { value: 1, operator: 'equals', compare: matches ? 1 : 2 };
  return buildGraph(
    [
      buildNode('c', { type: 'core/condition@1', config: { cases: [{ port, rules: [rule] }] } }),
      buildNode('hit', { type: 'core/noop@1', config: {} }),
      buildNode('miss', { type: 'core/noop@1', config: {} }),
    ],
    [
      buildEdge('c', 'hit', { id: 'to-hit', sourcePort: port }),
      buildEdge('c', 'miss', { id: 'to-miss', sourcePort: 'else' }),
    ],
  );
}

/** Creates and publishes a sync graph whose single `core/respond@1` node has `config`. */
async function publishedResponder(config: Record<string, unknown>): Promise<string> {
  const document = buildGraph([buildNode('reply', { type: 'core/respond@1', config })], [], {
    settings: { webhook: { mode: 'sync', syncTimeoutMs: 5000 } },
  });
  const id = await createGraph(test, document);
  await publishGraph(test, id);
  return id;
}

/** Sends `head` over a plain socket and returns everything the server writes before it closes or 2 s pass. */
async function sendRaw(url: string, head: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let received = '';
    const timer = setTimeout(() => socket.destroy(), 2000);
    socket.on('connect', () => socket.write(head));
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
    });
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
  });
}

describe('condition ports named after Object.prototype members', () => {
  it('unmatched toString port skips branch', async () => {
    const { run, tasks } = await runGraph(test, conditionGraph('toString', false), { lead: 1 });

    expect(run.status).toBe('succeeded');
    expect(tasks.get('miss')?.status).toBe('COMPLETED');
    expect(tasks.get('hit')?.status).toBe('SKIPPED');
  });

  it('unmatched constructor port skips branch', async () => {
    const { tasks } = await runGraph(test, conditionGraph('constructor', false), { lead: 1 });

    expect(tasks.get('hit')?.status).toBe('SKIPPED');
  });

  it('matched __proto__ port routes its branch', async () => {
    const { tasks } = await runGraph(test, conditionGraph('__proto__', true), { lead: 1 });

    expect(tasks.get('hit')?.status).toBe('COMPLETED');
    expect(tasks.get('hit')?.input).toEqual({ in: { lead: 1 } });
    expect(tasks.get('miss')?.status).toBe('SKIPPED');
  });
});

describe('node ids named __proto__', () => {
  it('merge keeps __proto__ source value', async () => {
    const document = buildGraph(
      [
        buildNode('__proto__', { type: 'core/noop@1', config: {} }),
        buildNode('other', { type: 'core/noop@1', config: {} }),
        buildNode('join', { type: 'core/merge@1', config: {} }),
      ],
      [buildEdge('__proto__', 'join'), buildEdge('other', 'join')],
    );

    const { tasks } = await runGraph(test, document, 'value');
    const merged = tasks.get('join')?.output?.out as Record<string, unknown>;

    expect(Object.keys(merged).sort()).toEqual(['__proto__', 'other']);
  });

  it('run output keeps __proto__ sink', async () => {
    const document = buildGraph([buildNode('__proto__', { type: 'core/noop@1', config: {} })], []);

    const { run } = await runGraph(test, document, 'value');

    expect(Object.keys(run.output as object)).toEqual(['__proto__']);
  });
});

describe('form webhook bodies', () => {
  it('form field toString keeps value', () => {
    const parsed = parseWebhookBody(Buffer.from('toString=x&name=ana'), FORM);

    expect(parsed.value).toEqual({ toString: 'x', name: 'ana' });
  });

  it('form field __proto__ is kept', () => {
    const parsed = parseWebhookBody(Buffer.from('__proto__=p&a=1'), FORM);

    expect(Object.keys(parsed.value as object).sort()).toEqual(['__proto__', 'a']);
  });
});

describe('templates', () => {
  it('unclosed placeholder renders in linear time', () => {
    // An unclosed `{{` followed by whitespace makes the placeholder pattern backtrack cubically.
    // Measured on a 2-core machine, 2,000 spaces took about 2 s and 8,000 about 2 min, with the
    // event loop blocked all along.
    const text = `{{${' '.repeat(2000)}x`;

    const started = performance.now();
    const result = interpolate(text, {});
    const elapsedMs = performance.now() - started;

    expect(result).toBe(text);
    expect(elapsedMs).toBeLessThan(250);
  });
});

describe('condition rules', () => {
  it('equals tells different objects apart', () => {
    expect(evaluateRule({ operator: 'equals', value: { plan: 'gold' }, compare: { plan: 'free' } })).toBe(false);
  });

  it('equals tells object from its string', () => {
    expect(evaluateRule({ operator: 'equals', value: { plan: 'gold' }, compare: '[object Object]' })).toBe(false);
  });
});

describe('bodies the storage cannot serialize', () => {
  it('deeply nested webhook body gets 400', async () => {
    const id = await publishedResponder({ body: 'ok' });
    const depth = 20_000;

    const reply = await request(test, {
      method: 'POST',
      url: `/hooks/${id}`,
      headers: { 'content-type': 'application/json' },
      payload: '['.repeat(depth) + ']'.repeat(depth),
    });

    expect(reply.status).toBe(400);
    expect(reply.body.errors.map((problem: { pointer: string }) => problem.pointer)).toContain('/body');
  });

  it('deeply nested run input gets 400', async () => {
    const id = await createGraph(test, buildGraph([buildNode('n1')], []));
    const depth = 20_000;

    const reply = await request(test, {
      method: 'POST',
      url: `/v1/graphs/${id}/runs`,
      headers: { 'content-type': 'application/json' },
      payload: `{"input":${'['.repeat(depth)}${']'.repeat(depth)}}`,
    });

    expect(reply.status).toBe(400);
    expect(reply.body.errors.map((problem: { pointer: string }) => problem.pointer)).toContain('/body/input');
  });
});

describe('non-finite and huge query numbers', () => {
  it('runs limit Infinity gets 400', async () => {
    const reply = await request(test, { method: 'GET', url: '/v1/runs?limit=Infinity' });

    expect(reply.status).toBe(400);
    expect(reply.body.errors[0]?.pointer).toBe('/querystring/limit');
  });

  it('graphs limit 1e400 gets 400', async () => {
    const reply = await request(test, { method: 'GET', url: '/v1/graphs?limit=1e400' });

    expect(reply.status).toBe(400);
    expect(reply.body.errors[0]?.pointer).toBe('/querystring/limit');
  });

  it('graphs offset 1e20 is no 500', async () => {
    const reply = await request(test, { method: 'GET', url: '/v1/graphs?offset=1e20' });

    expect(reply.status).toBeLessThan(500);
  });

  it('events after Infinity gets 400', async () => {
    const id = await createGraph(test, buildGraph([buildNode('n1')], []));
    const runId = await startRun(test, id);
    await waitForRun(test, runId);

    const reply = await request(test, { method: 'GET', url: `/v1/runs/${runId}/events?after=Infinity` });

    expect(reply.status).toBe(400);
    expect(reply.body.errors[0]?.pointer).toBe('/querystring/after');
  });
});

describe('runs before a time', () => {
  it('before with UTC offset filters correctly', async () => {
    const id = await createGraph(test, buildGraph([buildNode('n1')], []));
    const runId = await startRun(test, id);
    const { run } = await waitForRun(test, runId);
    // One hour before the run, written with a +02:00 offset. As text it sorts after the
    // run's UTC timestamp, but as a time it is earlier.
    const earlier = new Date(Date.parse(run.createdAt) - 3_600_000 + 7_200_000).toISOString().slice(0, 19);
    const before = encodeURIComponent(`${earlier}+02:00`);

    const reply = await request(test, { method: 'GET', url: `/v1/runs?graphId=${id}&before=${before}` });

    expect(reply.status).toBe(200);
    expect(reply.body.items).toEqual([]);
  });
});

describe('timeouts beyond the timer range', () => {
  // Node.js sets a setTimeout delay above 2^31 - 1 ms to 1 ms (documented for timers in Node.js 20).
  const overflowMs = 2 ** 31;

  it('run timeout 2^31 ms not immediate', async () => {
    const document = buildGraph([buildNode('wait', { type: 'test/sleep@1', config: { ms: 50 } })], [], {
      settings: { timeoutMs: overflowMs },
    });
    const create = await request(test, { method: 'POST', url: '/v1/graphs', payload: document });
    if (create.status === 400) {
      expect(create.body.errors.map((problem: { pointer: string }) => problem.pointer)).toContain('/settings/timeoutMs');
      return;
    }

    const runId = await startRun(test, create.body.id);
    const { run } = await waitForRun(test, runId);

    expect(run.error?.code).not.toBe('RUNTIME_RUN_TIMEOUT');
    expect(run.status).toBe('succeeded');
  });

  it('sync timeout 2^31 ms waits', async () => {
    const document = buildGraph(
      [
        buildNode('wait', { type: 'test/sleep@1', config: { ms: 100 } }),
        buildNode('reply', { type: 'core/respond@1', config: { body: 'done' } }),
      ],
      [buildEdge('wait', 'reply')],
      { settings: { webhook: { mode: 'sync', syncTimeoutMs: overflowMs } } },
    );
    const create = await request(test, { method: 'POST', url: '/v1/graphs', payload: document });
    if (create.status === 400) {
      const pointers = create.body.errors.map((problem: { pointer: string }) => problem.pointer);
      expect(pointers).toContain('/settings/webhook/syncTimeoutMs');
      return;
    }
    await publishGraph(test, create.body.id);

    const reply = await request(test, { method: 'POST', url: `/hooks/${create.body.id}`, payload: {} });

    expect(reply.status).toBe(200);
    expect(reply.raw.body).toBe('done');
  });
});

describe('resume after the draft changed', () => {
  it('resumed edited draft ends every task', async () => {
    const graphId = await createGraph(
      test,
      buildGraph(
        [buildNode('a'), buildNode('f', { type: 'test/fail@1', config: { retryable: false } }), buildNode('z')],
        [buildEdge('a', 'f'), buildEdge('f', 'z')],
      ),
    );
    const created = await test.studio.ctx.executor.createRun({ graphId, version: 1, input: 1, trigger: 'manual' });
    const failed = await waitForRun(test, created.id);
    expect(failed.run.status).toBe('failed');
    // Version 1 is an unpublished draft, so saving replaces its document in place.
    await test.storage.graphs.saveDraft(graphId, buildGraph([buildNode('q')], []));

    const resume = await request(test, { method: 'POST', url: `/v1/runs/${created.id}/resume` });
    const { run, tasks } = await waitForRun(test, created.id);
    const unfinished = [...tasks.values()].filter((task) => task.status === 'PENDING' || task.status === 'IN_PROGRESS');

    expect(resume.status).toBe(202);
    expect(run.status).not.toBe('running');
    expect(unfinished.map((task) => task.nodeId)).toEqual([]);
  });
});

describe('sync webhook replies', () => {
  it('respond status 100 is rejected', async () => {
    const document = buildGraph([buildNode('reply', { type: 'core/respond@1', config: { status: 100 } })], []);

    const reply = await request(test, { method: 'POST', url: '/v1/graphs', payload: document });

    expect(reply.status).toBe(400);
    expect(reply.body.errors.map((problem: { pointer: string }) => problem.pointer)).toContain('/nodes/0/config/status');
  });

  it('invalid reply header gets catalogue error', async () => {
    const id = await publishedResponder({ headers: { 'x-lead': '{{ input.body.name }}' }, body: 'ok' });

    const reply = await request(test, {
      method: 'POST',
      url: `/hooks/${id}`,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'Ana\r\nset-cookie: session=1' }),
    });

    expect(Object.keys(ERROR_CATALOGUE)).toContain(reply.body.code);
  });

  it('stored response matches sent reply', async () => {
    const document = buildGraph(
      [
        buildNode('first', { type: 'core/respond@1', config: { status: 200, body: 'first' } }),
        buildNode('wait', { type: 'test/sleep@1', config: { ms: 100 } }),
        buildNode('second', { type: 'core/respond@1', config: { status: 500, body: 'second' } }),
      ],
      [buildEdge('wait', 'second')],
      { settings: { webhook: { mode: 'sync' } } },
    );
    const id = await createGraph(test, document);
    await publishGraph(test, id);

    const reply = await request(test, { method: 'POST', url: `/hooks/${id}`, payload: {} });
    const [stored] = await test.storage.runs.list({ graphId: id, limit: 1 });
    const { run } = await waitForRun(test, stored.id);

    expect(reply.status).toBe(200);
    expect(run.response?.status).toBe(reply.status);
    expect(run.response?.body).toBe(reply.raw.body);
  });
});

describe('webhook delivery checks', () => {
  it('signed duplicate delivery returns first run', async () => {
    const secret = 'test-secret';
    const document = buildGraph([buildNode('n1')], [], {
      settings: { webhook: { hmac: { secret }, eventIdHeader: 'x-event-id' } },
    });
    const id = await createGraph(test, document);
    await publishGraph(test, id);
    const body = '{"lead":1}';
    const timestamp = String(Math.floor(Date.now() / 1000));
    const headers = {
      'content-type': 'application/json',
      'x-timestamp': timestamp,
      'x-signature': signWebhook(secret, timestamp, body),
      'x-event-id': 'evt-1',
    };

    const first = await request(test, { method: 'POST', url: `/hooks/${id}`, headers, payload: body });
    const retry = await request(test, { method: 'POST', url: `/hooks/${id}`, headers, payload: body });

    expect(first.status).toBe(202);
    expect(retry.status).toBe(200);
    expect(retry.body.duplicate).toBe(true);
    expect(retry.body.runId).toBe(first.body.runId);
  });

  it('webhook accepts malformed content type', async () => {
    const document = buildGraph([buildNode('n1')], []);
    const id = await createGraph(test, document);
    await publishGraph(test, id);

    const reply = await request(test, {
      method: 'POST',
      url: `/hooks/${id}`,
      headers: { 'content-type': ';;;' },
      payload: 'raw bytes',
    });

    expect(reply.status).toBe(202);
  });
});

describe('request errors', () => {
  it('__proto__ key not called invalid JSON', async () => {
    const id = await createGraph(test, buildGraph([buildNode('n1')], []));

    const reply = await request(test, {
      method: 'POST',
      url: `/v1/graphs/${id}/runs`,
      headers: { 'content-type': 'application/json' },
      payload: '{"input":{"__proto__":{"plan":"gold"}}}',
    });

    expect(reply.raw.body).not.toMatch(/not valid JSON/);
  });

  it('unknown HTTP method gets catalogue error', async () => {
    const url = await test.listen();

    const response = await sendRaw(url, 'FOO /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    const body = JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4));

    expect(response).toMatch(/^HTTP\/1\.1 4\d\d /);
    expect(Object.keys(ERROR_CATALOGUE)).toContain(body.code);
  });
});

describe('lone UTF-16 surrogates in API bodies', () => {
  /** Posts `text` unchanged as a JSON body. */
  function postJsonText(url: string, text: string) {
    return request(test, { method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: text });
  }

  // JSON allows `\ud800` escapes, but a lone surrogate has no UTF-8 form. SQLite text columns
  // store it as three U+FFFD characters, so the stored graph name would differ from the one sent.
  it('graph name with lone surrogate is rejected', async () => {
    const document = buildGraph([buildNode('n1')], []);
    const payload = JSON.stringify({ ...document, name: 'lead\ud800' });

    const reply = await postJsonText('/v1/graphs', payload);

    expect(reply.status).toBe(400);
    expect(reply.body.code).toBe('REQUEST_INVALID');
    expect(reply.body.errors).toEqual([{ pointer: '/body/name', message: 'must be well-formed Unicode (a UTF-16 surrogate has no pair)' }]);
  });

  it('object key with lone surrogate is rejected', async () => {
    const reply = await postJsonText('/v1/graphs/any/runs', '{"input":{"a/\\udc00":1}}');

    expect(reply.status).toBe(400);
    expect(reply.body.errors[0].pointer).toBe('/body/input/a~1\udc00');
  });

  it('paired surrogates are accepted', async () => {
    const document = buildGraph([buildNode('n1')], []);

    const reply = await request(test, { method: 'POST', url: '/v1/graphs', payload: { ...document, name: 'launch 🚀' } });
    const stored = await request(test, { method: 'GET', url: `/v1/graphs/${reply.body.id}` });

    expect(reply.status).toBe(201);
    expect(stored.body.name).toBe('launch 🚀');
  });
});
