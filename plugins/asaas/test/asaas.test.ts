import { ActionFailedError, runAction } from '@gestorlead/sdk-plugin/testing';
import { describe, expect, it } from 'vitest';
import { parseExternalReference } from '../src/actions/top-up.js';
import plugin from '../src/index.js';

const ACCOUNT = { apiKey: '$aact_unit_key_0001', environment: 'sandbox', webhookToken: 'whk-unit-token' };
const PAYMENT_URL = 'GET https://api-sandbox.asaas.com/v3/payments/pay_1';

function payment(fields: Record<string, unknown>) {
  return { body: { id: 'pay_1', customer: 'cus_1', billingType: 'PIX', value: 19.9, dueDate: '2026-12-10', status: 'RECEIVED', externalReference: 'user_1', ...fields } };
}

async function failure(promise: Promise<unknown>): Promise<ActionFailedError> {
  const error = await promise.then(() => undefined, (thrown: unknown) => thrown);
  expect(error).toBeInstanceOf(ActionFailedError);
  return error as ActionFailedError;
}

const trigger = plugin.triggers.find((entry) => entry.name === 'payment-events')!;

function delivery(headers: Record<string, string>, body: unknown) {
  return {
    config: {},
    credentials: { asaas: ACCOUNT },
    request: { method: 'POST', headers, query: {}, body, rawBodyBase64: '' },
    log: { debug() {}, info() {}, warn() {}, error() {} },
  };
}

describe('asaas trigger', () => {
  it('verifies the asaas-access-token header', async () => {
    expect(await trigger.verify!(delivery({ 'asaas-access-token': 'whk-unit-token' }, {}))).toBe(true);
    expect(await trigger.verify!(delivery({ 'asaas-access-token': 'whk-unit-tokem' }, {}))).toBe(false);
    expect(await trigger.verify!(delivery({}, {}))).toBe(false);
  });

  it('parses chosen events only', async () => {
    const body = { id: 'evt_1', event: 'PAYMENT_CONFIRMED', payment: { id: 'pay_1', status: 'CONFIRMED', value: 10, externalReference: 'user_1' } };

    const parsed = await trigger.parse!(delivery({}, body));
    const ignored = await trigger.parse!(delivery({}, { ...body, event: 'PAYMENT_OVERDUE' }));

    expect(parsed).toMatchObject({ eventId: 'evt_1', event: 'PAYMENT_CONFIRMED', paymentId: 'pay_1', status: 'CONFIRMED', value: 10, externalReference: 'user_1' });
    expect(ignored).toBeNull();
  });
});

describe('asaas top-up', () => {
  it('credits the external reference once', async () => {
    const options = { credentials: { asaas: ACCOUNT }, input: { in: { event: { paymentId: 'pay_1' } } }, http: { [PAYMENT_URL]: payment({}) }, topUpCredits: true };

    const result = await runAction(plugin, 'top-up-credits', options);

    expect(result.outputs.out).toEqual({ paymentId: 'pay_1', userId: 'user_1', credits: 199, created: true, balance: 199 });
    expect(result.requests[0].headers.access_token).toBe(ACCOUNT.apiKey);
  });

  it('credits a package reference', async () => {
    const http = { [PAYMENT_URL]: payment({ value: 49.9, externalReference: 'user_1:starter:600' }) };
    const options = { credentials: { asaas: ACCOUNT }, config: { paymentId: 'pay_1' }, http, topUpCredits: true };

    const result = await runAction(plugin, 'top-up-credits', options);

    expect(result.outputs.out).toEqual({ paymentId: 'pay_1', userId: 'user_1', credits: 600, created: true, balance: 600 });
  });

  it('parses external references', () => {
    expect(parseExternalReference('usr_AbC-1:starter:600')).toEqual({ userId: 'usr_AbC-1', packageId: 'starter', credits: 600 });
    expect(parseExternalReference(' user_1 ')).toEqual({ userId: 'user_1', packageId: null, credits: null });
    expect(parseExternalReference('user_1:starter:0')).toEqual({ userId: 'user_1:starter:0', packageId: null, credits: null });
    expect(parseExternalReference('')).toBeNull();
    expect(parseExternalReference(null)).toBeNull();
  });

  it('rejects a payment without a user', async () => {
    const options = { credentials: { asaas: ACCOUNT }, config: { paymentId: 'pay_1' }, http: { [PAYMENT_URL]: payment({ externalReference: null }) }, topUpCredits: true };

    const error = await failure(runAction(plugin, 'top-up-credits', options));

    expect(error.code).toBe('ASAAS_PAYMENT_UNASSIGNED');
  });

  it('fails where top-ups are not granted', async () => {
    const options = { credentials: { asaas: ACCOUNT }, config: { paymentId: 'pay_1' }, http: { [PAYMENT_URL]: payment({}) } };

    const error = await failure(runAction(plugin, 'top-up-credits', options));

    expect(error.code).toBe('PLUGIN_PERMISSION_DENIED');
  });
});

describe('asaas errors', () => {
  it('maps 429 with retry-after', async () => {
    const http = { [PAYMENT_URL]: { status: 429, headers: { 'retry-after': '7' }, body: { errors: [{ code: 'too_many_requests', description: 'Limite' }] } } };

    const error = await failure(runAction(plugin, 'boleto-line', { credentials: { asaas: ACCOUNT }, config: { paymentId: 'pay_1' }, http: { ...http, 'GET https://api-sandbox.asaas.com/v3/payments/pay_1/identificationField': http[PAYMENT_URL] } }));

    expect(error.code).toBe('ASAAS_RATE_LIMITED');
    expect(error.retryable).toBe(true);
    expect(error.details).toMatchObject({ status: 429, retryAfterMs: 7000 });
  });

  it('keeps a failed create from retrying', async () => {
    const http = { 'POST https://api.asaas.com/v3/payments': { status: 503, body: { errors: [{ code: 'unavailable', description: 'Indisponível' }] } } };
    const config = { customerId: 'cus_1', value: 10, dueDate: '2026-12-10' };

    const error = await failure(runAction(plugin, 'create-charge', { credentials: { asaas: { ...ACCOUNT, environment: 'production' } }, config, http }));

    expect(error.code).toBe('ASAAS_UNAVAILABLE');
    expect(error.retryable).toBe(false);
  });
});
