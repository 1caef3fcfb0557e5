/** The credit routes: the estimate of a graph, a user's credits, and admin adjustments. */
import type { LedgerEntry } from '@gestorlead/storage';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectError, request } from '../support/http.js';
import { buildEdge, buildGraph, buildNode, registerTestUser } from '../support/studio.js';
import type { LocalServer } from '../plugins/support/local-server.js';
import type { PluginTestStudio } from '../plugins/support/plugin-studio.js';
import { callConfig, FIXED_COST, startCreditStudio, startProvider } from './support.js';

let provider: LocalServer;
let test: PluginTestStudio;

beforeAll(async () => {
  provider = await startProvider();
});

afterAll(async () => {
  await provider.close();
});

afterEach(async () => {
  await test?.close();
});

async function createGraph(document: ReturnType<typeof buildGraph>): Promise<string> {
  const reply = await request<{ id: string }>(test, { method: 'POST', url: '/v1/graphs', payload: document });
  expect(reply.status, reply.raw.body).toBe(201);
  return reply.body.id;
}

/** Builds a graph whose condition sends case `big` and `else` to different charged nodes. */
function branchingGraph() {
  const condition = buildNode('check', {
    type: 'core/condition@1',
    config: { cases: [{ port: 'big', rules: [{ value: '{{ input.size }}', operator: 'gt', compare: 10 }] }] },
  });
  return buildGraph(
    [
      buildNode('start', { type: 'core/noop@1' }),
      condition,
      buildNode('always', { type: 'credtest/fixed@1', config: callConfig(provider, '/ok') }),
      buildNode('big', { type: 'credtest/fixed@1', config: callConfig(provider, '/ok') }),
      buildNode('small', { type: 'credtest/tokens@1', config: callConfig(provider, '/ok') }),
      buildNode('recover', { type: 'credtest/fixed@1', config: callConfig(provider, '/ok') }),
    ],
    [
      buildEdge('start', 'check'),
      buildEdge('start', 'always'),
      buildEdge('check', 'big', { sourcePort: 'big' }),
      buildEdge('check', 'small', { sourcePort: 'else' }),
      buildEdge('always', 'recover', { kind: 'error' }),
    ],
  );
}

describe('GET /v1/graphs/:id/estimate', () => {
  it('prices each node and counts exclusive branches in the maximum', async () => {
    test = await startCreditStudio(provider);
    const graphId = await createGraph(branchingGraph());

    const reply = await request(test, { method: 'GET', url: `/v1/graphs/${graphId}/estimate` });

    expect(reply.status, reply.raw.body).toBe(200);
    expect(reply.body.graphId).toBe(graphId);
    expect(reply.body.version).toBe(1);
    expect(reply.body.charged).toBe(true);
    const byNode = Object.fromEntries(reply.body.nodes.map((node: { nodeId: string }) => [node.nodeId, node]));
    expect(byNode.start).toMatchObject({ type: 'core/noop@1', installed: true, min: 0, max: 0, conditional: false });
    expect(byNode.always).toMatchObject({ fixed: FIXED_COST, perUnit: 0, min: FIXED_COST, max: FIXED_COST, conditional: false });
    expect(byNode.big).toMatchObject({ min: FIXED_COST, max: FIXED_COST, conditional: true });
    expect(byNode.small).toMatchObject({ fixed: 1, perUnit: 0.5, unit: 'token', maxUnits: 100, min: 1, max: 51, conditional: true });
    expect(byNode.recover).toMatchObject({ min: FIXED_COST, max: FIXED_COST, conditional: true });
    expect(reply.body.total).toEqual({ min: FIXED_COST, max: FIXED_COST * 3 + 51 });
  });

  it('applies the operator pricing', async () => {
    const pricing = { 'credtest/fixed@1': { multiplier: 2 }, 'credtest/*': { perUnit: 0.25, maxUnits: 40 } };
    test = await startCreditStudio(provider, { CREDITS_PRICING: JSON.stringify(pricing), CREDITS_MULTIPLIER: '1.5' });
    const graphId = await createGraph(branchingGraph());

    const reply = await request(test, { method: 'GET', url: `/v1/graphs/${graphId}/estimate` });

    const byNode = Object.fromEntries(reply.body.nodes.map((node: { nodeId: string }) => [node.nodeId, node]));
    // 7 × 2 × 1.5; the tokens action keeps its fixed price and takes the plugin's per-unit price.
    expect(byNode.always).toMatchObject({ fixed: 21, min: 21, max: 21 });
    expect(byNode.small).toMatchObject({ fixed: 1.5, perUnit: 0.375, maxUnits: 40, min: 2, max: 17 });
  });

  it('rejects an unknown graph and version', async () => {
    test = await startCreditStudio(provider);
    const graphId = await createGraph(branchingGraph());

    expectError(await request(test, { method: 'GET', url: '/v1/graphs/graph_missing/estimate' }), {
      status: 404,
      code: 'GRAPH_NOT_FOUND',
    });
    expectError(await request(test, { method: 'GET', url: `/v1/graphs/${graphId}/estimate?version=9` }), {
      status: 404,
      code: 'GRAPH_VERSION_NOT_FOUND',
      pointer: '/querystring/version',
    });
  });
});

describe('GET /v1/credits', () => {
  it('pages the history and returns the daily spending', async () => {
    test = await startCreditStudio(provider);
    const userId = test.user!.id;
    for (let index = 1; index <= 7; index += 1) {
      await test.studio.ctx.credits.topUp(userId, index, `payment-${index}`, `top-up ${index}`);
    }
    const graphId = await createGraph(buildGraph([buildNode('charged', { type: 'credtest/fixed@1', config: callConfig(provider, '/ok') })], []));
    const started = await request(test, { method: 'POST', url: `/v1/graphs/${graphId}/runs`, payload: {} });
    expect(started.status).toBe(202);
    const deadline = Date.now() + 30_000;
    while ((await test.storage.ledger.list(userId, { kinds: ['capture'] })).length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    const seen: LedgerEntry[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? 'limit=3&days=7' : `limit=3&days=7&cursor=${cursor}`;
      const reply = await request(test, { method: 'GET', url: `/v1/credits?${query}` });
      expect(reply.status, reply.raw.body).toBe(200);
      expect(reply.body.balance).toBe(28 - FIXED_COST);
      expect(reply.body.held).toBe(0);
      expect(reply.body.daily).toHaveLength(7);
      expect(reply.body.daily[6]).toEqual({ day: new Date().toISOString().slice(0, 10), credits: FIXED_COST });
      expect(reply.body.daily.slice(0, 6).every((day: { credits: number }) => day.credits === 0)).toBe(true);
      seen.push(...reply.body.history.items);
      cursor = reply.body.history.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 10);

    // 7 top-ups, the reserve and the capture, newest first and each once.
    expect(seen).toHaveLength(9);
    expect(new Set(seen.map((entry) => entry.id)).size).toBe(9);
    expect(seen.map((entry) => entry.kind).slice(0, 2)).toEqual(['capture', 'reserve']);
    const instants = seen.map((entry) => entry.createdAt);
    expect(instants).toEqual([...instants].sort().reverse());
    // Like GET /v1/runs, a full page has a cursor, so 9 entries in pages of 3 end on an empty page.
    expect(pages).toBe(4);
  });

  it('filters the history by kind', async () => {
    test = await startCreditStudio(provider);
    await test.studio.ctx.credits.topUp(test.user!.id, 5, 'payment-kind', 'top-up');
    await test.studio.ctx.credits.adjust({
      userId: test.user!.id, amount: -2, kind: 'adjustment', reason: 'correction', idempotencyKey: 'kind-1', actorId: test.user!.id,
    });

    const reply = await request(test, { method: 'GET', url: '/v1/credits?kind=adjustment' });

    expect(reply.body.history.items.map((entry: LedgerEntry) => entry.kind)).toEqual(['adjustment']);
    expect(reply.body.balance).toBe(3);
  });

  it('sums held credits of the caller only', async () => {
    test = await startCreditStudio(provider);
    const caller = test.user!.id;
    const otherUser = await registerTestUser(test);
    const other = otherUser.id;
    await test.studio.ctx.credits.topUp(other, 2000, 'payment-other', 'top-up');
    await test.studio.ctx.credits.topUp(caller, 10, 'payment-caller', 'top-up');
    const hold = (userId: string, key: string, amount: number, createdAt: string): LedgerEntry => ({
      id: `ledger-${key}`, userId, kind: 'reserve', delta: -amount, amount, idempotencyKey: key,
      runId: 'run-held', taskId: null, reservationKey: null, reason: 'test/hold@1', actorId: null, createdAt,
    });
    // More open reserve entries of another user than one page of listOpenReservations, all older than the caller's.
    for (let index = 0; index < 1001; index += 1) {
      await test.storage.ledger.append(hold(other, `other-${index}`, 1, new Date(Date.UTC(2024, 0, 1, 0, 0, index)).toISOString()));
    }
    await test.storage.ledger.append(hold(caller, 'caller-hold', 3, new Date().toISOString()));

    const mine = await request(test, { method: 'GET', url: '/v1/credits' });
    const theirs = await request(test, { method: 'GET', url: '/v1/credits', token: otherUser.accessToken });

    expect(mine.body.held).toBe(3);
    expect(mine.body.balance).toBe(7);
    expect(theirs.body.held).toBe(1001);
    expect(theirs.body.balance).toBe(2000 - 1001);
  });

  it('rejects a cursor it did not issue', async () => {
    test = await startCreditStudio(provider);

    const reply = await request(test, { method: 'GET', url: '/v1/credits?cursor=bm90LWEtY3Vyc29y' });

    expectError(reply, { status: 400, code: 'REQUEST_INVALID', pointer: '/querystring/cursor' });
  });

  it('requires a signed-in user', async () => {
    test = await startCreditStudio(provider);

    const reply = await request(test, { method: 'GET', url: '/v1/credits', token: null });

    expect(reply.status).toBe(401);
  });
});

describe('POST /v1/admin/users/:id/credits', () => {
  const url = () => `/v1/admin/users/${test.user!.id}/credits`;

  it('stores one adjustment per idempotency key', async () => {
    test = await startCreditStudio(provider);
    const body = { amount: 50, reason: 'welcome credits', idempotencyKey: 'welcome-1' };

    const first = await request(test, { method: 'POST', url: url(), payload: body });
    const again = await request(test, { method: 'POST', url: url(), payload: body });

    expect(first.status, first.raw.body).toBe(201);
    expect(first.body.created).toBe(true);
    expect(first.body.balance).toBe(50);
    expect(first.body.entry).toMatchObject({ kind: 'adjustment', delta: 50, amount: 50, reason: 'welcome credits', actorId: test.user!.id });
    expect(again.status).toBe(200);
    expect(again.body.created).toBe(false);
    expect(again.body.entry.id).toBe(first.body.entry.id);
    expect(await test.storage.ledger.balance(test.user!.id)).toBe(50);
    expect(await test.storage.ledger.list(test.user!.id)).toHaveLength(1);
  });

  it('rejects a reused key with other values', async () => {
    test = await startCreditStudio(provider);
    await request(test, { method: 'POST', url: url(), payload: { amount: 50, reason: 'welcome', idempotencyKey: 'key-1' } });

    const reply = await request(test, { method: 'POST', url: url(), payload: { amount: 60, reason: 'welcome', idempotencyKey: 'key-1' } });

    expectError(reply, { status: 409, code: 'CREDITS_IDEMPOTENCY_CONFLICT', pointer: '/body/idempotencyKey' });
    expect(await test.storage.ledger.balance(test.user!.id)).toBe(50);
  });

  it('refunds and keeps the balance at 0 or above', async () => {
    test = await startCreditStudio(provider);
    await request(test, { method: 'POST', url: url(), payload: { amount: 10, reason: 'start', idempotencyKey: 'a' } });

    const refund = await request(test, { method: 'POST', url: url(), payload: { amount: 5, reason: 'failed lead', idempotencyKey: 'b', kind: 'refund' } });
    const overdraw = await request(test, { method: 'POST', url: url(), payload: { amount: -20, reason: 'chargeback', idempotencyKey: 'c' } });
    const allowed = await request(test, {
      method: 'POST',
      url: url(),
      payload: { amount: -20, reason: 'chargeback', idempotencyKey: 'd', allowNegative: true },
    });

    expect(refund.status).toBe(201);
    expect(refund.body.entry.kind).toBe('refund');
    expectError(overdraw, { status: 402, code: 'CREDITS_INSUFFICIENT' });
    expect(overdraw.body.details).toEqual({ balance: 15, required: 20 });
    expect(allowed.status, allowed.raw.body).toBe(201);
    expect(allowed.body.balance).toBe(-5);
  });

  it('rejects invalid requests', async () => {
    test = await startCreditStudio(provider);
    const cases: [object, string][] = [
      [{ amount: 5, idempotencyKey: 'k' }, '/body/reason'],
      [{ amount: 5, reason: '   ', idempotencyKey: 'k' }, '/body/reason'],
      [{ amount: 0, reason: 'zero', idempotencyKey: 'k' }, '/body/amount'],
      [{ amount: 1.5, reason: 'fraction', idempotencyKey: 'k' }, '/body/amount'],
      [{ amount: 5, reason: 'no key' }, '/body/idempotencyKey'],
      [{ amount: -5, reason: 'negative refund', idempotencyKey: 'k', kind: 'refund' }, '/body/amount'],
    ];
    for (const [payload, pointer] of cases) {
      const reply = await request(test, { method: 'POST', url: url(), payload });
      expectError(reply, { status: 400, code: 'REQUEST_INVALID', pointer });
    }
    expect(await test.storage.ledger.list(test.user!.id)).toEqual([]);
  });

  it('names a zero amount plainly', async () => {
    test = await startCreditStudio(provider);

    const reply = await request(test, { method: 'POST', url: url(), payload: { amount: 0, reason: 'zero', idempotencyKey: 'k' } });

    expectError(reply, { status: 400, code: 'REQUEST_INVALID', pointer: '/body/amount', problemMessage: /^must not be 0/ });
    expect(reply.body.message).not.toMatch(/must NOT be valid/);
  });

  it('requires an admin and an existing user', async () => {
    test = await startCreditStudio(provider);
    const member = await registerTestUser(test);
    const body = { amount: 5, reason: 'gift', idempotencyKey: 'gift-1' };

    const byMember = await request(test, { method: 'POST', url: `/v1/admin/users/${member.id}/credits`, payload: body, token: member.accessToken });
    const unknown = await request(test, { method: 'POST', url: '/v1/admin/users/user_missing/credits', payload: body });

    expectError(byMember, { status: 403, code: 'FORBIDDEN' });
    expectError(unknown, { status: 404, code: 'USER_NOT_FOUND', pointer: '/params/id' });
    expect(await test.storage.ledger.balance(member.id)).toBe(0);
  });
});

describe('CreditService.topUp', () => {
  it('tops up once per payment id', async () => {
    test = await startCreditStudio(provider);
    const credits = test.studio.ctx.credits;
    const userId = test.user!.id;

    const first = await credits.topUp(userId, 25, 'pay_123', 'card payment');
    const repeated = await credits.topUp(userId, 25, 'pay_123', 'card payment');

    expect(first.created).toBe(true);
    expect(repeated.created).toBe(false);
    expect(repeated.entry.id).toBe(first.entry.id);
    expect(await test.storage.ledger.balance(userId)).toBe(25);
    await expect(credits.topUp(userId, 30, 'pay_123', 'card payment')).rejects.toMatchObject({ code: 'CREDITS_IDEMPOTENCY_CONFLICT' });
    const member = await registerTestUser(test);
    await expect(credits.topUp(member.id, 25, 'pay_123', 'card payment')).rejects.toMatchObject({ code: 'CREDITS_IDEMPOTENCY_CONFLICT' });
    await expect(credits.topUp('user_missing', 25, 'pay_456', 'card payment')).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
    await expect(credits.topUp(userId, 0, 'pay_789', 'card payment')).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
    expect(await test.storage.ledger.balance(userId)).toBe(25);
    expect(await test.storage.ledger.balance(member.id)).toBe(0);
  });
});
