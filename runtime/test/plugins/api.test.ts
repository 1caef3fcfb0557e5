import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectError, request, startRun } from '../support/http.js';
import { buildEdge, buildGraph, buildNode, waitForRun } from '../support/studio.js';
import { buildTestPackage, withCode } from './support/packages.js';
import { startPluginStudio, type PluginTestStudio } from './support/plugin-studio.js';

const GREET_V1 = 'async (ctx) => ({ greeting: "hello " + ctx.input.in.name, version: "1.0.0" })';

function greeter(version = '1.0.0', extraActions: Parameters<typeof buildTestPackage>[0]['actions'] = []) {
  return buildTestPackage({
    name: 'greeter',
    version,
    actions: [
      {
        name: 'greet',
        displayName: 'Greet',
        run: `async (ctx) => ({ greeting: "hello " + ctx.input.in.name, version: ${JSON.stringify(version)} })`,
      },
      ...extraActions,
    ],
  });
}

let test: PluginTestStudio;

beforeEach(async () => {
  test = await startPluginStudio();
});

afterEach(async () => {
  await test.close();
});

async function install(pluginPackage: unknown) {
  return request(test, { method: 'POST', url: '/v1/plugins', payload: pluginPackage as object });
}

async function createGraphWith(type: string, config: Record<string, unknown> = {}): Promise<string> {
  const document = buildGraph([buildNode('a', { type, config })], []);
  const reply = await request<{ id: string }>(test, { method: 'POST', url: '/v1/graphs', payload: document });
  expect(reply.status, reply.raw.body).toBe(201);
  return reply.body.id;
}

describe('POST /v1/plugins', () => {
  it('installs and lists node types', async () => {
    const reply = await install(greeter());

    expect(reply.status, reply.raw.body).toBe(201);
    expect(reply.body).toEqual({
      plugin: { name: 'greeter', version: '1.0.0' },
      visibility: 'shared',
      nodeTypes: [{ type: 'greeter/greet@1', displayName: 'Greet' }],
      triggers: [],
    });
  });

  it('adds node types to GET /v1/node-types', async () => {
    await install(
      buildTestPackage({
        name: 'mailer',
        credentialTypes: [{ name: 'apiKey', displayName: 'API key', schema: { type: 'object', properties: { key: { type: 'string' } } } }],
        actions: [
          {
            name: 'send',
            run: 'async () => null',
            credentialSlots: [{ slot: 'account', type: 'apiKey', required: true }],
            credits: { fixed: 2 },
            limits: { memoryMb: 4096 > 1024 ? 1024 : 64, timeoutMs: 5_000 },
          },
        ],
      }),
    );

    const reply = await request(test, { method: 'GET', url: '/v1/node-types' });
    const send = reply.body.items.find((item: { type: string }) => item.type === 'mailer/send@1');

    expect(send).toBeDefined();
    expect(send.plugin).toEqual({ name: 'mailer', version: '1.0.0' });
    expect(send.credentialSlots).toEqual([{ slot: 'account', type: 'apiKey', required: true }]);
    expect(send.credits).toEqual({ fixed: 2 });
    // memoryMb 1024 is capped by SANDBOX_MAX_MEMORY_MB (512); cpuTimeMs falls back to the default.
    expect(send.limits).toEqual({ memoryMb: 512, cpuTimeMs: 10_000, timeoutMs: 5_000 });
    expect(send.execute).toBeUndefined();
  });

  it('rejects a sha256 mismatch', async () => {
    const pluginPackage = { ...greeter(), sha256: 'f'.repeat(64) };

    const reply = await install(pluginPackage);

    expectError(reply, { status: 400, code: 'PLUGIN_PACKAGE_SHA256_MISMATCH', pointer: '/sha256' });
  });

  it('rejects an unknown format', async () => {
    const reply = await install({ ...greeter(), format: 'gestorlead.plugin/v9' });

    expectError(reply, { status: 400, code: 'PLUGIN_PACKAGE_FORMAT_UNSUPPORTED', pointer: '/format' });
  });

  it('rejects a malformed envelope', async () => {
    const { code: _code, ...withoutCode } = greeter();

    const reply = await install(withoutCode);

    expectError(reply, { status: 400, code: 'PLUGIN_PACKAGE_INVALID', pointer: '/code' });
  });

  it('rejects manifest problems with pointers', async () => {
    const pluginPackage = greeter();
    const manifest = { ...pluginPackage.manifest, permissions: { hosts: ['https://api.example.com'] } };

    const reply = await install({ ...pluginPackage, manifest });

    expectError(reply, { status: 400, code: 'PLUGIN_MANIFEST_INVALID', pointer: '/manifest/permissions/hosts/0' });
    const problem = reply.body.errors.find((item: { pointer: string }) => item.pointer === '/manifest/permissions/hosts/0');
    expect(problem.code).toBe('PLUGIN_MANIFEST_HOST_INVALID');
  });

  it('rejects an unsupported runtime range', async () => {
    const pluginPackage = buildTestPackage({ name: 'future', runtime: '^2.0.0', actions: [{ name: 'go', run: 'async () => 1' }] });

    const reply = await install(pluginPackage);

    expectError(reply, {
      status: 400,
      code: 'PLUGIN_RUNTIME_UNSUPPORTED',
      pointer: '/manifest/runtime',
      problemMessage: /0\.1\.0/,
    });
    expect((await request(test, { method: 'GET', url: '/v1/plugins/future' })).status).toBe(404);
  });

  it('rejects a duplicate version', async () => {
    await install(greeter());

    const reply = await install(withCode(greeter(), greeter().code + '\n// changed\n'));

    expectError(reply, { status: 409, code: 'PLUGIN_VERSION_EXISTS', pointer: '/manifest/version' });
  });

  it('rejects the reserved core name', async () => {
    const reply = await install(buildTestPackage({ name: 'core', actions: [{ name: 'extra', run: 'async () => 1' }] }));

    expectError(reply, { status: 400, code: 'PLUGIN_NAME_RESERVED', pointer: '/manifest/name' });
  });

  it('rejects node types of built-in nodes', async () => {
    const reply = await install(buildTestPackage({ name: 'test', actions: [{ name: 'echo', run: 'async () => 1' }] }));

    expectError(reply, { status: 409, code: 'PLUGIN_NODE_TYPE_CONFLICT', pointer: '/manifest/actions/0/name' });
  });

  it('rejects a body that is not an object', async () => {
    const reply = await request(test, {
      method: 'POST',
      url: '/v1/plugins',
      payload: '[1]',
      headers: { 'content-type': 'application/json' },
    });

    expectError(reply, { status: 400, code: 'REQUEST_INVALID', pointer: '/body' });
  });
});

describe('GET /v1/plugins', () => {
  it('lists names with versions', async () => {
    await install(greeter('1.0.0'));
    await install(greeter('1.2.0'));
    await install(buildTestPackage({ name: 'alpha', actions: [{ name: 'go', run: 'async () => 1' }] }));

    const reply = await request(test, { method: 'GET', url: '/v1/plugins' });

    expect(reply.status).toBe(200);
    expect(reply.body.items.map((item: { name: string }) => item.name)).toEqual(['alpha', 'greeter']);
    const greeterItem = reply.body.items[1];
    expect(greeterItem.latestVersion).toBe('1.2.0');
    expect(greeterItem.versions.map((item: { version: string }) => item.version)).toEqual(['1.2.0', '1.0.0']);
    expect(greeterItem.versions.every((item: { loaded: boolean }) => item.loaded)).toBe(true);
  });

  it('gets one plugin', async () => {
    await install(greeter('1.0.0'));
    await install(greeter('1.1.0'));

    const reply = await request(test, { method: 'GET', url: '/v1/plugins/greeter' });

    expect(reply.status).toBe(200);
    expect(reply.body.latestVersion).toBe('1.1.0');
    expect(reply.body.versions[0].nodeTypes).toEqual([{ type: 'greeter/greet@1', displayName: 'Greet', active: true }]);
    expect(reply.body.versions[1].nodeTypes).toEqual([{ type: 'greeter/greet@1', displayName: 'Greet', active: false }]);
  });

  it('gets one version without code', async () => {
    const pluginPackage = greeter();
    await install(pluginPackage);

    const reply = await request(test, { method: 'GET', url: '/v1/plugins/greeter/1.0.0' });

    expect(reply.status).toBe(200);
    expect(reply.body.manifest).toEqual(pluginPackage.manifest);
    expect(reply.body.sha256).toBe(pluginPackage.sha256);
    expect(typeof reply.body.installedAt).toBe('string');
    expect(reply.body.code).toBeUndefined();
    expect(reply.raw.body).not.toContain('__gestorleadPlugin');
  });

  it('returns 404 for unknown plugins and versions', async () => {
    await install(greeter());

    expectError(await request(test, { method: 'GET', url: '/v1/plugins/nothing' }), {
      status: 404,
      code: 'PLUGIN_NOT_FOUND',
      pointer: '/params/name',
    });
    expectError(await request(test, { method: 'GET', url: '/v1/plugins/greeter/9.9.9' }), {
      status: 404,
      code: 'PLUGIN_VERSION_NOT_FOUND',
      pointer: '/params/version',
    });
  });

  it('rejects malformed names and versions', async () => {
    expectError(await request(test, { method: 'GET', url: '/v1/plugins/Bad_Name' }), {
      status: 400,
      code: 'REQUEST_INVALID',
      pointer: '/params/name',
    });
    expectError(await request(test, { method: 'DELETE', url: '/v1/plugins/greeter/1.0' }), {
      status: 400,
      code: 'REQUEST_INVALID',
      pointer: '/params/version',
    });
  });
});

describe('versions side by side', () => {
  it('resolves a type to the highest version', async () => {
    await install(greeter('1.0.0'));
    const graphId = await createGraphWith('greeter/greet@1');
    await install(greeter('1.1.0'));

    const runId = await startRun(test, graphId, { name: 'Ada' });
    const { run } = await waitForRun(test, runId);

    expect(run.status).toBe('succeeded');
    expect(run.output).toEqual({ a: { greeting: 'hello Ada', version: '1.1.0' } });
  });

  it('keeps old action majors for old graphs', async () => {
    await install(greeter('1.0.0'));
    const oldGraph = await createGraphWith('greeter/greet@1');
    await install(
      buildTestPackage({
        name: 'greeter',
        version: '2.0.0',
        actions: [{ name: 'greet', version: 2, displayName: 'Greet v2', run: 'async (ctx) => ({ hi: ctx.input.in.name })' }],
      }),
    );
    const newGraph = await createGraphWith('greeter/greet@2');

    const oldRun = await waitForRun(test, await startRun(test, oldGraph, { name: 'Ada' }));
    const newRun = await waitForRun(test, await startRun(test, newGraph, { name: 'Bo' }));

    expect(oldRun.run.output).toEqual({ a: { greeting: 'hello Ada', version: '1.0.0' } });
    expect(newRun.run.output).toEqual({ a: { hi: 'Bo' } });
    const types = (await request(test, { method: 'GET', url: '/v1/node-types' })).body.items.map(
      (item: { type: string }) => item.type,
    );
    expect(types).toContain('greeter/greet@1');
    expect(types).toContain('greeter/greet@2');
  });

  it('rejects uninstalling the only provider of a used type', async () => {
    await install(greeter('1.0.0'));
    const graphId = await createGraphWith('greeter/greet@1');

    const reply = await request(test, { method: 'DELETE', url: '/v1/plugins/greeter/1.0.0' });

    expectError(reply, { status: 409, code: 'PLUGIN_IN_USE', pointer: '/params/version' });
    expect(reply.body.details.graphs).toEqual([{ graphId, versions: [1], nodeTypes: ['greeter/greet@1'], triggers: [] }]);
    expect(reply.body.message).toContain(graphId);
    expect((await request(test, { method: 'GET', url: '/v1/plugins/greeter/1.0.0' })).status).toBe(200);
  });

  it('lists every graph version that uses the type', async () => {
    await install(greeter('1.0.0'));
    const graphId = await createGraphWith('greeter/greet@1');
    await request(test, { method: 'POST', url: `/v1/graphs/${graphId}/publish` });
    const draft = buildGraph([buildNode('a', { type: 'greeter/greet@1' }), buildNode('b', { type: 'core/noop@1' })], [buildEdge('a', 'b')]);
    await request(test, { method: 'PUT', url: `/v1/graphs/${graphId}`, payload: draft });

    const reply = await request(test, { method: 'DELETE', url: '/v1/plugins/greeter/1.0.0' });

    expect(reply.status).toBe(409);
    expect(reply.body.details.graphs[0].versions).toEqual([1, 2]);
  });

  it('uninstalls a version another version covers', async () => {
    await install(greeter('1.0.0'));
    const graphId = await createGraphWith('greeter/greet@1');
    await install(greeter('1.1.0'));

    const removeNew = await request(test, { method: 'DELETE', url: '/v1/plugins/greeter/1.1.0' });
    expect(removeNew.status, removeNew.raw.body).toBe(204);

    const { run } = await waitForRun(test, await startRun(test, graphId, { name: 'Cy' }));
    expect(run.output).toEqual({ a: { greeting: 'hello Cy', version: '1.0.0' } });
  });

  it('uninstalls an unused plugin and its types', async () => {
    await install(greeter('1.0.0'));

    const reply = await request(test, { method: 'DELETE', url: '/v1/plugins/greeter/1.0.0' });

    expect(reply.status).toBe(204);
    const types = (await request(test, { method: 'GET', url: '/v1/node-types' })).body.items.map(
      (item: { type: string }) => item.type,
    );
    expect(types).not.toContain('greeter/greet@1');
    expectError(await request(test, { method: 'GET', url: '/v1/plugins/greeter' }), { status: 404, code: 'PLUGIN_NOT_FOUND' });
    expectError(await request(test, { method: 'DELETE', url: '/v1/plugins/greeter/1.0.0' }), {
      status: 404,
      code: 'PLUGIN_NOT_FOUND',
    });
    expect((await install(greeter('1.0.0'))).status).toBe(201);
  });

  it('returns 404 when deleting a missing version', async () => {
    await install(greeter('1.0.0'));

    const reply = await request(test, { method: 'DELETE', url: '/v1/plugins/greeter/3.0.0' });

    expectError(reply, { status: 404, code: 'PLUGIN_VERSION_NOT_FOUND', pointer: '/params/version', problemMessage: /1\.0\.0/ });
  });
});

describe('plugins at start-up', () => {
  it('loads installed plugins from storage', async () => {
    await install(greeter('1.0.0'));
    await install(greeter('1.3.0'));
    const graphId = await createGraphWith('greeter/greet@1');
    const dataDir = test.dataDir;
    await test.stop();

    test = await startPluginStudio({ dataDir });

    const { run } = await waitForRun(test, await startRun(test, graphId, { name: 'Di' }));
    expect(run.status).toBe('succeeded');
    expect(run.output).toEqual({ a: { greeting: 'hello Di', version: '1.3.0' } });
  });

  it('skips a stored plugin whose code was altered', async () => {
    await install(greeter('1.0.0'));
    const dataDir = test.dataDir;
    await test.stop();
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(`${dataDir}/studio.db`);
    db.prepare("update plugins set code = code || '// altered' where name = 'greeter'").run();
    db.close();

    test = await startPluginStudio({ dataDir });

    const types = (await request(test, { method: 'GET', url: '/v1/node-types' })).body.items.map(
      (item: { type: string }) => item.type,
    );
    expect(types).not.toContain('greeter/greet@1');
    const listed = await request(test, { method: 'GET', url: '/v1/plugins/greeter' });
    expect(listed.body.versions[0].loaded).toBe(false);
  });
});

describe('plugin node execution', () => {
  it('runs a graph end to end', async () => {
    await install(greeter('1.0.0'));
    const document = buildGraph(
      [buildNode('greet', { type: 'greeter/greet@1' }), buildNode('after', { type: 'core/noop@1' })],
      [buildEdge('greet', 'after')],
    );
    const graphId = (await request<{ id: string }>(test, { method: 'POST', url: '/v1/graphs', payload: document })).body.id;

    const { run, tasks } = await waitForRun(test, await startRun(test, graphId, { name: 'Eve' }));

    expect(run.status).toBe('succeeded');
    expect(tasks.get('greet')?.output).toEqual({ out: { greeting: 'hello Eve', version: '1.0.0' } });
    expect(run.output).toEqual({ after: { greeting: 'hello Eve', version: '1.0.0' } });
  });

  it('keeps code, retryable and details of plugin errors', async () => {
    await install(
      buildTestPackage({
        name: 'flaky',
        actions: [
          {
            name: 'call',
            run:
              'async (ctx) => { if (ctx.run.attempt < 3) throw { code: "FLAKY_UNAVAILABLE", message: "try later", retryable: true, details: { attempt: ctx.run.attempt } }; return "ok after " + ctx.run.attempt; }',
          },
        ],
      }),
    );
    const retrying = buildGraph(
      [buildNode('a', { type: 'flaky/call@1', retry: { maxAttempts: 3, backoff: 'fixed', delayMs: 1, retryOn: ['FLAKY_UNAVAILABLE'] } })],
      [],
    );
    const once = buildGraph([buildNode('a', { type: 'flaky/call@1' })], []);
    const retryingId = (await request<{ id: string }>(test, { method: 'POST', url: '/v1/graphs', payload: retrying })).body.id;
    const onceId = (await request<{ id: string }>(test, { method: 'POST', url: '/v1/graphs', payload: once })).body.id;

    const retried = await waitForRun(test, await startRun(test, retryingId, null));
    const failed = await waitForRun(test, await startRun(test, onceId, null));

    expect(retried.run.status).toBe('succeeded');
    expect(retried.tasks.get('a')?.attempts).toBe(3);
    expect(retried.run.output).toEqual({ a: 'ok after 3' });
    expect(failed.run.status).toBe('failed');
    expect(failed.tasks.get('a')?.error).toEqual({
      code: 'FLAKY_UNAVAILABLE',
      message: 'try later',
      retryable: true,
      details: { attempt: 1 },
    });
  });

  it('fails a required slot without credential before the sandbox', async () => {
    const sandbox = test.sandbox;
    await install(
      buildTestPackage({
        name: 'mailer',
        credentialTypes: [{ name: 'apiKey', displayName: 'API key', schema: { type: 'object' } }],
        actions: [{ name: 'send', run: 'async () => "sent"', credentialSlots: [{ slot: 'account', type: 'apiKey', required: true }] }],
      }),
    );
    const graphId = await createGraphWith('mailer/send@1');

    const { tasks } = await waitForRun(test, await startRun(test, graphId, null));

    expect(tasks.get('a')?.error?.code).toBe('PLUGIN_CREDENTIAL_MISSING');
    expect(sandbox.calls).toHaveLength(0);
  });
});
