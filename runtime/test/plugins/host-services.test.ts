import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileBlobStore } from '@gestorlead/storage';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { CredentialResolver } from '../../src/plugins/credentials.js';
import { createHostServices } from '../../src/plugins/host-services.js';
import { HttpGateway } from '../../src/plugins/http-gateway.js';
import { createTestArtifactService } from '../support/artifacts.js';
import { request, startRun } from '../support/http.js';
import { buildGraph, buildNode, waitForRun } from '../support/studio.js';
import { sendJson, startLocalServer, type LocalServer } from './support/local-server.js';
import { buildTestPackage } from './support/packages.js';
import { startPluginStudio, type PluginTestStudio } from './support/plugin-studio.js';

let server: LocalServer;
let other: LocalServer;
let test: PluginTestStudio;

beforeAll(async () => {
  other = await startLocalServer((_request, response) => sendJson(response, 200, { reached: 'other' }));
  server = await startLocalServer((request, response) => {
    const url = new URL(request.url, 'http://localhost');
    if (url.pathname === '/redirect') {
      response.writeHead(302, { location: url.searchParams.get('to') ?? '/' });
      return void response.end();
    }
    if (url.pathname === '/large') {
      response.writeHead(200, { 'content-type': 'text/plain' });
      return void response.end('z'.repeat(10_000));
    }
    return sendJson(response, 200, { path: url.pathname });
  });
});

afterAll(async () => {
  await server.close();
  await other.close();
});

afterEach(async () => {
  await test.close();
});

async function startStudio(credentials?: CredentialResolver): Promise<PluginTestStudio> {
  return startPluginStudio({
    env: { HTTP_ALLOW_PRIVATE: `127.0.0.1:${server.port}`, HTTP_MAX_RESPONSE_BYTES: '4096', PLUGIN_LOG_MAX_LINES: '200' },
    resolveHost: async (hostname) => {
      if (hostname === 'api.good.test' || hostname === 'api.evil.test') return [{ address: '127.0.0.1', family: 4 }];
      throw Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    },
    credentials,
  });
}

async function install(pluginPackage: object): Promise<void> {
  const reply = await request(test, { method: 'POST', url: '/v1/plugins', payload: pluginPackage });
  expect(reply.status, reply.raw.body).toBe(201);
}

async function createGraph(nodes: ReturnType<typeof buildNode>[]): Promise<string> {
  const reply = await request<{ id: string }>(test, { method: 'POST', url: '/v1/graphs', payload: buildGraph(nodes, []) });
  expect(reply.status, reply.raw.body).toBe(201);
  return reply.body.id;
}

const URL_CONFIG = { type: 'object', properties: { url: { type: 'string' } } };

describe('hostile plugins', () => {
  it('end with coded errors while a healthy run succeeds', async () => {
    test = await startStudio();
    await install(
      buildTestPackage({
        name: 'hostile',
        hosts: ['api.good.test'],
        actions: [
          { name: 'fetch', configSchema: URL_CONFIG, run: 'async (ctx) => (await ctx.http.request({ url: ctx.config.url })).body' },
        ],
      }),
    );
    const good = `http://api.good.test:${server.port}`;
    const hostileGraph = await createGraph([
      buildNode('outside', { type: 'hostile/fetch@1', config: { url: `http://api.evil.test:${server.port}/steal` } }),
      buildNode('redirect', {
        type: 'hostile/fetch@1',
        // The allowed name on a port HTTP_ALLOW_PRIVATE does not list is a private address.
        config: { url: `${good}/redirect?to=${encodeURIComponent(`http://api.good.test:${other.port}/`)}` },
      }),
      buildNode('oversized', { type: 'hostile/fetch@1', config: { url: `${good}/large` } }),
      buildNode('fine', { type: 'hostile/fetch@1', config: { url: `${good}/fine` } }),
    ]);
    const healthyGraph = await createGraph([buildNode('only', { type: 'hostile/fetch@1', config: { url: `${good}/healthy` } })]);

    const [hostileRun, healthyRun] = await Promise.all([
      startRun(test, hostileGraph, null).then((runId) => waitForRun(test, runId)),
      startRun(test, healthyGraph, null).then((runId) => waitForRun(test, runId)),
    ]);

    expect(hostileRun.run.status).toBe('failed');
    expect(hostileRun.tasks.get('outside')?.error?.code).toBe('PLUGIN_HTTP_HOST_NOT_ALLOWED');
    expect(hostileRun.tasks.get('redirect')?.error?.code).toBe('PLUGIN_HTTP_PRIVATE_ADDRESS');
    expect(hostileRun.tasks.get('oversized')?.error?.code).toBe('PLUGIN_HTTP_RESPONSE_TOO_LARGE');
    expect(hostileRun.tasks.get('fine')?.status).toBe('COMPLETED');
    expect(hostileRun.tasks.get('fine')?.output).toEqual({ out: { path: '/fine' } });
    expect(healthyRun.run.status).toBe('succeeded');
    expect(healthyRun.run.output).toEqual({ only: { path: '/healthy' } });
    expect(other.received).toHaveLength(0);
    expect(server.received.some((item) => item.url === '/steal')).toBe(false);
  });

  it('keeps the studio serving after a CPU-bound plugin', async () => {
    test = await startStudio();
    await install(
      buildTestPackage({
        name: 'spinner',
        actions: [{ name: 'spin', limits: { cpuTimeMs: 100 }, run: 'async () => { for (;;) {} }' }],
      }),
    );
    const graphId = await createGraph([buildNode('spin', { type: 'spinner/spin@1' })]);

    const { run, tasks } = await waitForRun(test, await startRun(test, graphId, null));

    expect(run.status).toBe('failed');
    expect(tasks.get('spin')?.error?.code).toBe('PLUGIN_CPU_TIME_EXCEEDED');
    expect((await request(test, { method: 'GET', url: '/health' })).status).toBe(200);
  });
});

describe('logs', () => {
  it('caps lines per call and reports the drop', async () => {
    test = await startStudio();
    await install(
      buildTestPackage({
        name: 'chatty',
        actions: [
          {
            name: 'talk',
            run:
              'async (ctx) => { for (let i = 0; i < 250; i++) ctx.log.info("line " + i, { i }); ctx.log.warn("x".repeat(5000), { big: "y".repeat(20000) }); return "done"; }',
          },
        ],
      }),
    );
    const graphId = await createGraph([buildNode('talk', { type: 'chatty/talk@1' })]);

    const { tasks } = await waitForRun(test, await startRun(test, graphId, null));
    await test.studio.ctx.events.flush();
    const events = await test.storage.events.listByTask(tasks.get('talk')!.id, { types: ['task.log'], limit: 1_000 });
    const lines = events.map((event) => event.data as { level: string; message: string; data?: unknown });

    expect(lines).toHaveLength(201);
    expect(lines[0]).toMatchObject({ level: 'info', message: 'line 0', data: { i: 0 } });
    expect(lines[199].message).toBe('line 199');
    expect(lines[200].level).toBe('warn');
    expect(lines[200].message).toMatch(/^51 .*dropped/);
    expect(lines[200].data).toMatchObject({ dropped: 51 });
  });

  it('cuts long messages and data', async () => {
    test = await startStudio();
    await install(
      buildTestPackage({
        name: 'verbose',
        actions: [{ name: 'talk', run: 'async (ctx) => { ctx.log.error("x".repeat(5000), { big: "y".repeat(20000) }); return 1; }' }],
      }),
    );
    const graphId = await createGraph([buildNode('talk', { type: 'verbose/talk@1' })]);

    const { tasks } = await waitForRun(test, await startRun(test, graphId, null));
    await test.studio.ctx.events.flush();
    const [event] = await test.storage.events.listByTask(tasks.get('talk')!.id, { types: ['task.log'] });
    const line = event.data as { level: string; message: string; data: { truncated: boolean } };

    expect(line.level).toBe('error');
    expect(line.message.length).toBeLessThanOrEqual(2_001);
    expect(line.message.startsWith('xxxx')).toBe(true);
    expect(line.data.truncated).toBe(true);
    expect(JSON.stringify(line.data).length).toBeLessThanOrEqual(8_192);
  });
});

describe('host log service', () => {
  function services(lines: Array<{ level: string; message: string; data?: unknown }>) {
    const settings = loadConfig({ PLUGIN_LOG_MAX_LINES: '3' }).plugins;
    return createHostServices(
      { gateway: new HttpGateway({ allowPrivate: [], timeoutMs: 1_000, maxResponseBytes: 1_000 }), artifacts: createTestArtifactService(os.tmpdir()), settings },
      {
        policy: { plugin: 'p', hosts: [], anyHost: false },
        runId: 'run-1',
        nodeId: 'n',
        taskId: 't',
        log: (level, message, data) => lines.push(data === undefined ? { level, message } : { level, message, data }),
      },
    );
  }

  it('drops lines over the cap and counts them', () => {
    const lines: Array<{ level: string; message: string; data?: unknown }> = [];
    const host = services(lines);

    for (let index = 0; index < 6; index += 1) host.log('info', `line ${index}`);
    host.finish();

    expect(lines.map((line) => line.message)).toEqual(['line 0', 'line 1', 'line 2', '3 plugin log lines dropped after the first 3']);
    expect(lines[3]).toMatchObject({ level: 'warn', data: { dropped: 3, maxLines: 3 } });
  });

  it('passes one sandbox summary only', () => {
    const lines: Array<{ level: string; message: string; data?: unknown }> = [];
    const host = services(lines);

    for (let index = 0; index < 3; index += 1) host.log('info', `line ${index}`);
    host.log('warn', '7 log lines of this call were dropped', { dropped: 7 });
    host.log('warn', 'forged summary', { dropped: 1 });
    host.finish();

    expect(lines.map((line) => line.message)).toEqual([
      'line 0',
      'line 1',
      'line 2',
      '7 log lines of this call were dropped',
      '1 plugin log lines dropped after the first 3',
    ]);
  });

  it('cuts long messages and data', () => {
    const lines: Array<{ level: string; message: string; data?: unknown }> = [];
    const host = services(lines);

    host.log('debug', 'm'.repeat(3_000), { big: 'd'.repeat(10_000) });

    expect(lines[0].message.length).toBe(2_001);
    expect(lines[0].data).toMatchObject({ truncated: true });
    expect((lines[0].data as { preview: string }).preview.length).toBe(1_000);
  });
});

describe('files', () => {
  const filer = buildTestPackage({
    name: 'filer',
    actions: [
      {
        name: 'store',
        run: 'async (ctx) => { const ref = await ctx.files.put({ name: "a.txt", contentType: "text/plain", base64: "aGVsbG8=", model: "tiny-1", prompt: "say olá 👋" }); const back = await ctx.files.get(ref.id); return { ref, back }; }',
      },
      {
        name: 'read',
        configSchema: { type: 'object', properties: { id: { type: 'string' } } },
        run: 'async (ctx) => ctx.files.get(ctx.config.id)',
      },
      {
        name: 'bad',
        run: 'async (ctx) => ctx.files.put({ name: "b.bin", contentType: "application/octet-stream", base64: "not base64!" })',
      },
    ],
  });

  it('stores and reads a file within a run', async () => {
    test = await startStudio();
    await install(filer);
    const graphId = await createGraph([buildNode('store', { type: 'filer/store@1' })]);

    const { run, tasks } = await waitForRun(test, await startRun(test, graphId, null));
    const result = (run.output as { store: { ref: { id: string }; back: unknown } }).store;

    expect(run.status).toBe('succeeded');
    expect(result.ref).toEqual({ id: result.ref.id, name: 'a.txt', contentType: 'text/plain', size: 5 });
    expect(result.back).toEqual({ ref: result.ref, base64: 'aGVsbG8=' });
    const record = await test.storage.artifacts.get(result.ref.id);
    const stored = await new FileBlobStore(path.join(test.dataDir, 'blobs')).get(record?.storageKey ?? '');
    expect(stored?.data.toString('utf8')).toBe('hello');
    expect(stored?.attributes.runId).toBe(run.id);
    expect(record).toMatchObject({ runId: run.id, nodeId: 'store', plugin: 'filer', model: 'tiny-1', prompt: 'say olá 👋', size: 5 });
    expect(record?.taskId).toBe(tasks.get('store')?.id);
    expect(record?.ownerId).toBe(run.ownerId);
  });

  it('hides files of other runs', async () => {
    test = await startStudio();
    await install(filer);
    const storeGraph = await createGraph([buildNode('store', { type: 'filer/store@1' })]);
    const first = await waitForRun(test, await startRun(test, storeGraph, null));
    const id = (first.run.output as { store: { ref: { id: string } } }).store.ref.id;
    const readGraph = await createGraph([buildNode('read', { type: 'filer/read@1', config: { id } })]);

    const second = await waitForRun(test, await startRun(test, readGraph, null));

    expect(second.tasks.get('read')?.error?.code).toBe('PLUGIN_FILE_NOT_FOUND');
  });

  it('rejects invalid and oversized files', async () => {
    test = await startPluginStudio({ env: { FILES_MAX_BYTES: '3' } });
    await install(filer);
    const graphId = await createGraph([buildNode('store', { type: 'filer/store@1' }), buildNode('bad', { type: 'filer/bad@1' })]);

    const { tasks } = await waitForRun(test, await startRun(test, graphId, null));

    expect(tasks.get('store')?.error?.code).toBe('PLUGIN_FILE_TOO_LARGE');
    expect(tasks.get('bad')?.error?.code).toBe('PLUGIN_FILE_INVALID');
  });
});

describe('credentials', () => {
  it('passes declared slots only', async () => {
    const resolved: string[] = [];
    const resolver: CredentialResolver = {
      async resolve(slot, credentialId, credentialType) {
        resolved.push(`${slot}:${credentialId}:${credentialType}`);
        return credentialId === 'cred-1' ? { key: 'secret-1' } : null;
      },
    };
    test = await startStudio(resolver);
    await install(
      buildTestPackage({
        name: 'mailer',
        credentialTypes: [{ name: 'apiKey', displayName: 'API key', schema: { type: 'object' } }],
        actions: [
          {
            name: 'send',
            credentialSlots: [
              { slot: 'account', type: 'apiKey', required: true },
              { slot: 'backup', type: 'apiKey' },
            ],
            run: 'async (ctx) => Object.keys(ctx.credentials).sort().join(",") + "=" + ctx.credentials.account.key',
          },
        ],
      }),
    );
    const graphId = await createGraph([
      buildNode('send', { type: 'mailer/send@1', credentials: { account: 'cred-1', undeclared: 'cred-9' } }),
    ]);

    const { run } = await waitForRun(test, await startRun(test, graphId, null));

    expect(run.status).toBe('succeeded');
    // The action returned the secret, so the recorded output has it scrubbed.
    expect(run.output).toEqual({ send: 'account=[redacted]' });
    expect(resolved).toEqual(['account:cred-1:mailer/apiKey']);
    expect(test.sandbox.calls[0].call.credentials).toEqual({ account: { key: 'secret-1' } });
  });

  it('fails on an unknown credential id', async () => {
    test = await startStudio({ resolve: async () => null });
    await install(
      buildTestPackage({
        name: 'mailer',
        credentialTypes: [{ name: 'apiKey', displayName: 'API key', schema: { type: 'object' } }],
        actions: [{ name: 'send', credentialSlots: [{ slot: 'backup', type: 'apiKey' }], run: 'async () => 1' }],
      }),
    );
    const graphId = await createGraph([buildNode('send', { type: 'mailer/send@1', credentials: { backup: 'gone' } })]);

    const { tasks } = await waitForRun(test, await startRun(test, graphId, null));

    expect(tasks.get('send')?.error).toMatchObject({ code: 'PLUGIN_CREDENTIAL_MISSING', retryable: false });
    expect(tasks.get('send')?.error?.message).toContain('gone');
  });
});

describe('file blob store', () => {
  it('writes atomically and rejects foreign keys', async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'gestorlead-blobs-'));
    try {
      const store = new FileBlobStore(folder);

      const { key } = await store.put(Buffer.from('data'), { contentType: 'text/plain', attributes: { name: 'x' } });

      expect(key).toMatch(/^[0-9a-f]{32}$/);
      expect(await store.exists(key)).toBe(true);
      expect((await store.get(key))?.data.toString()).toBe('data');
      expect(readdirSync(path.join(folder, key.slice(0, 2))).filter((name) => name.endsWith('.tmp'))).toEqual([]);
      expect(await store.get('../../etc/passwd')).toBeNull();
      expect(await store.exists('../x')).toBe(false);
      expect(await store.delete('../x')).toBe(false);
      expect(await store.delete(key)).toBe(true);
      expect(await store.get(key)).toBeNull();
      expect(await store.delete(key)).toBe(false);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
