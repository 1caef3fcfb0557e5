import type { GraphDocument } from '@gestorlead/sdk-plugin';
import { describe, expect, it } from 'vitest';
import { findProblems } from '../graph/problems';
import { testCatalog } from '../test-support/node-types';
import { createEditorStore, type EditorStore } from './editor-store';
import { COALESCE_WINDOW_MS } from './history';

const DOCUMENT: GraphDocument = {
  id: 'g1',
  name: 'Notes',
  nodes: [{ id: 'pass', type: 'core/noop@1', position: { x: 0, y: 0 }, config: {} }],
  edges: [],
};

function newStore(document: GraphDocument = DOCUMENT): { store: EditorStore; clock: { now: number } } {
  const clock = { now: 1_000_000 };
  const store = createEditorStore({ nodeTypes: testCatalog(), now: () => clock.now });
  store.getState().load(document, 'g1');
  return { store, clock };
}

function notes(store: EditorStore) {
  return store.getState().content.notes;
}

describe('editor store notes', () => {
  it('addNote creates a yellow note and selects it', () => {
    const { store } = newStore();

    const id = store.getState().addNote({ x: 10.4, y: 20.6 });

    expect(id).toBe('note');
    expect(notes(store)).toEqual([{ id: 'note', text: '', position: { x: 10, y: 21 }, color: 'yellow' }]);
    expect(store.getState().selectedNotes).toEqual(['note']);
    expect(store.getState().addNote({ x: 0, y: 0 })).toBe('note-2');
  });

  it('notes are saved with the document', () => {
    const { store } = newStore();
    expect(store.getState().toDocument().notes).toBeUndefined();

    store.getState().addNote({ x: 0, y: 0 });
    store.getState().updateNote('note', { text: 'Call the lead today', color: 'pink' });

    const document = store.getState().toDocument();
    expect(document.notes).toEqual([{ id: 'note', text: 'Call the lead today', position: { x: 0, y: 0 }, color: 'pink' }]);
    expect(document.nodes).toHaveLength(1);
    expect(findProblems(document, testCatalog()).list).toEqual([]);
  });

  it('load reads the notes of a document', () => {
    const note = { id: 'why', text: 'Reason', position: { x: 5, y: 6 }, size: { width: 300, height: 180 } };
    const { store } = newStore({ ...DOCUMENT, notes: [note] });

    expect(notes(store)).toEqual([note]);
    expect(store.getState().toDocument().notes).toEqual([note]);
  });

  it('typing in a note undoes as one step', () => {
    const { store, clock } = newStore();
    store.getState().addNote({ x: 0, y: 0 });
    for (const text of ['H', 'Hi', 'Hi!']) {
      clock.now += 100;
      store.getState().updateNote('note', { text }, 'text');
    }
    clock.now += COALESCE_WINDOW_MS + 1;
    store.getState().updateNote('note', { color: 'blue' });

    expect(store.getState().undo()).toBe(true);
    expect(notes(store)[0]).toMatchObject({ text: 'Hi!', color: 'yellow' });
    expect(store.getState().undo()).toBe(true);
    expect(notes(store)[0]?.text).toBe('');
    expect(store.getState().redo()).toBe(true);
    expect(notes(store)[0]?.text).toBe('Hi!');
  });

  it('a drag of a note is one undo step', () => {
    const { store } = newStore();
    store.getState().addNote({ x: 0, y: 0 });

    store.getState().dragNodes(new Map(), new Map([['note', { x: 40, y: 10 }]]));
    store.getState().dragNodes(new Map(), new Map([['note', { x: 80, y: 20 }]]));
    store.getState().endDrag();

    expect(notes(store)[0]?.position).toEqual({ x: 80, y: 20 });
    expect(store.getState().undo()).toBe(true);
    expect(notes(store)[0]?.position).toEqual({ x: 0, y: 0 });
  });

  it('a resize is one undo step', () => {
    const { store } = newStore();
    store.getState().addNote({ x: 0, y: 0 });

    store.getState().resizeNote('note', { width: 250.4, height: 160 });
    store.getState().resizeNote('note', { width: 300, height: 200 }, { x: -10, y: -5 });
    store.getState().endDrag();

    expect(notes(store)[0]).toMatchObject({ size: { width: 300, height: 200 }, position: { x: -10, y: -5 } });
    expect(store.getState().undo()).toBe(true);
    expect(notes(store)[0]?.size).toBeUndefined();
    expect(notes(store)[0]?.position).toEqual({ x: 0, y: 0 });
  });

  it('removeNote deletes a note and undo brings it back', () => {
    const { store } = newStore();
    store.getState().addNote({ x: 0, y: 0 });
    store.getState().updateNote('note', { text: 'Keep me' });

    store.getState().removeNote('note');

    expect(notes(store)).toEqual([]);
    expect(store.getState().selectedNotes).toEqual([]);
    expect(store.getState().undo()).toBe(true);
    expect(notes(store)[0]?.text).toBe('Keep me');
  });

  it('removeSelection deletes selected notes and nodes', () => {
    const { store } = newStore();
    store.getState().addNote({ x: 0, y: 0 });
    store.getState().select(['pass'], []);

    store.getState().removeSelection();

    expect(notes(store)).toEqual([]);
    expect(store.getState().content.nodes).toEqual([]);
  });

  it('node edits keep the notes', () => {
    const { store } = newStore();
    store.getState().addNote({ x: 0, y: 0 });

    store.getState().addNode('core/noop@1', { x: 300, y: 0 });
    store.getState().select(['pass'], []);
    store.getState().copySelection();
    store.getState().paste();
    store.getState().selectNotes([]);
    store.getState().removeSelection();

    expect(notes(store).map((note) => note.id)).toEqual(['note']);
  });

  it('dragging a note leaves the structure revision', () => {
    const { store } = newStore();
    store.getState().addNote({ x: 0, y: 0 });
    const before = store.getState().structureRevision;

    store.getState().dragNodes(new Map([['pass', { x: 5, y: 5 }]]), new Map([['note', { x: 9, y: 9 }]]));

    expect(store.getState().structureRevision).toBe(before);
    store.getState().updateNote('note', { text: 'x' });
    expect(store.getState().structureRevision).toBe(before + 1);
  });
});
