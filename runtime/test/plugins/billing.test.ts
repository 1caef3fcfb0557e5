/**
 * Credit purchases end to end: `GET /v1/billing/packages`, `POST /v1/billing/checkout` through
 * the real Asaas plugin in the sandbox pool, and the payment webhook of the top-up graph, against
 * the stand-in for the Asaas API on 127.0.0.1 that api-sandbox.asaas.com resolves to.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { TOP_UP_GRAPH_ID } from '../../src/billing/top-up-graph.js';
import { createLogger } from '../../src/logger.js';
import { installBundledPlugins } from '../../src/plugins/bundled.js';
import { expectError, request } from '../support/http.js';
import { registerTestUser, type TestUser } from '../support/studio.js';
import { createCredential } from '../vault/support.js';
import { ASAAS_API_KEY, QR_PNG_BASE64, useAsaasServer } from './support/asaas-server.js';
import { startPluginStudio, type PluginTestStudio } from './support/plugin-studio.js';

const ASAAS_DIR = fileURLToPath(new URL('../../../plugins/asaas/', import.meta.url));
const WEBHOOK_TOKEN = 'whk_billing_token_41a7c2';
const PACKAGES = [
  { id: 'starter', displayName: 'Starter', credits: 600, priceCents: 4990 },
  { id: 'pro', displayName: 'Pro', credits: 2500, priceCents: 17990 },
];
const log = createLogger('silent');

let test: PluginTestStudio;

const asaas = useAsaasServer();

afterEach(async () => {
  await test.close();
});

async function startStudio(env: Record<string, string> = {}, dataDir?: string): Promise<PluginTestStudio> {
  const studio = await startPluginStudio({
    dataDir,
    env: { HTTP_ALLOW_PRIVATE: `127.0.0.1:${asaas.server.port}`, ...env },
    resolveHost: async (hostname) => {
      if (hostname === 'api-sandbox.asaas.com') return [{ address: '127.0.0.1', family: 4 }];
      throw Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    },
  });
  await installBundledPlugins(studio.studio.ctx.plugins, log, [ASAAS_DIR]);
  await studio.listen();
  return studio;
}

/**
 * Starts a studio, stores the admin's Asaas credential, and restarts it on the same data with
 * `BILLING_PACKAGES` and `BILLING_ASAAS_CREDENTIAL_ID` set, as an operator would.
 */
async function startBillingStudio(): Promise<{ credentialId: string }> {
  const first = await startStudio();
  const credentialId = await createCredential(first, {
    name: 'Asaas sandbox',
    type: 'asaas/asaasApi',
    values: { apiKey: ASAAS_API_KEY, environment: 'sandbox', webhookToken: WEBHOOK_TOKEN, baseUrl: `http://api-sandbox.asaas.com:${asaas.server.port}/v3` },
  });
  await first.stop();
  test = await startStudio({ BILLING_PACKAGES: JSON.stringify(PACKAGES), BILLING_ASAAS_CREDENTIAL_ID: credentialId }, first.dataDir);
  return { credentialId };
}

function checkoutAs(user: TestUser, payload: Record<string, unknown>) {
  return request(test, { method: 'POST', url: '/v1/billing/checkout', payload, token: user.accessToken });
}

async function balanceOf(user: TestUser): Promise<number> {
  const reply = await request(test, { method: 'GET', url: '/v1/credits', token: user.accessToken });
  expect(reply.status, reply.raw.body).toBe(200);
  return reply.body.balance;
}

/** Marks a payment of the stand-in as received and posts its event to the top-up graph. */
async function deliverPayment(paymentId: string, token = WEBHOOK_TOKEN): Promise<{ status: number; body: any }> {
  const payment = asaas.server.payments.get(paymentId)!;
  payment.status = 'RECEIVED';
  return postPaymentEvent('PAYMENT_RECEIVED', payment, token);
}

/** Posts an Asaas payment event for `payment` to the top-up graph, as Asaas does. */
async function postPaymentEvent(event: string, payment: Record<string, unknown>, token = WEBHOOK_TOKEN): Promise<{ status: number; body: any }> {
  const response = await fetch(`${test.url}/hooks/${TOP_UP_GRAPH_ID}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'asaas-access-token': token },
    body: JSON.stringify({ id: `evt_${String(payment.id)}_${event}`, event, dateCreated: '2026-12-05 10:00:00', payment }),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: response.status, body: await response.json() };
}

describe('billing packages', () => {
  it('lists the configured packages', async () => {
    await startBillingStudio();
    const buyer = await registerTestUser(test);

    const reply = await request(test, { method: 'GET', url: '/v1/billing/packages', token: buyer.accessToken });

    expect(reply.status, reply.raw.body).toBe(200);
    expect(reply.body.items).toEqual(PACKAGES.map((item) => ({ ...item, currency: 'BRL' })));
    expect(reply.body.methods).toEqual(['PIX', 'BOLETO', 'CREDIT_CARD']);
  });

  it('answers 404 without billing settings', async () => {
    test = await startStudio();
    const buyer = await registerTestUser(test);

    const packages = await request(test, { method: 'GET', url: '/v1/billing/packages', token: buyer.accessToken });
    const checkout = await checkoutAs(buyer, { packageId: 'starter', method: 'PIX', cpfCnpj: '12345678909' });

    expectError(packages, { status: 404, code: 'BILLING_NOT_CONFIGURED', message: /BILLING_PACKAGES/ });
    expectError(checkout, { status: 404, code: 'BILLING_NOT_CONFIGURED' });
    expect(asaas.server.received).toHaveLength(0);
  });

  it('rejects a credential of a non-admin', async () => {
    const first = await startStudio();
    const user = await registerTestUser(first);
    const credentialId = await createCredential(first, { name: 'Mine', type: 'asaas/asaasApi', values: { apiKey: ASAAS_API_KEY } }, user.accessToken);
    await first.stop();
    test = await startStudio({ BILLING_PACKAGES: JSON.stringify(PACKAGES), BILLING_ASAAS_CREDENTIAL_ID: credentialId }, first.dataDir);

    const reply = await request(test, { method: 'GET', url: '/v1/billing/packages', token: user.accessToken });

    expectError(reply, { status: 404, code: 'BILLING_NOT_CONFIGURED', message: /not an active admin/ });
    expect(await test.storage.graphs.get(TOP_UP_GRAPH_ID)).toBeNull();
  });
});

describe('billing checkout', () => {
  it('rejects bad input with pointers', async () => {
    await startBillingStudio();
    const buyer = await registerTestUser(test);

    const unknown = await checkoutAs(buyer, { packageId: 'gold', method: 'PIX', cpfCnpj: '12345678909' });
    const method = await checkoutAs(buyer, { packageId: 'starter', method: 'BITCOIN', cpfCnpj: '12345678909' });
    const cpf = await checkoutAs(buyer, { packageId: 'starter', method: 'PIX', cpfCnpj: '123.456.789-0' });
    const missing = await checkoutAs(buyer, { packageId: 'starter', method: 'PIX' });

    expectError(unknown, { status: 400, code: 'BILLING_PACKAGE_UNKNOWN', pointer: '/body/packageId', problemMessage: /starter, pro/ });
    expectError(method, { status: 400, code: 'REQUEST_INVALID', pointer: '/body/method' });
    expectError(cpf, { status: 400, code: 'REQUEST_INVALID', pointer: '/body/cpfCnpj' });
    expectError(missing, { status: 400, code: 'REQUEST_INVALID', pointer: '/body/cpfCnpj' });
    expect(asaas.server.received).toHaveLength(0);
  });

  it('creates a PIX charge with its QR code', async () => {
    await startBillingStudio();
    const buyer = await registerTestUser(test);

    const reply = await checkoutAs(buyer, { packageId: 'starter', method: 'PIX', cpfCnpj: '123.456.789-09', name: 'Bia Lima' });
    const posts = asaas.server.received.filter((received) => received.method === 'POST');
    const run = await test.storage.runs.get(reply.body.runId);
    const adminView = await request(test, { method: 'GET', url: `/v1/runs/${reply.body.runId}` });
    const buyerView = await request(test, { method: 'GET', url: `/v1/runs/${reply.body.runId}`, token: buyer.accessToken });

    expect(reply.status, reply.raw.body).toBe(201);
    expect(reply.body).toMatchObject({ status: 'PENDING', method: 'PIX', packageId: 'starter', credits: 600, value: 49.9 });
    expect(reply.body.paymentId).toMatch(/^pay_/);
    expect(reply.body.invoiceUrl).toBe(`https://sandbox.asaas.com/i/${String(reply.body.paymentId).slice(4)}`);
    expect(reply.body.pix.payload).toContain(reply.body.paymentId);
    expect(reply.body.pix.image).toBe(`data:image/png;base64,${QR_PNG_BASE64}`);
    expect(posts.map((received) => received.url)).toEqual(['/v3/customers', '/v3/payments']);
    expect(JSON.parse(posts[0].body)).toMatchObject({ name: 'Bia Lima', cpfCnpj: '12345678909', email: buyer.email, externalReference: buyer.id });
    expect(JSON.parse(posts[1].body)).toMatchObject({ billingType: 'PIX', value: 49.9, externalReference: `${buyer.id}:starter:600` });
    expect(run).toMatchObject({ trigger: 'billing', status: 'succeeded', ownerId: test.user!.id });
    expect(adminView.status, adminView.raw.body).toBe(200);
    expect(buyerView.status).toBe(404);
  });

  it('reuses the customer of a CPF', async () => {
    await startBillingStudio();
    const buyer = await registerTestUser(test);

    const first = await checkoutAs(buyer, { packageId: 'starter', method: 'BOLETO', cpfCnpj: '12345678909' });
    const second = await checkoutAs(buyer, { packageId: 'pro', method: 'CREDIT_CARD', cpfCnpj: '12345678909' });
    const customerPosts = asaas.server.received.filter((received) => received.method === 'POST' && received.url === '/v3/customers');

    expect(first.status, first.raw.body).toBe(201);
    expect(second.status, second.raw.body).toBe(201);
    expect(first.body.pix).toBeNull();
    expect(first.body.bankSlipUrl).toMatch(/^https:\/\/sandbox\.asaas\.com\/b\/pdf\//);
    expect(second.body).toMatchObject({ method: 'CREDIT_CARD', credits: 2500, value: 179.9 });
    expect(customerPosts).toHaveLength(1);
    expect(asaas.server.customers.size).toBe(1);
  });

  it('reports a charge Asaas rejects', async () => {
    await startBillingStudio();
    const buyer = await registerTestUser(test);
    // The stand-in rejects the payment: no customer is stored under the id its lookup returns.
    asaas.server.customers.set('cus_ghost', { id: 'cus_missing', cpfCnpj: '98765432100', name: 'Ghost' });

    const reply = await checkoutAs(buyer, { packageId: 'starter', method: 'PIX', cpfCnpj: '98765432100' });

    expectError(reply, { status: 502, code: 'BILLING_CHECKOUT_FAILED', message: /Cliente inexistente/ });
    expect(reply.body.details).toMatchObject({ code: 'ASAAS_REQUEST_INVALID' });
    expect(reply.raw.body).not.toContain(ASAAS_API_KEY);
  });
});

describe('billing top-up webhook', () => {
  it('adds the package credits once', async () => {
    await startBillingStudio();
    const buyer = await registerTestUser(test);
    const before = await balanceOf(buyer);
    const charge = await checkoutAs(buyer, { packageId: 'starter', method: 'PIX', cpfCnpj: '12345678909' });
    const paymentId = String(charge.body.paymentId);

    const first = await deliverPayment(paymentId);
    const repeated = await deliverPayment(paymentId);
    const concurrent = await Promise.all(Array.from({ length: 4 }, () => deliverPayment(paymentId)));
    const entry = await test.storage.ledger.findByKey(`topup:asaas:${paymentId}`);
    const history = await request(test, { method: 'GET', url: '/v1/credits', token: buyer.accessToken });

    expect(charge.status, charge.raw.body).toBe(201);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toEqual({ received: true });
    for (const reply of [repeated, ...concurrent]) expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(await balanceOf(buyer)).toBe(before + 600);
    expect(entry).toMatchObject({ userId: buyer.id, kind: 'topup', delta: 600 });
    expect(history.body.history.items.filter((item: { kind: string }) => item.kind === 'topup')).toHaveLength(1);
  });

  it('rejects a delivery with a wrong token', async () => {
    await startBillingStudio();
    const buyer = await registerTestUser(test);
    const charge = await checkoutAs(buyer, { packageId: 'starter', method: 'PIX', cpfCnpj: '12345678909' });

    const reply = await deliverPayment(String(charge.body.paymentId), 'not-the-token');

    expect(reply.status).toBe(401);
    expect(reply.body.code).toBe('WEBHOOK_UNVERIFIED');
    expect(await balanceOf(buyer)).toBe(0);
  });

  it('follows a new billing credential', async () => {
    const { credentialId } = await startBillingStudio();
    const admin = test.user!;
    const packages = await request(test, { method: 'GET', url: '/v1/billing/packages' });
    const second = await createCredential(test, {
      name: 'Asaas sandbox 2',
      type: 'asaas/asaasApi',
      values: { apiKey: ASAAS_API_KEY, webhookToken: 'whk_second_token', baseUrl: `http://api-sandbox.asaas.com:${asaas.server.port}/v3` },
    });
    await test.stop();
    test = await startStudio({ BILLING_PACKAGES: JSON.stringify(PACKAGES), BILLING_ASAAS_CREDENTIAL_ID: second }, test.dataDir);
    test.token = admin.accessToken;

    const again = await request(test, { method: 'GET', url: '/v1/billing/packages' });
    const graph = await test.storage.graphs.get(TOP_UP_GRAPH_ID);
    const published = await test.storage.graphs.getVersion(TOP_UP_GRAPH_ID, graph!.publishedVersion!);

    expect(packages.status, packages.raw.body).toBe(200);
    expect(again.status, again.raw.body).toBe(200);
    expect(graph).toMatchObject({ ownerId: admin.id, publishedVersion: 2 });
    expect(published?.document.settings?.trigger?.credentials).toEqual({ asaas: second });
    expect(JSON.stringify(published?.document)).not.toContain(credentialId);
  });
});

describe('billing top-up failures', () => {
  /** Starts the billing studio and stores the top-up graph, as the first billing request does. */
  async function startTopUpStudio(): Promise<void> {
    await startBillingStudio();
    const packages = await request(test, { method: 'GET', url: '/v1/billing/packages' });
    expect(packages.status, packages.raw.body).toBe(200);
  }

  /** Adds a received payment to the stand-in, as if paid through the Asaas dashboard. */
  function receivedPayment(fields: Record<string, unknown>): Record<string, unknown> {
    return asaas.server.addPayment({ customer: 'cus_000000000001', billingType: 'PIX', value: 49.9, status: 'RECEIVED', ...fields });
  }

  const permanentCases: Array<{ name: string; event: string; payment: () => Record<string, unknown>; code: string }> = [
    { name: 'unknown user', event: 'PAYMENT_RECEIVED', payment: () => receivedPayment({ externalReference: 'usr_does_not_exist:starter:600' }), code: 'PLUGIN_CREDITS_INVALID' },
    { name: 'malformed reference', event: 'PAYMENT_RECEIVED', payment: () => receivedPayment({ externalReference: 'not a user id:Starter:six' }), code: 'PLUGIN_CREDITS_INVALID' },
    { name: 'no reference', event: 'PAYMENT_RECEIVED', payment: () => receivedPayment({ externalReference: null }), code: 'ASAAS_PAYMENT_UNASSIGNED' },
    { name: 'unpaid payment', event: 'PAYMENT_CONFIRMED', payment: () => receivedPayment({ status: 'PENDING' }), code: 'ASAAS_PAYMENT_NOT_PAID' },
    { name: 'payment of another account', event: 'PAYMENT_RECEIVED', payment: () => ({ id: 'pay_not_in_this_account', status: 'RECEIVED', value: 49.9 }), code: 'ASAAS_NOT_FOUND' },
  ];

  it('acknowledges permanent failures', async () => {
    await startTopUpStudio();
    const buyer = await registerTestUser(test);

    for (const testCase of permanentCases) {
      const payment = testCase.payment();
      if (payment.externalReference === undefined) payment.externalReference = `${buyer.id}:starter:600`;

      const reply = await postPaymentEvent(testCase.event, payment);
      const run = await request(test, { method: 'GET', url: `/v1/runs/${reply.body.runId}` });

      expect(reply.status, `${testCase.name}: ${JSON.stringify(reply.body)}`).toBe(200);
      expect(reply.body.acknowledged, testCase.name).toBe(true);
      expect(reply.body.status, testCase.name).toBe('failed');
      expect(reply.body.error.code, testCase.name).toBe(testCase.code);
      expect(run.status, `${testCase.name}: ${run.raw.body}`).toBe(200);
      expect(run.body.status, testCase.name).toBe('failed');
      expect(run.body.error.code, testCase.name).toBe(testCase.code);
    }
    expect(await balanceOf(buyer)).toBe(0);
  });

  it('ignores events that are not confirmations', async () => {
    await startTopUpStudio();
    const buyer = await registerTestUser(test);
    const payment = receivedPayment({ externalReference: `${buyer.id}:starter:600` });

    const reply = await postPaymentEvent('PAYMENT_OVERDUE', payment);

    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body).toEqual({ ignored: true });
    expect(await balanceOf(buyer)).toBe(0);
  });

  it('acknowledged failure keeps later top-ups', async () => {
    await startBillingStudio();
    const buyer = await registerTestUser(test);
    const orphan = receivedPayment({ externalReference: 'usr_does_not_exist' });
    const charge = await checkoutAs(buyer, { packageId: 'starter', method: 'PIX', cpfCnpj: '12345678909' });

    const failed = await postPaymentEvent('PAYMENT_RECEIVED', orphan);
    const credited = await deliverPayment(String(charge.body.paymentId));

    expect(failed.status, JSON.stringify(failed.body)).toBe(200);
    expect(credited.status, JSON.stringify(credited.body)).toBe(200);
    expect(credited.body).toEqual({ received: true });
    expect(await balanceOf(buyer)).toBe(600);
  });

  it('asks for a retry while Asaas is down', async () => {
    await startBillingStudio();
    const buyer = await registerTestUser(test);
    const charge = await checkoutAs(buyer, { packageId: 'starter', method: 'PIX', cpfCnpj: '12345678909' });
    const paymentId = String(charge.body.paymentId);
    asaas.server.behaviour.unavailable = true;

    const during = await deliverPayment(paymentId);
    const failedRun = await test.storage.runs.get(during.body.details.runId);
    asaas.server.behaviour.unavailable = false;
    const retried = await deliverPayment(paymentId);
    const repeated = await deliverPayment(paymentId);

    expect(during.status, JSON.stringify(during.body)).toBe(500);
    expect(during.body.code).toBe('RUN_FAILED');
    expect(failedRun?.error?.code).toBe('ASAAS_UNAVAILABLE');
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    expect(retried.body).toEqual({ received: true });
    expect(repeated.status, JSON.stringify(repeated.body)).toBe(200);
    expect(await balanceOf(buyer)).toBe(600);
  });
});
