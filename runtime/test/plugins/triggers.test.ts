/**
 * Plugin webhook triggers end to end: a studio on 127.0.0.1 with the real sandbox pool, the
 * signed-order-events example of sdk-plugin/README.md packed from its TypeScript source, and
 * hand-written test plugins for failing triggers.
 */
import { createHmac } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GraphDocument } from '@gestorlead/sdk-plugin';
import type { PluginPackage } from '@gestorlead/sdk-plugin/plugin';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CredentialResolver } from '../../src/plugins/credentials.js';
import { expectError, request, type JsonReply } from '../support/http.js';
import { buildGraph, buildNode, waitForRun } from '../support/studio.js';
import { buildTestPackage, packProject } from './support/packages.js';
import { startPluginStudio, type PluginStudioOptions, type PluginTestStudio } from './support/plugin-studio.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SDK_README = path.join(REPO_ROOT, 'sdk-plugin', 'README.md');
const SECRET = 'whsec_test_secret';

/** The plugin source and the graph document of the README's webhook trigger example. */
interface ReadmeExample {
  source: string;
  graph: GraphDocument;
}

async function readReadmeExample(): Promise<ReadmeExample> {
  const readme = await readFile(SDK_README, 'utf8');
  const blocks = [...readme.matchAll(/```(ts|json)\n([\s\S]*?)```/g)].map((match) => ({ lang: match[1], text: match[2] }));
  const source = blocks.find(
    (block) => block.lang === 'ts' && block.text.includes('hmacSha256Hex') && block.text.includes('export default definePlugin'),
  );
  const graph = blocks.find((block) => block.lang === 'json' && block.text.includes('"shop/orderEvents"'));
  if (source === undefined || graph === undefined) {
    throw new Error('sdk-plugin/README.md has no webhook trigger example with its graph document');
  }
  const document = JSON.parse(graph.text.replace('SIGNING_SECRET', SECRET)) as GraphDocument;
  return { source: source.text, graph: document };
}

let workspace: string;
let example: ReadmeExample;
let shop: PluginPackage;

beforeAll(async () => {
  workspace = await mkdtemp(path.join(os.tmpdir(), 'gestorlead-triggers-'));
  // esbuild resolves @gestorlead/sdk-plugin through the repository's node_modules.
  await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(workspace, 'node_modules'), 'dir');
  example = await readReadmeExample();
  await mkdir(path.join(workspace, 'shop', 'src'), { recursive: true });
  await writeFile(path.join(workspace, 'shop', 'src', 'index.ts'), example.source);
  shop = await packProject(path.join(workspace, 'shop'));
}, 60_000);

afterAll(async () => {
  await rm(workspace, { recursive: true, force: true });
});

let studio: PluginTestStudio | undefined;

afterEach(async () => {
  await studio?.close();
  studio = undefined;
});

async function startStudio(options: PluginStudioOptions = {}): Promise<PluginTestStudio> {
  studio = await startPluginStudio(options);
  await studio.listen();
  return studio;
}

async function install(test: PluginTestStudio, pluginPackage: PluginPackage): Promise<void> {
  const reply = await request(test, { method: 'POST', url: '/v1/plugins', payload: pluginPackage as unknown as object });
  expect(reply.status, reply.raw.body).toBe(201);
}

async function createGraph(test: PluginTestStudio, document: GraphDocument): Promise<string> {
  const reply = await request<{ id: string }>(test, { method: 'POST', url: '/v1/graphs', payload: document });
  expect(reply.status, reply.raw.body).toBe(201);
  return reply.body.id;
}

async function publish(test: PluginTestStudio, graphId: string): Promise<void> {
  const reply = await request(test, { method: 'POST', url: `/v1/graphs/${graphId}/publish` });
  expect(reply.status, reply.raw.body).toBe(200);
}

/** Returns the README graph with `config` merged into its trigger config. */
function shopGraph(config: Record<string, unknown> = {}, settings: Partial<GraphDocument['settings']> = {}): GraphDocument {
  const trigger = example.graph.settings!.trigger!;
  return {
    ...example.graph,
    settings: { ...example.graph.settings, ...settings, trigger: { ...trigger, config: { ...trigger.config, ...config } } },
  };
}

function sign(body: string, secret = SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

interface Delivery {
  status: number;
  body: any;
}

/** Sends a delivery over HTTP to the studio on 127.0.0.1. */
async function deliver(
  test: PluginTestStudio,
  graphId: string,
  body: string,
  options: { test?: boolean; headers?: Record<string, string>; query?: string } = {},
): Promise<Delivery> {
  const url = `${test.url}/hooks/${graphId}${options.test ? '/test' : ''}${options.query ?? ''}`;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...options.headers },
    body,
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

/** Sends a delivery signed the way the README's shop signs it. */
function deliverSigned(test: PluginTestStudio, graphId: string, event: unknown, options: { test?: boolean; headers?: Record<string, string>; query?: string } = {}) {
  const body = JSON.stringify(event);
  return deliver(test, graphId, body, { ...options, headers: { 'x-shop-signature': sign(body), ...options.headers } });
}

/** Wraps a `Delivery` for `expectError`, which reads status, headers and body. */
function asReply(delivery: Delivery): JsonReply {
  return {
    status: delivery.status,
    headers: { 'content-type': 'application/json' },
    body: delivery.body,
    raw: { body: JSON.stringify(delivery.body) },
  } as unknown as JsonReply;
}

async function runCount(test: PluginTestStudio, graphId: string): Promise<number> {
  return (await test.storage.runs.list({ graphId })).length;
}

const PAID = { id: 'evt_1', type: 'order.paid', data: { total: 42 } };

describe('README webhook trigger example', () => {
  it('runs a verified delivery with the parsed event', async () => {
    const test = await startStudio();
    await install(test, shop);
    const graphId = await createGraph(test, shopGraph());
    await publish(test, graphId);

    const reply = await deliverSigned(test, graphId, PAID, { query: '?source=shop' });

    expect(reply.status, JSON.stringify(reply.body)).toBe(202);
    const { run, tasks } = await waitForRun(test, reply.body.runId, 30_000);
    expect(run.status).toBe('succeeded');
    expect(run.trigger).toBe('webhook');
    const input = run.input as Record<string, any>;
    expect(input.event).toEqual({ id: 'evt_1', type: 'order.paid', order: { total: 42 } });
    expect(input.method).toBe('POST');
    expect(input.query).toEqual({ source: 'shop' });
    expect(input.headers['x-shop-signature']).toBe(sign(JSON.stringify(PAID)));
    expect(Number.isNaN(Date.parse(input.receivedAt))).toBe(false);
    expect(input.trigger).toEqual({ type: 'shop/orderEvents', pluginVersion: '1.0.0' });
    expect(input.body).toBeUndefined();
    expect(tasks.get('start')?.output).toEqual({ out: input });
    const deliveries = await test.storage.deliveries.listByGraph(graphId);
    expect(deliveries.map((item) => item.runId)).toEqual([run.id]);
  });

  it('rejects a bad signature with 401', async () => {
    const test = await startStudio();
    await install(test, shop);
    const graphId = await createGraph(test, shopGraph());
    await publish(test, graphId);

    const wrongSecret = await deliver(test, graphId, JSON.stringify(PAID), {
      headers: { 'x-shop-signature': sign(JSON.stringify(PAID), 'another-secret') },
    });
    const missing = await deliver(test, graphId, JSON.stringify(PAID));
    const tampered = await deliver(test, graphId, JSON.stringify({ ...PAID, data: { total: 1 } }), {
      headers: { 'x-shop-signature': sign(JSON.stringify(PAID)) },
    });

    for (const reply of [wrongSecret, missing, tampered]) {
      expectError(asReply(reply), { status: 401, code: 'WEBHOOK_UNVERIFIED', message: /shop\/orderEvents/ });
      expect(reply.body.details.plugin).toEqual({ name: 'shop', version: '1.0.0' });
    }
    expect(await runCount(test, graphId)).toBe(0);
  });

  it('ignores a delivery that parse maps to null', async () => {
    const test = await startStudio();
    await install(test, shop);
    const graphId = await createGraph(test, shopGraph({ types: ['order.paid'] }));
    await publish(test, graphId);

    const reply = await deliverSigned(test, graphId, { id: 'evt_2', type: 'order.refunded', data: {} });

    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ ignored: true });
    expect(await runCount(test, graphId)).toBe(0);
    expect(await test.storage.deliveries.listByGraph(graphId)).toEqual([]);
  });

  it('uses the trigger of each version on test and live URLs', async () => {
    const test = await startStudio();
    await install(test, shop);
    const graphId = await createGraph(test, shopGraph({ types: ['order.paid'] }));
    const created = { id: 'evt_3', type: 'order.created', data: { total: 7 } };

    const unpublished = await deliverSigned(test, graphId, PAID);
    expectError(asReply(unpublished), { status: 404, code: 'GRAPH_NOT_PUBLISHED' });
    const draftRun = await deliverSigned(test, graphId, PAID, { test: true });
    expect(draftRun.status, JSON.stringify(draftRun.body)).toBe(202);

    await publish(test, graphId);
    const saved = await request(test, { method: 'PUT', url: `/v1/graphs/${graphId}`, payload: shopGraph({ types: ['order.created'] }) });
    expect(saved.status, saved.raw.body).toBe(200);

    const live = await deliverSigned(test, graphId, created);
    const draft = await deliverSigned(test, graphId, created, { test: true });
    const liveBadSignature = await deliver(test, graphId, JSON.stringify(PAID), { headers: { 'x-shop-signature': 'sha256=00' } });
    const draftBadSignature = await deliver(test, graphId, JSON.stringify(PAID), { test: true, headers: { 'x-shop-signature': 'sha256=00' } });

    expect(live.body).toEqual({ ignored: true });
    expect(draft.status, JSON.stringify(draft.body)).toBe(202);
    expectError(asReply(liveBadSignature), { status: 401, code: 'WEBHOOK_UNVERIFIED' });
    expectError(asReply(draftBadSignature), { status: 401, code: 'WEBHOOK_UNVERIFIED' });
    const first = await waitForRun(test, draftRun.body.runId, 30_000);
    expect(first.run.trigger).toBe('webhook-test');
    expect(first.run.graphVersion).toBe(1);
    const second = await waitForRun(test, draft.body.runId, 30_000);
    expect(second.run.trigger).toBe('webhook-test');
    expect(second.run.graphVersion).toBe(2);
    expect((second.run.input as { event: unknown }).event).toEqual({ id: 'evt_3', type: 'order.created', order: { total: 7 } });
  });

  it('applies the token check before the trigger', async () => {
    const test = await startStudio();
    await install(test, shop);
    const graphId = await createGraph(test, shopGraph({}, { webhook: { token: { value: 'token-1' } } }));
    await publish(test, graphId);

    const withoutToken = await deliverSigned(test, graphId, PAID);
    const withToken = await deliverSigned(test, graphId, PAID, { headers: { 'x-webhook-token': 'token-1' } });

    expectError(asReply(withoutToken), { status: 401, code: 'WEBHOOK_TOKEN_INVALID' });
    expect(withToken.status, JSON.stringify(withToken.body)).toBe(202);
    const { run } = await waitForRun(test, withToken.body.runId, 30_000);
    expect((run.input as { headers: Record<string, string> }).headers['x-webhook-token']).toBe('[redacted]');
  });

  it('replies with the respond node in sync mode', async () => {
    const test = await startStudio();
    await install(test, shop);
    const document = shopGraph({}, { webhook: { mode: 'sync' } });
    document.nodes = [buildNode('reply', { type: 'core/respond@1', config: { status: 201, body: { order: '{{ input.event.id }}' } } })];
    const graphId = await createGraph(test, document);
    await publish(test, graphId);

    const reply = await deliverSigned(test, graphId, PAID);

    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    expect(reply.body).toEqual({ order: 'evt_1' });
  });

  it('returns the first run for a repeated event id', async () => {
    const test = await startStudio();
    await install(test, shop);
    const graphId = await createGraph(test, shopGraph({}, { webhook: { eventIdHeader: 'x-event-id' } }));
    await publish(test, graphId);

    const first = await deliverSigned(test, graphId, PAID, { headers: { 'x-event-id': 'evt_1' } });
    const again = await deliverSigned(test, graphId, PAID, { headers: { 'x-event-id': 'evt_1' } });

    expect(first.status).toBe(202);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ runId: first.body.runId, duplicate: true });
    expect(await runCount(test, graphId)).toBe(1);
  });
});

/** A plugin whose triggers fail on purpose, and one without hooks. */
const faulty = buildTestPackage({
  name: 'faulty',
  actions: [{ name: 'noop', run: 'async (ctx) => ctx.input.in' }],
  triggers: [
    {
      name: 'throws',
      parse: 'async () => { const error = new Error("the parse step failed: secret detail"); error.code = "FAULTY_BROKEN"; throw error; }',
    },
    { name: 'loops', limits: { cpuTimeMs: 300, timeoutMs: 20_000 }, parse: 'async () => { for (;;) {} }' },
    { name: 'rejects', verify: 'async () => { throw new TypeError("verify crashed"); }' },
    { name: 'plain' },
    { name: 'schedule', kind: 'polling' },
  ],
});

function triggerGraph(type: string, extra: Record<string, unknown> = {}): GraphDocument {
  return buildGraph([buildNode('start', { type: 'test/echo@1' })], [], { settings: { trigger: { type, ...extra } } });
}

describe('failing plugin triggers', () => {
  it('answers 502 while a healthy run alongside succeeds', { timeout: 120_000 }, async () => {
    const test = await startStudio();
    await install(test, faulty);
    await install(test, shop);
    const loopsGraph = await createGraph(test, triggerGraph('faulty/loops'));
    const throwsGraph = await createGraph(test, triggerGraph('faulty/throws'));
    const rejectsGraph = await createGraph(test, triggerGraph('faulty/rejects'));
    const healthyGraph = await createGraph(test, shopGraph());
    for (const graphId of [loopsGraph, throwsGraph, rejectsGraph, healthyGraph]) await publish(test, graphId);

    const loopsStarted = performance.now();
    const [loops, throws, rejects, healthy] = await Promise.all([
      deliver(test, loopsGraph, '{"n":1}').then((reply) => ({ ...reply, elapsedMs: performance.now() - loopsStarted })),
      deliver(test, throwsGraph, '{"n":2}'),
      deliver(test, rejectsGraph, '{"n":3}'),
      deliverSigned(test, healthyGraph, PAID),
    ]);

    expectError(asReply(loops), { status: 502, code: 'WEBHOOK_TRIGGER_FAILED', message: /faulty\/loops/ });
    expect(loops.body.details).toMatchObject({ trigger: 'faulty/loops', hook: 'parse', error: { code: 'PLUGIN_CPU_TIME_EXCEEDED' } });
    // The trigger's own 300 ms CPU limit ended the loop, well before the studio's default.
    expect(test.config.plugins.cpuTimeMs).toBeGreaterThanOrEqual(10_000);
    expect(loops.elapsedMs).toBeLessThan(8_000);
    expectError(asReply(throws), { status: 502, code: 'WEBHOOK_TRIGGER_FAILED', message: /faulty\/throws/ });
    expect(throws.body.details).toMatchObject({ trigger: 'faulty/throws', hook: 'parse', error: { code: 'FAULTY_BROKEN' } });
    expect(JSON.stringify(throws.body)).not.toContain('secret detail');
    expectError(asReply(rejects), { status: 502, code: 'WEBHOOK_TRIGGER_FAILED', message: /faulty\/rejects/ });
    expect(rejects.body.details).toMatchObject({ trigger: 'faulty/rejects', hook: 'verify', error: { code: 'RUNTIME_NODE_FAILED' } });
    expect(healthy.status, JSON.stringify(healthy.body)).toBe(202);
    const { run } = await waitForRun(test, healthy.body.runId, 30_000);
    expect(run.status).toBe('succeeded');
    for (const graphId of [loopsGraph, throwsGraph, rejectsGraph]) expect(await runCount(test, graphId)).toBe(0);

    const health = await fetch(`${test.url}/health`, { signal: AbortSignal.timeout(10_000) });
    expect(health.status).toBe(200);
    const again = await deliverSigned(test, healthyGraph, { ...PAID, id: 'evt_again' });
    expect(again.status, JSON.stringify(again.body)).toBe(202);
  });

  it('passes the body on without verify or parse', async () => {
    const test = await startStudio();
    await install(test, faulty);
    const graphId = await createGraph(test, triggerGraph('faulty/plain'));
    await publish(test, graphId);

    const reply = await deliver(test, graphId, '{"lead":"Ana"}');

    expect(reply.status, JSON.stringify(reply.body)).toBe(202);
    const { run } = await waitForRun(test, reply.body.runId, 30_000);
    expect(run.status).toBe('succeeded');
    expect((run.input as { event: unknown }).event).toEqual({ lead: 'Ana' });
  });

  it('answers 503 when the trigger is no longer installed', async () => {
    const test = await startStudio();
    await install(test, faulty);
    const graphId = await createGraph(test, triggerGraph('faulty/plain'));
    await publish(test, graphId);
    // A version left out at start-up, such as one whose runtime range no longer matches,
    // leaves the stored graph with a trigger that no loaded version provides.
    await test.storage.plugins.delete('faulty', '1.0.0');
    await test.stop();
    studio = await startStudio({ dataDir: test.dataDir });

    const reply = await deliver(studio, graphId, '{}');

    expectError(asReply(reply), { status: 503, code: 'WEBHOOK_TRIGGER_UNAVAILABLE', message: /faulty\/plain/ });
  });
});

/** A plugin whose trigger checks a token from a credential slot. */
const guarded = buildTestPackage({
  name: 'guarded',
  actions: [{ name: 'noop', run: 'async (ctx) => ctx.input.in' }],
  credentialTypes: [{ name: 'apiKey', displayName: 'API key', schema: { type: 'object', properties: { key: { type: 'string' } } } }],
  triggers: [
    {
      name: 'inbound',
      credentialSlots: [{ slot: 'account', type: 'apiKey', required: true }],
      verify: 'async (ctx) => ctx.request.headers["x-key"] === ctx.credentials.account.key',
      parse: 'async (ctx) => ({ body: ctx.request.body, slots: Object.keys(ctx.credentials) })',
    },
  ],
});

describe('trigger credentials', () => {
  it('fails without a stored credential', async () => {
    const test = await startStudio();
    await install(test, guarded);
    const unpicked = await createGraph(test, triggerGraph('guarded/inbound'));
    const unknown = await createGraph(test, triggerGraph('guarded/inbound', { credentials: { account: 'cred_1' } }));
    await publish(test, unpicked);
    await publish(test, unknown);

    const withoutChoice = await deliver(test, unpicked, '{}', { headers: { 'x-key': 'k' } });
    const withUnknownId = await deliver(test, unknown, '{}', { headers: { 'x-key': 'k' } });

    expectError(asReply(withoutChoice), { status: 400, code: 'PLUGIN_CREDENTIAL_MISSING', message: /"account"/ });
    expectError(asReply(withUnknownId), { status: 400, code: 'PLUGIN_CREDENTIAL_MISSING', message: /cred_1/ });
    expect(await runCount(test, unpicked)).toBe(0);
    expect(await runCount(test, unknown)).toBe(0);
  });

  it('passes resolved credentials to verify and parse', async () => {
    const resolved: Array<{ slot: string; credentialId: string; type: string }> = [];
    const credentials: CredentialResolver = {
      async resolve(slot, credentialId, type) {
        resolved.push({ slot, credentialId, type });
        return credentialId === 'cred_1' && type === 'guarded/apiKey' ? { key: 'key-1' } : null;
      },
    };
    const test = await startStudio({ credentials });
    await install(test, guarded);
    const graphId = await createGraph(test, triggerGraph('guarded/inbound', { credentials: { account: 'cred_1' } }));
    await publish(test, graphId);

    const accepted = await deliver(test, graphId, '{"n":1}', { headers: { 'x-key': 'key-1' } });
    const rejected = await deliver(test, graphId, '{"n":2}', { headers: { 'x-key': 'key-2' } });

    expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
    const { run } = await waitForRun(test, accepted.body.runId, 30_000);
    expect((run.input as { event: unknown }).event).toEqual({ body: { n: 1 }, slots: ['account'] });
    expectError(asReply(rejected), { status: 401, code: 'WEBHOOK_UNVERIFIED' });
    expect(resolved[0]).toEqual({ slot: 'account', credentialId: 'cred_1', type: 'guarded/apiKey' });
  });
});

describe('trigger validation', () => {
  it('reports trigger problems with pointers', async () => {
    const test = await startStudio();
    await install(test, faulty);
    await install(test, shop);
    const cases: Array<{ settings: Record<string, unknown>; pointer: string; code: string; message: RegExp }> = [
      { settings: { type: 'nobody/nothing' }, pointer: '/settings/trigger/type', code: 'GRAPH_UNKNOWN_TRIGGER', message: /unknown trigger "nobody\/nothing"/ },
      { settings: { type: 'faulty/schedule' }, pointer: '/settings/trigger/type', code: 'GRAPH_TRIGGER_KIND_UNSUPPORTED', message: /polling/ },
      {
        settings: { type: 'shop/orderEvents', pluginVersion: '^2.0.0', config: { signingSecret: 's' } },
        pointer: '/settings/trigger/pluginVersion',
        code: 'GRAPH_UNKNOWN_TRIGGER',
        message: /installed: 1\.0\.0/,
      },
      { settings: { type: 'shop/orderEvents', pluginVersion: 'latest' }, pointer: '/settings/trigger/pluginVersion', code: 'GRAPH_SCHEMA', message: /semver range/ },
      { settings: { type: 'shop/orderEvents', config: {} }, pointer: '/settings/trigger/config/signingSecret', code: 'GRAPH_CONFIG_INVALID', message: /required/ },
      {
        settings: { type: 'shop/orderEvents', config: { signingSecret: 's', types: 'order.paid' } },
        pointer: '/settings/trigger/config/types',
        code: 'GRAPH_CONFIG_INVALID',
        message: /array/,
      },
      { settings: { type: 'shop/orderEvents', config: { signingSecret: 's', colour: 'red' } }, pointer: '/settings/trigger/config/colour', code: 'GRAPH_CONFIG_INVALID', message: /not allowed|additional/ },
      { settings: { type: 'Shop Events' }, pointer: '/settings/trigger/type', code: 'GRAPH_SCHEMA', message: /<plugin>\/<trigger>/ },
    ];

    for (const entry of cases) {
      const document = buildGraph([buildNode('start')], [], { settings: { trigger: entry.settings } } as unknown as Partial<GraphDocument>);
      const reply = await request(test, { method: 'POST', url: '/v1/graphs', payload: document });
      expectError(reply, { status: 400, code: 'GRAPH_INVALID', pointer: entry.pointer, problemMessage: entry.message });
      const problem = reply.body.errors.find((item: { pointer: string }) => item.pointer === entry.pointer);
      expect(problem.code, entry.pointer).toBe(entry.code);
    }
  });

  it('checks the trigger again when publishing', async () => {
    const test = await startStudio();
    await install(test, faulty);
    const graphId = await createGraph(test, triggerGraph('faulty/plain', { pluginVersion: '^1.0.0' }));
    const saved = await test.storage.graphs.getVersion(graphId, 1);
    expect(saved?.document.settings?.trigger?.pluginVersion).toBe('^1.0.0');
    // Stored directly, as a document that was valid before its plugin version was removed.
    await test.storage.graphs.saveDraft(graphId, { ...triggerGraph('faulty/plain', { pluginVersion: '^3.0.0' }), id: graphId });

    const reply = await request(test, { method: 'POST', url: `/v1/graphs/${graphId}/publish` });

    expectError(reply, { status: 400, code: 'GRAPH_INVALID', pointer: '/settings/trigger/pluginVersion' });
  });

  it('lists installed triggers with their schemas', async () => {
    const test = await startStudio();
    await install(test, shop);
    await install(test, { ...shop, manifest: { ...shop.manifest, version: '1.1.0' } });

    const reply = await request(test, { method: 'GET', url: '/v1/trigger-types' });

    expect(reply.status).toBe(200);
    const listed = reply.body.items.find((item: { type: string }) => item.type === 'shop/orderEvents');
    expect(listed.kind).toBe('webhook');
    expect(listed.plugin).toEqual({ name: 'shop', version: '1.1.0' });
    expect(listed.versions).toEqual(['1.1.0', '1.0.0']);
    expect(listed.configSchema.required).toEqual(['signingSecret']);
    expect(Object.keys(listed.configSchema.properties)).toEqual(['signingSecret', 'types']);
    expect(listed.limits).toEqual({ memoryMb: test.config.plugins.memoryMb, cpuTimeMs: 2_000, timeoutMs: 5_000 });
    expect(listed.credentialSlots).toEqual([]);
  });
});

describe('uninstalling a trigger plugin', () => {
  it('is refused while a graph uses the trigger', async () => {
    const test = await startStudio();
    await install(test, shop);
    const graphId = await createGraph(test, shopGraph());

    const refused = await request(test, { method: 'DELETE', url: '/v1/plugins/shop/1.0.0' });

    expectError(refused, { status: 409, code: 'PLUGIN_IN_USE', message: graphId });
    expect(refused.body.details.graphs).toEqual([{ graphId, versions: [1], nodeTypes: [], triggers: ['shop/orderEvents'] }]);
    expect(refused.body.errors[0].message).toContain('trigger shop/orderEvents');
  });

  it('is allowed once another version in range provides it', async () => {
    const test = await startStudio();
    await install(test, shop);
    await install(test, { ...shop, manifest: { ...shop.manifest, version: '1.1.0' } });
    const inRange = await createGraph(test, shopGraph());
    const pinned = await createGraph(test, { ...shopGraph(), settings: { trigger: { ...shopGraph().settings!.trigger!, pluginVersion: '1.1.0' } } });

    const removeOld = await request(test, { method: 'DELETE', url: '/v1/plugins/shop/1.0.0' });
    const removeNew = await request(test, { method: 'DELETE', url: '/v1/plugins/shop/1.1.0' });

    expect(removeOld.status, removeOld.raw.body).toBe(204);
    expectError(removeNew, { status: 409, code: 'PLUGIN_IN_USE' });
    expect(removeNew.body.details.graphs.map((usage: { graphId: string }) => usage.graphId).sort()).toEqual([inRange, pinned].sort());
    const reply = await deliverSigned(test, inRange, PAID, { test: true });
    expect(reply.status, JSON.stringify(reply.body)).toBe(202);
    const { run } = await waitForRun(test, reply.body.runId, 30_000);
    expect((run.input as { trigger: unknown }).trigger).toEqual({ type: 'shop/orderEvents', pluginVersion: '1.1.0' });
  });
});
