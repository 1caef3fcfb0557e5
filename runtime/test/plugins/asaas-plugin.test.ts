/**
 * The bundled Asaas plugin end to end: a studio with the real sandbox pool, packed from
 * plugins/asaas, against a stand-in for the Asaas API on 127.0.0.1 that the name
 * api-sandbox.asaas.com resolves to. Webhook deliveries go over HTTP to the studio.
 */
import { fileURLToPath } from 'node:url';
import type { GraphDocument, GraphNode } from '@gestorlead/sdk-plugin';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { installBundledPlugins } from '../../src/plugins/bundled.js';
import { expectError, request, startRun, type JsonReply } from '../support/http.js';
import { buildGraph, buildNode, registerTestUser, waitForRun, type TestUser } from '../support/studio.js';
import { createCredential } from '../vault/support.js';
import { ASAAS_API_KEY, QR_PNG_BASE64, useAsaasServer } from './support/asaas-server.js';
import { buildTestPackage } from './support/packages.js';
import { startPluginStudio, type PluginTestStudio } from './support/plugin-studio.js';

const ASAAS_DIR = fileURLToPath(new URL('../../../plugins/asaas/', import.meta.url));
const WEBHOOK_TOKEN = 'whk_asaas_token_8d2f61';
const log = createLogger('silent');

let test: PluginTestStudio;

const asaas = useAsaasServer();

afterEach(async () => {
  await test.close();
});

async function startAsaasStudio(): Promise<PluginTestStudio> {
  const studio = await startPluginStudio({
    env: { HTTP_ALLOW_PRIVATE: `127.0.0.1:${asaas.server.port}` },
    resolveHost: async (hostname) => {
      if (hostname === 'api-sandbox.asaas.com') return [{ address: '127.0.0.1', family: 4 }];
      throw Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    },
  });
  await installBundledPlugins(studio.studio.ctx.plugins, log, [ASAAS_DIR]);
  await studio.listen();
  return studio;
}

/** Stores an Asaas credential for `user` (the admin by default) pointed at the stand-in. */
function asaasCredential(values: Record<string, unknown> = {}, user?: TestUser): Promise<string> {
  return createCredential(
    test,
    {
      name: 'Asaas sandbox',
      type: 'asaas/asaasApi',
      values: { apiKey: ASAAS_API_KEY, environment: 'sandbox', webhookToken: WEBHOOK_TOKEN, baseUrl: `http://api-sandbox.asaas.com:${asaas.server.port}/v3`, ...values },
    },
    user?.accessToken,
  );
}

async function createGraph(document: GraphDocument, token?: string): Promise<string> {
  const reply = await request<{ id: string }>(test, { method: 'POST', url: '/v1/graphs', payload: document, token });
  expect(reply.status, reply.raw.body).toBe(201);
  return reply.body.id;
}

/** Runs a one-node graph of `type` as `user` (the admin by default) and returns the task and run. */
async function runOneNode(type: string, credentialId: string, config: Record<string, unknown>, input: unknown = null, user?: TestUser) {
  const node: GraphNode = buildNode('n', { type, config, credentials: { asaas: credentialId } });
  const graphId = await createGraph(buildGraph([node], []), user?.accessToken);
  const runId = user === undefined ? await startRun(test, graphId, input) : await startRunAs(user, graphId, input);
  const { run, tasks } = await waitForRun(test, runId);
  return { run, task: tasks.get('n')!, output: (run.output as Record<string, any> | null)?.n };
}

async function startRunAs(user: TestUser, graphId: string, input: unknown): Promise<string> {
  const reply = await request<{ runId: string }>(test, { method: 'POST', url: `/v1/graphs/${graphId}/runs`, payload: { input }, token: user.accessToken });
  expect(reply.status, reply.raw.body).toBe(202);
  return reply.body.runId;
}

async function balanceOf(user: TestUser): Promise<{ balance: number; history: { items: { kind: string; amount: number }[] } }> {
  const reply = await request(test, { method: 'GET', url: '/v1/credits', token: user.accessToken });
  expect(reply.status, reply.raw.body).toBe(200);
  return reply.body;
}

describe('asaas actions', () => {
  it('finds or creates a customer', async () => {
    test = await startAsaasStudio();
    const credentialId = await asaasCredential();
    const config = { name: 'Ana Souza', email: 'ana@example.com', externalReference: 'lead-7' };

    const first = await runOneNode('asaas/customer@1', credentialId, config, { cpfCnpj: '123.456.789-09' });
    const second = await runOneNode('asaas/customer@1', credentialId, config, { cpfCnpj: '12345678909' });
    const posts = asaas.server.received.filter((received) => received.method === 'POST');
    const lookups = asaas.server.received.filter((received) => received.method === 'GET');

    expect(first.run.status, JSON.stringify(first.task.error)).toBe('succeeded');
    expect(first.output).toMatchObject({ created: true, customer: { name: 'Ana Souza', cpfCnpj: '12345678909', email: 'ana@example.com', externalReference: 'lead-7' } });
    expect(second.output).toMatchObject({ created: false, customerId: first.output.customerId });
    expect(posts).toHaveLength(1);
    expect(posts[0].url).toBe('/v3/customers');
    expect(posts[0].headers.access_token).toBe(ASAAS_API_KEY);
    expect(posts[0].headers['content-type']).toMatch(/^application\/json/);
    expect(lookups.map((received) => received.url)).toEqual(['/v3/customers?cpfCnpj=12345678909', '/v3/customers?cpfCnpj=12345678909']);
  });

  it('creates a PIX charge and reads its QR code', async () => {
    test = await startAsaasStudio();
    const credentialId = await asaasCredential();
    asaas.server.customers.set('cus_1', { id: 'cus_1', name: 'Ana', cpfCnpj: '12345678909' });

    const charge = await runOneNode('asaas/create-charge@1', credentialId, { billingType: 'PIX', value: 49.9, dueDate: '2026-12-10', externalReference: 'user-1' }, { customerId: 'cus_1' });
    const qr = await runOneNode('asaas/pix-qr-code@1', credentialId, {}, { paymentId: charge.output.paymentId });
    const artifact = await test.storage.artifacts.get(qr.output.image.id);

    expect(charge.run.status, JSON.stringify(charge.task.error)).toBe('succeeded');
    expect(charge.output).toMatchObject({ status: 'PENDING', billingType: 'PIX', value: 49.9, dueDate: '2026-12-10', externalReference: 'user-1' });
    expect(charge.output.paymentId).toMatch(/^pay_/);
    expect(JSON.parse(asaas.server.received.find((received) => received.method === 'POST')!.body)).toEqual({
      customer: 'cus_1',
      billingType: 'PIX',
      value: 49.9,
      dueDate: '2026-12-10',
      externalReference: 'user-1',
    });
    expect(qr.run.status, JSON.stringify(qr.task.error)).toBe('succeeded');
    expect(qr.output.payload).toContain(charge.output.paymentId);
    expect(qr.output.image).toMatchObject({ contentType: 'image/png', size: Buffer.from(QR_PNG_BASE64, 'base64').length });
    expect(artifact?.name).toBe(`pix-${charge.output.paymentId}.png`);
  });

  it('reads the line of a boleto', async () => {
    test = await startAsaasStudio();
    const credentialId = await asaasCredential();
    const payment = asaas.server.addPayment({ customer: 'cus_1', billingType: 'BOLETO', value: 50, dueDate: '2026-12-10' });

    const line = await runOneNode('asaas/boleto-line@1', credentialId, { paymentId: payment.id });

    expect(line.run.status, JSON.stringify(line.task.error)).toBe('succeeded');
    expect(line.output).toEqual({
      paymentId: payment.id,
      identificationField: '00190000090275928800021932978170187890000005000',
      nossoNumero: '6543',
      barCode: '00191878900000050000000002759288002193297817',
    });
  });

  it('maps a validation error body', async () => {
    test = await startAsaasStudio();
    const credentialId = await asaasCredential();
    asaas.server.customers.set('cus_1', { id: 'cus_1', name: 'Ana', cpfCnpj: '12345678909' });

    const { task } = await runOneNode('asaas/create-charge@1', credentialId, { value: 2, dueDate: '2026-12-10', customerId: 'cus_1' });

    expect(task.error).toMatchObject({ code: 'ASAAS_REQUEST_INVALID', retryable: false });
    expect(task.error?.message).toContain('invalid_value');
    expect(task.error?.details).toEqual({ status: 400, errors: [{ code: 'invalid_value', description: 'O valor da cobrança não pode ser menor que R$ 5,00.' }] });
  });

  it('rejects a bad key without leaking it', async () => {
    test = await startAsaasStudio();
    asaas.server.behaviour.echoKeyInErrors = true;
    const wrongKey = '$aact_wrong_key_77c0aa31';
    const credentialId = await asaasCredential({ apiKey: wrongKey });

    const { run, task } = await runOneNode('asaas/customer@1', credentialId, { cpfCnpj: '12345678909' });
    const logs = await request(test, { method: 'GET', url: `/v1/tasks/${task.id}/logs` });

    expect(task.error).toMatchObject({ code: 'ASAAS_UNAUTHORIZED', retryable: false });
    expect(asaas.server.received[0].headers.access_token).toBe(wrongKey);
    expect(JSON.stringify(task.error)).not.toContain(wrongKey);
    expect(JSON.stringify(run.error)).not.toContain(wrongKey);
    expect(logs.raw.body).not.toContain(wrongKey);
  });

  it('retries a 429 after retry-after', async () => {
    test = await startAsaasStudio();
    const credentialId = await asaasCredential();
    asaas.server.behaviour.rateLimitSeconds = 1;
    const payment = asaas.server.addPayment({ customer: 'cus_1', billingType: 'BOLETO', value: 50, dueDate: '2026-12-10' });

    const limited = await runOneNode('asaas/boleto-line@1', credentialId, { paymentId: payment.id });
    asaas.server.behaviour.rateLimitSeconds = 0;
    const retried = await (async () => {
      asaas.server.behaviour.rateLimitSeconds = 1;
      const node = buildNode('n', {
        type: 'asaas/boleto-line@1',
        config: { paymentId: payment.id },
        credentials: { asaas: credentialId },
        retry: { maxAttempts: 2, backoff: 'fixed', delayMs: 10, retryOn: ['429'] },
      });
      const graphId = await createGraph(buildGraph([node], []));
      const runId = await startRun(test, graphId, null);
      // The first attempt is rate-limited; the limit is lifted before the retry's wait ends.
      await waitForCondition(() => asaas.server.received.length >= 2);
      asaas.server.behaviour.rateLimitSeconds = 0;
      return waitForRun(test, runId);
    })();
    const attempts = await test.storage.tasks.listAttempts(retried.tasks.get('n')!.id);

    expect(limited.task.error).toMatchObject({ code: 'ASAAS_RATE_LIMITED', retryable: true, details: { status: 429, retryAfterMs: 1000 } });
    expect(retried.run.status).toBe('succeeded');
    expect(attempts).toHaveLength(2);
    expect(Date.parse(attempts[1].startedAt) - Date.parse(attempts[0].startedAt)).toBeGreaterThanOrEqual(1000);
  });

  it('times out on a slow response', async () => {
    test = await startAsaasStudio();
    const credentialId = await asaasCredential();
    asaas.server.behaviour.delayMs = 1_500;

    const { task } = await runOneNode('asaas/customer@1', credentialId, { cpfCnpj: '12345678909', timeoutMs: 200 });

    expect(task.error).toMatchObject({ code: 'PLUGIN_HTTP_TIMEOUT', retryable: true });
  });
});

async function waitForCondition(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('the condition did not hold in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A published graph: the payment-events trigger into a top-up node. */
async function topUpGraph(credentialId: string): Promise<string> {
  const document = buildGraph([buildNode('topup', { type: 'asaas/top-up-credits@1', config: { creditsPerBrl: 10 }, credentials: { asaas: credentialId } })], [], {
    settings: { trigger: { type: 'asaas/payment-events', credentials: { asaas: credentialId } } },
  });
  const graphId = await createGraph(document);
  const published = await request(test, { method: 'POST', url: `/v1/graphs/${graphId}/publish` });
  expect(published.status, published.raw.body).toBe(200);
  return graphId;
}

function paymentEvent(payment: Record<string, unknown>, event = 'PAYMENT_RECEIVED'): string {
  return JSON.stringify({ id: `evt_${String(payment.id)}_${event}`, event, dateCreated: '2026-12-04 12:00:00', payment: { ...payment, status: 'RECEIVED' } });
}

async function deliver(graphId: string, body: string, token: string | null = WEBHOOK_TOKEN): Promise<{ status: number; body: any }> {
  const response = await fetch(`${test.url}/hooks/${graphId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === null ? {} : { 'asaas-access-token': token }) },
    body,
    signal: AbortSignal.timeout(30_000),
  });
  return { status: response.status, body: await response.json() };
}

function topUpEntry(paymentId: string) {
  return test.storage.ledger.findByKey(`topup:asaas:${paymentId}`);
}

describe('asaas payment webhooks', () => {
  it('rejects a delivery with a wrong token', async () => {
    test = await startAsaasStudio();
    const credentialId = await asaasCredential();
    const graphId = await topUpGraph(credentialId);
    const body = paymentEvent(asaas.server.addPayment({ customer: 'cus_1', billingType: 'PIX', value: 10, dueDate: '2026-12-10' }));

    const wrong = await deliver(graphId, body, 'not-the-token');
    const missing = await deliver(graphId, body, null);

    for (const reply of [wrong, missing]) {
      expectError({ status: reply.status, headers: { 'content-type': 'application/json' }, body: reply.body, raw: { body: JSON.stringify(reply.body) } } as unknown as JsonReply, {
        status: 401,
        code: 'WEBHOOK_UNVERIFIED',
      });
    }
    expect(await test.storage.runs.list({ graphId })).toHaveLength(0);
  });

  it('ignores events outside the list', async () => {
    test = await startAsaasStudio();
    const credentialId = await asaasCredential();
    const graphId = await topUpGraph(credentialId);
    const payment = asaas.server.addPayment({ customer: 'cus_1', billingType: 'PIX', value: 10, dueDate: '2026-12-10' });

    const reply = await deliver(graphId, paymentEvent(payment, 'PAYMENT_CREATED'));

    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ ignored: true });
  });

  it('tops up once for repeated and concurrent deliveries', async () => {
    test = await startAsaasStudio();
    const buyer = await registerTestUser(test);
    const before = await balanceOf(buyer);
    const credentialId = await asaasCredential();
    const graphId = await topUpGraph(credentialId);
    const payment = asaas.server.addPayment({ customer: 'cus_1', billingType: 'PIX', value: 19.9, dueDate: '2026-12-10', externalReference: buyer.id, status: 'RECEIVED' });
    const body = paymentEvent(payment);

    const first = await deliver(graphId, body);
    const firstRun = await waitForRun(test, first.body.runId, 30_000);
    const again = await deliver(graphId, body);
    const concurrent = await Promise.all(Array.from({ length: 5 }, () => deliver(graphId, body)));
    const runs = await Promise.all([again, ...concurrent].map((reply) => waitForRun(test, reply.body.runId, 30_000)));
    const after = await balanceOf(buyer);
    const entry = await topUpEntry(String(payment.id));

    expect(first.status).toBe(202);
    expect(firstRun.run.status, JSON.stringify(firstRun.tasks.get('topup')?.error)).toBe('succeeded');
    expect(firstRun.run.output).toEqual({ topup: { paymentId: payment.id, userId: buyer.id, credits: 199, created: true, balance: before.balance + 199 } });
    for (const { run } of runs) {
      expect(run.status).toBe('succeeded');
      expect((run.output as any).topup).toMatchObject({ created: false, credits: 199 });
    }
    expect(after.balance).toBe(before.balance + 199);
    expect(after.history.items.filter((item) => item.kind === 'topup')).toHaveLength(1);
    expect(entry).toMatchObject({ userId: buyer.id, kind: 'topup', delta: 199 });
  });

  it('does not top up an unpaid payment', async () => {
    test = await startAsaasStudio();
    const buyer = await registerTestUser(test);
    const credentialId = await asaasCredential();
    // The event claims RECEIVED, but the payment read back from Asaas is still pending.
    const payment = asaas.server.addPayment({ customer: 'cus_1', billingType: 'PIX', value: 10, dueDate: '2026-12-10', externalReference: buyer.id });

    const { task } = await runOneNode('asaas/top-up-credits@1', credentialId, {}, { event: { paymentId: payment.id } });

    expect(task.error).toMatchObject({ code: 'ASAAS_PAYMENT_NOT_PAID', retryable: false });
    expect(await topUpEntry(String(payment.id))).toBeNull();
  });
});

describe('credit top-up permission', () => {
  it('is refused in a graph of a user who is not admin', async () => {
    test = await startAsaasStudio();
    const user = await registerTestUser(test);
    const before = await balanceOf(user);
    const credentialId = await asaasCredential({}, user);
    const payment = asaas.server.addPayment({ customer: 'cus_1', billingType: 'PIX', value: 100, dueDate: '2026-12-10', externalReference: user.id, status: 'RECEIVED' });

    const { task } = await runOneNode('asaas/top-up-credits@1', credentialId, {}, { paymentId: payment.id }, user);

    expect(task.error).toMatchObject({ code: 'PLUGIN_PERMISSION_DENIED', retryable: false });
    expect((await balanceOf(user)).balance).toBe(before.balance);
  });

  it('is refused to a private plugin that declares it', async () => {
    test = await startAsaasStudio();
    const user = await registerTestUser(test);
    const before = await balanceOf(user);
    const pluginPackage = buildTestPackage({
      name: 'mint',
      actions: [{ name: 'mint', run: `async (ctx) => ctx.credits.topUp({ userId: ${JSON.stringify(user.id)}, credits: 1000000, paymentId: 'free' })` }],
    });
    pluginPackage.manifest.permissions.topUpCredits = true;
    const installed = await request(test, { method: 'POST', url: '/v1/plugins', payload: pluginPackage, token: user.accessToken });
    const graphId = await createGraph(buildGraph([buildNode('n', { type: 'mint/mint@1' })], []), user.accessToken);

    const { tasks } = await waitForRun(test, await startRunAs(user, graphId, null));

    expect(installed.status, installed.raw.body).toBe(201);
    expect(installed.body.visibility).toBe('private');
    expect(tasks.get('n')?.error).toMatchObject({ code: 'PLUGIN_PERMISSION_DENIED', retryable: false });
    expect((await balanceOf(user)).balance).toBe(before.balance);
  });
});
