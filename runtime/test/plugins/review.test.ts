/**
 * Regression tests for defects found by attacking the plugin host and the sandbox. Each test
 * fails on the code it was written against and names the defect it pins down.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeHostPatternProblem } from '@gestorlead/sdk-plugin/manifest';
import { createTestArtifactService } from '../support/artifacts.js';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { nonPublicRange, parseAddress } from '../../src/plugins/address-policy.js';
import { createHostServices } from '../../src/plugins/host-services.js';
import { HttpGateway } from '../../src/plugins/http-gateway.js';
import { SandboxPool } from '../../src/sandbox/index.js';
import { actionRequest, rawCode } from '../sandbox/support.js';
import { expectError, request, startRun } from '../support/http.js';
import { buildGraph, buildNode, waitForRun } from '../support/studio.js';
import { buildTestPackage, withCode } from './support/packages.js';
import { startPluginStudio, type PluginTestStudio } from './support/plugin-studio.js';

/** Cleanups of the studios and pools a test started, run by `afterEach` even when the test fails. */
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function studio(env: Record<string, string> = {}): Promise<PluginTestStudio> {
  const test = await startPluginStudio({ env });
  cleanups.push(() => test.close());
  return test;
}

async function install(test: PluginTestStudio, pluginPackage: unknown) {
  return request(test, { method: 'POST', url: '/v1/plugins', payload: pluginPackage as object });
}

async function graphWith(test: PluginTestStudio, nodes: ReturnType<typeof buildNode>[]): Promise<string> {
  const reply = await request<{ id: string }>(test, { method: 'POST', url: '/v1/graphs', payload: buildGraph(nodes, []) });
  expect(reply.status, reply.raw.body).toBe(201);
  return reply.body.id;
}

describe('ctx.files.put', () => {
  it('stores a 5 MB file', async () => {
    // FILES_MAX_BYTES is 10 MiB by default, so a 5 MB file is within the documented limit.
    const folder = mkdtempSync(path.join(os.tmpdir(), 'gestorlead-review-blobs-'));
    cleanups.push(async () => rmSync(folder, { recursive: true, force: true }));
    const settings = loadConfig({}).plugins;
    const host = createHostServices(
      {
        gateway: new HttpGateway({ allowPrivate: [], timeoutMs: 1_000, maxResponseBytes: 1_000 }),
        artifacts: createTestArtifactService(folder),
        settings,
      },
      { policy: { plugin: 'p', hosts: [], anyHost: false }, runId: 'run-1', nodeId: 'n', taskId: 't', log: () => undefined },
    );
    const base64 = Buffer.alloc(5_000_000, 7).toString('base64');

    const ref = await host.putFile({ name: 'report.bin', contentType: 'application/octet-stream', base64 });

    expect(ref.size).toBe(5_000_000);
  });
});

describe('address policy', () => {
  it('treats IPv4-compatible loopback as private', () => {
    // new URL('http://[::127.0.0.1]/').hostname is [::7f00:1], the form the gateway checks. It
    // embeds 127.0.0.1 in the deprecated IPv4-compatible block ::/96.
    expect(nonPublicRange(parseAddress('::7f00:1')!)).toBeDefined();
  });

  it('treats IPv6 site-local as private', () => {
    // fec0::/10 is the deprecated site-local block, which private networks may still route.
    expect(nonPublicRange(parseAddress('fec0::1')!)).toBeDefined();
  });
});

describe('manifest host messages', () => {
  it('port hint never suggests an address', () => {
    const message = describeHostPatternProblem('127.0.0.1:9100');

    expect(message).toBeDefined();
    expect(message).not.toContain('write "127.0.0.1"');
  });
});

describe('plugin config schemas', () => {
  it('schema pattern cannot stall the server', async () => {
    const test = await studio();
    const installed = await install(
      test,
      buildTestPackage({
        name: 'patterned',
        actions: [
          {
            name: 'act',
            run: 'async () => 1',
            configSchema: { type: 'object', properties: { code: { type: 'string', pattern: '^(a+)+$' } } },
          },
        ],
      }),
    );
    expect(installed.status, installed.raw.body).toBe(201);
    const document = buildGraph([buildNode('a', { type: 'patterned/act@1', config: { code: `${'a'.repeat(28)}b` } })], []);

    const started = performance.now();
    const reply = await request(test, { method: 'POST', url: '/v1/graphs', payload: document });
    const elapsedMs = performance.now() - started;

    // The event loop of the server is blocked while the pattern runs, so nothing else is served.
    expect(elapsedMs).toBeLessThan(1_000);
    expectError(reply, { status: 400, code: 'GRAPH_INVALID', pointer: '/nodes/0/config/code' });
  });

  it('pattern with lookahead rejected at install', async () => {
    const test = await studio();
    const pluginPackage = buildTestPackage({
      name: 'lookahead',
      actions: [
        {
          name: 'act',
          run: 'async () => 1',
          configSchema: { type: 'object', properties: { code: { type: 'string', pattern: '^(?!admin)[a-z]+$' } } },
        },
      ],
    });

    const reply = await install(test, pluginPackage);

    const pointer = '/manifest/actions/0/configSchema/properties/code/pattern';
    expectError(reply, { status: 400, code: 'PLUGIN_MANIFEST_INVALID', pointer, problemMessage: /^must not use lookahead or lookbehind/ });
    const problem = (reply.body as { errors: Array<{ pointer: string; code?: string }> }).errors.find((item) => item.pointer === pointer);
    expect(problem?.code).toBe('PLUGIN_MANIFEST_SCHEMA_UNSUPPORTED');
  });

  it('recursive $ref rejected at install', async () => {
    const test = await studio();
    const configSchema = {
      type: 'object',
      definitions: { node: { type: 'object', properties: { children: { type: 'array', items: { $ref: '#/definitions/node' } } } } },
      properties: { tree: { $ref: '#/definitions/node' } },
    };
    const pluginPackage = buildTestPackage({ name: 'recursive', actions: [{ name: 'act', run: 'async () => 1', configSchema }] });

    const reply = await install(test, pluginPackage);

    expectError(reply, {
      status: 400,
      code: 'PLUGIN_MANIFEST_INVALID',
      pointer: '/manifest/actions/0/configSchema/definitions/node/properties/children/items/$ref',
      problemMessage: /^must not make the schema recursive/,
    });
  });

  it('uniqueItems cannot stall the server', async () => {
    const test = await studio();
    const configSchema = { type: 'object', properties: { rows: { type: 'array', uniqueItems: true } } };
    const installed = await install(test, buildTestPackage({ name: 'rows', actions: [{ name: 'act', run: 'async () => 1', configSchema }] }));
    expect(installed.status, installed.raw.body).toBe(201);
    const rows = Array.from({ length: 20_000 }, (_, index) => ({ index }));
    rows.push({ index: 3 });
    const document = buildGraph([buildNode('a', { type: 'rows/act@1', config: { rows } })], []);

    const started = performance.now();
    const reply = await request(test, { method: 'POST', url: '/v1/graphs', payload: document });
    const elapsedMs = performance.now() - started;

    // Ajv's own uniqueItems compared every pair of these rows for about 10 seconds.
    expect(elapsedMs).toBeLessThan(1_000);
    expectError(reply, {
      status: 400,
      code: 'GRAPH_INVALID',
      pointer: '/nodes/0/config/rows/20000',
      problemMessage: /^is a duplicate of item 3$/,
    });
  });
});

describe('action outputs', () => {
  it('first port comes from installed manifest', async () => {
    const test = await studio();
    const pluginPackage = buildTestPackage({ name: 'ported', actions: [{ name: 'act', run: 'async () => "ran"' }] });
    // The bundle carries its own copy of the manifest, and this copy names another first output port.
    const code = pluginPackage.code.replace('"outputs":[{"name":"out"}]', '"outputs":[{"name":"sneaky"}]');
    expect(code).not.toBe(pluginPackage.code);
    expect((await install(test, withCode(pluginPackage, code))).status).toBe(201);
    const graphId = await graphWith(test, [buildNode('a', { type: 'ported/act@1' })]);

    const { tasks } = await waitForRun(test, await startRun(test, graphId));

    expect(tasks.get('a')?.output).toEqual({ out: 'ran' });
  });

  it('undeclared output port fails task', async () => {
    const test = await studio();
    const run = 'async () => ({ __gestorleadOutputs: { undeclared: 1 } })';
    await install(test, buildTestPackage({ name: 'stray', actions: [{ name: 'act', run }] }));
    const graphId = await graphWith(test, [buildNode('a', { type: 'stray/act@1' })]);

    const { run: finished, tasks } = await waitForRun(test, await startRun(test, graphId));

    // The SDK harness rejects a value on a port the action does not declare.
    expect(finished.status).toBe('failed');
    expect(tasks.get('a')?.status).toBe('FAILED');
  });
});

describe('sandbox pool', () => {
  it('one plugin cannot starve others', async () => {
    const test = await studio({ SANDBOX_POOL_SIZE: '1', SANDBOX_TIMEOUT_MS: '3000' });
    await install(
      test,
      buildTestPackage({
        name: 'hog',
        actions: [{ name: 'spin', run: '() => { for (;;) {} }', limits: { cpuTimeMs: 20_000, timeoutMs: 20_000 } }],
      }),
    );
    await install(test, buildTestPackage({ name: 'calm', actions: [{ name: 'act', run: 'async () => 1' }] }));
    // One child runs four calls at once, so four spinning nodes of one run hold every slot.
    const hogGraph = await graphWith(
      test,
      ['h1', 'h2', 'h3', 'h4'].map((id) => buildNode(id, { type: 'hog/spin@1' })),
    );
    const calmGraph = await graphWith(test, [buildNode('a', { type: 'calm/act@1' })]);

    const hogRun = await startRun(test, hogGraph);
    cleanups.push(async () => {
      await request(test, { method: 'POST', url: `/v1/runs/${hogRun}/cancel` });
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { run, tasks } = await waitForRun(test, await startRun(test, calmGraph), 15_000);

    expect(tasks.get('a')?.error?.code).toBeUndefined();
    expect(run.status).toBe('succeeded');
  });

  // The test reads /proc (Linux).
  it('child RSS bounded for large results', async () => {
    const pool = new SandboxPool({ poolSize: 1 });
    cleanups.push(() => pool.close());
    await pool.ready();
    const [pid] = pool.childPids();
    const rssMb = (): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
    const code = rawCode(
      'big@1.0.0',
      '(() => { globalThis.__gestorleadPlugin = { manifest: { actions: [{ name: "big", version: 1, outputs: [{ name: "out" }] }] },' +
        ' actions: [{ name: "big", version: 1, run: () => "x".repeat(5e6) }], triggers: [] }; })();',
    );
    const call = () => pool.callAction(actionRequest(code, 'big', { limits: { memoryMb: 128, cpuTimeMs: 5_000 } }));
    // The first calls warm the isolates, so growth after them is what the later calls retain.
    for (let index = 0; index < 5; index += 1) expect((await call()).ok).toBe(true);
    const warmMb = rssMb();

    for (let index = 0; index < 80; index += 1) expect((await call()).ok).toBe(true);

    // 80 results of 5 MB are 400 MB in all, while each isolate is limited to a 128 MiB heap.
    expect(rssMb() - warmMb).toBeLessThan(200);
  });
});
