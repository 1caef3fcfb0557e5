/** Helpers of the AI node tests: graphs with AI nodes, runs, task logs and ledger entries. */
import type { GraphNode } from '@gestorlead/sdk-plugin';
import type { LedgerEntry, RunEventRecord, TaskRecord } from '@gestorlead/storage';
import { expect } from 'vitest';
import { request, startRun } from '../../support/http.js';
import { buildGraph, buildNode, waitForRun, type TestStudio } from '../../support/studio.js';

/** The platform key the fake provider accepts. */
export const PLATFORM_KEY = 'sk-platform-key-0123456789abcdef';
/** Credits per token in the tests' `CREDITS_PRICING`. */
export const TEST_PRICE_PER_TOKEN = 0.5;
/** Pricing of the AI nodes in the tests. */
export const TEST_PRICING = JSON.stringify({
  'ai/chat@1': { perUnit: TEST_PRICE_PER_TOKEN },
  'ai/agent@1': { perUnit: TEST_PRICE_PER_TOKEN },
});
/** Generous bound of one run on a busy machine. */
export const RUN_TIMEOUT_MS = 30_000;

/** Builds an `ai/chat@1` node. */
export function chatNode(config: Record<string, unknown>, overrides: Partial<GraphNode> = {}): GraphNode {
  return buildNode('chat', { type: 'ai/chat@1', config: { model: 'gpt-test', ...config }, ...overrides });
}

/** Stores a one-node graph through the API and returns its id. */
export async function createOneNodeGraph(test: TestStudio, node: GraphNode): Promise<string> {
  const reply = await request<{ id: string }>(test, { method: 'POST', url: '/v1/graphs', payload: buildGraph([node], []) });
  expect(reply.status, reply.raw.body).toBe(201);
  return reply.body.id;
}

/** Starts a run through the API and waits for its end. */
export async function runToEnd(test: TestStudio, graphId: string, input: unknown = null) {
  const runId = await startRun(test, graphId, input);
  return { runId, ...(await waitForRun(test, runId, RUN_TIMEOUT_MS)) };
}

/** Returns the task log of a task through `GET /v1/tasks/:id/logs`. */
export async function taskEvents(test: TestStudio, taskId: string): Promise<RunEventRecord[]> {
  const reply = await request<{ items: RunEventRecord[] }>(test, { method: 'GET', url: `/v1/tasks/${taskId}/logs` });
  expect(reply.status, reply.raw.body).toBe(200);
  return reply.body.items;
}

/** Returns the `task.log` lines of a task with the given message. */
export function logLines(events: RunEventRecord[], message: string): Array<{ level: string; message: string; data: any }> {
  return events
    .filter((event) => event.type === 'task.log')
    .map((event) => event.data as { level: string; message: string; data: any })
    .filter((line) => line.message === message);
}

/** Returns the ledger entries of a task through `GET /v1/tasks/:id`. */
export async function taskLedger(test: TestStudio, taskId: string): Promise<LedgerEntry[]> {
  const reply = await request<TaskRecord & { ledger: LedgerEntry[] }>(test, { method: 'GET', url: `/v1/tasks/${taskId}` });
  expect(reply.status, reply.raw.body).toBe(200);
  return reply.body.ledger;
}

/** Sums the amounts of one kind of ledger entry. */
export function sumOf(entries: LedgerEntry[], kind: LedgerEntry['kind']): number {
  return entries.filter((entry) => entry.kind === kind).reduce((sum, entry) => sum + entry.amount, 0);
}

/** Tops up the first account's credits. */
export async function topUp(test: TestStudio, amount: number): Promise<void> {
  await test.studio.ctx.credits.topUp(test.user!.id, amount, `payment-${Math.random()}`, 'test top-up');
}

/** Returns the first account's balance. */
export async function balanceOf(test: TestStudio): Promise<number> {
  const reply = await request<{ balance: number }>(test, { method: 'GET', url: '/v1/credits' });
  expect(reply.status, reply.raw.body).toBe(200);
  return reply.body.balance;
}
