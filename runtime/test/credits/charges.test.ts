/**
 * Task charges through a real studio, the real sandbox and SQLite: a test plugin declares its
 * credits and calls a local HTTP server, so a call that never happened shows as a missing
 * request on that server.
 */
import type { LedgerEntry } from '@gestorlead/storage';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { request, startRun } from '../support/http.js';
import { buildGraph, buildNode, waitForRun } from '../support/studio.js';
import type { LocalServer } from '../plugins/support/local-server.js';
import type { PluginTestStudio } from '../plugins/support/plugin-studio.js';
import {
  callConfig,
  expectNeverNegative,
  FIXED_COST,
  ledgerOf,
  providerCalls,
  startCreditStudio,
  startProvider,
  totalOf,
} from './support.js';

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

const RETRY = { maxAttempts: 3, backoff: 'fixed', delayMs: 10 } as const;
const RUN_TIMEOUT_MS = 30_000;

function userId(): string {
  return test.user!.id;
}

async function topUp(amount: number): Promise<void> {
  await test.studio.ctx.credits.topUp(userId(), amount, `payment-${Math.random()}`, 'test top-up');
}

async function createGraph(nodes: ReturnType<typeof buildNode>[], settings?: object): Promise<string> {
  const document = buildGraph(nodes, [], settings === undefined ? {} : { settings });
  const reply = await request<{ id: string }>(test, { method: 'POST', url: '/v1/graphs', payload: document });
  expect(reply.status, reply.raw.body).toBe(201);
  return reply.body.id;
}

async function runToEnd(graphId: string) {
  const runId = await startRun(test, graphId, null);
  return { runId, ...(await waitForRun(test, runId, RUN_TIMEOUT_MS)) };
}

async function eventsOf(runId: string, type: string) {
  await test.studio.ctx.events.flush();
  return (await test.storage.events.listByRun(runId)).filter((event) => event.type === type);
}

function kindsOf(entries: LedgerEntry[]): string[] {
  return entries.map((entry) => entry.kind);
}

async function taskEntries(taskId: string): Promise<LedgerEntry[]> {
  return test.storage.ledger.listByTask(taskId);
}

async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('fixed-cost charges', () => {
  it('capture once across retries', async () => {
    test = await startCreditStudio(provider);
    await topUp(20);
    const graphId = await createGraph([buildNode('charged', { type: 'credtest/fixed@1', config: callConfig(provider, '/flaky'), retry: RETRY })]);

    const { runId, run, tasks } = await runToEnd(graphId);

    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
    const task = tasks.get('charged')!;
    expect(task.attempts).toBe(3);
    expect(providerCalls(provider, '/flaky', runId)).toBe(3);
    const entries = await taskEntries(task.id);
    expect(kindsOf(entries)).toEqual(['reserve', 'capture']);
    expect(entries[0].amount).toBe(FIXED_COST);
    expect(entries[1].amount).toBe(FIXED_COST);
    expect(entries[1].reservationKey).toBe(entries[0].idempotencyKey);
    expect(await test.storage.ledger.balance(userId())).toBe(20 - FIXED_COST);
    expect(await eventsOf(runId, 'task.credits-reserved')).toHaveLength(1);
    const charged = await eventsOf(runId, 'task.charged');
    expect(charged).toHaveLength(1);
    expect(charged[0].data).toMatchObject({ reserved: FIXED_COST, captured: FIXED_COST, released: 0, uncollected: 0 });
  });

  it('start a new hold when a failed run resumes', async () => {
    test = await startCreditStudio(provider);
    await topUp(20);
    const retryOnce = { ...RETRY, maxAttempts: 2 };
    const graphId = await createGraph([buildNode('charged', { type: 'credtest/fixed@1', config: callConfig(provider, '/flaky'), retry: retryOnce })]);

    const first = await runToEnd(graphId);
    expect(first.run.status).toBe('failed');
    expect(await test.storage.ledger.balance(userId())).toBe(20);
    const resumed = await request(test, { method: 'POST', url: `/v1/runs/${first.runId}/resume` });
    expect(resumed.status, resumed.raw.body).toBe(202);
    const second = await waitForRun(test, first.runId, RUN_TIMEOUT_MS);

    expect(second.run.status).toBe('succeeded');
    const entries = await taskEntries(second.tasks.get('charged')!.id);
    expect(kindsOf(entries)).toEqual(['reserve', 'release', 'reserve', 'capture']);
    expect(entries.map((entry) => entry.idempotencyKey.split(':')[3])).toEqual(['1', '1', '2', '2']);
    expect(totalOf(entries, 'capture')).toBe(FIXED_COST);
    expect(await test.storage.ledger.balance(userId())).toBe(20 - FIXED_COST);
  });

  it('release the hold of a failed task', async () => {
    test = await startCreditStudio(provider);
    await topUp(20);
    const graphId = await createGraph([buildNode('charged', { type: 'credtest/fixed@1', config: callConfig(provider, '/reject') })]);

    const { runId, run, tasks } = await runToEnd(graphId);

    expect(run.status).toBe('failed');
    expect(tasks.get('charged')!.error?.code).toBe('PROVIDER_REJECTED');
    expect(kindsOf(await taskEntries(tasks.get('charged')!.id))).toEqual(['reserve', 'release']);
    expect(await test.storage.ledger.balance(userId())).toBe(20);
    const released = await eventsOf(runId, 'task.credits-released');
    expect(released.map((event) => event.data)).toEqual([{ reserved: FIXED_COST, released: FIXED_COST, cycle: 1 }]);
  });

  it('release the hold of a cancelled run', async () => {
    test = await startCreditStudio(provider);
    await topUp(20);
    const graphId = await createGraph([buildNode('charged', { type: 'credtest/fixed@1', config: callConfig(provider, '/slow') })]);
    const runId = await startRun(test, graphId, null);
    await waitUntil(() => providerCalls(provider, '/slow', runId) === 1, 'the slow provider call');

    const during = await request(test, { method: 'GET', url: '/v1/credits' });
    expect(during.body.balance).toBe(20 - FIXED_COST);
    expect(during.body.held).toBe(FIXED_COST);
    const cancelled = await request(test, { method: 'POST', url: `/v1/runs/${runId}/cancel` });
    expect(cancelled.status, cancelled.raw.body).toBe(200);
    const { run, tasks } = await waitForRun(test, runId, RUN_TIMEOUT_MS);

    expect(run.status).toBe('cancelled');
    expect(kindsOf(await taskEntries(tasks.get('charged')!.id))).toEqual(['reserve', 'release']);
    const after = await request(test, { method: 'GET', url: '/v1/credits' });
    expect(after.body.balance).toBe(20);
    expect(after.body.held).toBe(0);
  });

  it('fail without calling the plugin when credits are short', async () => {
    test = await startCreditStudio(provider);
    await topUp(FIXED_COST - 2);
    const graphId = await createGraph([buildNode('charged', { type: 'credtest/fixed@1', config: callConfig(provider, '/ok'), retry: RETRY })]);

    const { runId, run, tasks } = await runToEnd(graphId);

    expect(run.status).toBe('failed');
    expect(run.error?.code).toBe('CREDITS_INSUFFICIENT');
    const task = tasks.get('charged')!;
    expect(task.error?.code).toBe('CREDITS_INSUFFICIENT');
    expect(task.error?.retryable).toBe(false);
    expect(task.error?.details).toEqual({ required: FIXED_COST, balance: FIXED_COST - 2, nodeType: 'credtest/fixed@1' });
    expect(task.attempts).toBe(1);
    expect(providerCalls(provider, '/ok', runId)).toBe(0);
    expect(test.sandbox.calls.filter((call) => call.call.run.id === runId)).toHaveLength(0);
    expect(await taskEntries(task.id)).toEqual([]);
    expect(await test.storage.ledger.balance(userId())).toBe(FIXED_COST - 2);
  });

  it('never overdraw when runs race for the last credits', async () => {
    test = await startCreditStudio(provider);
    const affordable = 3;
    const leftOver = FIXED_COST - 2;
    await topUp(affordable * FIXED_COST + leftOver);
    const graphId = await createGraph([buildNode('charged', { type: 'credtest/fixed@1', config: callConfig(provider, '/ok') })]);

    const runIds = await Promise.all(Array.from({ length: 8 }, () => startRun(test, graphId, null)));
    const results = await Promise.all(runIds.map((runId) => waitForRun(test, runId, RUN_TIMEOUT_MS)));

    const succeeded = results.filter((result) => result.run.status === 'succeeded');
    const losers = results.filter((result) => result.run.status !== 'succeeded');
    expect(succeeded).toHaveLength(affordable);
    expect(losers).toHaveLength(runIds.length - affordable);
    for (const loser of losers) {
      expect(loser.run.status).toBe('failed');
      expect(loser.tasks.get('charged')!.error?.code).toBe('CREDITS_INSUFFICIENT');
      expect(providerCalls(provider, '/ok', loser.run.id)).toBe(0);
    }
    expect(runIds.reduce((sum, runId) => sum + providerCalls(provider, '/ok', runId), 0)).toBe(affordable);
    expect(test.sandbox.calls.filter((call) => runIds.includes(call.call.run.id))).toHaveLength(affordable);
    const entries = await ledgerOf(test, userId());
    expectNeverNegative(entries);
    expect(totalOf(entries, 'capture')).toBe(affordable * FIXED_COST);
    expect(await test.storage.ledger.balance(userId())).toBe(leftOver);
  });

  it('charge one run for a repeated webhook delivery', async () => {
    test = await startCreditStudio(provider);
    await topUp(20);
    const graphId = await createGraph(
      [buildNode('charged', { type: 'credtest/fixed@1', config: callConfig(provider, '/ok') })],
      { webhook: { eventIdHeader: 'x-event-id' } },
    );
    const published = await request(test, { method: 'POST', url: `/v1/graphs/${graphId}/publish` });
    expect(published.status, published.raw.body).toBe(200);

    const deliver = () =>
      request<{ runId: string }>(test, { method: 'POST', url: `/hooks/${graphId}`, headers: { 'x-event-id': 'evt-1' }, payload: { lead: 1 } });
    const first = await deliver();
    await waitForRun(test, first.body.runId, RUN_TIMEOUT_MS);
    const second = await deliver();

    expect(first.status, first.raw.body).toBe(202);
    expect(second.body.runId).toBe(first.body.runId);
    const runs = await test.storage.runs.list({ graphId });
    expect(runs).toHaveLength(1);
    const entries = await ledgerOf(test, userId());
    expect(kindsOf(entries)).toEqual(['topup', 'reserve', 'capture']);
    expect(providerCalls(provider, '/ok', first.body.runId)).toBe(1);
    expect(await test.storage.ledger.balance(userId())).toBe(20 - FIXED_COST);
  });
});

describe('per-unit charges', () => {
  // credtest/tokens@1 costs 1 + 0.5 per token and reserves 100 tokens: 51 credits.
  const HOLD = 51;

  async function runTokens(units: unknown): Promise<{ runId: string; status: string; taskId: string; entries: LedgerEntry[] }> {
    const graphId = await createGraph([buildNode('tokens', { type: 'credtest/tokens@1', config: callConfig(provider, '/ok', units) })]);
    const { runId, run, tasks } = await runToEnd(graphId);
    const taskId = tasks.get('tokens')!.id;
    return { runId, status: run.status, taskId, entries: await taskEntries(taskId) };
  }

  it('capture the measured units and release the rest', async () => {
    test = await startCreditStudio(provider);
    await topUp(100);

    const { runId, status, entries } = await runTokens(42);

    expect(status).toBe('succeeded');
    expect(entries.map((entry) => [entry.kind, entry.amount, entry.delta])).toEqual([
      ['reserve', HOLD, -HOLD],
      ['capture', 22, 0],
      ['release', HOLD - 22, HOLD - 22],
    ]);
    expect(await test.storage.ledger.balance(userId())).toBe(100 - 22);
    const charged = await eventsOf(runId, 'task.charged');
    expect(charged[0].data).toEqual({ reserved: HOLD, captured: 22, released: HOLD - 22, units: 42, unit: 'token', uncollected: 0, cycle: 1 });
  });

  it('take units above the maximum from the balance', async () => {
    test = await startCreditStudio(provider);
    await topUp(100);

    const { entries } = await runTokens(150);

    expect(entries.map((entry) => [entry.kind, entry.amount, entry.delta])).toEqual([
      ['reserve', HOLD, -HOLD],
      ['capture', 76, -(76 - HOLD)],
    ]);
    expect(await test.storage.ledger.balance(userId())).toBe(100 - 76);
  });

  it('record what the balance cannot cover', async () => {
    test = await startCreditStudio(provider);
    await topUp(60);

    const { runId, entries } = await runTokens(200);

    // 1 + 0.5 × 200 = 101 credits; 51 were held and only 9 more were left.
    expect(entries.map((entry) => [entry.kind, entry.amount, entry.delta])).toEqual([
      ['reserve', HOLD, -HOLD],
      ['capture', 60, -9],
    ]);
    expect(entries[1].reason).toContain('41 of 101 credits uncollected');
    expect(await test.storage.ledger.balance(userId())).toBe(0);
    const charged = await eventsOf(runId, 'task.charged');
    expect(charged[0].data).toMatchObject({ captured: 60, uncollected: 41 });
    expectNeverNegative(await ledgerOf(test, userId()));
  });

  it('charge the maximum when no units are reported', async () => {
    test = await startCreditStudio(provider);
    await topUp(100);

    const { entries } = await runTokens(undefined);

    expect(kindsOf(entries)).toEqual(['reserve', 'capture']);
    expect(entries[1].amount).toBe(HOLD);
    expect(await test.storage.ledger.balance(userId())).toBe(100 - HOLD);
  });

  it('fail and release on invalid units', async () => {
    test = await startCreditStudio(provider);
    await topUp(100);

    const { status, taskId, entries } = await runTokens(-1);

    expect(status).toBe('failed');
    expect((await test.storage.tasks.get(taskId))!.error?.code).toBe('PLUGIN_USAGE_INVALID');
    expect(kindsOf(entries)).toEqual(['reserve', 'release']);
    expect(await test.storage.ledger.balance(userId())).toBe(100);
  });
});

describe('task route', () => {
  it('lists the ledger entries of a task', async () => {
    test = await startCreditStudio(provider);
    await topUp(20);
    const graphId = await createGraph([buildNode('charged', { type: 'credtest/fixed@1', config: callConfig(provider, '/ok') })]);
    const { tasks } = await runToEnd(graphId);

    const reply = await request(test, { method: 'GET', url: `/v1/tasks/${tasks.get('charged')!.id}` });

    expect(reply.status).toBe(200);
    expect(reply.body.ledger.map((entry: LedgerEntry) => [entry.kind, entry.amount])).toEqual([
      ['reserve', FIXED_COST],
      ['capture', FIXED_COST],
    ]);
  });
});
