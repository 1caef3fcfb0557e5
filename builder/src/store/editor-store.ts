/**
 * State of the graph open on the canvas: its document, selection and undo history. A plain
 * zustand store, so tests drive it without React.
 */
import type { GraphDocument, GraphNode, GraphNote, GraphSettings, Position } from '@gestorlead/sdk-plugin';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { checkConnection, type ConnectionRequest, type ConnectionResult } from '../graph/connection-check';
import {
  addEdge,
  addNode,
  addNote,
  copyElements,
  moveNodes,
  moveNotes,
  PASTE_OFFSET_PX,
  pasteElements,
  removeElements,
  updateNode,
  updateNote,
  type ClipboardContent,
  type GraphContent,
} from '../graph/document-ops';
import { layoutPositions } from '../graph/layout';
import { NodeCatalog } from '../graph/node-catalog';
import { emptyHistory, record, redo, undo, type History } from './history';

/** State that undo restores: the canvas content, the graph's name and its settings. */
export interface Snapshot {
  name: string;
  content: GraphContent;
  settings: GraphSettings | undefined;
}

export interface Size {
  width: number;
  height: number;
}

export interface EditorState {
  graphId: string;
  name: string;
  description: string | undefined;
  settings: GraphSettings | undefined;
  content: GraphContent;
  /** Increases with every change of the document, for autosave. */
  revision: number;
  /**
   * Increases with every change other than the moves and resizes of a drag in progress, so what
   * depends on the graph's structure, such as its problems, is not computed on every drag step.
   */
  structureRevision: number;
  selectedNodes: string[];
  selectedEdges: string[];
  selectedNotes: string[];
  history: History<Snapshot>;
  /** Content before the drag in progress, recorded as one undo step when the drag ends. */
  dragStart: GraphContent | null;
  /** Node sizes measured by React Flow, for auto-layout. */
  sizes: Record<string, Size>;
  nodeTypes: NodeCatalog;
}

export interface EditorActions {
  load(document: GraphDocument, graphId: string): void;
  setNodeTypes(nodeTypes: NodeCatalog): void;
  /** The whole graph document as saved and exported. */
  toDocument(): GraphDocument;
  addNode(type: string, position: Position): string;
  connect(request: ConnectionRequest): ConnectionResult;
  removeSelection(): void;
  /**
   * Moves nodes, and notes by note id, during a drag; the drag becomes one undo step when
   * `endDrag` runs.
   */
  dragNodes(positions: ReadonlyMap<string, Position>, notePositions?: ReadonlyMap<string, Position>): void;
  endDrag(): void;
  /** Adds an empty note at `position` and selects it; returns its id. */
  addNote(position: Position): string;
  /** Edits a note; `coalesceKey` merges quick edits of the same field into one undo step. */
  updateNote(id: string, patch: Partial<Omit<GraphNote, 'id'>>, coalesceKey?: string): void;
  /** Resizes a note while its resize handle is dragged; one undo step when `endDrag` runs. */
  resizeNote(id: string, size: { width: number; height: number }, position?: Position): void;
  removeNote(id: string): void;
  selectNotes(noteIds: readonly string[]): void;
  autoLayout(): void;
  updateNode(id: string, patch: Partial<Omit<GraphNode, 'id'>>, coalesceKey?: string): void;
  rename(name: string): void;
  /** Replaces the graph settings as one undo step; `coalesceKey` merges quick edits of one field. */
  setSettings(settings: GraphSettings | undefined, coalesceKey?: string): void;
  /** Replaces name, settings and content by those of another version, as one undo step; the description stays. */
  restoreVersion(document: GraphDocument): void;
  select(nodeIds: readonly string[], edgeIds: readonly string[]): void;
  /** Copies the selected nodes; returns how many were copied. */
  copySelection(): number;
  /** Pastes the clipboard; returns how many nodes were pasted. */
  paste(): number;
  undo(): boolean;
  redo(): boolean;
  setSizes(sizes: ReadonlyMap<string, Size>): void;
}

export type EditorStore = StoreApi<EditorState & EditorActions>;

/**
 * The clipboard, shared by every editor in the tab, so nodes copied in one graph paste into
 * another. `pastes` counts pastes of the same content, to offset each copy further.
 */
const clipboard: { content: ClipboardContent | null; pastes: number } = { content: null, pastes: 0 };

/** Empties the shared clipboard; tests call it between cases. */
export function clearClipboard(): void {
  clipboard.content = null;
  clipboard.pastes = 0;
}

export interface EditorStoreOptions {
  now?: () => number;
  nodeTypes?: NodeCatalog;
}

export function createEditorStore(options: EditorStoreOptions = {}): EditorStore {
  const now = options.now ?? (() => Date.now());

  return createStore<EditorState & EditorActions>()((set, get) => {
    /** Applies an edit as one undo step; `key` merges quick edits of the same field. */
    const commit = (next: Partial<Snapshot>, key: string | null = null, extra: Partial<EditorState> = {}): void => {
      const state = get();
      const before: Snapshot = { name: state.name, content: state.content, settings: state.settings };
      set({
        ...extra,
        name: next.name ?? state.name,
        content: next.content ?? state.content,
        settings: 'settings' in next ? next.settings : state.settings,
        history: record(state.history, before, now(), key),
        revision: state.revision + 1,
        structureRevision: state.structureRevision + 1,
      });
    };

    const restore = (snapshot: Snapshot, history: History<Snapshot>): void => {
      const ids = new Set(snapshot.content.nodes.map((node) => node.id));
      const edgeIds = new Set(snapshot.content.edges.map((edge) => edge.id));
      const noteIds = new Set(snapshot.content.notes.map((note) => note.id));
      const state = get();
      set({
        name: snapshot.name,
        content: snapshot.content,
        settings: snapshot.settings,
        history,
        revision: state.revision + 1,
        structureRevision: state.structureRevision + 1,
        selectedNodes: state.selectedNodes.filter((id) => ids.has(id)),
        selectedEdges: state.selectedEdges.filter((id) => edgeIds.has(id)),
        selectedNotes: state.selectedNotes.filter((id) => noteIds.has(id)),
        dragStart: null,
      });
    };

    return {
      graphId: '',
      name: '',
      description: undefined,
      settings: undefined,
      content: { nodes: [], edges: [], notes: [] },
      revision: 0,
      structureRevision: 0,
      selectedNodes: [],
      selectedEdges: [],
      selectedNotes: [],
      history: emptyHistory<Snapshot>(),
      dragStart: null,
      sizes: {},
      nodeTypes: options.nodeTypes ?? new NodeCatalog([]),

      load(document, graphId) {
        set({
          graphId,
          name: document.name,
          description: document.description,
          settings: document.settings,
          content: { nodes: document.nodes, edges: document.edges, notes: document.notes ?? [] },
          revision: 0,
          structureRevision: get().structureRevision + 1,
          selectedNodes: [],
          selectedEdges: [],
          selectedNotes: [],
          history: emptyHistory<Snapshot>(),
          dragStart: null,
        });
      },

      setNodeTypes(nodeTypes) {
        set({ nodeTypes });
      },

      toDocument() {
        const state = get();
        const document: GraphDocument = { id: state.graphId, name: state.name, nodes: state.content.nodes, edges: state.content.edges };
        if (state.description !== undefined) document.description = state.description;
        if (state.settings !== undefined) document.settings = state.settings;
        if (state.content.notes.length > 0) document.notes = state.content.notes;
        return document;
      },

      addNode(type, position) {
        const state = get();
        const result = addNode(state.content, type, position, state.nodeTypes.get(type));
        commit({ content: result.content }, null, { selectedNodes: [result.node.id], selectedEdges: [] });
        return result.node.id;
      },

      connect(request) {
        const state = get();
        const result = checkConnection(state.content, state.nodeTypes, request);
        if (result.ok) commit({ content: addEdge(state.content, result.edge).content });
        return result;
      },

      removeSelection() {
        const state = get();
        if (state.selectedNodes.length + state.selectedEdges.length + state.selectedNotes.length === 0) return;
        const content = removeElements(
          state.content,
          new Set(state.selectedNodes),
          new Set(state.selectedEdges),
          new Set(state.selectedNotes),
        );
        commit({ content }, null, { selectedNodes: [], selectedEdges: [], selectedNotes: [] });
      },

      dragNodes(positions, notePositions = new Map()) {
        const state = get();
        const content = moveNotes(moveNodes(state.content, positions), notePositions);
        if (content === state.content) return;
        set({ content, dragStart: state.dragStart ?? state.content, revision: state.revision + 1 });
      },

      addNote(position) {
        const result = addNote(get().content, position);
        commit({ content: result.content }, null, { selectedNodes: [], selectedEdges: [], selectedNotes: [result.note.id] });
        return result.note.id;
      },

      updateNote(id, patch, coalesceKey) {
        const state = get();
        const content = updateNote(state.content, id, patch);
        if (content === state.content) return;
        commit({ content }, coalesceKey === undefined ? null : `note:${id}:${coalesceKey}`);
      },

      resizeNote(id, size, position) {
        const state = get();
        const patch: Partial<GraphNote> = { size: { width: Math.round(size.width), height: Math.round(size.height) } };
        if (position !== undefined) patch.position = { x: Math.round(position.x), y: Math.round(position.y) };
        const content = updateNote(state.content, id, patch);
        if (content === state.content) return;
        set({ content, dragStart: state.dragStart ?? state.content, revision: state.revision + 1 });
      },

      removeNote(id) {
        const state = get();
        if (!state.content.notes.some((note) => note.id === id)) return;
        const content = removeElements(state.content, new Set(), new Set(), new Set([id]));
        commit({ content }, null, { selectedNotes: state.selectedNotes.filter((item) => item !== id) });
      },

      selectNotes(noteIds) {
        set({ selectedNotes: [...noteIds] });
      },

      endDrag() {
        const state = get();
        if (state.dragStart === null) return;
        set({
          history: record(state.history, { name: state.name, content: state.dragStart, settings: state.settings }, now()),
          dragStart: null,
        });
      },

      autoLayout() {
        const state = get();
        const positions = layoutPositions(state.content, new Map(Object.entries(state.sizes)));
        const content = moveNodes(state.content, positions);
        if (content !== state.content) commit({ content });
      },

      updateNode(id, patch, coalesceKey) {
        const state = get();
        commit({ content: updateNode(state.content, id, patch) }, coalesceKey === undefined ? null : `${id}:${coalesceKey}`);
      },

      rename(name) {
        if (name === get().name) return;
        commit({ name }, 'rename');
      },

      setSettings(settings, coalesceKey) {
        commit({ settings }, coalesceKey === undefined ? null : `settings:${coalesceKey}`);
      },

      restoreVersion(document) {
        const content = { nodes: document.nodes, edges: document.edges, notes: document.notes ?? [] };
        commit({ name: document.name, content, settings: document.settings }, null, { selectedNodes: [], selectedEdges: [] });
      },

      select(nodeIds, edgeIds) {
        set({ selectedNodes: [...nodeIds], selectedEdges: [...edgeIds] });
      },

      copySelection() {
        const state = get();
        if (state.selectedNodes.length === 0) return 0;
        clipboard.content = copyElements(state.content, new Set(state.selectedNodes));
        clipboard.pastes = 0;
        return clipboard.content.nodes.length;
      },

      paste() {
        if (clipboard.content === null || clipboard.content.nodes.length === 0) return 0;
        clipboard.pastes += 1;
        const shift = PASTE_OFFSET_PX * clipboard.pastes;
        const result = pasteElements(get().content, clipboard.content, { x: shift, y: shift });
        commit({ content: result.content }, null, { selectedNodes: result.nodeIds, selectedEdges: [] });
        return result.nodeIds.length;
      },

      undo() {
        const state = get();
        const step = undo(state.history, { name: state.name, content: state.content, settings: state.settings });
        if (step === null) return false;
        restore(step.state, step.history);
        return true;
      },

      redo() {
        const state = get();
        const step = redo(state.history, { name: state.name, content: state.content, settings: state.settings });
        if (step === null) return false;
        restore(step.state, step.history);
        return true;
      },

      setSizes(sizes) {
        const next = { ...get().sizes };
        for (const [id, size] of sizes) next[id] = size;
        set({ sizes: next });
      },
    };
  });
}
