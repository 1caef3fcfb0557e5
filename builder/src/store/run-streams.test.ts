import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../api/types';
import { applyRunEvent, MODEL_OUTPUT_MESSAGE, newRunView } from './run-state';

let seq = 0;
function event(type: string, nodeId: string, data: unknown = null): RunEvent {
  seq += 1;
  return { runId: 'run_1', seq, type, at: '2026-01-01T00:00:00.000Z', taskId: `task_${nodeId}`, nodeId, data };
}

function tokens(nodeId: string, text: string): RunEvent {
  return event('task.log', nodeId, { level: 'info', message: MODEL_OUTPUT_MESSAGE, data: { text } });
}

describe('run streams', () => {
  it('joins streamed text per node', () => {
    seq = 0;
    const view = [event('task.started', 'chat'), tokens('chat', 'Hello'), tokens('other', 'x'), tokens('chat', ', world')].reduce(
      applyRunEvent,
      newRunView('run_1'),
    );

    expect(view.streams.chat).toBe('Hello, world');
    expect(view.streams.other).toBe('x');
  });

  it('ignores other log lines', () => {
    seq = 0;
    const view = [
      event('task.started', 'chat'),
      event('task.log', 'chat', { level: 'info', message: 'request sent', data: { text: 'not model text' } }),
      event('task.log', 'chat', { level: 'info', message: MODEL_OUTPUT_MESSAGE, data: null }),
    ].reduce(applyRunEvent, newRunView('run_1'));

    expect(view.streams.chat).toBeUndefined();
  });

  it('restarts the text on a retry', () => {
    seq = 0;
    const view = [
      event('task.started', 'chat'),
      tokens('chat', 'first try'),
      event('task.retrying', 'chat', { attempt: 2 }),
      event('task.started', 'chat', { attempt: 2 }),
      tokens('chat', 'second'),
    ].reduce(applyRunEvent, newRunView('run_1'));

    expect(view.streams.chat).toBe('second');
  });

  it('skips replayed events', () => {
    seq = 0;
    const started = event('task.started', 'chat');
    const first = tokens('chat', 'once');
    const view = [started, first, first].reduce(applyRunEvent, newRunView('run_1'));

    expect(view.streams.chat).toBe('once');
  });
});
