/**
 * Recovery of credits after a process died: the stored state a killed studio leaves (a run
 * `running`, its attempt `IN_PROGRESS`, ledger entries of the task's hold) is written first, then
 * `Executor.recover` runs as it does at start-up. `crash.test.ts` kills a real process.
 */
import type { LedgerEntry } from '@gestorlead/storage';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { reserveKey, settlementKey } from '../../src/credits/keys.js';
import { request } from '../support/http.js';
import { buildGraph, buildNode, waitForRun } from '../support/studio.js';
import type { LocalServer } from '../plugins/support/local-server.js';
import type { PluginTestStudio } from '../plugins/support/plugin-studio.js';
import { callConfig, FIXED_COST, ledgerOf, providerCalls, startCreditStudio, startProvider } from './support.js';

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

const RUN_TIMEOUT_MS = 30_000;
const TOKENS_HOLD = 51;

interface LeftRun {
  runId: string;
  taskId: string;
  key: string;
}

let runCounter = 0;

/**
 * Stores what a process killed during a call of `type` leaves: the run running, its task and
 * attempt in progress, and the hold on the ledger (`captured` adds the capture of a call that
 * succeeded just before the kill).
 */
async function leaveRunInterrupted(type: string, config: Record<string, unknown>, hold: number, captured?: number): Promise<LeftRun> {
  const userId = test.user!.id;
  const reply = await request<{ id: string }>(test, {
    method: 'POST',
    url: '/v1/graphs',
    payload: buildGraph([buildNode('charged', { type, config })], []),
  });
  expect(reply.status, reply.raw.body).toBe(201);
  const graphId = reply.body.id;
  await test.storage.graphs.freeze(graphId, 1);
  runCounter += 1;
  const runId = `run_left${runCounter}`;
  const taskId = `task_left${runCounter}`;
  // A second in the past, so the entries recovery appends sort after these.
  const at = new Date(Date.now() - 1000).toISOString();
  await test.storage.runs.create({
    id: runId, graphId, ownerId: userId, graphVersion: 1, status: 'running', trigger: 'manual', input: null, output: null,
    error: null, response: null, deliveryId: null, createdAt: at, updatedAt: at, startedAt: at, finishedAt: null,
  });
  await test.storage.tasks.create({
    id: taskId, runId, nodeId: 'charged', nodeType: type, status: 'IN_PROGRESS', attempts: 1, input: null, output: null,
    error: null, createdAt: at, updatedAt: at, startedAt: at, finishedAt: null,
  });
  await test.storage.tasks.createAttempt({ taskId, runId, attempt: 1, status: 'IN_PROGRESS', error: null, startedAt: at, finishedAt: null });
  await test.storage.events.append([{ runId, seq: 1, type: 'run.started', at }]);

  const key = reserveKey(runId, taskId, 1);
  const base = { userId, runId, taskId, reason: type, actorId: null, createdAt: at };
  await test.storage.ledger.append({ ...base, id: `ledger_r${runCounter}`, kind: 'reserve', delta: -hold, amount: hold, idempotencyKey: key, reservationKey: null });
  if (captured !== undefined) {
    await test.storage.ledger.append({
      ...base,
      id: `ledger_c${runCounter}`,
      kind: 'capture',
      delta: 0,
      amount: captured,
      idempotencyKey: settlementKey(key, 'capture'),
      reservationKey: key,
      createdAt: new Date(Date.parse(at) + 1).toISOString(),
    });
  }
  return { runId, taskId, key };
}

function shapeOf(entries: LedgerEntry[]): [string, number, number][] {
  return entries.map((entry) => [entry.kind, entry.amount, entry.delta]);
}

describe('credit recovery', () => {
  it('takes over an open hold when the run resumes', async () => {
    test = await startCreditStudio(provider);
    await test.studio.ctx.credits.topUp(test.user!.id, 20, 'payment-open-hold', 'test top-up');
    const left = await leaveRunInterrupted('credtest/fixed@1', callConfig(provider, '/ok'), FIXED_COST);

    await test.studio.ctx.executor.recover();
    const { run } = await waitForRun(test, left.runId, RUN_TIMEOUT_MS);

    expect(run.status).toBe('succeeded');
    expect(providerCalls(provider, '/ok', left.runId)).toBe(1);
    expect(shapeOf(await test.storage.ledger.listByTask(left.taskId))).toEqual([
      ['reserve', FIXED_COST, -FIXED_COST],
      ['capture', FIXED_COST, 0],
    ]);
    expect(await test.storage.ledger.balance(test.user!.id)).toBe(20 - FIXED_COST);
    await test.studio.ctx.events.flush();
    const reserved = (await test.storage.events.listByRun(left.runId)).filter((event) => event.type === 'task.credits-reserved');
    expect(reserved.map((event) => event.data)).toEqual([{ reserved: FIXED_COST, cycle: 1, reused: true }]);
  });

  it('charges no more after a capture stored before the crash', async () => {
    test = await startCreditStudio(provider);
    await test.studio.ctx.credits.topUp(test.user!.id, 100, 'payment-captured', 'test top-up');
    // The call used 42 tokens (22 credits) and the process died before it stored the release.
    const left = await leaveRunInterrupted('credtest/tokens@1', callConfig(provider, '/ok', 42), TOKENS_HOLD, 22);

    await test.studio.ctx.executor.recover();
    const { run } = await waitForRun(test, left.runId, RUN_TIMEOUT_MS);

    expect(run.status).toBe('succeeded');
    expect(shapeOf(await test.storage.ledger.listByTask(left.taskId))).toEqual([
      ['reserve', TOKENS_HOLD, -TOKENS_HOLD],
      ['capture', 22, 0],
      ['release', TOKENS_HOLD - 22, TOKENS_HOLD - 22],
    ]);
    expect(await test.storage.ledger.balance(test.user!.id)).toBe(100 - 22);
  });

  it('releases the hold of a run failed after a restart', async () => {
    test = await startCreditStudio(provider, { RECOVERY: 'fail' });
    await test.studio.ctx.credits.topUp(test.user!.id, 20, 'payment-fail', 'test top-up');
    const left = await leaveRunInterrupted('credtest/fixed@1', callConfig(provider, '/ok'), FIXED_COST);

    await test.studio.ctx.executor.recover();
    const { run, tasks } = await waitForRun(test, left.runId, RUN_TIMEOUT_MS);

    expect(run.status).toBe('failed');
    expect(run.error?.code).toBe('RUNTIME_PROCESS_RESTARTED');
    expect(tasks.get('charged')!.status).toBe('CANCELLED');
    expect(providerCalls(provider, '/ok', left.runId)).toBe(0);
    expect(shapeOf(await test.storage.ledger.listByTask(left.taskId))).toEqual([
      ['reserve', FIXED_COST, -FIXED_COST],
      ['release', FIXED_COST, FIXED_COST],
    ]);
    expect(await test.storage.ledger.balance(test.user!.id)).toBe(20);
  });

  it('releases a capture rest on failed recovery', async () => {
    test = await startCreditStudio(provider, { RECOVERY: 'fail' });
    await test.studio.ctx.credits.topUp(test.user!.id, 100, 'payment-fail-captured', 'test top-up');
    const left = await leaveRunInterrupted('credtest/tokens@1', callConfig(provider, '/ok', 42), TOKENS_HOLD, 22);

    await test.studio.ctx.executor.recover();
    await waitForRun(test, left.runId, RUN_TIMEOUT_MS);

    expect(shapeOf(await test.storage.ledger.listByTask(left.taskId))).toEqual([
      ['reserve', TOKENS_HOLD, -TOKENS_HOLD],
      ['capture', 22, 0],
      ['release', TOKENS_HOLD - 22, TOKENS_HOLD - 22],
    ]);
    expect(await test.storage.ledger.balance(test.user!.id)).toBe(100 - 22);
  });

  it('releases holds of runs that already ended', async () => {
    test = await startCreditStudio(provider);
    await test.studio.ctx.credits.topUp(test.user!.id, 20, 'payment-ended', 'test top-up');
    const left = await leaveRunInterrupted('credtest/fixed@1', callConfig(provider, '/ok'), FIXED_COST);
    // The run ended, but the release of its hold was never stored.
    await test.storage.runs.update(left.runId, { status: 'failed', finishedAt: new Date().toISOString() });

    expect(await test.studio.ctx.credits.recoverOpenReservations()).toBe(1);
    expect(await test.studio.ctx.credits.recoverOpenReservations()).toBe(0);

    expect(await test.storage.ledger.listOpenReservations({ runId: left.runId })).toEqual([]);
    expect(await test.storage.ledger.balance(test.user!.id)).toBe(20);
    const entries = await ledgerOf(test, test.user!.id);
    expect(entries.filter((entry) => entry.kind === 'release')).toHaveLength(1);
  });
});
