import type { GraphDocument, GraphEdge, GraphNode } from '@gestorlead/sdk-plugin';

/** One node of a plan with its edges. */
export interface PlanNode {
  node: GraphNode;
  incoming: GraphEdge[];
  outgoing: GraphEdge[];
  /** True when the node has outgoing `error` edges, so its failure does not fail the run. */
  handlesErrors: boolean;
}

/** A graph version prepared for execution: node lookups and edges per node. */
export interface RunPlan {
  graphId: string;
  version: number;
  document: GraphDocument;
  nodes: Map<string, PlanNode>;
  /** Nodes with no incoming edges; they receive the run's input. */
  entryNodeIds: string[];
}

/** Prepares a validated graph document for execution, in O(nodes + edges). */
export function buildRunPlan(graphId: string, version: number, document: GraphDocument): RunPlan {
  const nodes = new Map<string, PlanNode>();
  for (const node of document.nodes) {
    nodes.set(node.id, { node, incoming: [], outgoing: [], handlesErrors: false });
  }
  for (const edge of document.edges) {
    const source = nodes.get(edge.source);
    const target = nodes.get(edge.target);
    if (!source || !target) continue;
    source.outgoing.push(edge);
    target.incoming.push(edge);
    if (edge.kind === 'error') source.handlesErrors = true;
  }
  const entryNodeIds: string[] = [];
  for (const [id, planNode] of nodes) {
    if (planNode.incoming.length === 0) entryNodeIds.push(id);
  }
  return { graphId, version, document, nodes, entryNodeIds };
}
