import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../api/types';
import { applyRunEvent, applyRunEvents, isRunActive, newRunView, nodeStatusOf } from './run-state';

let seq = 0;
function event(type: string, fields: Partial<RunEvent> = {}): RunEvent {
  seq += 1;
  return { runId: 'run_1', seq, type, at: '2026-01-01T00:00:00.000Z', taskId: null, nodeId: null, data: null, ...fields };
}

function task(type: string, nodeId: string, data: unknown = null): RunEvent {
  return event(type, { nodeId, taskId: `task_${nodeId}`, data });
}

describe('run state', () => {
  it('follows a run to success', () => {
    seq = 0;
    const events = [
      event('run.queued'),
      event('run.started', { data: { version: 1 } }),
      task('task.started', 'a', { attempt: 1 }),
      task('task.completed', 'a', { output: { out: 1 } }),
      task('task.started', 'b', { attempt: 1 }),
    ];
    const running = events.reduce(applyRunEvent, newRunView('run_1'));

    expect(running.status).toBe('running');
    expect(nodeStatusOf(running, 'a')).toBe('succeeded');
    expect(nodeStatusOf(running, 'b')).toBe('running');
    expect(nodeStatusOf(running, 'c')).toBe('queued');
    expect(isRunActive(running)).toBe(true);

    const done = [task('task.completed', 'b'), event('run.finished', { data: { status: 'succeeded', error: null } })].reduce(
      applyRunEvent,
      running,
    );
    expect(done.status).toBe('succeeded');
    expect(nodeStatusOf(done, 'b')).toBe('succeeded');
    expect(nodeStatusOf(done, 'c')).toBeNull();
    expect(isRunActive(done)).toBe(false);
  });

  it('maps every task event to a node status', () => {
    seq = 0;
    const cases: Array<[string, string]> = [
      ['task.started', 'running'],
      ['task.retrying', 'retrying'],
      ['task.completed', 'succeeded'],
      ['task.failed', 'failed'],
      ['task.skipped', 'skipped'],
      ['task.cancelled', 'cancelled'],
    ];
    for (const [type, status] of cases) {
      const view = applyRunEvent(newRunView('run_1'), task(type, 'n'));
      expect(view.nodes.n?.status, type).toBe(status);
    }
  });

  it('ignores repeated and older events', () => {
    seq = 0;
    const started = task('task.started', 'a', { attempt: 1 });
    const completed = task('task.completed', 'a');
    const view = [started, completed].reduce(applyRunEvent, newRunView('run_1'));

    const replayed = [started, completed].reduce(applyRunEvent, view);

    expect(replayed).toBe(view);
    expect(replayed.nodes.a?.status).toBe('succeeded');
  });

  it('ignores events of another run', () => {
    const view = newRunView('run_1');

    const next = applyRunEvent(view, { ...task('task.started', 'a'), runId: 'run_2', seq: 99 });

    expect(next).toBe(view);
  });

  it('keeps the attempt of a retried task', () => {
    seq = 0;
    const view = [task('task.started', 'a', { attempt: 1 }), task('task.retrying', 'a', { attempt: 1, delayMs: 10 }), task('task.started', 'a', { attempt: 2 })].reduce(
      applyRunEvent,
      newRunView('run_1'),
    );

    expect(view.nodes.a).toEqual({ status: 'running', taskId: 'task_a', attempt: 2 });
  });

  it('records the error of a failed run', () => {
    seq = 0;
    const view = applyRunEvent(
      newRunView('run_1'),
      event('run.finished', { data: { status: 'failed', error: { code: 'RUN_FAILED', message: 'node "a" failed' } } }),
    );

    expect(view.status).toBe('failed');
    expect(view.error).toEqual({ code: 'RUN_FAILED', message: 'node "a" failed' });
  });

  it('resume clears the error and runs again', () => {
    seq = 0;
    const failed = [
      task('task.failed', 'a'),
      event('run.finished', { data: { status: 'failed', error: { code: 'RUN_FAILED', message: 'x' } } }),
    ].reduce(applyRunEvent, newRunView('run_1'));

    const resumed = [event('run.resumed'), task('task.started', 'a', { attempt: 2 })].reduce(applyRunEvent, failed);

    expect(resumed.status).toBe('running');
    expect(resumed.error).toBeNull();
    expect(nodeStatusOf(resumed, 'a')).toBe('running');
  });

  it('batch equals events one by one', () => {
    seq = 0;
    const events = [
      event('run.started'),
      task('task.started', 'a', { attempt: 1 }),
      task('task.log', 'a', { level: 'info', message: 'model output', data: { text: 'Hel' } }),
      task('task.log', 'a', { level: 'info', message: 'model output', data: { text: 'lo' } }),
      task('task.completed', 'a'),
      task('task.started', 'b', { attempt: 2 }),
      task('task.failed', 'b'),
    ];

    const batched = applyRunEvents(newRunView('run_1'), events);

    expect(batched).toEqual(events.reduce(applyRunEvent, newRunView('run_1')));
    expect(batched.streams).toEqual({ a: 'Hello' });
    expect(batched.nodes.b).toEqual({ status: 'failed', taskId: 'task_b', attempt: 2 });
  });

  it('batch leaves its input unchanged', () => {
    seq = 0;
    const before = applyRunEvents(newRunView('run_1'), [
      event('run.started'),
      task('task.started', 'a'),
      task('task.log', 'a', { message: 'model output', data: { text: 'x' } }),
    ]);
    const nodes = before.nodes;
    const streams = before.streams;

    const after = applyRunEvents(before, [task('task.started', 'a', { attempt: 2 }), task('task.started', 'b')]);

    expect(before.nodes).toBe(nodes);
    expect(before.streams).toBe(streams);
    expect(before.nodes).toEqual({ a: { status: 'running', taskId: 'task_a', attempt: 1 } });
    expect(before.streams).toEqual({ a: 'x' });
    expect(after.streams).toEqual({});
    expect(after.nodes.a?.attempt).toBe(2);
  });

  it('replayed batch returns the same view', () => {
    seq = 0;
    const events = [event('run.started'), task('task.started', 'a')];
    const view = applyRunEvents(newRunView('run_1'), events);

    expect(applyRunEvents(view, events)).toBe(view);
    expect(applyRunEvents(view, [{ ...task('task.started', 'b'), runId: 'other' }])).toBe(view);
  });

  it('no run means no status', () => {
    expect(nodeStatusOf(null, 'a')).toBeNull();
    expect(isRunActive(null)).toBe(false);
  });
});
