import type { TaskRecord } from '@gestorlead/storage';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LEASE_LOST } from '../src/executor/executor.js';
import {
  buildChain,
  buildEdge,
  buildGraph,
  buildNode,
  runGraph,
  startTestStudio,
  storeGraph,
  waitForRun,
  type TestStudio,
} from './support/studio.js';

const FINAL = ['COMPLETED', 'FAILED', 'SKIPPED', 'CANCELLED'];

let test: TestStudio;
beforeEach(async () => {
  test = await startTestStudio();
});
afterEach(async () => {
  await test.close();
});

function expectEveryTaskFinal(tasks: Map<string, TaskRecord>, nodeIds: string[]): void {
  expect([...tasks.keys()].sort()).toEqual([...nodeIds].sort());
  for (const task of tasks.values()) expect(FINAL).toContain(task.status);
}

function statuses(tasks: Map<string, TaskRecord>): Record<string, string> {
  return Object.fromEntries([...tasks].map(([nodeId, task]) => [nodeId, task.status]));
}

async function attemptsOf(taskId: string) {
  return test.storage.tasks.listAttempts(taskId);
}

describe('executor', () => {
  it('runs a chain in order', async () => {
    const { run, tasks } = await runGraph(test, buildChain(3), { lead: 'Ana' });
    expect(run.status).toBe('succeeded');
    expect(statuses(tasks)).toEqual({ n1: 'COMPLETED', n2: 'COMPLETED', n3: 'COMPLETED' });
    expect(run.output).toEqual({ n3: { lead: 'Ana' } });
    const starts = ['n1', 'n2', 'n3'].map((node) => test.probe.starts.get(`${run.id}/${node}`)![0]);
    expect(starts[0]).toBeLessThan(starts[1]);
    expect(starts[1]).toBeLessThan(starts[2]);
  });

  it('runs parallel branches concurrently', async () => {
    const document = buildGraph(
      [
        buildNode('start'),
        buildNode('left', { type: 'test/sleep@1', config: { ms: 150 } }),
        buildNode('right', { type: 'test/sleep@1', config: { ms: 150 } }),
      ],
      [buildEdge('start', 'left'), buildEdge('start', 'right')],
    );
    const { run } = await runGraph(test, document);
    const leftStart = test.probe.starts.get(`${run.id}/left`)![0];
    const rightStart = test.probe.starts.get(`${run.id}/right`)![0];
    const leftEnd = test.probe.ends.get(`${run.id}/left`)![0];
    const rightEnd = test.probe.ends.get(`${run.id}/right`)![0];
    expect(rightStart).toBeLessThan(leftEnd);
    expect(leftStart).toBeLessThan(rightEnd);
  });

  it('limits tasks by graph concurrency', async () => {
    const document = buildGraph(
      [
        buildNode('start'),
        buildNode('left', { type: 'test/sleep@1', config: { ms: 60 } }),
        buildNode('right', { type: 'test/sleep@1', config: { ms: 60 } }),
      ],
      [buildEdge('start', 'left'), buildEdge('start', 'right')],
      { settings: { concurrency: 1 } },
    );
    const { run } = await runGraph(test, document);
    const leftStart = test.probe.starts.get(`${run.id}/left`)![0];
    const rightStart = test.probe.starts.get(`${run.id}/right`)![0];
    const first = leftStart < rightStart ? 'left' : 'right';
    const second = first === 'left' ? 'right' : 'left';
    expect(test.probe.starts.get(`${run.id}/${second}`)![0]).toBeGreaterThanOrEqual(
      test.probe.ends.get(`${run.id}/${first}`)![0],
    );
  });

  it('join all waits for every branch', async () => {
    const document = buildGraph(
      [
        buildNode('start'),
        buildNode('fast', { config: { value: 'fast' } }),
        buildNode('slow', { type: 'test/sleep@1', config: { ms: 80 } }),
        buildNode('merge', { type: 'core/merge@1', config: { mode: 'object' } }),
      ],
      [buildEdge('start', 'fast'), buildEdge('start', 'slow'), buildEdge('fast', 'merge'), buildEdge('slow', 'merge')],
    );
    const { run, tasks } = await runGraph(test, document, 'x');
    expect(run.status).toBe('succeeded');
    expect(tasks.get('merge')!.output).toEqual({ out: { fast: 'fast', slow: 'x' } });
  });

  it('join any runs on first delivery', async () => {
    const document = buildGraph(
      [
        buildNode('start'),
        buildNode('fast', { config: { value: 'fast' } }),
        buildNode('slow', { type: 'test/sleep@1', config: { ms: 150 } }),
        buildNode('first', { join: 'any' }),
      ],
      [buildEdge('start', 'fast'), buildEdge('start', 'slow'), buildEdge('fast', 'first'), buildEdge('slow', 'first')],
    );
    const { run, tasks } = await runGraph(test, document, 'x');
    expect(run.status).toBe('succeeded');
    expect(tasks.get('first')!.output).toEqual({ out: 'fast' });
    expect(test.probe.count(run.id, 'first')).toBe(1);
    expect(test.probe.starts.get(`${run.id}/first`)![0]).toBeLessThan(test.probe.ends.get(`${run.id}/slow`)![0]);
  });

  it('condition skips the inactive branch', async () => {
    const condition = buildNode('check', {
      type: 'core/condition@1',
      config: {
        cases: [{ port: 'hot', rules: [{ value: '{{ input.budget }}', operator: 'gte', compare: 1000 }] }],
      },
    });
    const document = buildGraph(
      [condition, buildNode('hot'), buildNode('cold'), buildNode('afterCold')],
      [
        buildEdge('check', 'hot', { sourcePort: 'hot' }),
        buildEdge('check', 'cold', { sourcePort: 'else' }),
        buildEdge('cold', 'afterCold'),
      ],
    );
    const { run, tasks } = await runGraph(test, document, { budget: 5000 });
    expect(run.status).toBe('succeeded');
    expect(statuses(tasks)).toEqual({ check: 'COMPLETED', hot: 'COMPLETED', cold: 'SKIPPED', afterCold: 'SKIPPED' });
    expect(test.probe.count(run.id, 'cold')).toBe(0);
  });

  it('switch routes to the matching case', async () => {
    const condition = buildNode('tier', {
      type: 'core/condition@1',
      config: {
        cases: [
          { port: 'hot', rules: [{ value: '{{ input.budget }}', operator: 'gte', compare: 10000 }] },
          { port: 'warm', rules: [{ value: '{{ input.budget }}', operator: 'gte', compare: 1000 }] },
        ],
      },
    });
    const document = buildGraph(
      [condition, buildNode('hot'), buildNode('warm'), buildNode('cold')],
      [
        buildEdge('tier', 'hot', { sourcePort: 'hot' }),
        buildEdge('tier', 'warm', { sourcePort: 'warm' }),
        buildEdge('tier', 'cold', { sourcePort: 'else' }),
      ],
    );
    const { tasks } = await runGraph(test, document, { budget: 2500 });
    expect(statuses(tasks)).toEqual({ tier: 'COMPLETED', hot: 'SKIPPED', warm: 'COMPLETED', cold: 'SKIPPED' });
  });

  it('merge after skipped branch runs', async () => {
    const condition = buildNode('check', {
      type: 'core/condition@1',
      config: { cases: [{ port: 'yes', rules: [{ value: '{{ input.ok }}', operator: 'isTrue' }] }] },
    });
    const document = buildGraph(
      [condition, buildNode('yesBranch'), buildNode('noBranch'), buildNode('merge', { type: 'core/merge@1' })],
      [
        buildEdge('check', 'yesBranch', { sourcePort: 'yes' }),
        buildEdge('check', 'noBranch', { sourcePort: 'else' }),
        buildEdge('yesBranch', 'merge'),
        buildEdge('noBranch', 'merge'),
      ],
    );
    const { run, tasks } = await runGraph(test, document, { ok: true });
    expect(run.status).toBe('succeeded');
    expect(tasks.get('noBranch')!.status).toBe('SKIPPED');
    expect(tasks.get('merge')!.status).toBe('COMPLETED');
    expect(tasks.get('merge')!.output).toEqual({ out: { yesBranch: { ok: true } } });
  });

  it('error edge carries the failure', async () => {
    const document = buildGraph(
      [buildNode('call', { type: 'test/fail@1', config: { code: 'PROVIDER_DOWN', retryable: false } }), buildNode('next'), buildNode('handler')],
      [buildEdge('call', 'next'), buildEdge('call', 'handler', { kind: 'error' })],
    );
    const { run, tasks } = await runGraph(test, document);
    expect(run.status).toBe('succeeded');
    expect(statuses(tasks)).toEqual({ call: 'FAILED', next: 'SKIPPED', handler: 'COMPLETED' });
    expect(tasks.get('handler')!.output).toEqual({
      out: { code: 'PROVIDER_DOWN', message: 'failure 1', retryable: false, nodeId: 'call' },
    });
  });

  it('converging error branches finish together', async () => {
    const document = buildGraph(
      [
        buildNode('start'),
        buildNode('quickFail', { type: 'test/fail@1', config: { retryable: false } }),
        buildNode('slowFail', { type: 'test/fail@1', config: { retryable: false, delayMs: 120 } }),
        buildNode('handler', { type: 'core/merge@1', config: { mode: 'array' } }),
      ],
      [
        buildEdge('start', 'quickFail'),
        buildEdge('start', 'slowFail'),
        buildEdge('quickFail', 'handler', { kind: 'error' }),
        buildEdge('slowFail', 'handler', { kind: 'error' }),
      ],
    );
    const { run, tasks } = await runGraph(test, document);
    expect(run.status).toBe('succeeded');
    expect(statuses(tasks)).toEqual({ start: 'COMPLETED', quickFail: 'FAILED', slowFail: 'FAILED', handler: 'COMPLETED' });
    expect(test.probe.count(run.id, 'handler')).toBe(0);
    const handlerInput = tasks.get('handler')!.output as { out: Array<{ nodeId: string }> };
    expect(handlerInput.out.map((error) => error.nodeId)).toEqual(['quickFail', 'slowFail']);
  });

  it('unhandled failure fails the run', async () => {
    const document = buildGraph(
      [
        buildNode('start'),
        buildNode('broken', { type: 'test/fail@1', config: { retryable: false, code: 'BAD_INPUT' } }),
        buildNode('afterBroken'),
        buildNode('other', { type: 'test/sleep@1', config: { ms: 50 } }),
      ],
      [buildEdge('start', 'broken'), buildEdge('broken', 'afterBroken'), buildEdge('start', 'other')],
    );
    const { run, tasks } = await runGraph(test, document);
    expect(run.status).toBe('failed');
    expect(run.error?.code).toBe('BAD_INPUT');
    expect(run.error?.message).toBe('node "broken" failed: failure 1');
    expect(statuses(tasks)).toEqual({ start: 'COMPLETED', broken: 'FAILED', afterBroken: 'SKIPPED', other: 'COMPLETED' });
  });

  it('retries stop at maxAttempts', async () => {
    const document = buildGraph(
      [buildNode('flaky', { type: 'test/fail@1', retry: { maxAttempts: 3, backoff: 'fixed', delayMs: 40 } })],
      [],
    );
    const { run, tasks } = await runGraph(test, document);
    const task = tasks.get('flaky')!;
    expect(run.status).toBe('failed');
    expect(task.status).toBe('FAILED');
    expect(task.attempts).toBe(3);
    expect(test.probe.count(run.id, 'flaky')).toBe(3);
    const attempts = await attemptsOf(task.id);
    expect(attempts.map((attempt) => attempt.status)).toEqual(['FAILED', 'FAILED', 'FAILED']);
  });

  it('fixed backoff waits the delay', async () => {
    const document = buildGraph(
      [buildNode('flaky', { type: 'test/fail@1', config: { failTimes: 2 }, retry: { maxAttempts: 3, backoff: 'fixed', delayMs: 100 } })],
      [],
    );
    const { run, tasks } = await runGraph(test, document);
    expect(run.status).toBe('succeeded');
    expect(tasks.get('flaky')!.attempts).toBe(3);
    const starts = test.probe.starts.get(`${run.id}/flaky`)!;
    const gaps = [starts[1] - starts[0], starts[2] - starts[1]];
    for (const gap of gaps) {
      expect(gap).toBeGreaterThanOrEqual(98);
      expect(gap).toBeLessThan(400);
    }
  });

  it('exponential backoff doubles each delay', async () => {
    const document = buildGraph(
      [
        buildNode('flaky', {
          type: 'test/fail@1',
          config: { failTimes: 3 },
          retry: { maxAttempts: 4, backoff: 'exponential', delayMs: 50, maxDelayMs: 150 },
        }),
      ],
      [],
    );
    const { run } = await runGraph(test, document);
    expect(run.status).toBe('succeeded');
    const starts = test.probe.starts.get(`${run.id}/flaky`)!;
    const expected = [50, 100, 150];
    expected.forEach((delay, index) => {
      const gap = starts[index + 1] - starts[index];
      expect(gap).toBeGreaterThanOrEqual(delay - 2);
      expect(gap).toBeLessThan(delay + 300);
    });
  });

  it('records retrying events with delays', async () => {
    const document = buildGraph(
      [buildNode('flaky', { type: 'test/fail@1', config: { failTimes: 2 }, retry: { maxAttempts: 3, backoff: 'exponential', delayMs: 10 } })],
      [],
    );
    const { run } = await runGraph(test, document);
    await test.studio.ctx.events.flush();
    const events = await test.storage.events.listByRun(run.id);
    const retrying = events.filter((event) => event.type === 'task.retrying');
    expect(retrying.map((event) => (event.data as { delayMs: number }).delayMs)).toEqual([10, 20]);
  });

  it('never retries a non-retryable error', async () => {
    const document = buildGraph(
      [buildNode('fatal', { type: 'test/fail@1', config: { retryable: false }, retry: { maxAttempts: 5, backoff: 'fixed', delayMs: 1 } })],
      [],
    );
    const { run, tasks } = await runGraph(test, document);
    expect(tasks.get('fatal')!.attempts).toBe(1);
    expect(test.probe.count(run.id, 'fatal')).toBe(1);
  });

  it('retryOn limits which errors retry', async () => {
    const document = buildGraph(
      [
        buildNode('limited', {
          type: 'test/fail@1',
          config: { code: 'QUOTA' },
          retry: { maxAttempts: 5, backoff: 'fixed', delayMs: 1, retryOn: ['429', 'timeout'] },
        }),
        buildNode('rateLimited', {
          type: 'test/fail@1',
          config: { code: 'PROVIDER_HTTP', details: { status: 429 }, failTimes: 1 },
          retry: { maxAttempts: 5, backoff: 'fixed', delayMs: 1, retryOn: ['429'] },
        }),
      ],
      [],
    );
    const { tasks } = await runGraph(test, document);
    expect(tasks.get('limited')!.attempts).toBe(1);
    expect(tasks.get('rateLimited')!.attempts).toBe(2);
    expect(tasks.get('rateLimited')!.status).toBe('COMPLETED');
  });

  it('never retries a succeeded task', async () => {
    const document = buildGraph(
      [
        buildNode('ok', { retry: { maxAttempts: 5, backoff: 'fixed', delayMs: 1 } }),
        buildNode('after', { type: 'test/fail@1', config: { retryable: false } }),
      ],
      [buildEdge('ok', 'after')],
    );
    const { run, tasks } = await runGraph(test, document);
    expect(run.status).toBe('failed');
    expect(tasks.get('ok')!.attempts).toBe(1);
    expect(test.probe.count(run.id, 'ok')).toBe(1);
  });

  it('timeout fires near its limit', async () => {
    const document = buildGraph(
      [buildNode('stuck', { type: 'test/sleep@1', config: { ms: 10_000, ignoreSignal: true }, timeoutMs: 200 })],
      [],
    );
    const graphId = await storeGraph(test.storage, document);
    let failedAt = 0;
    const unsubscribe = test.studio.ctx.events.subscribeGraph(graphId, (event) => {
      if (event.type === 'task.failed') failedAt = performance.now();
    });
    const created = await test.studio.ctx.executor.createRun({ graphId, version: 1, input: null, trigger: 'manual' });
    const { run, tasks } = await waitForRun(test, created.id);
    unsubscribe();
    const startedAt = test.probe.starts.get(`${run.id}/stuck`)![0];
    expect(tasks.get('stuck')!.error?.code).toBe('RUNTIME_TASK_TIMEOUT');
    expect(failedAt - startedAt).toBeGreaterThanOrEqual(199);
    expect(failedAt - startedAt).toBeLessThanOrEqual(250);
  });

  it('timeout is retried when allowed', async () => {
    const document = buildGraph(
      [
        buildNode('stuck', {
          type: 'test/sleep@1',
          config: { ms: 10_000 },
          timeoutMs: 30,
          retry: { maxAttempts: 2, backoff: 'fixed', delayMs: 1, retryOn: ['timeout'] },
        }),
      ],
      [],
    );
    const { run, tasks } = await runGraph(test, document);
    expect(run.status).toBe('failed');
    expect(tasks.get('stuck')!.attempts).toBe(2);
    expect(test.probe.aborted.has(`${run.id}/stuck`)).toBe(true);
  });

  it('run timeout fails the run', async () => {
    const document = buildGraph(
      [buildNode('start'), buildNode('slow', { type: 'test/sleep@1', config: { ms: 5_000 } }), buildNode('after')],
      [buildEdge('start', 'slow'), buildEdge('slow', 'after')],
      { settings: { timeoutMs: 150 } },
    );
    const { run, tasks } = await runGraph(test, document);
    expect(run.status).toBe('failed');
    expect(run.error?.code).toBe('RUNTIME_RUN_TIMEOUT');
    expect(statuses(tasks)).toEqual({ start: 'COMPLETED', slow: 'FAILED', after: 'CANCELLED' });
  });

  it('cancel stops a running task', async () => {
    const document = buildGraph(
      [buildNode('slow', { type: 'test/sleep@1', config: { ms: 10_000 } }), buildNode('after')],
      [buildEdge('slow', 'after')],
    );
    const graphId = await storeGraph(test.storage, document);
    const created = await test.studio.ctx.executor.createRun({ graphId, version: 1, input: null, trigger: 'manual' });
    while (test.probe.count(created.id, 'slow') === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const began = performance.now();
    const cancelled = await test.studio.ctx.executor.cancel(created.id);
    expect(performance.now() - began).toBeLessThan(1000);
    expect(cancelled.status).toBe('cancelled');
    const { tasks } = await waitForRun(test, created.id);
    expect(statuses(tasks)).toEqual({ slow: 'CANCELLED', after: 'CANCELLED' });
    expect(test.probe.aborted.has(`${created.id}/slow`)).toBe(true);
    const attempts = await attemptsOf(tasks.get('slow')!.id);
    expect(attempts.map((attempt) => attempt.status)).toEqual(['CANCELLED']);
  });

  it('resume skips completed tasks', async () => {
    const document = buildGraph(
      [buildNode('first'), buildNode('flaky', { type: 'test/fail@1', config: { failTimes: 1, retryable: false } }), buildNode('last')],
      [buildEdge('first', 'flaky'), buildEdge('flaky', 'last')],
    );
    const failed = await runGraph(test, document, 'payload');
    expect(failed.run.status).toBe('failed');
    expect(statuses(failed.tasks)).toEqual({ first: 'COMPLETED', flaky: 'FAILED', last: 'SKIPPED' });

    await test.studio.ctx.executor.resume(failed.run.id);
    const { run, tasks } = await waitForRun(test, failed.run.id);
    expect(run.status).toBe('succeeded');
    expect(run.error).toBeNull();
    expect(statuses(tasks)).toEqual({ first: 'COMPLETED', flaky: 'COMPLETED', last: 'COMPLETED' });
    expect(test.probe.count(run.id, 'first')).toBe(1);
    expect(test.probe.count(run.id, 'flaky')).toBe(2);
    expect(tasks.get('flaky')!.id).toBe(failed.tasks.get('flaky')!.id);
    expect(tasks.get('flaky')!.attempts).toBe(2);
  });

  it('resume continues the event sequence', async () => {
    const document = buildGraph([buildNode('flaky', { type: 'test/fail@1', config: { failTimes: 1, retryable: false } })], []);
    const failed = await runGraph(test, document);
    await test.studio.ctx.executor.resume(failed.run.id);
    await waitForRun(test, failed.run.id);
    await test.studio.ctx.events.flush();
    const events = await test.storage.events.listByRun(failed.run.id);
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(events.filter((event) => event.type === 'run.finished')).toHaveLength(2);
    expect(events.some((event) => event.type === 'run.resumed')).toBe(true);
  });

  it('refuses to resume a succeeded run', async () => {
    const { run } = await runGraph(test, buildChain(1));
    await expect(test.studio.ctx.executor.resume(run.id)).rejects.toMatchObject({ code: 'RUN_NOT_RESUMABLE' });
  });

  it('unknown node type fails its task', async () => {
    const document = buildGraph([buildNode('ghost', { type: 'missing/plugin@1' })], []);
    const { run, tasks } = await runGraph(test, document);
    expect(run.status).toBe('failed');
    expect(tasks.get('ghost')!.error?.code).toBe('RUNTIME_NODE_TYPE_UNKNOWN');
  });

  it('numbers events without gaps', async () => {
    const { run } = await runGraph(test, buildChain(4, 'test/log@1'));
    await test.studio.ctx.events.flush();
    const events = await test.storage.events.listByRun(run.id);
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(events[0].type).toBe('run.queued');
    expect(events[1].type).toBe('run.started');
    expect(events.at(-1)!.type).toBe('run.finished');
    expect(events.filter((event) => event.type === 'task.log')).toHaveLength(4);
  });

  it('ends every node in one final status', async () => {
    const condition = buildNode('check', {
      type: 'core/condition@1',
      config: { cases: [{ port: 'a', rules: [{ value: 1, operator: 'equals', compare: 2 }] }] },
    });
    const document = buildGraph(
      [
        condition,
        buildNode('a'),
        buildNode('b', { type: 'test/fail@1', config: { retryable: false } }),
        buildNode('c'),
        buildNode('d', { type: 'core/merge@1' }),
        buildNode('e'),
      ],
      [
        buildEdge('check', 'a', { sourcePort: 'a' }),
        buildEdge('check', 'b', { sourcePort: 'else' }),
        buildEdge('b', 'c'),
        buildEdge('a', 'd'),
        buildEdge('c', 'd'),
        buildEdge('b', 'e', { kind: 'error' }),
      ],
    );
    const { tasks } = await runGraph(test, document);
    expectEveryTaskFinal(tasks, ['check', 'a', 'b', 'c', 'd', 'e']);
    expect(statuses(tasks)).toEqual({ check: 'COMPLETED', a: 'SKIPPED', b: 'FAILED', c: 'SKIPPED', d: 'SKIPPED', e: 'COMPLETED' });
  });
});

describe('executor recovery', () => {
  async function leaveRunInterrupted(): Promise<{ runId: string; graphId: string }> {
    const document = buildGraph([buildNode('done'), buildNode('busy')], [buildEdge('done', 'busy')]);
    const graphId = await storeGraph(test.storage, document);
    const at = new Date().toISOString();
    const runId = 'run_interrupted';
    await test.storage.runs.create({
      id: runId, graphId, ownerId: null, graphVersion: 1, status: 'running', trigger: 'manual', input: 'x', output: null,
      error: null, response: null, deliveryId: null, createdAt: at, updatedAt: at, startedAt: at, finishedAt: null,
    });
    const base = { runId, input: null, error: null, createdAt: at, updatedAt: at, startedAt: at };
    await test.storage.tasks.create({ ...base, id: 'task_done', nodeId: 'done', nodeType: 'test/echo@1', status: 'COMPLETED', attempts: 1, output: { out: 'from before' }, finishedAt: at });
    await test.storage.tasks.create({ ...base, id: 'task_busy', nodeId: 'busy', nodeType: 'test/echo@1', status: 'IN_PROGRESS', attempts: 1, output: null, finishedAt: null });
    await test.storage.tasks.createAttempt({ taskId: 'task_busy', runId, attempt: 1, status: 'IN_PROGRESS', error: null, startedAt: at, finishedAt: null });
    await test.storage.events.append([{ runId, seq: 1, type: 'run.started', at }]);
    return { runId, graphId };
  }

  it('resumes runs left running', async () => {
    const { runId } = await leaveRunInterrupted();
    expect(await test.studio.ctx.executor.recover()).toBe(1);
    const { run, tasks } = await waitForRun(test, runId);
    expect(run.status).toBe('succeeded');
    expect(test.probe.count(runId, 'done')).toBe(0);
    expect(tasks.get('busy')!.output).toEqual({ out: 'from before' });
    const attempts = await attemptsOf('task_busy');
    expect(attempts.map((attempt) => attempt.status)).toEqual(['INTERRUPTED', 'COMPLETED']);
    await test.studio.ctx.events.flush();
    const events = await test.storage.events.listByRun(runId);
    expect(events[0].seq).toBe(1);
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
  });

  it('fails runs left running when configured', async () => {
    await test.close();
    test = await startTestStudio({ RECOVERY: 'fail' });
    const { runId } = await leaveRunInterrupted();
    await test.studio.ctx.executor.recover();
    const { run, tasks } = await waitForRun(test, runId);
    expect(run.status).toBe('failed');
    expect(run.error?.code).toBe('RUNTIME_PROCESS_RESTARTED');
    expect(tasks.get('busy')!.status).toBe('CANCELLED');
    expect(test.probe.count(runId, 'busy')).toBe(0);
  });
});

describe('executor lease fencing', () => {
  /** Stores a run with one PENDING task and one IN_PROGRESS task whose attempt is still open. */
  async function storeRunWithOpenAttempt(status: 'queued' | 'running', graphVersion = 1): Promise<string> {
    const document = buildGraph([buildNode('first'), buildNode('second')], [buildEdge('first', 'second')]);
    const graphId = await storeGraph(test.storage, document);
    const at = new Date().toISOString();
    const runId = `run_fenced_${status}`;
    await test.storage.runs.create({
      id: runId, graphId, ownerId: null, graphVersion, status, trigger: 'manual', input: 'x', output: null,
      error: null, response: null, deliveryId: null, createdAt: at, updatedAt: at, startedAt: at, finishedAt: null,
    });
    const base = { runId, input: null, output: null, error: null, createdAt: at, updatedAt: at, startedAt: at, finishedAt: null };
    await test.storage.tasks.create({ ...base, id: 'task_first', nodeId: 'first', nodeType: 'test/echo@1', status: 'IN_PROGRESS', attempts: 1 });
    await test.storage.tasks.create({ ...base, id: 'task_second', nodeId: 'second', nodeType: 'test/echo@1', status: 'PENDING', attempts: 0 });
    await test.storage.tasks.createAttempt({ taskId: 'task_first', runId, attempt: 1, status: 'IN_PROGRESS', error: null, startedAt: at, finishedAt: null });
    return runId;
  }

  /** Makes another process claim the run's lease the next time the executor lists attempts. */
  function claimBeforeListAttempts(runId: string): void {
    const listAttempts = test.storage.tasks.listAttempts.bind(test.storage.tasks);
    vi.spyOn(test.storage.tasks, 'listAttempts').mockImplementationOnce(async (taskId) => {
      await test.storage.runs.claimLease(runId);
      return listAttempts(taskId);
    });
  }

  /** Makes another process claim the run's lease the next time the executor reads a version. */
  function claimBeforeGetVersion(runId: string): void {
    const getVersion = test.storage.graphs.getVersion.bind(test.storage.graphs);
    vi.spyOn(test.storage.graphs, 'getVersion').mockImplementationOnce(async (graphId, version) => {
      await test.storage.runs.claimLease(runId);
      return getVersion(graphId, version);
    });
  }

  it('marks open attempts interrupted under lease', async () => {
    const runId = await storeRunWithOpenAttempt('running');
    expect(await test.studio.ctx.executor.execute(runId)).toBe('succeeded');
    const attempts = await attemptsOf('task_first');
    expect(attempts.map((attempt) => attempt.status)).toEqual(['INTERRUPTED', 'COMPLETED']);
    expect(attempts[0].error?.code).toBe('RUNTIME_PROCESS_RESTARTED');
  });

  it('claim before interrupted marking writes nothing', async () => {
    const runId = await storeRunWithOpenAttempt('running');
    claimBeforeListAttempts(runId);

    expect(await test.studio.ctx.executor.execute(runId)).toBe(LEASE_LOST);

    const attempts = await attemptsOf('task_first');
    expect(attempts.map((attempt) => attempt.status)).toEqual(['IN_PROGRESS']);
    expect(attempts[0].finishedAt).toBeNull();
    expect((await test.storage.runs.get(runId))?.status).toBe('running');
    expect(test.probe.count(runId, 'first')).toBe(0);
    await test.studio.ctx.events.flush();
    expect(await test.storage.events.listByRun(runId)).toEqual([]);
  });

  it('fails run whose graph version is missing', async () => {
    const runId = await storeRunWithOpenAttempt('queued', 7);

    expect(await test.studio.ctx.executor.execute(runId)).toBe('failed');

    const run = await test.storage.runs.get(runId);
    expect(run?.status).toBe('failed');
    expect(run?.error?.code).toBe('GRAPH_VERSION_NOT_FOUND');
    expect(run?.error?.message).toBe('graph version 7 no longer exists');
    expect(run?.finishedAt).not.toBeNull();
    expect((await test.storage.tasks.get('task_first'))?.status).toBe('CANCELLED');
    expect((await test.storage.tasks.get('task_second'))?.status).toBe('CANCELLED');
    await test.studio.ctx.events.flush();
    const events = await test.storage.events.listByRun(runId);
    expect(events.map((event) => event.type)).toEqual(['run.finished']);
  });

  it('claim before missing version ends nothing', async () => {
    const runId = await storeRunWithOpenAttempt('queued', 7);
    claimBeforeGetVersion(runId);

    expect(await test.studio.ctx.executor.execute(runId)).toBe(LEASE_LOST);

    const run = await test.storage.runs.get(runId);
    expect(run?.status).toBe('queued');
    expect(run?.error).toBeNull();
    expect(run?.finishedAt).toBeNull();
    expect((await test.storage.tasks.get('task_first'))?.status).toBe('IN_PROGRESS');
    expect((await test.storage.tasks.get('task_second'))?.status).toBe('PENDING');
    await test.studio.ctx.events.flush();
    expect(await test.storage.events.listByRun(runId)).toEqual([]);
  });
});
