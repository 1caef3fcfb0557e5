/**
 * The ledger test of a real studio process: one webhook run goes through two failed attempts,
 * a SIGKILL during its third attempt, a restart that resumes it, and a repeated delivery of
 * the same event. The credits captured must equal the action's declared cost exactly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendJson, startLocalServer, type LocalServer } from '../plugins/support/local-server.js';
import { freePort, startServerProcess, stopServerProcess, type ServerProcess } from '../support/server-process.js';
import { TEST_RATE_LIMITS } from '../support/studio.js';
import { creditTestPackage, FIXED_COST } from './support.js';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gestorlead-credits-crash-'));
let server: ServerProcess | null = null;
let provider: LocalServer;
/** Calls of `/flaky` per run; the third one is left waiting until the process dies. */
const flakyCalls = new Map<string, number>();
const waiting: ServerResponse[] = [];

function studioEnv(): Record<string, string> {
  return {
    DATA_DIR: dataDir,
    SANDBOX_POOL_SIZE: '1',
    // The trusted test plugin reaches the provider on 127.0.0.1 by its address.
    TRUSTED_PLUGINS: 'core,credtest',
    HTTP_ALLOW_PRIVATE: `127.0.0.1:${provider.port}`,
    ...TEST_RATE_LIMITS,
  };
}

async function api(method: string, route: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${server!.url}${route}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? null : JSON.parse(text) };
}

async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  provider = await startLocalServer((received, response) => {
    const url = new URL(received.url, 'http://localhost');
    const runId = url.searchParams.get('run') ?? '';
    const count = (flakyCalls.get(runId) ?? 0) + 1;
    flakyCalls.set(runId, count);
    if (count <= 2) return sendJson(response, 503, { call: count });
    if (count === 3) {
      waiting.push(response);
      return;
    }
    return sendJson(response, 200, { call: count });
  });
  server = await startServerProcess(studioEnv(), await freePort());
}, 60_000);

afterAll(async () => {
  if (server) await stopServerProcess(server, 'SIGKILL');
  await provider.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('credits across a crash', () => {
  it('capture the declared cost once through retries, SIGKILL, resume and a repeated delivery', async () => {
    const registered = await api('POST', '/v1/auth/register', {
      body: { email: 'owner@crash.test', password: 'owner-password-for-tests', fullName: 'Crash Owner' },
    });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    const token: string = registered.body.accessToken;
    const userId: string = registered.body.user.id;
    const installed = await api('POST', '/v1/plugins', { token, body: creditTestPackage() });
    expect(installed.status, JSON.stringify(installed.body)).toBe(201);
    const created = await api('POST', '/v1/graphs', {
      token,
      body: {
        name: 'charged webhook',
        settings: { webhook: { mode: 'async', eventIdHeader: 'x-event-id' } },
        nodes: [
          {
            id: 'charged',
            type: 'credtest/fixed@1',
            position: { x: 0, y: 0 },
            config: { origin: `http://127.0.0.1:${provider.port}`, path: '/flaky' },
            retry: { maxAttempts: 3, backoff: 'fixed', delayMs: 10 },
          },
        ],
        edges: [],
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const graphId: string = created.body.id;
    expect((await api('POST', `/v1/graphs/${graphId}/publish`, { token })).status).toBe(200);
    const topUp = await api('POST', `/v1/admin/users/${userId}/credits`, {
      token,
      body: { amount: 20, reason: 'credits for the crash test', idempotencyKey: 'crash-initial' },
    });
    expect(topUp.status, JSON.stringify(topUp.body)).toBe(201);

    const deliver = () => api('POST', `/hooks/${graphId}`, { headers: { 'x-event-id': 'evt-crash' }, body: { lead: 1 } });
    const first = await deliver();
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    const runId: string = first.body.runId;
    await waitUntil(() => waiting.length === 1, 30_000, 'the third provider call');
    expect(flakyCalls.get(runId)).toBe(3);
    await stopServerProcess(server!, 'SIGKILL');
    server = null;

    server = await startServerProcess(studioEnv(), await freePort());
    const repeated = await deliver();
    expect(repeated.body.runId).toBe(runId);
    await waitUntil(async () => (await api('GET', `/v1/runs/${runId}`, { token })).body.status === 'succeeded', 30_000, 'the resumed run');
    const late = await deliver();
    expect(late.body.runId).toBe(runId);

    const run = (await api('GET', `/v1/runs/${runId}`, { token })).body;
    const task = (await api('GET', `/v1/tasks/${run.tasks[0].id}`, { token })).body;
    expect(task.attemptHistory.map((attempt: { status: string }) => attempt.status)).toEqual(['FAILED', 'FAILED', 'INTERRUPTED', 'COMPLETED']);
    expect(flakyCalls.get(runId)).toBe(4);
    expect(task.ledger.map((entry: { kind: string; amount: number }) => [entry.kind, entry.amount])).toEqual([
      ['reserve', FIXED_COST],
      ['capture', FIXED_COST],
    ]);
    const runs = (await api('GET', `/v1/runs?graphId=${graphId}`, { token })).body.items;
    expect(runs).toHaveLength(1);
    const credits = (await api('GET', '/v1/credits', { token })).body;
    expect(credits.balance).toBe(20 - FIXED_COST);
    expect(credits.held).toBe(0);
    const kinds = credits.history.items.map((entry: { kind: string }) => entry.kind).reverse();
    expect(kinds).toEqual(['adjustment', 'reserve', 'capture']);
    const events = (await api('GET', `/v1/runs/${runId}/events`, { token })).body.items;
    const reserved = events.filter((event: { type: string }) => event.type === 'task.credits-reserved');
    expect(reserved.map((event: { data: { reused: boolean } }) => event.data.reused)).toEqual([false, true]);
    expect(events.filter((event: { type: string }) => event.type === 'task.charged')).toHaveLength(1);
  }, 120_000);
});
