import type { GraphDocument } from '@gestorlead/sdk-plugin';
import { act, cleanup, render } from '@testing-library/react';
import { ReactFlowProvider } from '@xyflow/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../api/types';
import { findProblems } from '../graph/problems';
import { I18nProvider } from '../i18n/i18n';
import { createEditorStore, type EditorStore } from '../store/editor-store';
import { applyRunEvent, applyRunEvents, newRunView } from '../store/run-state';
import { createRunStore, RunStoreContext, type RunStore } from '../store/run-store';
import { testCatalog } from '../test-support/node-types';
import { Canvas } from './canvas';

const DOCUMENT: GraphDocument = {
  id: 'g1',
  name: 'Three nodes',
  nodes: ['a', 'b', 'c'].map((id, index) => ({ id, type: 'core/noop@1', position: { x: index * 250, y: 0 }, config: {} })),
  edges: [
    { id: 'a-b', source: 'a', sourcePort: 'out', target: 'b', targetPort: 'in' },
    { id: 'b-c', source: 'b', sourcePort: 'out', target: 'c', targetPort: 'in' },
  ],
};

/** Six unconnected nodes, `s0` to `s5`. */
const SIX_NODES: GraphDocument = {
  id: 'g6',
  name: 'Six nodes',
  nodes: Array.from({ length: 6 }, (_, index) => ({ id: `s${index}`, type: 'core/noop@1', position: { x: (index % 3) * 250, y: Math.floor(index / 3) * 150 }, config: {} })),
  edges: [],
};

function taskEvent(seq: number, nodeId: string, type: string): RunEvent {
  return { runId: 'r1', seq, type, at: '2026-12-04T10:00:00.000Z', taskId: `t-${nodeId}`, nodeId, data: {} };
}

function renderCanvas(document: GraphDocument = DOCUMENT): { store: EditorStore; runStore: RunStore } {
  const store = createEditorStore({ nodeTypes: testCatalog() });
  store.getState().load(document, document.id!);
  const runStore = createRunStore();
  const problems = findProblems(store.getState().toDocument(), store.getState().nodeTypes);
  render(
    <I18nProvider initial="en">
      <ReactFlowProvider>
        <RunStoreContext.Provider value={runStore}>
          <div style={{ width: 1200, height: 800 }}>
            <Canvas store={store} problems={problems} onRejected={() => undefined} />
          </div>
        </RunStoreContext.Provider>
      </ReactFlowProvider>
    </I18nProvider>,
  );
  return { store, runStore };
}

function counts(): Record<string, number> {
  return { ...globalThis.__gestorleadRenderCounts };
}

function resetCounts(): void {
  globalThis.__gestorleadRenderCounts = {};
}

beforeEach(() => resetCounts());
afterEach(() => {
  cleanup();
  globalThis.__gestorleadRenderCounts = undefined;
});

describe('canvas renders', () => {
  it('renders every node once on open', () => {
    renderCanvas();
    const rendered = counts();
    expect(Object.keys(rendered).sort()).toEqual(['node:a', 'node:b', 'node:c']);
  });

  it('status of node A re-renders only A', () => {
    const { runStore } = renderCanvas();
    act(() => runStore.setState({ view: { ...newRunView('r1'), status: 'running' } }));
    resetCounts();

    act(() => {
      const view = runStore.getState().view!;
      runStore.setState({ view: applyRunEvent(view, taskEvent(1, 'a', 'task.started')) });
    });

    const rendered = counts();
    expect(rendered['node:a']).toBe(1);
    expect(rendered['node:b']).toBeUndefined();
    expect(rendered['node:c']).toBeUndefined();
    expect(document.querySelector('[data-testid="node-a"]')?.getAttribute('data-status')).toBe('running');
    expect(document.querySelector('[data-testid="node-b"]')?.getAttribute('data-status')).toBe('queued');
  });

  it('status batch renders only its nodes', () => {
    const { runStore } = renderCanvas(SIX_NODES);
    act(() => runStore.setState({ view: { ...newRunView('r1'), status: 'running' } }));
    resetCounts();

    const batch = [
      taskEvent(1, 's0', 'task.started'),
      taskEvent(2, 's2', 'task.started'),
      taskEvent(3, 's0', 'task.completed'),
      taskEvent(4, 's4', 'task.started'),
    ];
    act(() => runStore.setState({ view: applyRunEvents(runStore.getState().view!, batch) }));

    expect(counts()).toEqual({ 'node:s0': 1, 'node:s2': 1, 'node:s4': 1 });
    const statusOf = (id: string) => document.querySelector(`[data-testid="node-${id}"]`)?.getAttribute('data-status');
    expect(statusOf('s0')).toBe('succeeded');
    expect(statusOf('s2')).toBe('running');
    expect(statusOf('s4')).toBe('running');
    expect(statusOf('s1')).toBe('queued');
  });

  it('run finish renders every node once', () => {
    const { runStore } = renderCanvas(SIX_NODES);
    act(() => runStore.setState({ view: { ...newRunView('r1'), status: 'running' } }));
    resetCounts();

    const finished: RunEvent = { ...taskEvent(1, 's0', 'run.finished'), taskId: null, nodeId: null, data: { status: 'succeeded' } };
    act(() => runStore.setState({ view: applyRunEvent(runStore.getState().view!, finished) }));

    const rendered = counts();
    expect(Object.keys(rendered)).toHaveLength(6);
    expect(Object.values(rendered).every((renders) => renders === 1)).toBe(true);
    expect(document.querySelector('[data-testid="node-s1"]')?.getAttribute('data-status')).toBe('');
  });

  it('drag step re-renders only the dragged node', () => {
    const { store } = renderCanvas();
    resetCounts();

    act(() => store.getState().dragNodes(new Map([['b', { x: 260, y: 40 }]])));
    act(() => store.getState().dragNodes(new Map([['b', { x: 270, y: 50 }]])));

    const rendered = counts();
    expect(rendered['node:b']).toBe(2);
    expect(rendered['node:a']).toBeUndefined();
    expect(rendered['node:c']).toBeUndefined();
  });

  it('draws the mini map as one element', () => {
    renderCanvas();

    const minimap = document.querySelector('[data-testid="minimap"] canvas');
    expect(minimap?.getAttribute('aria-label')).toBe('Mini map of the graph');
    // React Flow's own mini map renders, and subscribes, one SVG element per node.
    expect(document.querySelectorAll('.react-flow__minimap-node')).toHaveLength(0);
  });

  it('selecting node A re-renders only A', () => {
    const { store } = renderCanvas();
    resetCounts();

    act(() => store.getState().select(['a'], []));

    const rendered = counts();
    expect(rendered['node:a']).toBe(1);
    expect(rendered['node:b']).toBeUndefined();
    expect(rendered['node:c']).toBeUndefined();
  });
});
