/**
 * The credit estimate of a run before it starts: per node the price and the least and most one
 * call costs, and for the run the least and most all nodes cost together.
 */
import { outputPortsOf, type GraphDocument, type GraphNode, type NodeTypeDescriptor } from '@gestorlead/sdk-plugin';
import { costOf, holdOf, type CreditPrice } from './pricing.js';

/** The estimate of one node. */
export interface NodeEstimate {
  nodeId: string;
  type: string;
  /** False when no installed node type has this name; such a node costs 0 here. */
  installed: boolean;
  /** Credits per call, after the operator's pricing; may be fractional. */
  fixed: number;
  /** Credits per unit; 0 for a node without a per-unit price. */
  perUnit: number;
  unit: string | null;
  /** Units reserved per call, the most a call is expected to use. */
  maxUnits: number;
  /** Whole credits one call costs with 0 units. */
  min: number;
  /** Whole credits one call costs with `maxUnits` units: what is reserved before it runs. */
  max: number;
  /**
   * True when the node may not run even if every task succeeds: it is reached only through a
   * port that a node may leave inactive (a condition's branches) or through an error edge.
   */
  conditional: boolean;
  /** Whether the node uses a credential of the user's own, which may have its own price. */
  ownCredential: boolean;
}

/** The estimate of one run of a graph version. */
export interface GraphEstimate {
  nodes: NodeEstimate[];
  total: {
    /** Credits when every task succeeds, only nodes that always run are charged, with 0 units. */
    min: number;
    /** Credits when every node runs with `maxUnits`; nodes on exclusive branches all count. */
    max: number;
  };
}

/** Looks up node types and prices for `estimateRun`. */
export interface EstimateSources {
  nodeType(type: string): NodeTypeDescriptor | undefined;
  price(node: GraphNode, descriptor: NodeTypeDescriptor | undefined): CreditPrice | null;
}

/**
 * Returns the ids of nodes that run whenever every task succeeds: entry nodes, and nodes that
 * a `main` edge reaches from such a node through a port that is always active. A node type
 * with a single output port always activates it; more ports (a condition) may stay inactive.
 */
function nodesThatAlwaysRun(document: GraphDocument, sources: EstimateSources): Set<string> {
  const incoming = new Set(document.edges.map((edge) => edge.target));
  const nodes = new Map(document.nodes.map((node) => [node.id, node]));
  // Both the lists and the queue grow in place, so the walk stays linear in the graph's size,
  // however many edges one node has.
  const outgoing = new Map<string, GraphDocument['edges'][number][]>();
  for (const edge of document.edges) {
    if ((edge.kind ?? 'main') !== 'main') continue;
    const edges = outgoing.get(edge.source);
    if (edges === undefined) outgoing.set(edge.source, [edge]);
    else edges.push(edge);
  }

  const certain = new Set(document.nodes.filter((node) => !incoming.has(node.id)).map((node) => node.id));
  const queue = [...certain];
  for (let next = 0; next < queue.length; next += 1) {
    const node = nodes.get(queue[next])!;
    const descriptor = sources.nodeType(node.type);
    if (descriptor === undefined || outputPortsOf(node, descriptor).length !== 1) continue;
    for (const edge of outgoing.get(node.id) ?? []) {
      if (certain.has(edge.target) || !nodes.has(edge.target)) continue;
      certain.add(edge.target);
      queue.push(edge.target);
    }
  }
  return certain;
}

/** Estimates the credits one run of `document` costs. */
export function estimateRun(document: GraphDocument, sources: EstimateSources): GraphEstimate {
  const certain = nodesThatAlwaysRun(document, sources);
  const nodes: NodeEstimate[] = [];
  let min = 0;
  let max = 0;
  for (const node of document.nodes) {
    const descriptor = sources.nodeType(node.type);
    const price = descriptor === undefined ? null : sources.price(node, descriptor);
    const estimate: NodeEstimate = {
      nodeId: node.id,
      type: node.type,
      installed: descriptor !== undefined,
      fixed: price?.fixed ?? 0,
      perUnit: price?.perUnit ?? 0,
      unit: price?.unit ?? null,
      maxUnits: price?.maxUnits ?? 0,
      min: price === null ? 0 : costOf(price, 0),
      max: price === null ? 0 : holdOf(price),
      conditional: !certain.has(node.id),
      ownCredential: price?.ownCredential ?? false,
    };
    nodes.push(estimate);
    // Each node's cost is capped at the largest safe integer, and so are the sums, which would
    // otherwise lose whole credits.
    max = Math.min(max + estimate.max, Number.MAX_SAFE_INTEGER);
    if (!estimate.conditional) min = Math.min(min + estimate.min, Number.MAX_SAFE_INTEGER);
  }
  return { nodes, total: { min, max } };
}
