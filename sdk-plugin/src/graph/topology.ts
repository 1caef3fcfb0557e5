/**
 * Order and adjacency of graph nodes. The executor calls these on every run, so they work on
 * typed arrays and allocate little. Edges of both kinds count. Edges whose source or target is
 * not a node are ignored, and a repeated node id counts once, at its first position.
 */
import { buildAdjacency, collectCycles } from './adjacency.js';
import type { GraphDocument, GraphEdge } from './types.js';

type GraphShape = Pick<GraphDocument, 'nodes' | 'edges'>;

/** Raised by `topologicalOrder` when the edges form a cycle. */
export class GraphCycleError extends Error {
  override readonly name = 'GraphCycleError';

  /** Node ids of one cycle in edge order. The last node has an edge back to the first. */
  readonly cycle: string[];

  constructor(cycle: string[]) {
    super(`graph edges form a cycle: ${formatCycle(cycle)}`);
    this.cycle = cycle;
  }
}

/** Formats a cycle as `a -> b -> a`. */
export function formatCycle(cycle: readonly string[]): string {
  return cycle.length === 0 ? '' : [...cycle, cycle[0]].join(' -> ');
}

/**
 * Returns the node ids in topological order by Kahn's algorithm. When several nodes are ready,
 * the one earliest in the document comes first. Runs in O((nodes + edges) log nodes).
 * Raises `GraphCycleError` naming one cycle when the edges form a cycle.
 */
export function topologicalOrder(doc: GraphShape): string[] {
  const adjacency = buildAdjacency(doc.nodes, doc.edges);
  const { nodeIds, offsets, targets } = adjacency;
  const nodeCount = nodeIds.length;

  const inDegree = new Int32Array(nodeCount);
  for (const target of targets) {
    inDegree[target]++;
  }

  const ready = new MinHeap(nodeCount);
  for (let node = 0; node < nodeCount; node++) {
    if (inDegree[node] === 0) {
      ready.push(node);
    }
  }

  const order: string[] = [];
  while (ready.size > 0) {
    const node = ready.pop();
    order.push(nodeIds[node]);
    for (let position = offsets[node]; position < offsets[node + 1]; position++) {
      const target = targets[position];
      inDegree[target]--;
      if (inDegree[target] === 0) {
        ready.push(target);
      }
    }
  }

  if (order.length < nodeCount) {
    const [cycle] = collectCycles(adjacency);
    throw new GraphCycleError(cycle.nodeIds);
  }
  return order;
}

/**
 * Returns one cycle per strongly connected component that contains a cycle, as node ids in edge
 * order, or an empty array for an acyclic graph. Each cycle is the shortest one through the
 * component's first node in document order. Not every elementary cycle is listed.
 */
export function findCycles(doc: GraphShape): string[][] {
  return collectCycles(buildAdjacency(doc.nodes, doc.edges)).map((cycle) => cycle.nodeIds);
}

/**
 * Maps each node id to the edges that end at it, in document order. Every node has an entry,
 * and an edge whose target is not a node gets an entry under that target id.
 */
export function incomingEdges(doc: GraphShape): Map<string, GraphEdge[]> {
  return groupEdges(doc, 'target');
}

/**
 * Maps each node id to the edges that start at it, in document order. Every node has an entry,
 * and an edge whose source is not a node gets an entry under that source id.
 */
export function outgoingEdges(doc: GraphShape): Map<string, GraphEdge[]> {
  return groupEdges(doc, 'source');
}

function groupEdges(doc: GraphShape, end: 'source' | 'target'): Map<string, GraphEdge[]> {
  const groups = new Map<string, GraphEdge[]>();
  for (const node of doc.nodes) {
    if (!groups.has(node.id)) {
      groups.set(node.id, []);
    }
  }
  for (const edge of doc.edges) {
    const group = groups.get(edge[end]);
    if (group === undefined) {
      groups.set(edge[end], [edge]);
    } else {
      group.push(edge);
    }
  }
  return groups;
}

/** Binary min-heap of node indices with a fixed capacity. */
class MinHeap {
  private readonly items: Int32Array;
  size = 0;

  constructor(capacity: number) {
    this.items = new Int32Array(capacity);
  }

  push(value: number): void {
    const items = this.items;
    let index = this.size++;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (items[parent] <= value) {
        break;
      }
      items[index] = items[parent];
      index = parent;
    }
    items[index] = value;
  }

  /** Removes and returns the smallest value. The heap must not be empty. */
  pop(): number {
    const items = this.items;
    const smallest = items[0];
    const last = items[--this.size];
    let index = 0;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= this.size) {
        break;
      }
      if (child + 1 < this.size && items[child + 1] < items[child]) {
        child++;
      }
      if (items[child] >= last) {
        break;
      }
      items[index] = items[child];
      index = child;
    }
    items[index] = last;
    return smallest;
  }
}
