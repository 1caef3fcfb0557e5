import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startServerProcess, stopServerProcess, type ServerProcess } from './support/server-process.js';

const RUNS_BEFORE_KILL = 20;
const DELAY_MS = 1500;

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gestorlead-crash-'));
let server: ServerProcess | null = null;

/** Access token of the studio's first account, sent with every request to `/v1/`. */
let token = '';

async function json(url: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const headers = new Headers(init.headers);
  if (token && new URL(url).pathname.startsWith('/v1/')) headers.set('authorization', `Bearer ${token}`);
  const response = await fetch(url, { ...init, headers });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

async function createSlowWebhookGraph(url: string): Promise<string> {
  const document = {
    name: 'crash test',
    settings: { webhook: { mode: 'async' } },
    nodes: [
      { id: 'start', type: 'core/noop@1', position: { x: 0, y: 0 } },
      { id: 'wait', type: 'core/delay@1', position: { x: 200, y: 0 }, config: { ms: DELAY_MS } },
      { id: 'end', type: 'core/noop@1', position: { x: 400, y: 0 } },
    ],
    edges: [
      { id: 'e1', source: 'start', sourcePort: 'out', target: 'wait', targetPort: 'in' },
      { id: 'e2', source: 'wait', sourcePort: 'out', target: 'end', targetPort: 'in' },
    ],
  };
  const created = await json(`${url}/v1/graphs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(document),
  });
  expect(created.status).toBe(201);
  const published = await json(`${url}/v1/graphs/${created.body.id}/publish`, { method: 'POST' });
  expect(published.status).toBe(200);
  return created.body.id as string;
}

async function deliver(url: string, graphId: string, index: number): Promise<string | null> {
  try {
    const response = await json(`${url}/hooks/${graphId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ lead: index }),
    });
    return response.status === 202 ? (response.body.runId as string) : null;
  } catch {
    return null;
  }
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  server = await startServerProcess({ DATA_DIR: dataDir }, await freePort());
  const registered = await json(`${server.url}/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'owner@crash.test', password: 'owner-password-for-tests', fullName: 'Owner' }),
  });
  expect(registered.status).toBe(201);
  token = registered.body.accessToken;
}, 60_000);

afterAll(async () => {
  if (server) await stopServerProcess(server, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('crash recovery', () => {
  it('finishes every accepted run after SIGKILL', async () => {
    const graphId = await createSlowWebhookGraph(server!.url);
    const accepted: string[] = [];
    for (let index = 0; index < RUNS_BEFORE_KILL; index += 1) {
      const runId = await deliver(server!.url, graphId, index);
      expect(runId).not.toBeNull();
      accepted.push(runId!);
    }
    await waitUntil(async () => {
      const running = await json(`${server!.url}/v1/runs?graphId=${graphId}&status=running&limit=100`);
      return running.body.items.length === RUNS_BEFORE_KILL;
    }, 15_000, 'runs to be running');

    const firing = (async () => {
      for (let index = RUNS_BEFORE_KILL; index < RUNS_BEFORE_KILL + 200; index += 1) {
        const runId = await deliver(server!.url, graphId, index);
        if (runId === null) return;
        accepted.push(runId);
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await stopServerProcess(server!, 'SIGKILL');
    await firing;
    server = null;

    server = await startServerProcess({ DATA_DIR: dataDir }, await freePort());
    const url = server.url;
    await waitUntil(async () => {
      const open = await json(`${url}/v1/runs?graphId=${graphId}&status=queued&status=running&limit=500`);
      return open.body.items.length === 0;
    }, 30_000, 'every run to finish');

    expect(accepted.length).toBeGreaterThan(RUNS_BEFORE_KILL);
    for (const runId of accepted) {
      const { status, body: run } = await json(`${url}/v1/runs/${runId}`);
      expect(status, `run ${runId} is missing`).toBe(200);
      expect(run.status, `run ${runId}`).toBe('succeeded');
      expect(run.deliveryId).not.toBeNull();
      expect(run.tasks.map((task: { status: string }) => task.status)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
    }
    for (const runId of accepted.slice(0, RUNS_BEFORE_KILL)) {
      const events = await json(`${url}/v1/runs/${runId}/events`);
      const types = events.body.items.map((event: { type: string }) => event.type);
      expect(types, `run ${runId} was not resumed`).toContain('run.resumed');
      expect(events.body.items.map((event: { seq: number }) => event.seq)).toEqual(types.map((_: string, index: number) => index + 1));
      const run = (await json(`${url}/v1/runs/${runId}`)).body;
      const wait = run.tasks.find((task: { nodeId: string }) => task.nodeId === 'wait');
      const task = (await json(`${url}/v1/tasks/${wait.id}`)).body;
      expect(task.attemptHistory.map((attempt: { status: string }) => attempt.status)).toEqual(['INTERRUPTED', 'COMPLETED']);
    }
    const all = await json(`${url}/v1/runs?graphId=${graphId}&limit=500`);
    expect(all.body.items.every((run: { status: string }) => run.status === 'succeeded')).toBe(true);
  }, 90_000);
});
