/**
 * The runtime started as separate processes with ROLE=api, worker and scheduler on one data
 * folder, as a production deployment runs it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { GraphDocument } from '@gestorlead/sdk-plugin';
import { openSqliteStorage, type RunRecord } from '@gestorlead/storage';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { AgendaDispatcher } from '../../src/scheduling/agenda-dispatcher.js';
import { CRON_JOB, JobStore } from '../../src/scheduling/job-store.js';
import { ScheduleService } from '../../src/scheduling/schedule-service.js';
import { sendJson, startLocalServer } from '../plugins/support/local-server.js';
import { awaitServerProcesses, freePort, startServerProcess, stopServerProcess, type ServerProcess } from '../support/server-process.js';
import { TestWsClient } from '../support/ws-client.js';
import { waitUntil } from './support.js';

const RUNS = 1_000;
const LOCK_LIFETIME_MS = 3_000;
const WORKER_CONCURRENCY = 16;
/** Time one studio process may take to start on a busy machine, in ms. */
const PROCESS_START_TIMEOUT_MS = 60_000;
/** Time from a running scheduler to the fire time of the schedules stored after it started, in ms. */
const SCHEDULE_LEAD_MS = 10_000;

const processes: ServerProcess[] = [];
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const child of processes.splice(0)) await stopServerProcess(child, 'SIGKILL');
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type RoleProcess = ServerProcess & { port: number };

async function launchRole(role: string, env: Record<string, string>, timeoutMs: number): Promise<RoleProcess> {
  const port = await freePort();
  const child = await startServerProcess({ ROLE: role, ...env }, port, timeoutMs);
  return { ...child, port };
}

/**
 * Starts one studio process per role at once, and stops them after the test. Processes that
 * start together share the CPUs, so each start's timeout is `PROCESS_START_TIMEOUT_MS` times
 * the number of processes.
 */
async function startRoles(roles: string[], env: Record<string, string>): Promise<RoleProcess[]> {
  const timeoutMs = PROCESS_START_TIMEOUT_MS * roles.length;
  const started = await awaitServerProcesses(roles.map((role) => launchRole(role, env, timeoutMs)));
  processes.push(...started);
  return started;
}

async function startRole(role: string, env: Record<string, string>): Promise<RoleProcess> {
  const [started] = await startRoles([role], env);
  return started;
}

function httpGraph(counterPort: number, extra: Partial<GraphDocument> = {}): GraphDocument {
  return {
    name: 'count a call',
    nodes: [
      {
        id: 'call',
        type: 'core/http@1',
        position: { x: 0, y: 0 },
        config: { method: 'POST', url: `http://127.0.0.1:${counterPort}/hit/{{ input.key }}` },
      },
    ],
    edges: [],
    ...extra,
  };
}

function newQueuedRun(graphId: string, id: string, input: unknown): RunRecord {
  const at = new Date().toISOString();
  return {
    id, graphId, ownerId: null, graphVersion: 1, status: 'queued', trigger: 'manual', input, output: null, error: null,
    response: null, deliveryId: null, createdAt: at, updatedAt: at, startedAt: null, finishedAt: null,
  };
}

/** Counts a graph's runs in one status through a read-only connection (run lists stop at 500). */
function countByStatus(dataDir: string, graphId: string, status: RunRecord['status']): number {
  const db = new Database(path.join(dataDir, 'studio.db'), { readonly: true });
  try {
    return (db.prepare('select count(*) as count from runs where graph_id = ? and status = ?').get(graphId, status) as { count: number }).count;
  } finally {
    db.close();
  }
}

/** Counts the cron jobs locked in the job store, through a read-only connection. */
function lockedCronJobs(dataDir: string): number {
  const db = new Database(path.join(dataDir, 'jobs.db'), { readonly: true });
  try {
    return (db.prepare('select count(*) as count from agenda_jobs where name = ? and locked_at is not null').get(CRON_JOB) as { count: number }).count;
  } finally {
    db.close();
  }
}

describe('split process roles', () => {
  it('two workers and a scheduler run 1,000 runs once', { timeout: 240_000 }, async () => {
    // Replies after 20 ms, like a slow API.
    const counter = await startLocalServer((_request, response) => {
      setTimeout(() => sendJson(response, 200, { ok: true }), 20);
    });
    cleanups.push(() => counter.close());
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gestorlead-roles-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const storage = openSqliteStorage({ path: path.join(dataDir, 'studio.db') });
    cleanups.push(() => storage.close());

    await storage.graphs.create('graph_batch', { ...httpGraph(counter.port), id: 'graph_batch' });
    await storage.graphs.freeze('graph_batch', 1);
    const cronDocument = httpGraph(counter.port, { settings: { schedule: { cron: '* * * * * *' } } });
    await storage.graphs.create('graph_cron', { ...cronDocument, id: 'graph_cron' });
    await storage.graphs.publish('graph_cron', 1);

    const env = {
      DATA_DIR: dataDir,
      HTTP_ALLOW_PRIVATE: `127.0.0.1:${counter.port}`,
      JOB_LOCK_LIFETIME_MS: String(LOCK_LIFETIME_MS),
      JOB_SCAN_INTERVAL_MS: '500',
      RUN_CONCURRENCY: String(WORKER_CONCURRENCY),
      SANDBOX_POOL_SIZE: '1',
    };
    const [workerA, workerB, scheduler] = await startRoles(['worker', 'worker', 'scheduler'], env);

    // Direct enqueue: each run is stored, then its job, as the executor does.
    const jobs = new JobStore({
      settings: { jobsDbPath: path.join(dataDir, 'jobs.db'), lockLifetimeMs: LOCK_LIFETIME_MS, scanIntervalMs: 5_000, notifyPollMs: 50 },
      log: createLogger('silent'),
      name: 'test-enqueue',
      maxConcurrency: 1,
    });
    await jobs.open();
    cleanups.push(() => jobs.close());
    const enqueuer = new AgendaDispatcher({ jobs, storage, log: createLogger('silent'), execute: async () => null, concurrency: 1, lockLifetimeMs: LOCK_LIFETIME_MS });
    const runIds: string[] = [];
    for (let index = 0; index < RUNS; index += 1) {
      const id = `run_batch_${String(index).padStart(4, '0')}`;
      await storage.runs.create(newQueuedRun('graph_batch', id, { key: id }));
      await enqueuer.enqueue(id);
      runIds.push(id);
    }

    // Kill one worker once a quarter of the runs are done, so it dies with runs in flight.
    await waitUntil(() => countByStatus(dataDir, 'graph_batch', 'succeeded') >= RUNS / 4, 60_000, 'a quarter of the runs');
    const doneAtKill = countByStatus(dataDir, 'graph_batch', 'succeeded');
    await stopServerProcess(workerA, 'SIGKILL');
    expect(doneAtKill).toBeLessThan(RUNS);

    await waitUntil(() => countByStatus(dataDir, 'graph_batch', 'succeeded') === RUNS, 90_000, 'every run to succeed');
    await stopServerProcess(scheduler, 'SIGTERM');

    const hitsByPath = new Map<string, number>();
    for (const request of counter.received) hitsByPath.set(request.url, (hitsByPath.get(request.url) ?? 0) + 1);
    let resumedRuns = 0;
    let unfinishedEvents = 0;
    for (const runId of runIds) {
      const [task, ...moreTasks] = await storage.tasks.listByRun(runId);
      expect(moreTasks, runId).toHaveLength(0);
      expect(task.status, runId).toBe('COMPLETED');
      const attempts = await storage.tasks.listAttempts(task.id);
      expect(attempts.filter((attempt) => attempt.status === 'COMPLETED'), runId).toHaveLength(1);
      const interrupted = attempts.filter((attempt) => attempt.status === 'INTERRUPTED').length;

      // A run starts once and finishes once. The killed worker may have lost the events of its
      // last event-loop turn, which it had not stored yet, so a count may also be 0.
      const events = await storage.events.listByRun(runId, { limit: 1_000 });
      const types = events.map((event) => event.type);
      const started = types.filter((type) => type === 'run.started').length;
      const resumed = types.filter((type) => type === 'run.resumed').length;
      const finished = types.filter((type) => type === 'run.finished').length;
      expect(started, runId).toBeLessThanOrEqual(1);
      expect(started + resumed, runId).toBeGreaterThanOrEqual(1);
      expect(finished, runId).toBeLessThanOrEqual(1);
      if (finished === 0) unfinishedEvents += 1;

      // The HTTP call runs again only when the killed worker was making it.
      const hits = hitsByPath.get(`/hit/${runId}`) ?? 0;
      expect(hits, runId).toBeGreaterThanOrEqual(1);
      expect(hits, runId).toBeLessThanOrEqual(1 + interrupted);
      if (resumed > 0) resumedRuns += 1;
    }
    // Resumed runs are those the killed worker had started, and it had some in flight, plus
    // takeovers: under load a worker's event loop can stall past the 3 s lock, the other worker
    // resumes the run, and the stalled one logs the lost lease when it wakes.
    const takeovers = [workerA, workerB]
      .map((worker) => worker.output.join('').split('run lease lost').length - 1)
      .reduce((sum, count) => sum + count, 0);
    expect(resumedRuns).toBeGreaterThanOrEqual(1);
    expect(resumedRuns, `${takeovers} lease takeovers`).toBeLessThanOrEqual(WORKER_CONCURRENCY + takeovers);
    expect(unfinishedEvents).toBeLessThanOrEqual(WORKER_CONCURRENCY);

    // The scheduler fired every second, each fire time once, and the workers ran the fires.
    const cronRuns = await storage.runs.list({ graphId: 'graph_cron', limit: 500 });
    expect(cronRuns.length).toBeLessThan(500);
    expect(cronRuns.length).toBeGreaterThanOrEqual(2);
    const fireTimes = cronRuns.map((run) => (run.input as { scheduledAt: string }).scheduledAt);
    expect(new Set(fireTimes).size).toBe(fireTimes.length);
    for (const run of cronRuns) expect(run.trigger).toBe('cron');
    await waitUntil(() => countByStatus(dataDir, 'graph_cron', 'succeeded') === cronRuns.length, 30_000, 'cron runs to succeed');
  });

  it('api node serves runs of a worker', { timeout: 150_000 }, async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gestorlead-roles-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const env = { DATA_DIR: dataDir, JOB_LOCK_LIFETIME_MS: '60000', STOP_GRACE_MS: '300', SANDBOX_POOL_SIZE: '1', EVENT_POLL_MS: '50' };
    const [api, workerA] = await startRoles(['api', 'worker'], env);
    const url = `http://127.0.0.1:${api.port}`;

    // The first account of a fresh studio registers without a token. It owns every graph below.
    const registered = await fetch(`${url}/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'owner@roles.test', password: 'owner-password-for-roles', fullName: 'Roles Owner' }),
    });
    expect(registered.status).toBe(201);
    const { accessToken } = (await registered.json()) as { accessToken: string };
    const authorization = `Bearer ${accessToken}`;
    const post = async (route: string, body: unknown) => {
      const response = await fetch(`${url}${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as any };
    };
    const get = async (route: string) => (await fetch(`${url}${route}`, { headers: { authorization } })).json() as Promise<any>;

    // Live events on the API node of a run that the worker executes.
    const delayed = await post('/v1/graphs', {
      name: 'delayed',
      nodes: [{ id: 'wait', type: 'core/delay@1', position: { x: 0, y: 0 }, config: { ms: 300 } }],
      edges: [],
    });
    const ws = await TestWsClient.connect(url, { token: accessToken });
    cleanups.push(() => ws.close());
    const first = await post(`/v1/graphs/${delayed.body.id}/runs`, { input: { n: 1 } });
    expect(first.status).toBe(202);
    ws.send({ type: 'subscribe', runId: first.body.runId });
    await ws.waitForFinish(first.body.runId, 20_000);
    const types = ws.events(first.body.runId).map((event) => event.type);
    expect(types).toContain('run.started');
    expect(types).toContain('task.completed');
    const seqs = ws.events(first.body.runId).map((event) => event.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);

    // A sync webhook on the API node replies with the worker's core/respond output.
    const responder = await post('/v1/graphs', {
      name: 'responder',
      settings: { webhook: { mode: 'sync', syncTimeoutMs: 15_000 } },
      nodes: [{ id: 'reply', type: 'core/respond@1', position: { x: 0, y: 0 }, config: { status: 201, body: { via: 'worker' } } }],
      edges: [],
    });
    await post(`/v1/graphs/${responder.body.id}/publish`, {});
    const hook = await post(`/hooks/${responder.body.id}`, { hello: 'world' });
    expect(hook.status).toBe(201);
    expect(hook.body).toEqual({ via: 'worker' });

    // A worker stopped with SIGTERM while a run waits hands the run back. Another worker
    // resumes it long before the 60 s lock lifetime would have passed.
    const slow = await post('/v1/graphs', {
      name: 'slow',
      nodes: [{ id: 'wait', type: 'core/delay@1', position: { x: 0, y: 0 }, config: { ms: 4_000 } }],
      edges: [],
    });
    const handedRun = await post(`/v1/graphs/${slow.body.id}/runs`, {});
    const runId = handedRun.body.runId as string;
    const readRun = () => get(`/v1/runs/${runId}`);
    await waitUntil(async () => (await readRun()).status === 'running', 20_000, 'the slow run to start');
    const exited = new Promise<number | null>((resolve) => workerA.child.once('exit', (code) => resolve(code)));
    const stoppedAt = Date.now();
    workerA.child.kill('SIGTERM');
    expect(await exited).toBe(0);

    await startRole('worker', env);
    await waitUntil(async () => (await readRun()).status === 'succeeded', 30_000, 'the handed-back run to succeed');
    expect(Date.now() - stoppedAt).toBeLessThan(45_000);
    const events = await get(`/v1/runs/${runId}/events`);
    const eventTypes = (events.items as { type: string }[]).map((event) => event.type);
    expect(eventTypes).toContain('run.resumed');
    expect(eventTypes.filter((type) => type === 'run.finished')).toHaveLength(1);
  });

  it('killed scheduler batch fires once', { timeout: 150_000 }, async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gestorlead-roles-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const storage = openSqliteStorage({ path: path.join(dataDir, 'studio.db') });
    cleanups.push(() => storage.close());
    const log = createLogger('silent');
    // A claim lock expires after 4 s, and a fire more than 1 s late counts as missed, so only
    // the rule for claims taken on time lets the second scheduler fire the batch.
    const env = { DATA_DIR: dataDir, JOB_LOCK_LIFETIME_MS: '4000', JOB_SCAN_INTERVAL_MS: '500', CRON_MISSED_AFTER_MS: '1000' };
    // The scheduler runs before the schedules exist and finds them at its next scan, so the
    // fire time needs a lead only for storing 40 schedules, not for starting a process.
    const first = await startRole('scheduler', env);
    const fireAt = new Date(Math.ceil((Date.now() + SCHEDULE_LEAD_MS) / 1000) * 1000);
    const cron = `${fireAt.getUTCSeconds()} ${fireAt.getUTCMinutes()} ${fireAt.getUTCHours()} * * *`;
    const jobs = new JobStore({
      settings: { jobsDbPath: path.join(dataDir, 'jobs.db'), lockLifetimeMs: 4_000, scanIntervalMs: 5_000, notifyPollMs: 50 },
      log,
      name: 'test-schedules',
      maxConcurrency: 1,
    });
    await jobs.open();
    cleanups.push(() => jobs.close());
    const schedules = new ScheduleService({ jobs, storage, log });
    const graphIds: string[] = [];
    for (let index = 0; index < 40; index += 1) {
      const id = `graph_cron_${index}`;
      const document: GraphDocument = {
        name: id,
        nodes: [{ id: 'noop', type: 'core/noop@1', position: { x: 0, y: 0 }, config: {} }],
        edges: [],
        settings: { schedule: { cron, timezone: 'UTC', missed: 'skip' } },
      };
      await storage.graphs.create(id, { ...document, id });
      await storage.graphs.publish(id, 1);
      await schedules.sync(id);
      graphIds.push(id);
    }

    expect(Date.now()).toBeLessThan(fireAt.getTime() - 1_000);
    await waitUntil(() => lockedCronJobs(dataDir) === graphIds.length, fireAt.getTime() - Date.now(), 'the claim one second ahead');
    await stopServerProcess(first, 'SIGKILL');
    expect(Date.now()).toBeLessThan(fireAt.getTime());
    expect((await storage.runs.list({ trigger: ['cron'] })).length).toBe(0);

    await startRole('scheduler', env);
    await waitUntil(async () => (await storage.runs.list({ trigger: ['cron'] })).length >= graphIds.length, 60_000, 'the taken-over fires');
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    const runs = await storage.runs.list({ trigger: ['cron'] });
    expect(runs).toHaveLength(graphIds.length);
    expect(new Set(runs.map((run) => run.graphId)).size).toBe(graphIds.length);
    for (const run of runs) {
      const { scheduledAt, firedAt } = run.input as { scheduledAt: string; firedAt: string };
      expect(scheduledAt).toBe(fireAt.toISOString());
      // Taken over only once the first claim, made about 1 s before the fire time, expired.
      expect(Date.parse(firedAt)).toBeGreaterThanOrEqual(fireAt.getTime() + 2_000);
    }
    await waitUntil(() => lockedCronJobs(dataDir) === 0, 10_000, 'the jobs to be unlocked');
  });

  it('api node cancels a run on a worker', { timeout: 150_000 }, async () => {
    // Holds every request without replying, and records the ones the client closed.
    const closedByClient: string[] = [];
    const hanging = await startLocalServer((request, response) => {
      response.once('close', () => {
        if (!response.writableEnded) closedByClient.push(request.url);
      });
    });
    cleanups.push(() => hanging.close());
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gestorlead-roles-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const env = {
      DATA_DIR: dataDir,
      HTTP_ALLOW_PRIVATE: `127.0.0.1:${hanging.port}`,
      JOB_LOCK_LIFETIME_MS: '60000',
      SANDBOX_POOL_SIZE: '1',
      EVENT_POLL_MS: '50',
      TASK_TIMEOUT_MS: '60000',
    };
    const [api] = await startRoles(['api', 'worker'], env);
    const url = `http://127.0.0.1:${api.port}`;
    const registered = await fetch(`${url}/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'owner@cancel.test', password: 'owner-password-for-cancel', fullName: 'Cancel Owner' }),
    });
    const { accessToken } = (await registered.json()) as { accessToken: string };
    const post = async (route: string, body: unknown) => {
      const response = await fetch(`${url}${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as any };
    };

    const graph = await post('/v1/graphs', {
      name: 'hangs',
      nodes: [
        { id: 'call', type: 'core/http@1', position: { x: 0, y: 0 }, config: { method: 'POST', url: `http://127.0.0.1:${hanging.port}/call` } },
        { id: 'after', type: 'core/http@1', position: { x: 200, y: 0 }, config: { method: 'POST', url: `http://127.0.0.1:${hanging.port}/after` } },
      ],
      edges: [{ id: 'call-after', source: 'call', sourcePort: 'out', target: 'after', targetPort: 'in' }],
    });
    expect(graph.status).toBe(201);
    const started = await post(`/v1/graphs/${graph.body.id}/runs`, {});
    expect(started.status).toBe(202);
    const runId = started.body.runId as string;
    const receivedPaths = () => hanging.received.map((request) => request.url);
    await waitUntil(() => receivedPaths().includes('/call'), 20_000, 'the worker to call the hanging server');

    const cancelled = await post(`/v1/runs/${runId}/cancel`, {});
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect(cancelled.body.error.code).toBe('RUNTIME_TASK_CANCELLED');
    // The worker aborted its in-flight call and started nothing after it.
    await waitUntil(() => closedByClient.includes('/call'), 10_000, 'the worker to close the call');
    expect(receivedPaths()).toEqual(['/call']);

    const storage = openSqliteStorage({ path: path.join(dataDir, 'studio.db') });
    cleanups.push(() => storage.close());
    const tasks = await storage.tasks.listByRun(runId);
    expect(tasks.map((task) => [task.nodeId, task.status]).sort()).toEqual([
      ['after', 'CANCELLED'],
      ['call', 'CANCELLED'],
    ]);
    const [attempt] = await storage.tasks.listAttempts(tasks.find((task) => task.nodeId === 'call')!.id);
    expect(attempt.status).toBe('CANCELLED');
    // The worker stores events in batches after the run row, so the last one may come a little later.
    const finishedEvents = async () =>
      (await storage.events.listByRun(runId, { limit: 1_000 })).filter((event) => event.type === 'run.finished');
    await waitUntil(async () => (await finishedEvents()).length > 0, 10_000, 'the run.finished event');
    const [finished, ...moreFinished] = await finishedEvents();
    expect(moreFinished).toHaveLength(0);
    expect((finished.data as { status: string }).status).toBe('cancelled');
  });
});
