import type { GraphDocument } from '@gestorlead/sdk-plugin';
import { describe, expect, it } from 'vitest';
import { createEditorStore } from '../store/editor-store';
import { testCatalog } from '../test-support/node-types';
import { watchDocumentChanges } from './use-autosave';

const DOCUMENT: GraphDocument = {
  id: 'g1',
  name: 'Two nodes',
  nodes: ['a', 'b'].map((id, index) => ({ id, type: 'core/noop@1', position: { x: index * 250, y: 0 }, config: {} })),
  edges: [],
};

function watchedStore() {
  const store = createEditorStore({ nodeTypes: testCatalog() });
  store.getState().load(DOCUMENT, 'g1');
  const changes: GraphDocument[] = [];
  watchDocumentChanges(store, (document) => changes.push(document));
  return { store, changes };
}

describe('watchDocumentChanges', () => {
  it('reports each edit', () => {
    const { store, changes } = watchedStore();

    store.getState().rename('Renamed');
    store.getState().updateNode('a', { label: 'First' });

    expect(changes).toHaveLength(2);
    expect(changes[1].name).toBe('Renamed');
    expect(changes[1].nodes[0].label).toBe('First');
  });

  it('reports a drag once, when it ends', () => {
    const { store, changes } = watchedStore();

    store.getState().dragNodes(new Map([['b', { x: 260, y: 10 }]]));
    store.getState().dragNodes(new Map([['b', { x: 270, y: 20 }]]));
    store.getState().dragNodes(new Map([['b', { x: 280, y: 30 }]]));
    expect(changes).toHaveLength(0);

    store.getState().endDrag();

    expect(changes).toHaveLength(1);
    expect(changes[0].nodes[1].position).toEqual({ x: 280, y: 30 });
  });

  it('ignores selection changes', () => {
    const { store, changes } = watchedStore();

    store.getState().select(['a'], []);

    expect(changes).toHaveLength(0);
  });

  it('reports an undo during a drag', () => {
    const { store, changes } = watchedStore();
    store.getState().rename('Renamed');
    store.getState().dragNodes(new Map([['a', { x: 5, y: 5 }]]));

    store.getState().undo();

    expect(changes).toHaveLength(2);
    expect(changes[1].name).toBe('Two nodes');
  });
});
