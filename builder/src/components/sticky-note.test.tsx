import type { GraphDocument } from '@gestorlead/sdk-plugin';
import { act, cleanup, fireEvent, render } from '@testing-library/react';
import { ReactFlowProvider } from '@xyflow/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findProblems } from '../graph/problems';
import { I18nProvider } from '../i18n/i18n';
import { createEditorStore, type EditorStore } from '../store/editor-store';
import { testCatalog } from '../test-support/node-types';
import { Canvas } from './canvas';

const DOCUMENT: GraphDocument = {
  id: 'g1',
  name: 'Notes',
  nodes: [{ id: 'pass', type: 'core/noop@1', position: { x: 0, y: 0 }, config: {} }],
  edges: [],
  notes: [
    { id: 'why', text: 'Leads arrive here', position: { x: 0, y: -200 }, color: 'blue', size: { width: 260, height: 120 } },
    { id: 'pass', text: 'Same id as the node', position: { x: 300, y: -200 } },
  ],
};

function renderCanvas(): EditorStore {
  const store = createEditorStore({ nodeTypes: testCatalog() });
  store.getState().load(DOCUMENT, 'g1');
  render(
    <I18nProvider initial="en">
      <ReactFlowProvider>
        <div style={{ width: 1200, height: 800 }}>
          <Canvas store={store} problems={findProblems(store.getState().toDocument(), testCatalog())} onRejected={() => undefined} />
        </div>
      </ReactFlowProvider>
    </I18nProvider>,
  );
  return store;
}

function noteBox(id: string): HTMLElement {
  const box = document.querySelector<HTMLElement>(`[data-testid="note-${id}"]`);
  if (box === null) throw new Error(`note ${id} is not rendered`);
  return box;
}

function noteOf(store: EditorStore, id: string) {
  return store.getState().content.notes.find((note) => note.id === id);
}

beforeEach(() => {
  globalThis.__gestorleadRenderCounts = {};
});

afterEach(() => {
  cleanup();
  globalThis.__gestorleadRenderCounts = undefined;
});

describe('sticky notes on the canvas', () => {
  it('renders notes beside a node with the same id', () => {
    renderCanvas();

    expect(noteBox('why').querySelector('textarea')?.value).toBe('Leads arrive here');
    expect(noteBox('why').getAttribute('data-color')).toBe('blue');
    expect(noteBox('pass').getAttribute('data-color')).toBe('yellow');
    expect(document.querySelector('[data-testid="node-pass"]')).not.toBeNull();
    const wrapper = noteBox('why').closest<HTMLElement>('.react-flow__node');
    expect(wrapper?.style.width).toBe('260px');
    expect(wrapper?.style.height).toBe('120px');
  });

  it('typing edits the note text', () => {
    const store = renderCanvas();

    fireEvent.change(noteBox('why').querySelector('textarea')!, { target: { value: 'Leads arrive here\n- from the form' } });

    expect(noteOf(store, 'why')?.text).toBe('Leads arrive here\n- from the form');
    expect(noteBox('why').querySelector('textarea')?.value).toBe('Leads arrive here\n- from the form');
  });

  it('colour buttons recolour the note', () => {
    const store = renderCanvas();

    fireEvent.click(noteBox('why').querySelector('button[aria-label="Note colour: green"]')!);

    expect(noteOf(store, 'why')?.color).toBe('green');
    expect(noteBox('why').getAttribute('data-color')).toBe('green');
    expect(noteBox('why').querySelector('button[aria-label="Note colour: green"]')?.getAttribute('aria-pressed')).toBe('true');
  });

  it('delete button removes the note and undo restores it', () => {
    const store = renderCanvas();

    fireEvent.click(noteBox('why').querySelector('button[aria-label="Delete note"]')!);
    expect(noteOf(store, 'why')).toBeUndefined();
    expect(document.querySelector('[data-testid="note-why"]')).toBeNull();

    act(() => {
      store.getState().undo();
    });
    expect(noteBox('why').querySelector('textarea')?.value).toBe('Leads arrive here');
  });

  it('add note button adds an empty note', () => {
    const store = renderCanvas();

    fireEvent.click(document.querySelector('button.canvas__add-note')!);

    expect(store.getState().content.notes.map((note) => note.id)).toEqual(['why', 'pass', 'note']);
    expect(noteBox('note').querySelector('textarea')?.value).toBe('');
    expect(store.getState().selectedNotes).toEqual(['note']);
  });

  it('editing a note re-renders only that note', () => {
    const store = renderCanvas();
    globalThis.__gestorleadRenderCounts = {};

    act(() => store.getState().updateNote('why', { text: 'changed' }));

    expect(globalThis.__gestorleadRenderCounts).toEqual({ 'note:why': 1 });
  });
});
