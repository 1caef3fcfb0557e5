/**
 * The React Flow canvas, controlled by the editor store. Node and edge objects are cached and
 * rebuilt only when their inputs change, so a drag re-renders the dragged node, not all of them.
 * Run statuses do not pass through here: each node subscribes to its own status.
 */
import { inputPortsOf, outputPortsOf, type GraphEdge, type GraphNode, type GraphNote, type Position } from '@gestorlead/sdk-plugin';
import {
  Background,
  Controls,
  Panel,
  ReactFlow,
  useConnection,
  useReactFlow,
  type Connection,
  type Edge,
  type EdgeChange,
  type FinalConnectionState,
  type IsValidConnection,
  type NodeChange,
} from '@xyflow/react';
import { useCallback, useMemo, useRef, type DragEvent } from 'react';
import { useStore } from 'zustand';
import { checkConnection, ERROR_PORT, type ConnectionRejection, type ConnectionRequest } from '../graph/connection-check';
import type { GraphProblems } from '../graph/problems';
import { useI18n } from '../i18n/i18n';
import type { EditorStore, Size } from '../store/editor-store';
import { CanvasMiniMap } from './canvas-minimap';
import { NODE_COMPONENTS, type CanvasNode } from './graph-node';
import { NODE_TYPE_MIME } from './palette';
import { useRejectionText } from './rejection-text';
import { DEFAULT_NOTE_SIZE, NOTE_ID_PREFIX, NoteStoreContext, StickyNote, type NoteCanvasNode } from './sticky-note';

/** A React Flow node of the canvas: a graph node or a sticky note. */
type CanvasItem = CanvasNode | NoteCanvasNode;

const CANVAS_NODE_TYPES = { ...NODE_COMPONENTS, note: StickyNote };

/**
 * From this many nodes on, React Flow renders only the nodes and edges inside the viewport, and
 * smaller graphs skip that visibility check on every change.
 * NOTE: the value is a judgment call. `bench/builder-canvas.ts` measures 500 nodes and more only.
 */
export const VISIBLE_ONLY_FROM_NODES = 300;

export interface CanvasProps {
  store: EditorStore;
  problems: GraphProblems;
  onRejected: (rejection: ConnectionRejection) => void;
}

interface NodeCacheEntry {
  node: GraphNode;
  selected: boolean;
  problems: string[] | undefined;
  size: Size | undefined;
  descriptorKnown: boolean;
  edgePorts: string;
  value: CanvasNode;
}

interface NoteCacheEntry {
  note: GraphNote;
  selected: boolean;
  value: NoteCanvasNode;
}

interface EdgeCacheEntry {
  edge: GraphEdge;
  selected: boolean;
  problem: boolean;
  value: Edge;
}

const NO_PROBLEMS: string[] = [];

/** Ports that edges use on a node, and a key that changes when they do. */
interface EdgePorts {
  inputs: Set<string>;
  outputs: Set<string>;
  key: string;
}

/** Ports that edges use on each node, so edges to undeclared ports still draw (and show a problem). */
function edgePortsByNode(edges: readonly GraphEdge[]): Map<string, EdgePorts> {
  const ports = new Map<string, EdgePorts>();
  const entry = (id: string) => {
    let value = ports.get(id);
    if (value === undefined) {
      value = { inputs: new Set(), outputs: new Set(), key: '' };
      ports.set(id, value);
    }
    return value;
  };
  for (const edge of edges) {
    if (edge.sourcePort !== ERROR_PORT) entry(edge.source).outputs.add(edge.sourcePort);
    entry(edge.target).inputs.add(edge.targetPort);
  }
  for (const value of ports.values()) value.key = `${[...value.inputs].join(',')}|${[...value.outputs].join(',')}`;
  return ports;
}

/** Messages of the problems on each node, built once per validation, not per node per render. */
function problemMessagesByNode(problems: GraphProblems): Map<string, string[]> {
  const messages = new Map<string, string[]>();
  for (const [nodeId, list] of problems.byNode) messages.set(nodeId, list.map((problem) => problem.message));
  return messages;
}

function toRequest(connection: Connection | Edge): ConnectionRequest {
  return {
    source: connection.source,
    sourcePort: connection.sourceHandle ?? '',
    target: connection.target,
    targetPort: connection.targetHandle ?? '',
  };
}

export function Canvas({ store, problems, onRejected }: CanvasProps) {
  const content = useStore(store, (state) => state.content);
  const selectedNodes = useStore(store, (state) => state.selectedNodes);
  const selectedEdges = useStore(store, (state) => state.selectedEdges);
  const selectedNotes = useStore(store, (state) => state.selectedNotes);
  const sizes = useStore(store, (state) => state.sizes);
  const catalog = useStore(store, (state) => state.nodeTypes);
  const { screenToFlowPosition } = useReactFlow();
  const { t } = useI18n();
  const nodeCache = useRef(new Map<string, NodeCacheEntry>());
  const edgeCache = useRef(new Map<string, EdgeCacheEntry>());
  const noteCache = useRef(new Map<string, NoteCacheEntry>());
  const canvasElement = useRef<HTMLDivElement>(null);
  // Fit only a graph that has nodes when it opens: React Flow would otherwise fit the first node
  // added to an empty graph and move the canvas under the user's next drop.
  const fitOnOpen = useRef(content.nodes.length > 0).current;

  // Neither edges nor problems change while a node is dragged, so these are not built again then.
  const usedPorts = useMemo(() => edgePortsByNode(content.edges), [content.edges]);
  const problemMessages = useMemo(() => problemMessagesByNode(problems), [problems]);
  const nodes = useMemo(() => {
    const selected = new Set(selectedNodes);
    const cache = new Map<string, NodeCacheEntry>();
    const result = content.nodes.map((node) => {
      const descriptor = catalog.get(node.type);
      const ports = usedPorts.get(node.id);
      const entry: Omit<NodeCacheEntry, 'value'> = {
        node,
        selected: selected.has(node.id),
        problems: problemMessages.get(node.id),
        size: sizes[node.id],
        descriptorKnown: descriptor !== undefined,
        edgePorts: ports?.key ?? '',
      };
      const previous = nodeCache.current.get(node.id);
      if (
        previous !== undefined &&
        previous.node === entry.node &&
        previous.selected === entry.selected &&
        sameList(previous.problems, entry.problems) &&
        previous.size === entry.size &&
        previous.descriptorKnown === entry.descriptorKnown &&
        previous.edgePorts === entry.edgePorts
      ) {
        cache.set(node.id, previous);
        return previous.value;
      }
      const inputs = new Set(descriptor === undefined ? [] : inputPortsOf(descriptor));
      const outputs = new Set(descriptor === undefined ? [] : outputPortsOf(node, descriptor));
      for (const port of ports?.inputs ?? []) inputs.add(port);
      for (const port of ports?.outputs ?? []) outputs.add(port);
      const value: CanvasNode = {
        id: node.id,
        type: 'graph',
        position: node.position,
        selected: entry.selected,
        ...(entry.size === undefined ? {} : { measured: entry.size }),
        data: {
          node,
          descriptor,
          inputs: [...inputs],
          outputs: [...outputs],
          problems: entry.problems ?? NO_PROBLEMS,
        },
      };
      cache.set(node.id, { ...entry, value });
      return value;
    });
    nodeCache.current = cache;
    return result;
  }, [content.nodes, usedPorts, selectedNodes, sizes, catalog, problemMessages]);

  const notes = useMemo(() => {
    const selected = new Set(selectedNotes);
    const cache = new Map<string, NoteCacheEntry>();
    const result = content.notes.map((note) => {
      const isSelected = selected.has(note.id);
      const previous = noteCache.current.get(note.id);
      if (previous !== undefined && previous.note === note && previous.selected === isSelected) {
        cache.set(note.id, previous);
        return previous.value;
      }
      const size = note.size ?? DEFAULT_NOTE_SIZE;
      const value: NoteCanvasNode = {
        id: NOTE_ID_PREFIX + note.id,
        type: 'note',
        position: note.position,
        selected: isSelected,
        width: size.width,
        height: size.height,
        dragHandle: '.sticky-note__bar',
        data: { note },
      };
      cache.set(note.id, { note, selected: isSelected, value });
      return value;
    });
    noteCache.current = cache;
    return result;
  }, [content.notes, selectedNotes]);

  // Notes come first, so React Flow draws them under the nodes.
  const items = useMemo<CanvasItem[]>(() => (notes.length === 0 ? nodes : [...notes, ...nodes]), [notes, nodes]);

  const edges = useMemo(() => {
    const selected = new Set(selectedEdges);
    const cache = new Map<string, EdgeCacheEntry>();
    const result = content.edges.map((edge) => {
      const isSelected = selected.has(edge.id);
      const problem = problems.byEdge.has(edge.id);
      const previous = edgeCache.current.get(edge.id);
      if (previous !== undefined && previous.edge === edge && previous.selected === isSelected && previous.problem === problem) {
        cache.set(edge.id, previous);
        return previous.value;
      }
      const classes = [edge.kind === 'error' ? 'edge--error' : 'edge--main'];
      if (problem) classes.push('edge--problem');
      const value: Edge = {
        id: edge.id,
        source: edge.source,
        target: edge.target,
        sourceHandle: edge.sourcePort,
        targetHandle: edge.targetPort,
        selected: isSelected,
        className: classes.join(' '),
      };
      cache.set(edge.id, { edge, selected: isSelected, problem, value });
      return value;
    });
    edgeCache.current = cache;
    return result;
  }, [content.edges, selectedEdges, problems]);

  const onNodesChange = useCallback(
    (changes: NodeChange<CanvasItem>[]) => {
      const state = store.getState();
      const positions = new Map<string, Position>();
      const notePositions = new Map<string, Position>();
      const measured = new Map<string, Size>();
      const selected = new Set(state.selectedNodes);
      const selectedNoteIds = new Set(state.selectedNotes);
      let selectionChanged = false;
      let notesSelectionChanged = false;
      let dragEnded = false;
      for (const change of changes) {
        const noteId = 'id' in change && change.id.startsWith(NOTE_ID_PREFIX) ? change.id.slice(NOTE_ID_PREFIX.length) : null;
        if (change.type === 'position') {
          if (change.position !== undefined) (noteId === null ? positions : notePositions).set(noteId ?? change.id, change.position);
          if (change.dragging === false) dragEnded = true;
        } else if (change.type === 'select') {
          if (noteId !== null) {
            notesSelectionChanged = true;
            if (change.selected) selectedNoteIds.add(noteId);
            else selectedNoteIds.delete(noteId);
            continue;
          }
          selectionChanged = true;
          if (change.selected) selected.add(change.id);
          else selected.delete(change.id);
        } else if (change.type === 'dimensions' && change.dimensions !== undefined) {
          if (noteId === null) {
            measured.set(change.id, change.dimensions);
          } else if (change.resizing !== undefined) {
            // Only the resize handle changes a note's size; measurements of its box do not.
            state.resizeNote(noteId, change.dimensions, notePositions.get(noteId));
            if (!change.resizing) dragEnded = true;
          }
        }
      }
      if (positions.size > 0 || notePositions.size > 0) state.dragNodes(positions, notePositions);
      if (dragEnded) state.endDrag();
      if (measured.size > 0) state.setSizes(measured);
      if (selectionChanged) state.select([...selected], store.getState().selectedEdges);
      if (notesSelectionChanged) state.selectNotes([...selectedNoteIds]);
    },
    [store],
  );

  const onEdgesChange = useCallback(
    (changes: EdgeChange[]) => {
      const state = store.getState();
      const selected = new Set(state.selectedEdges);
      let changed = false;
      for (const change of changes) {
        if (change.type !== 'select') continue;
        changed = true;
        if (change.selected) selected.add(change.id);
        else selected.delete(change.id);
      }
      if (changed) state.select(store.getState().selectedNodes, [...selected]);
    },
    [store],
  );

  const isValidConnection = useCallback<IsValidConnection>(
    (connection) => {
      const state = store.getState();
      return checkConnection(state.content, state.nodeTypes, toRequest(connection)).ok;
    },
    [store],
  );

  const onConnect = useCallback(
    (connection: Connection) => {
      const result = store.getState().connect(toRequest(connection));
      if (!result.ok) onRejected(result.rejection);
    },
    [store, onRejected],
  );

  // React Flow calls onConnect only for valid connections, so the reason of an invalid drop is
  // computed here.
  const onConnectEnd = useCallback(
    (_event: MouseEvent | TouchEvent, connection: FinalConnectionState) => {
      const request = requestOf(connection);
      if (request === null || connection.isValid) return;
      const state = store.getState();
      const result = checkConnection(state.content, state.nodeTypes, request);
      if (!result.ok) onRejected(result.rejection);
    },
    [store, onRejected],
  );

  const addNote = useCallback(() => {
    const bounds = canvasElement.current?.getBoundingClientRect();
    const centre = bounds === undefined ? { x: 0, y: 0 } : { x: bounds.left + bounds.width / 2, y: bounds.top + bounds.height / 2 };
    const position = screenToFlowPosition(centre);
    store.getState().addNote({ x: position.x - DEFAULT_NOTE_SIZE.width / 2, y: position.y - DEFAULT_NOTE_SIZE.height / 2 });
  }, [store, screenToFlowPosition]);

  const onDragOver = useCallback((event: DragEvent) => {
    if (!event.dataTransfer.types.includes(NODE_TYPE_MIME)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  }, []);

  const onDrop = useCallback(
    (event: DragEvent) => {
      const type = event.dataTransfer.getData(NODE_TYPE_MIME);
      if (type === '') return;
      event.preventDefault();
      const position = screenToFlowPosition({ x: event.clientX, y: event.clientY });
      store.getState().addNode(type, position);
    },
    [store, screenToFlowPosition],
  );

  return (
    <div className="canvas" ref={canvasElement} onDragOver={onDragOver} onDrop={onDrop} data-testid="canvas">
      <NoteStoreContext.Provider value={store}>
      <ReactFlow<CanvasItem>
        nodes={items}
        edges={edges}
        nodeTypes={CANVAS_NODE_TYPES}
        onlyRenderVisibleElements={content.nodes.length >= VISIBLE_ONLY_FROM_NODES}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        isValidConnection={isValidConnection}
        deleteKeyCode={null}
        fitView={fitOnOpen}
        fitViewOptions={{ maxZoom: 1.2 }}
        minZoom={0.1}
        proOptions={{ hideAttribution: true }}
      >
        <Background />
        <Controls showInteractive={false} />
        <CanvasMiniMap store={store} />
        <ConnectionHint store={store} />
        <Panel position="top-left">
          <button type="button" className="canvas__add-note" onClick={addNote}>
            {t('notes.add')}
          </button>
        </Panel>
      </ReactFlow>
      </NoteStoreContext.Provider>
    </div>
  );
}

/** Returns the proposed edge of a connection that ended on a handle, in source-to-target order. */
function requestOf(connection: Pick<FinalConnectionState, 'fromHandle' | 'toHandle'>): ConnectionRequest | null {
  const { fromHandle, toHandle } = connection;
  if (fromHandle === null || toHandle === null || fromHandle.id == null || toHandle.id == null) return null;
  const [source, target] = fromHandle.type === 'source' ? [fromHandle, toHandle] : [toHandle, fromHandle];
  return { source: source.nodeId, sourcePort: source.id ?? '', target: target.nodeId, targetPort: target.id ?? '' };
}

/** Shows, while a connection is dragged over a port that rejects it, the reason. */
function ConnectionHint({ store }: { store: EditorStore }) {
  const connection = useConnection();
  const describe = useRejectionText();
  const { t } = useI18n();
  if (!connection.inProgress || connection.isValid !== false) return null;
  const request = requestOf(connection);
  if (request === null) return null;
  const state = store.getState();
  const result = checkConnection(state.content, state.nodeTypes, request);
  if (result.ok) return null;
  return (
    <div className="connection-hint" role="status" data-testid="connection-hint">
      {t('connect.refused', { reason: describe(result.rejection) })}
    </div>
  );
}

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  return a.every((item, index) => item === b[index]);
}
