import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../api/types';
import { applyRunEvents, newRunView } from './run-state';
import { createRunStore, nodeStatusFeed } from './run-store';

function taskEvent(seq: number, nodeId: string, type: string): RunEvent {
  return { runId: 'r1', seq, type, at: '2026-12-05T10:00:00.000Z', taskId: `t-${nodeId}`, nodeId, data: {} };
}

/** Creates a running run store with a feed listener on nodes a to d that records each call. */
function watchedStore() {
  const store = createRunStore();
  store.setState({ view: { ...newRunView('r1'), status: 'running' } });
  const calls: string[] = [];
  const stops = ['a', 'b', 'c', 'd'].map((nodeId) => nodeStatusFeed(store).subscribe(nodeId, () => calls.push(nodeId)));
  return { store, calls, stopAll: () => stops.forEach((stop) => stop()) };
}

describe('node status feed', () => {
  it('calls only changed nodes', () => {
    const { store, calls } = watchedStore();

    const view = store.getState().view!;
    store.setState({ view: applyRunEvents(view, [taskEvent(1, 'a', 'task.started'), taskEvent(2, 'c', 'task.started'), taskEvent(3, 'a', 'task.completed')]) });

    expect(calls.sort()).toEqual(['a', 'c']);
  });

  it('calls nobody for a run-level event', () => {
    const { store, calls } = watchedStore();

    const view = store.getState().view!;
    store.setState({ view: { ...view, lastSeq: 5 } });

    expect(calls).toEqual([]);
  });

  it('calls every node when the run ends', () => {
    const { store, calls } = watchedStore();

    store.setState({ view: { ...store.getState().view!, status: 'succeeded' } });

    expect(calls.sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('calls every node when the run closes', () => {
    const { store, calls } = watchedStore();

    store.setState({ view: null });

    expect(calls.sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('stops calling after unsubscribe', () => {
    const { store, calls, stopAll } = watchedStore();
    stopAll();

    store.setState({ view: applyRunEvents(store.getState().view!, [taskEvent(1, 'a', 'task.started')]) });

    expect(calls).toEqual([]);
  });

  it('finds changes among more tasks than listeners', () => {
    const { store, calls } = watchedStore();
    const many = Array.from({ length: 20 }, (_, index) => taskEvent(index + 1, `x${index}`, 'task.started'));
    store.setState({ view: applyRunEvents(store.getState().view!, many) });
    calls.length = 0;

    store.setState({ view: applyRunEvents(store.getState().view!, [taskEvent(30, 'b', 'task.started'), taskEvent(31, 'x3', 'task.completed')]) });

    expect(calls).toEqual(['b']);
  });
});
