import type { GraphDocument } from '@gestorlead/sdk-plugin';
import { describe, expect, it } from 'vitest';
import { editingState } from '../editor/use-versions';
import { testCatalog } from '../test-support/node-types';
import { createEditorStore } from './editor-store';

const CURRENT: GraphDocument = {
  id: 'g1',
  name: 'Current',
  nodes: [{ id: 'a', type: 'core/noop@1', position: { x: 0, y: 0 }, config: {} }],
  edges: [],
  settings: { timeoutMs: 5000 },
};

const OLDER: GraphDocument = {
  id: 'g1',
  name: 'Older',
  nodes: [
    { id: 'x', type: 'core/noop@1', position: { x: 0, y: 0 }, config: {} },
    { id: 'y', type: 'core/noop@1', position: { x: 200, y: 0 }, config: {} },
  ],
  edges: [],
  settings: { schedule: { cron: '0 9 * * *' } },
};

function newStore() {
  const store = createEditorStore({ nodeTypes: testCatalog(), now: () => 1_000 });
  store.getState().load(CURRENT, 'g1');
  return store;
}

describe('restoreVersion', () => {
  it('replaces name, nodes and settings', () => {
    const store = newStore();

    store.getState().restoreVersion(OLDER);

    const document = store.getState().toDocument();
    expect(document.name).toBe('Older');
    expect(document.nodes.map((node) => node.id)).toEqual(['x', 'y']);
    expect(document.settings).toEqual({ schedule: { cron: '0 9 * * *' } });
    expect(store.getState().revision).toBe(1);
  });

  it('is undone in one step', () => {
    const store = newStore();
    store.getState().restoreVersion(OLDER);

    expect(store.getState().undo()).toBe(true);

    const document = store.getState().toDocument();
    expect(document.name).toBe('Current');
    expect(document.nodes.map((node) => node.id)).toEqual(['a']);
    expect(document.settings).toEqual({ timeoutMs: 5000 });
    expect(store.getState().redo()).toBe(true);
    expect(store.getState().toDocument().name).toBe('Older');
  });
});

describe('setSettings', () => {
  it('saves settings as an undoable edit', () => {
    const store = newStore();

    store.getState().setSettings({ timeoutMs: 5000, schedule: { cron: '*/5 * * * *' } });
    store.getState().undo();

    expect(store.getState().settings).toEqual({ timeoutMs: 5000 });
  });
});

describe('editingState', () => {
  const version = (number: number) => ({ version: number, state: 'draft' as const, createdAt: '', updatedAt: '', publishedAt: null, frozenAt: null });

  it('names the draft above the published version', () => {
    expect(editingState([version(3), version(2)], 2)).toEqual({ kind: 'draft', version: 3 });
  });

  it('names the published version when it is the latest', () => {
    expect(editingState([version(2), version(1)], 2)).toEqual({ kind: 'published', version: 2 });
  });

  it('names a draft frozen by a run', () => {
    expect(editingState([{ ...version(3), frozenAt: '2026-01-01T00:00:00.000Z' }, version(2)], 2)).toEqual({ kind: 'frozen', version: 3 });
  });

  it('knows nothing before the list loads', () => {
    expect(editingState(null, 1)).toEqual({ kind: 'unknown' });
  });
});
