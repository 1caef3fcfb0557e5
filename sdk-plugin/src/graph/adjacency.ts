/**
 * Compact adjacency of a graph document and cycle search over it, shared by `topology.ts` and
 * the validator. Both accept documents that failed the schema, so entries that are not objects
 * with string ids are skipped instead of trusted.
 */
import { stringField } from './records.js';

/** Outgoing adjacency in compressed sparse row form, over node indices in document order. */
export interface GraphAdjacency {
  /** Distinct node ids in document order. A repeated id keeps its first position. */
  nodeIds: string[];
  indexOf: Map<string, number>;
  /** Edges leaving node `i` occupy positions `offsets[i]` to `offsets[i + 1] - 1`. */
  offsets: Int32Array;
  /** Target node index at each position. */
  targets: Int32Array;
  /** Index into the document's `edges` array at each position. */
  edgeIndices: Int32Array;
}

/** A cycle as node ids in order plus the indices of the edges joining them, closing edge last. */
export interface FoundCycle {
  nodeIds: string[];
  edgeIndices: number[];
}

/**
 * Builds the outgoing adjacency in O(nodes + edges). Edges whose source or target is not a node
 * are left out, and edges keep document order within each source.
 */
export function buildAdjacency(
  nodes: readonly unknown[],
  edges: readonly unknown[],
): GraphAdjacency {
  const nodeIds: string[] = [];
  const indexOf = new Map<string, number>();
  for (const node of nodes) {
    const id = stringField(node, 'id');
    if (id !== undefined && !indexOf.has(id)) {
      indexOf.set(id, nodeIds.length);
      nodeIds.push(id);
    }
  }

  const nodeCount = nodeIds.length;
  const edgeSources = new Int32Array(edges.length).fill(-1);
  const edgeTargets = new Int32Array(edges.length);
  const offsets = new Int32Array(nodeCount + 1);
  let keptEdgeCount = 0;
  for (let e = 0; e < edges.length; e++) {
    const sourceId = stringField(edges[e], 'source');
    const targetId = stringField(edges[e], 'target');
    const source = sourceId === undefined ? undefined : indexOf.get(sourceId);
    const target = targetId === undefined ? undefined : indexOf.get(targetId);
    if (source === undefined || target === undefined) {
      continue;
    }
    edgeSources[e] = source;
    edgeTargets[e] = target;
    offsets[source + 1]++;
    keptEdgeCount++;
  }
  for (let i = 0; i < nodeCount; i++) {
    offsets[i + 1] += offsets[i];
  }

  const targets = new Int32Array(keptEdgeCount);
  const edgeIndices = new Int32Array(keptEdgeCount);
  const cursor = offsets.slice(0, nodeCount);
  for (let e = 0; e < edges.length; e++) {
    const source = edgeSources[e];
    if (source < 0) {
      continue;
    }
    const position = cursor[source]++;
    targets[position] = edgeTargets[e];
    edgeIndices[position] = e;
  }

  return { nodeIds, indexOf, offsets, targets, edgeIndices };
}

/**
 * Labels strongly connected components with Tarjan's algorithm, iteratively so that long chains
 * cannot overflow the call stack. Returns the component number of each node.
 */
function labelComponents(adjacency: GraphAdjacency): Int32Array {
  const { offsets, targets } = adjacency;
  const nodeCount = adjacency.nodeIds.length;
  const order = new Int32Array(nodeCount).fill(-1);
  const low = new Int32Array(nodeCount);
  const component = new Int32Array(nodeCount).fill(-1);
  const cursor = new Int32Array(nodeCount);
  const stack = new Int32Array(nodeCount);
  const callStack = new Int32Array(nodeCount);
  let stackSize = 0;
  let callDepth = 0;
  let counter = 0;
  let componentCount = 0;

  const visit = (node: number): void => {
    order[node] = counter;
    low[node] = counter;
    counter++;
    cursor[node] = offsets[node];
    stack[stackSize++] = node;
    callStack[callDepth++] = node;
  };

  for (let root = 0; root < nodeCount; root++) {
    if (order[root] !== -1) {
      continue;
    }
    visit(root);

    while (callDepth > 0) {
      const node = callStack[callDepth - 1];
      if (cursor[node] < offsets[node + 1]) {
        const next = targets[cursor[node]++];
        if (order[next] === -1) {
          visit(next);
        } else if (component[next] === -1) {
          // `next` is still on the Tarjan stack, so it belongs to the current search path.
          low[node] = Math.min(low[node], order[next]);
        }
        continue;
      }

      callDepth--;
      if (callDepth > 0) {
        const parent = callStack[callDepth - 1];
        low[parent] = Math.min(low[parent], low[node]);
      }
      if (low[node] === order[node]) {
        let member: number;
        do {
          member = stack[--stackSize];
          component[member] = componentCount;
        } while (member !== node);
        componentCount++;
      }
    }
  }

  return component;
}

/**
 * Finds one cycle per strongly connected component that contains a cycle, so a graph with no
 * cycle returns an empty array. Each cycle is the shortest one through the component's first node
 * in document order, found by breadth-first search. Cycles are ordered by that first node.
 * This is not every elementary cycle, which could be exponentially many.
 * Runs in O(nodes + edges).
 */
export function collectCycles(adjacency: GraphAdjacency): FoundCycle[] {
  const { offsets, targets } = adjacency;
  const nodeCount = adjacency.nodeIds.length;
  const component = labelComponents(adjacency);

  const componentSize = new Int32Array(nodeCount);
  for (let node = 0; node < nodeCount; node++) {
    componentSize[component[node]]++;
  }

  const cycles: FoundCycle[] = [];
  const searched = new Uint8Array(nodeCount);
  const visited = new Uint8Array(nodeCount);
  const parentNode = new Int32Array(nodeCount);
  const parentPosition = new Int32Array(nodeCount);
  const queue = new Int32Array(nodeCount);

  // Nodes are scanned in document order, so the first node seen of each component is its start.
  for (let start = 0; start < nodeCount; start++) {
    const label = component[start];
    if (searched[label]) {
      continue;
    }
    searched[label] = 1;
    if (componentSize[label] === 1 && !hasSelfLoop(adjacency, start)) {
      continue;
    }

    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    visited[start] = 1;
    let closingNode = -1;
    let closingPosition = -1;
    while (head < tail && closingPosition < 0) {
      const node = queue[head++];
      for (let position = offsets[node]; position < offsets[node + 1]; position++) {
        const next = targets[position];
        if (next === start) {
          closingNode = node;
          closingPosition = position;
          break;
        }
        if (component[next] === label && !visited[next]) {
          visited[next] = 1;
          parentNode[next] = node;
          parentPosition[next] = position;
          queue[tail++] = next;
        }
      }
    }

    cycles.push(
      traceCycle(adjacency, start, closingNode, closingPosition, parentNode, parentPosition),
    );
  }

  return cycles;
}

function hasSelfLoop(adjacency: GraphAdjacency, node: number): boolean {
  for (let position = adjacency.offsets[node]; position < adjacency.offsets[node + 1]; position++) {
    if (adjacency.targets[position] === node) {
      return true;
    }
  }
  return false;
}

/** Walks parent links back from the closing edge to `start` and returns the cycle in order. */
function traceCycle(
  adjacency: GraphAdjacency,
  start: number,
  closingNode: number,
  closingPosition: number,
  parentNode: Int32Array,
  parentPosition: Int32Array,
): FoundCycle {
  const nodes = [closingNode];
  const positions = [closingPosition];
  let node = closingNode;
  while (node !== start) {
    positions.push(parentPosition[node]);
    node = parentNode[node];
    nodes.push(node);
  }
  nodes.reverse();
  positions.reverse();

  return {
    nodeIds: nodes.map((index) => adjacency.nodeIds[index]),
    edgeIndices: positions.map((position) => adjacency.edgeIndices[position]),
  };
}
