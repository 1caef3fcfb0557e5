import type { GraphDocument } from '@gestorlead/sdk-plugin';
import { act, cleanup, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../api/types';
import { I18nProvider } from '../i18n/i18n';
import { createEditorStore, type EditorStore } from '../store/editor-store';
import { applyRunEvent, newRunView } from '../store/run-state';
import { createRunStore, type RunStore } from '../store/run-store';
import { testCatalog } from '../test-support/node-types';
import { RunStatusList } from './run-status-list';

const DOCUMENT: GraphDocument = {
  id: 'g1',
  name: 'Three nodes',
  nodes: ['a', 'b', 'c'].map((id, index) => ({ id, type: 'core/noop@1', position: { x: index * 250, y: 0 }, config: {} })),
  edges: [],
};

function taskEvent(seq: number, nodeId: string, type: string): RunEvent {
  return { runId: 'r1', seq, type, at: '2026-12-04T10:00:00.000Z', taskId: `t-${nodeId}`, nodeId, data: {} };
}

/** happy-dom's control of the window, which `matchMedia` follows. */
const happyDom = (window as unknown as { happyDOM: { setViewport(viewport: { width: number; height: number }): void } }).happyDOM;

function setWidth(width: number): void {
  act(() => happyDom.setViewport({ width, height: 800 }));
}

function renderList(): { store: EditorStore; runStore: RunStore } {
  const store = createEditorStore({ nodeTypes: testCatalog() });
  store.getState().load(DOCUMENT, 'g1');
  const runStore = createRunStore();
  runStore.setState({ view: { ...newRunView('r1'), status: 'running' } });
  render(
    <I18nProvider initial="en">
      <RunStatusList store={store} runStore={runStore} />
    </I18nProvider>,
  );
  return { store, runStore };
}

function applyEvent(runStore: RunStore, event: RunEvent): void {
  act(() => runStore.setState({ view: applyRunEvent(runStore.getState().view!, event) }));
}

beforeEach(() => {
  globalThis.__gestorleadRenderCounts = {};
});
afterEach(() => {
  cleanup();
  globalThis.__gestorleadRenderCounts = undefined;
  happyDom.setViewport({ width: 1024, height: 768 });
});

describe('run status list', () => {
  it('renders nothing on a wide screen', () => {
    setWidth(1280);
    const { runStore } = renderList();
    applyEvent(runStore, taskEvent(1, 'a', 'task.started'));

    expect(screen.queryByRole('navigation')).toBeNull();
    expect(globalThis.__gestorleadRenderCounts).toEqual({});
  });

  it('lists every node on a phone', () => {
    setWidth(390);
    renderList();

    const buttons = screen.getAllByRole('button');
    expect(buttons.map((button) => button.getAttribute('data-status-node'))).toEqual(['a', 'b', 'c']);
    expect(buttons[0].textContent).toContain('queued');
  });

  it('status event re-renders only its row', () => {
    setWidth(390);
    const { runStore } = renderList();
    globalThis.__gestorleadRenderCounts = {};

    applyEvent(runStore, taskEvent(1, 'b', 'task.started'));

    expect(globalThis.__gestorleadRenderCounts).toEqual({ 'status-row:b': 1 });
    expect(document.querySelector('[data-status-node="b"]')?.textContent).toContain('running');
  });

  it('shows the list when the screen narrows', () => {
    setWidth(1280);
    renderList();
    expect(screen.queryByRole('navigation')).toBeNull();

    setWidth(390);

    expect(screen.getByRole('navigation', { name: 'Nodes of the run' })).toBeTruthy();
  });

  it('selects the tapped node', () => {
    setWidth(390);
    const { store } = renderList();

    act(() => screen.getAllByRole('button')[2].click());

    expect(store.getState().selectedNodes).toEqual(['c']);
    expect(document.querySelector('[data-status-node="c"]')?.getAttribute('aria-pressed')).toBe('true');
  });
});
