import type { RunRecord } from '@gestorlead/storage';
import { afterEach, describe, expect, it } from 'vitest';
import { AgendaDispatcher } from '../../src/scheduling/agenda-dispatcher.js';
import { buildChain, buildGraph, buildNode, storeGraph } from '../support/studio.js';
import { runJobCount, startSchedulingStudio, waitUntil, type SchedulingStudio } from './support.js';

const AGENDA_ENV = { RUN_DISPATCHER: 'agenda', JOB_NOTIFY_POLL_MS: '20' };
const studios: SchedulingStudio[] = [];

afterEach(async () => {
  // Close all first, then remove the shared folder once.
  const dataDirs = new Set(studios.map((item) => item.dataDir));
  for (const item of studios.splice(0)) await item.close(true);
  const { rmSync } = await import('node:fs');
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

async function start(env: Record<string, string> = {}, dataDir?: string): Promise<SchedulingStudio> {
  const studio = await startSchedulingStudio({ env: { ...AGENDA_ENV, ...env }, dataDir });
  studios.push(studio);
  return studio;
}

async function waitForFinal(test: SchedulingStudio, runIds: string[], timeoutMs = 20_000): Promise<RunRecord[]> {
  await waitUntil(
    async () => {
      const runs = await Promise.all(runIds.map((id) => test.storage.runs.get(id)));
      return runs.every((run) => run !== null && ['succeeded', 'failed', 'cancelled'].includes(run.status));
    },
    timeoutMs,
    `${runIds.length} runs to end`,
  );
  return (await Promise.all(runIds.map((id) => test.storage.runs.get(id)))) as RunRecord[];
}

function newQueuedRun(graphId: string, id: string): RunRecord {
  const at = new Date().toISOString();
  return {
    id,
    graphId,
    ownerId: null,
    graphVersion: 1,
    status: 'queued',
    trigger: 'manual',
    input: null,
    output: null,
    error: null,
    response: null,
    deliveryId: null,
    createdAt: at,
    updatedAt: at,
    startedAt: null,
    finishedAt: null,
  };
}

describe('Agenda run dispatcher', () => {
  it('runs each job once', async () => {
    const test = await start();
    expect(test.studio.ctx.executor.dispatcher).toBeInstanceOf(AgendaDispatcher);
    await test.scheduling.start(test.studio.ctx);
    const graphId = await storeGraph(test.storage, buildChain(2));

    const runIds: string[] = [];
    for (let index = 0; index < 40; index += 1) {
      const run = await test.studio.ctx.executor.createRun({ graphId, version: 1, input: { index }, trigger: 'manual' });
      runIds.push(run.id);
    }
    const runs = await waitForFinal(test, runIds);
    for (const run of runs) expect(run.status, run.id).toBe('succeeded');
    for (const runId of runIds) {
      expect(test.probe.count(runId, 'n1'), runId).toBe(1);
      expect(test.probe.count(runId, 'n2'), runId).toBe(1);
    }
    // Completed run jobs are removed.
    await waitUntil(async () => (await runJobCount(test.scheduling)) === 0, 5_000, 'run jobs to be removed');
  });

  it('dispatching twice stores one job', async () => {
    const test = await start();
    const graphId = await storeGraph(test.storage, buildChain(1));
    await test.storage.runs.create(newQueuedRun(graphId, 'run_twice'));
    const dispatcher = test.scheduling.dispatcher!;
    await dispatcher.enqueue('run_twice');
    await dispatcher.enqueue('run_twice');
    expect(await runJobCount(test.scheduling)).toBe(1);
  });

  it('start stores missing jobs', async () => {
    const test = await start();
    const graphId = await storeGraph(test.storage, buildChain(1));
    // As if a process stopped between storing the run and storing its job.
    await test.storage.runs.create(newQueuedRun(graphId, 'run_orphan'));
    expect(await runJobCount(test.scheduling)).toBe(0);

    const { recovered } = await test.scheduling.start(test.studio.ctx);
    expect(recovered).toBe(1);
    const [run] = await waitForFinal(test, ['run_orphan']);
    expect(run.status).toBe('succeeded');
    expect(test.probe.count('run_orphan', 'n1')).toBe(1);
  });

  it('final run job does nothing', async () => {
    const test = await start();
    const graphId = await storeGraph(test.storage, buildChain(1));
    await test.storage.runs.create({ ...newQueuedRun(graphId, 'run_done'), status: 'cancelled' });
    await test.scheduling.dispatcher!.enqueue('run_done');
    await test.scheduling.start(test.studio.ctx);
    await waitUntil(async () => (await runJobCount(test.scheduling)) === 0, 5_000, 'the job to be removed');
    expect(test.probe.count('run_done', 'n1')).toBe(0);
    expect((await test.storage.runs.get('run_done'))?.status).toBe('cancelled');
  });

  it('resume dispatches the run again', async () => {
    const test = await start();
    await test.scheduling.start(test.studio.ctx);
    const graphId = await storeGraph(test.storage, buildGraph([buildNode('a'), buildNode('b', { type: 'test/fail@1', config: { failTimes: 1 } })], [
      { id: 'a-b', source: 'a', sourcePort: 'out', target: 'b', targetPort: 'in' },
    ]));
    const created = await test.studio.ctx.executor.createRun({ graphId, version: 1, input: null, trigger: 'manual' });
    const [failed] = await waitForFinal(test, [created.id]);
    expect(failed.status).toBe('failed');
    await waitUntil(async () => !test.studio.ctx.executor.isExecuting(created.id), 5_000, 'the execution to end');

    await test.studio.ctx.executor.resume(created.id);
    const [resumed] = await waitForFinal(test, [created.id]);
    expect(resumed.status).toBe('succeeded');
    expect(test.probe.count(created.id, 'a')).toBe(1);
    expect(test.probe.count(created.id, 'b')).toBe(2);
  });

  it('stalled worker stops after takeover', async () => {
    // The first worker renews its lock every 15 s, while the second treats a lock older than
    // 1 s as expired: to the second, the first looks stalled while its gate task still runs.
    const stalled = await start({ JOB_LOCK_LIFETIME_MS: '60000', EVENT_POLL_MS: '50' });
    const taker = await start({ JOB_LOCK_LIFETIME_MS: '1000', EVENT_POLL_MS: '50' }, stalled.dataDir);
    const document = buildGraph(
      [buildNode('gate', { type: 'test/sleep@1', config: { ms: 2_500, ignoreSignal: true } }), buildNode('after')],
      [{ id: 'gate-after', source: 'gate', sourcePort: 'out', target: 'after', targetPort: 'in' }],
      { settings: { runConcurrency: 1 } },
    );
    const graphId = await storeGraph(stalled.storage, document);
    await stalled.scheduling.start(stalled.studio.ctx);
    const { id: runId } = await stalled.studio.ctx.executor.createRun({ graphId, version: 1, input: null, trigger: 'manual' });
    await waitUntil(() => stalled.probe.count(runId, 'gate') === 1, 5_000, 'the first worker to start the gate');
    await taker.scheduling.start(taker.studio.ctx);

    const [run] = await waitForFinal(taker, [runId]);
    expect(run.status).toBe('succeeded');
    expect(stalled.probe.aborted.has(`${runId}/gate`)).toBe(true);
    expect(stalled.probe.count(runId, 'after')).toBe(0);
    expect(taker.probe.count(runId, 'gate')).toBe(1);
    expect(taker.probe.count(runId, 'after')).toBe(1);
    await waitUntil(() => !stalled.studio.ctx.executor.isExecuting(runId), 5_000, 'the stalled execution to end');

    // The stalled worker's attempt stays as the taker marked it when it resumed the run.
    const tasks = await taker.storage.tasks.listByRun(runId);
    const gate = tasks.find((task) => task.nodeId === 'gate')!;
    expect(gate.status).toBe('COMPLETED');
    const attempts = await taker.storage.tasks.listAttempts(gate.id);
    expect(attempts.map((attempt) => attempt.status)).toEqual(['INTERRUPTED', 'COMPLETED']);
    expect(tasks.find((task) => task.nodeId === 'after')?.attempts).toBe(1);

    // One numbering of events: the stalled worker published nothing after the takeover.
    await stalled.studio.ctx.events.flush();
    await taker.studio.ctx.events.flush();
    const events = await taker.storage.events.listByRun(runId, { after: 0, limit: 1_000 });
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(events.filter((event) => event.type === 'run.finished')).toHaveLength(1);
    expect((await taker.storage.runs.getLease(runId))?.token).toBe(2);
    await waitUntil(async () => (await runJobCount(taker.scheduling)) === 0, 5_000, 'the run job to be removed');
  });

  it('graph run limit holds across two workers', async () => {
    // Two runs per process, three per graph: neither process alone reaches the graph's limit,
    // and together they would exceed it.
    const first = await start({ RUN_CONCURRENCY: '2' });
    const second = await start({ RUN_CONCURRENCY: '2' }, first.dataDir);
    const document = buildGraph([buildNode('s', { type: 'test/sleep@1', config: { ms: 80 } })], [], { settings: { runConcurrency: 3 } });
    const graphId = await storeGraph(first.storage, document);
    await first.scheduling.start(first.studio.ctx);
    await second.scheduling.start(second.studio.ctx);

    // Each process stores half of the runs, so each is woken for some of them.
    const runIds: string[] = [];
    for (let index = 0; index < 12; index += 1) {
      const { executor } = (index % 2 === 0 ? first : second).studio.ctx;
      runIds.push((await executor.createRun({ graphId, version: 1, input: null, trigger: 'manual' })).id);
    }
    const runs = await waitForFinal(first, runIds, 30_000);
    for (const run of runs) expect(run.status).toBe('succeeded');

    // Each execution's [start, end] interval, from both processes' probes.
    const intervals: [number, number][] = [];
    for (const probe of [first.probe, second.probe]) {
      for (const [key, starts] of probe.starts) {
        const ends = probe.ends.get(key) ?? [];
        starts.forEach((startedAt, index) => intervals.push([startedAt, ends[index] ?? Infinity]));
      }
    }
    expect(intervals).toHaveLength(12);
    let maxOverlap = 0;
    for (const [startedAt] of intervals) {
      const overlapping = intervals.filter(([from, to]) => from <= startedAt && startedAt < to).length;
      maxOverlap = Math.max(maxOverlap, overlapping);
    }
    expect(maxOverlap).toBeLessThanOrEqual(3);
    // Both processes took runs.
    expect(first.probe.starts.size).toBeGreaterThan(0);
    expect(second.probe.starts.size).toBeGreaterThan(0);
  });
});
