/**
 * Pure edits of a graph's nodes and edges. Each returns new arrays and leaves unchanged nodes
 * and edges as the same objects, so React Flow re-renders only what changed.
 */
import type { GraphEdge, GraphNode, GraphNote, NodeTypeDescriptor, Position } from '@gestorlead/sdk-plugin';
import { getDefaultFormState, type RJSFSchema } from '@rjsf/utils';
import validator from '@rjsf/validator-ajv8';

/** The part of a graph document that the canvas edits and undo restores. */
export interface GraphContent {
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Sticky notes; the runtime stores them with the graph and does not execute them. */
  notes: GraphNote[];
}

/** Nodes and edges copied to the clipboard, with the edges that join copied nodes only. */
export interface ClipboardContent {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/** Offset between a pasted copy and its original, in canvas pixels. */
export const PASTE_OFFSET_PX = 40;

const ID_UNSAFE = /[^A-Za-z0-9_-]+/g;

/** Returns `base` or `base-2`, `base-3`… whichever no id in `taken` has yet. */
export function uniqueId(base: string, taken: ReadonlySet<string>): string {
  const clean = base.replace(ID_UNSAFE, '-').replace(/^-+|-+$/g, '').slice(0, 56) || 'node';
  if (!taken.has(clean)) return clean;
  for (let suffix = 2; ; suffix += 1) {
    const candidate = `${clean}-${suffix}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** Returns the action part of a node type, `delay` for `core/delay@1`, as an id base. */
export function idBaseOf(type: string): string {
  const action = type.split('/')[1] ?? type;
  return action.split('@')[0] ?? action;
}

/** Returns the config a new node starts with: the defaults of its config schema. */
export function defaultConfig(descriptor: NodeTypeDescriptor | undefined): Record<string, unknown> {
  if (descriptor === undefined) return {};
  const state: unknown = getDefaultFormState(validator, descriptor.configSchema as RJSFSchema, {});
  return state !== null && typeof state === 'object' && !Array.isArray(state) ? (state as Record<string, unknown>) : {};
}

/** Adds a node of `type` at `position`, with a readable id unique in the graph. */
export function addNode(
  content: GraphContent,
  type: string,
  position: Position,
  descriptor: NodeTypeDescriptor | undefined,
): { content: GraphContent; node: GraphNode } {
  const taken = new Set(content.nodes.map((node) => node.id));
  const node: GraphNode = {
    id: uniqueId(idBaseOf(type), taken),
    type,
    position: { x: Math.round(position.x), y: Math.round(position.y) },
    config: defaultConfig(descriptor),
  };
  return { content: { ...content, nodes: [...content.nodes, node] }, node };
}

/** Removes nodes, edges and notes, and every edge that touches a removed node. */
export function removeElements(
  content: GraphContent,
  nodeIds: ReadonlySet<string>,
  edgeIds: ReadonlySet<string>,
  noteIds: ReadonlySet<string> = new Set(),
): GraphContent {
  const nodes = content.nodes.filter((node) => !nodeIds.has(node.id));
  const edges = content.edges.filter(
    (edge) => !edgeIds.has(edge.id) && !nodeIds.has(edge.source) && !nodeIds.has(edge.target),
  );
  const notes = noteIds.size === 0 ? content.notes : content.notes.filter((note) => !noteIds.has(note.id));
  return { nodes, edges, notes };
}

/** Adds an empty yellow note at `position`. */
export function addNote(content: GraphContent, position: Position): { content: GraphContent; note: GraphNote } {
  const taken = new Set(content.notes.map((note) => note.id));
  const note: GraphNote = {
    id: uniqueId('note', taken),
    text: '',
    position: { x: Math.round(position.x), y: Math.round(position.y) },
    color: 'yellow',
  };
  return { content: { ...content, notes: [...content.notes, note] }, note };
}

/** Replaces fields of one note; `undefined` values remove the field. */
export function updateNote(content: GraphContent, id: string, patch: Partial<Omit<GraphNote, 'id'>>): GraphContent {
  let changed = false;
  const notes = content.notes.map((note) => {
    if (note.id !== id) return note;
    changed = true;
    const next: Record<string, unknown> = { ...note, ...patch };
    for (const key of Object.keys(patch)) {
      if (next[key] === undefined) delete next[key];
    }
    return next as unknown as GraphNote;
  });
  return changed ? { ...content, notes } : content;
}

/** Moves notes to new positions; notes not in `positions` keep their object. */
export function moveNotes(content: GraphContent, positions: ReadonlyMap<string, Position>): GraphContent {
  if (positions.size === 0) return content;
  let changed = false;
  const notes = content.notes.map((note) => {
    const position = positions.get(note.id);
    if (position === undefined || (position.x === note.position.x && position.y === note.position.y)) return note;
    changed = true;
    return { ...note, position: { x: position.x, y: position.y } };
  });
  return changed ? { ...content, notes } : content;
}

/** Moves nodes to new positions; nodes not in `positions` keep their object. */
export function moveNodes(content: GraphContent, positions: ReadonlyMap<string, Position>): GraphContent {
  let changed = false;
  const nodes = content.nodes.map((node) => {
    const position = positions.get(node.id);
    if (position === undefined || (position.x === node.position.x && position.y === node.position.y)) return node;
    changed = true;
    return { ...node, position: { x: position.x, y: position.y } };
  });
  return changed ? { ...content, nodes } : content;
}

/** Replaces fields of one node; `undefined` values remove the field. */
export function updateNode(content: GraphContent, id: string, patch: Partial<Omit<GraphNode, 'id'>>): GraphContent {
  const nodes = content.nodes.map((node) => {
    if (node.id !== id) return node;
    const next: Record<string, unknown> = { ...node, ...patch };
    for (const key of Object.keys(patch)) {
      if (next[key] === undefined) delete next[key];
    }
    return next as unknown as GraphNode;
  });
  return { ...content, nodes };
}

/** Adds an edge with a fresh id. */
export function addEdge(content: GraphContent, edge: Omit<GraphEdge, 'id'>): { content: GraphContent; edge: GraphEdge } {
  const taken = new Set(content.edges.map((item) => item.id));
  const created: GraphEdge = { id: uniqueId(`${edge.source}-${edge.target}`, taken), ...edge };
  return { content: { ...content, edges: [...content.edges, created] }, edge: created };
}

/** Copies the given nodes and the edges whose both ends are among them. */
export function copyElements(content: GraphContent, nodeIds: ReadonlySet<string>): ClipboardContent {
  const nodes = content.nodes.filter((node) => nodeIds.has(node.id));
  const edges = content.edges.filter((edge) => nodeIds.has(edge.source) && nodeIds.has(edge.target));
  return structuredClone({ nodes, edges });
}

/**
 * Pastes clipboard content with new ids, shifted by `offset`. Edges are re-pointed at the new
 * nodes. Returns the ids of the pasted nodes, to select them.
 */
export function pasteElements(
  content: GraphContent,
  clipboard: ClipboardContent,
  offset: Position,
): { content: GraphContent; nodeIds: string[] } {
  const takenNodes = new Set(content.nodes.map((node) => node.id));
  const takenEdges = new Set(content.edges.map((edge) => edge.id));
  const renamed = new Map<string, string>();
  const nodes = clipboard.nodes.map((node) => {
    const id = uniqueId(node.id, takenNodes);
    takenNodes.add(id);
    renamed.set(node.id, id);
    return {
      ...structuredClone(node),
      id,
      position: { x: node.position.x + offset.x, y: node.position.y + offset.y },
    };
  });
  const edges = clipboard.edges.flatMap((edge) => {
    const source = renamed.get(edge.source);
    const target = renamed.get(edge.target);
    if (source === undefined || target === undefined) return [];
    const id = uniqueId(`${source}-${target}`, takenEdges);
    takenEdges.add(id);
    return [{ ...edge, id, source, target }];
  });
  return {
    content: { ...content, nodes: [...content.nodes, ...nodes], edges: [...content.edges, ...edges] },
    nodeIds: nodes.map((node) => node.id),
  };
}
