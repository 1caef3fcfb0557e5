import type { GraphDocument } from '@gestorlead/sdk-plugin';
import { beforeEach, describe, expect, it } from 'vitest';
import { PASTE_OFFSET_PX } from '../graph/document-ops';
import { testCatalog } from '../test-support/node-types';
import { clearClipboard, createEditorStore, type EditorStore } from './editor-store';
import { COALESCE_WINDOW_MS } from './history';

const EMPTY: GraphDocument = { id: 'g1', name: 'Graph', nodes: [], edges: [] };

function newStore(document: GraphDocument = EMPTY): { store: EditorStore; clock: { now: number } } {
  const clock = { now: 1_000_000 };
  const store = createEditorStore({ nodeTypes: testCatalog(), now: () => clock.now });
  store.getState().load(document, document.id ?? 'g1');
  return { store, clock };
}

function ids(store: EditorStore): string[] {
  return store.getState().content.nodes.map((node) => node.id);
}

beforeEach(() => clearClipboard());

describe('editor store', () => {
  it('addNode gives readable unique ids and schema defaults', () => {
    const { store } = newStore();

    const first = store.getState().addNode('math/count@1', { x: 10.4, y: 20.6 });
    const second = store.getState().addNode('math/count@1', { x: 0, y: 0 });

    expect(first).toBe('count');
    expect(second).toBe('count-2');
    const node = store.getState().content.nodes[0];
    expect(node.config).toEqual({ start: 5, mode: 'up' });
    expect(node.position).toEqual({ x: 10, y: 21 });
    expect(store.getState().selectedNodes).toEqual(['count-2']);
  });

  it('connect adds an edge between compatible ports', () => {
    const { store } = newStore();
    store.getState().addNode('core/noop@1', { x: 0, y: 0 });
    store.getState().addNode('core/delay@1', { x: 200, y: 0 });

    const result = store.getState().connect({ source: 'noop', sourcePort: 'out', target: 'delay', targetPort: 'in' });

    expect(result.ok).toBe(true);
    expect(store.getState().content.edges).toEqual([
      { id: 'noop-delay', source: 'noop', sourcePort: 'out', target: 'delay', targetPort: 'in' },
    ]);
  });

  it('connect rejects disjoint port types with the SDK reason', () => {
    const { store } = newStore();
    store.getState().addNode('math/count@1', { x: 0, y: 0 });
    store.getState().addNode('text/shout@1', { x: 200, y: 0 });
    const revision = store.getState().revision;

    const result = store.getState().connect({ source: 'count', sourcePort: 'count', target: 'shout', targetPort: 'text' });

    expect(result).toEqual({
      ok: false,
      rejection: { code: 'types', reason: 'an output of type number cannot connect to an input of type string' },
    });
    expect(store.getState().content.edges).toEqual([]);
    expect(store.getState().revision).toBe(revision);
  });

  it('removeSelection drops nodes with their edges', () => {
    const { store } = newStore();
    store.getState().addNode('core/noop@1', { x: 0, y: 0 });
    store.getState().addNode('core/noop@1', { x: 200, y: 0 });
    store.getState().addNode('core/noop@1', { x: 400, y: 0 });
    store.getState().connect({ source: 'noop', sourcePort: 'out', target: 'noop-2', targetPort: 'in' });
    store.getState().connect({ source: 'noop-2', sourcePort: 'out', target: 'noop-3', targetPort: 'in' });
    store.getState().select(['noop-2'], []);

    store.getState().removeSelection();

    expect(ids(store)).toEqual(['noop', 'noop-3']);
    expect(store.getState().content.edges).toEqual([]);
    expect(store.getState().selectedNodes).toEqual([]);
  });

  it('undo and redo walk through edits', () => {
    const { store } = newStore();
    store.getState().addNode('core/noop@1', { x: 0, y: 0 });
    store.getState().addNode('core/delay@1', { x: 200, y: 0 });
    store.getState().connect({ source: 'noop', sourcePort: 'out', target: 'delay', targetPort: 'in' });

    expect(store.getState().undo()).toBe(true);
    expect(store.getState().content.edges).toHaveLength(0);
    expect(store.getState().undo()).toBe(true);
    expect(ids(store)).toEqual(['noop']);
    expect(store.getState().redo()).toBe(true);
    expect(ids(store)).toEqual(['noop', 'delay']);
    expect(store.getState().redo()).toBe(true);
    expect(store.getState().content.edges).toHaveLength(1);
    expect(store.getState().redo()).toBe(false);
  });

  it('undo drops selection of removed nodes', () => {
    const { store } = newStore();
    store.getState().addNode('core/noop@1', { x: 0, y: 0 });

    store.getState().undo();

    expect(store.getState().selectedNodes).toEqual([]);
  });

  it('a drag is one undo step', () => {
    const { store } = newStore();
    store.getState().addNode('core/noop@1', { x: 0, y: 0 });
    const stepsBefore = store.getState().history.past.length;

    store.getState().dragNodes(new Map([['noop', { x: 10, y: 0 }]]));
    store.getState().dragNodes(new Map([['noop', { x: 50, y: 5 }]]));
    store.getState().dragNodes(new Map([['noop', { x: 90, y: 9 }]]));
    store.getState().endDrag();

    expect(store.getState().history.past).toHaveLength(stepsBefore + 1);
    expect(store.getState().content.nodes[0].position).toEqual({ x: 90, y: 9 });
    store.getState().undo();
    expect(store.getState().content.nodes[0].position).toEqual({ x: 0, y: 0 });
  });

  it('endDrag without movement records nothing', () => {
    const { store } = newStore();
    store.getState().addNode('core/noop@1', { x: 0, y: 0 });
    const stepsBefore = store.getState().history.past.length;

    store.getState().dragNodes(new Map([['noop', { x: 0, y: 0 }]]));
    store.getState().endDrag();

    expect(store.getState().history.past).toHaveLength(stepsBefore);
  });

  it('quick config edits of one node undo together', () => {
    const { store, clock } = newStore();
    store.getState().addNode('core/delay@1', { x: 0, y: 0 });

    store.getState().updateNode('delay', { config: { ms: 1 } }, 'config');
    clock.now += 100;
    store.getState().updateNode('delay', { config: { ms: 10 } }, 'config');
    clock.now += 100;
    store.getState().updateNode('delay', { config: { ms: 100 } }, 'config');
    store.getState().undo();

    expect(store.getState().content.nodes[0].config).toEqual({});
  });

  it('slow config edits undo one by one', () => {
    const { store, clock } = newStore();
    store.getState().addNode('core/delay@1', { x: 0, y: 0 });

    store.getState().updateNode('delay', { config: { ms: 1 } }, 'config');
    clock.now += COALESCE_WINDOW_MS;
    store.getState().updateNode('delay', { config: { ms: 10 } }, 'config');
    store.getState().undo();

    expect(store.getState().content.nodes[0].config).toEqual({ ms: 1 });
  });

  it('updateNode with undefined removes the field', () => {
    const { store } = newStore();
    store.getState().addNode('core/noop@1', { x: 0, y: 0 });
    store.getState().updateNode('noop', { label: 'First' });

    store.getState().updateNode('noop', { label: undefined });

    expect('label' in store.getState().content.nodes[0]).toBe(false);
  });

  it('paste copies nodes with new ids and inner edges', () => {
    const { store } = newStore();
    store.getState().addNode('core/noop@1', { x: 0, y: 0 });
    store.getState().addNode('core/delay@1', { x: 200, y: 0 });
    store.getState().addNode('core/noop@1', { x: 400, y: 0 });
    store.getState().connect({ source: 'noop', sourcePort: 'out', target: 'delay', targetPort: 'in' });
    store.getState().connect({ source: 'delay', sourcePort: 'out', target: 'noop-2', targetPort: 'in' });
    store.getState().select(['noop', 'delay'], []);

    expect(store.getState().copySelection()).toBe(2);
    expect(store.getState().paste()).toBe(2);

    expect(ids(store)).toEqual(['noop', 'delay', 'noop-2', 'noop-3', 'delay-2']);
    const pasted = store.getState().content.nodes.find((node) => node.id === 'delay-2');
    expect(pasted?.position).toEqual({ x: 200 + PASTE_OFFSET_PX, y: PASTE_OFFSET_PX });
    const newEdges = store.getState().content.edges.slice(2);
    expect(newEdges).toEqual([{ id: 'noop-3-delay-2', source: 'noop-3', sourcePort: 'out', target: 'delay-2', targetPort: 'in' }]);
    expect(store.getState().selectedNodes).toEqual(['noop-3', 'delay-2']);
  });

  it('second paste is offset further', () => {
    const { store } = newStore();
    store.getState().addNode('core/noop@1', { x: 0, y: 0 });
    store.getState().copySelection();

    store.getState().paste();
    store.getState().paste();

    const positions = store.getState().content.nodes.map((node) => node.position.x);
    expect(positions).toEqual([0, PASTE_OFFSET_PX, 2 * PASTE_OFFSET_PX]);
  });

  it('paste works across editors of different graphs', () => {
    const first = newStore().store;
    first.getState().addNode('core/delay@1', { x: 0, y: 0 });
    first.getState().updateNode('delay', { config: { ms: 250 } });
    first.getState().copySelection();
    const second = newStore({ id: 'g2', name: 'Other', nodes: [], edges: [] }).store;

    expect(second.getState().paste()).toBe(1);

    expect(second.getState().content.nodes[0]).toMatchObject({ id: 'delay', type: 'core/delay@1', config: { ms: 250 } });
  });

  it('pasted copy does not share objects with the clipboard', () => {
    const { store } = newStore();
    store.getState().addNode('core/delay@1', { x: 0, y: 0 });
    store.getState().updateNode('delay', { config: { ms: 1 } });
    store.getState().copySelection();
    store.getState().paste();

    (store.getState().content.nodes[1].config as { ms: number }).ms = 999;
    store.getState().paste();

    expect(store.getState().content.nodes[2].config).toEqual({ ms: 1 });
  });

  it('paste with empty clipboard does nothing', () => {
    const { store } = newStore();

    expect(store.getState().paste()).toBe(0);
    expect(store.getState().revision).toBe(0);
  });

  it('autoLayout places connected nodes left to right', () => {
    const { store } = newStore();
    store.getState().addNode('core/noop@1', { x: 500, y: 500 });
    store.getState().addNode('core/delay@1', { x: 0, y: 0 });
    store.getState().connect({ source: 'noop', sourcePort: 'out', target: 'delay', targetPort: 'in' });

    store.getState().autoLayout();

    const [source, target] = store.getState().content.nodes;
    expect(target.position.x).toBeGreaterThan(source.position.x);
    store.getState().undo();
    expect(store.getState().content.nodes[0].position).toEqual({ x: 500, y: 500 });
  });

  it('rename is undoable and part of the document', () => {
    const { store } = newStore();

    store.getState().rename('Renamed');

    expect(store.getState().toDocument().name).toBe('Renamed');
    store.getState().undo();
    expect(store.getState().toDocument().name).toBe('Graph');
  });

  it('toDocument keeps description and settings', () => {
    const { store } = newStore({ ...EMPTY, description: 'About', settings: { timeoutMs: 5000 } });

    expect(store.getState().toDocument()).toEqual({
      id: 'g1',
      name: 'Graph',
      description: 'About',
      settings: { timeoutMs: 5000 },
      nodes: [],
      edges: [],
    });
  });
});
