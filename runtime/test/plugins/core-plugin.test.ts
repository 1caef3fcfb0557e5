import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { BUNDLED_PLUGIN_DIRS, installBundledPlugins } from '../../src/plugins/bundled.js';
import { request, startRun } from '../support/http.js';
import { buildEdge, buildGraph, buildNode, waitForRun } from '../support/studio.js';
import { sendJson, startLocalServer, type LocalServer } from './support/local-server.js';
import { startPluginStudio, type PluginStudioOptions, type PluginTestStudio } from './support/plugin-studio.js';

const log = createLogger('silent');
/** Only the core plugin: packing every first-party plugin would slow each test for nothing. */
const CORE_DIRS = BUNDLED_PLUGIN_DIRS.filter((directory) => /[\\/]core[\\/]?$/.test(directory));
let server: LocalServer;
let polls = 0;
let test: PluginTestStudio;

beforeAll(async () => {
  server = await startLocalServer((received, response) => {
    const url = new URL(received.url, 'http://localhost');
    if (url.pathname === '/job') {
      polls += 1;
      return sendJson(response, 200, { state: polls >= 3 ? 'done' : 'running', polls });
    }
    return sendJson(response, 200, {
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorization: received.headers.authorization ?? null,
      body: received.body === '' ? null : JSON.parse(received.body),
    });
  });
});

afterAll(async () => {
  await server.close();
});

afterEach(async () => {
  await test.close();
});

async function startCoreStudio(options: PluginStudioOptions = {}): Promise<PluginTestStudio> {
  const studio = await startPluginStudio({
    ...options,
    env: { HTTP_ALLOW_PRIVATE: `127.0.0.1:${server.port}`, ...options.env },
  });
  await installBundledPlugins(studio.studio.ctx.plugins, log, CORE_DIRS);
  return studio;
}

async function runOneNode(type: string, config: Record<string, unknown>, input: unknown, extra: Partial<ReturnType<typeof buildNode>> = {}) {
  const document = buildGraph([buildNode('n', { type, config, ...extra })], []);
  const created = await request<{ id: string }>(test, { method: 'POST', url: '/v1/graphs', payload: document });
  expect(created.status, created.raw.body).toBe(201);
  return waitForRun(test, await startRun(test, created.body.id, input));
}

describe('core plugin', () => {
  it('is installed from source once', async () => {
    test = await startCoreStudio();

    const again = await installBundledPlugins(test.studio.ctx.plugins, log, CORE_DIRS);
    const types = (await request(test, { method: 'GET', url: '/v1/node-types' })).body.items
      .filter((item: { plugin?: { name: string } }) => item.plugin?.name === 'core')
      .map((item: { type: string }) => item.type);

    expect(again[0].changed).toBe(false);
    expect(types).toEqual(['core/http@1', 'core/code@1', 'core/template@1', 'core/json@1', 'core/wait-until@1']);
    expect((await request(test, { method: 'GET', url: '/v1/plugins/core' })).body.versions).toHaveLength(1);
  });

  it('http reaches a host the graph author chooses', async () => {
    test = await startCoreStudio();

    const { run } = await runOneNode(
      'core/http@1',
      { method: 'POST', url: `${server.origin}/leads/{{ input.id }}`, query: { tag: 'new' }, body: { name: '{{ input.name }}' } },
      { id: 7, name: 'Ada' },
    );

    expect(run.status).toBe('succeeded');
    expect((run.output as { n: { status: number; body: unknown } }).n).toMatchObject({
      status: 200,
      body: { path: '/leads/7', query: { tag: 'new' }, body: { name: 'Ada' }, authorization: null },
    });
  });

  it('http sends a stored credential', async () => {
    test = await startCoreStudio({
      credentials: {
        async resolve(_slot, credentialId, type) {
          return credentialId === 'cred-api' && type === 'core/httpAuth' ? { type: 'bearer', token: 'secret-token' } : null;
        },
      },
    });

    const { run } = await runOneNode('core/http@1', { url: `${server.origin}/me` }, null, { credentials: { auth: 'cred-api' } });

    expect(run.status).toBe('succeeded');
    expect(server.received.at(-1)?.headers.authorization).toBe('Bearer secret-token');
    // The server echoed the token back, so the recorded output has it scrubbed.
    expect((run.output as { n: { body: { authorization: string } } }).n.body.authorization).toBe('Bearer [redacted]');
  });

  it('http refuses private addresses not allowed', async () => {
    test = await startCoreStudio({ env: { HTTP_ALLOW_PRIVATE: '' } });

    const { tasks } = await runOneNode('core/http@1', { url: `${server.origin}/x` }, null);

    expect(tasks.get('n')?.error?.code).toBe('PLUGIN_HTTP_PRIVATE_ADDRESS');
  });

  it('http needs trust to reach any host', async () => {
    test = await startCoreStudio({ env: { TRUSTED_PLUGINS: '' } });

    const { tasks } = await runOneNode('core/http@1', { url: `${server.origin}/x` }, null);

    expect(tasks.get('n')?.error?.code).toBe('PLUGIN_HTTP_HOST_NOT_ALLOWED');
  });

  it('code, template and json run in a chain', async () => {
    test = await startCoreStudio();
    const document = buildGraph(
      [
        buildNode('pick', { type: 'core/json@1', config: { source: '/leads', each: true, fields: [{ from: '/name' }] } }),
        buildNode('count', { type: 'core/code@1', config: { code: 'return { count: input.length, first: input[0].name };' } }),
        buildNode('text', { type: 'core/template@1', config: { template: '{{ input.count }} leads, first {{ input.first }}' } }),
      ],
      [buildEdge('pick', 'count'), buildEdge('count', 'text')],
    );
    const created = await request<{ id: string }>(test, { method: 'POST', url: '/v1/graphs', payload: document });

    const { run } = await waitForRun(test, await startRun(test, created.body.id, { leads: [{ name: 'Ada', x: 1 }, { name: 'Bo' }] }));

    expect(run.status).toBe('succeeded');
    expect(run.output).toEqual({ text: '2 leads, first Ada' });
  });

  it('code errors keep their codes', async () => {
    test = await startCoreStudio();

    const { tasks } = await runOneNode('core/code@1', { code: 'throw new Error("no")' }, null);

    expect(tasks.get('n')?.error).toMatchObject({ code: 'CORE_CODE_FAILED', retryable: false });
  });

  it('code cannot loop forever', async () => {
    test = await startCoreStudio();

    const { tasks } = await runOneNode('core/code@1', { code: 'for (;;) {}' }, null);

    expect(tasks.get('n')?.status).toBe('FAILED');
    expect(['PLUGIN_CPU_TIME_EXCEEDED', 'PLUGIN_TIMEOUT']).toContain(tasks.get('n')?.error?.code);
  });

  it('wait-until polls until the value matches', async () => {
    test = await startCoreStudio();
    polls = 0;

    // The sandbox's isolates cannot pause, so the retry policy waits between polls.
    const { run, tasks } = await runOneNode(
      'core/wait-until@1',
      { url: `${server.origin}/job`, pointer: '/state', equals: 'done', intervalMs: 10 },
      null,
      { retry: { maxAttempts: 5, backoff: 'fixed', delayMs: 10, retryOn: ['CORE_WAIT_PENDING'] } },
    );

    expect(run.status).toBe('succeeded');
    expect((run.output as { n: { polls: number; value: string } }).n).toMatchObject({ polls: 3, value: 'done' });
    expect(tasks.get('n')?.attempts).toBe(3);
  });

  it('wait-until without a retry policy fails pending', async () => {
    test = await startCoreStudio();
    polls = 0;

    const { tasks } = await runOneNode('core/wait-until@1', { url: `${server.origin}/job`, pointer: '/state', equals: 'done' }, null);

    expect(tasks.get('n')?.error).toMatchObject({ code: 'CORE_WAIT_PENDING', retryable: true, details: { retryAfterMs: 1_000 } });
  });
});
