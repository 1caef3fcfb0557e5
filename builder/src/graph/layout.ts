/** Automatic layout of the canvas with dagre: left to right, in layers along the edges. */
import dagre from '@dagrejs/dagre';
import type { Position } from '@gestorlead/sdk-plugin';
import type { GraphContent } from './document-ops';

/** Size of a node that React Flow has not measured yet, in pixels. */
export const DEFAULT_NODE_SIZE = { width: 200, height: 72 };

/** Computes a top-left position for every node; `sizes` are React Flow's measured sizes. */
export function layoutPositions(
  content: GraphContent,
  sizes: ReadonlyMap<string, { width: number; height: number }> = new Map(),
): Map<string, Position> {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: 'LR', nodesep: 40, ranksep: 80, marginx: 20, marginy: 20 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const node of content.nodes) {
    const size = sizes.get(node.id) ?? DEFAULT_NODE_SIZE;
    graph.setNode(node.id, { width: size.width, height: size.height });
  }
  for (const edge of content.edges) {
    if (graph.hasNode(edge.source) && graph.hasNode(edge.target)) graph.setEdge(edge.source, edge.target);
  }
  dagre.layout(graph);

  const positions = new Map<string, Position>();
  for (const node of content.nodes) {
    const laid = graph.node(node.id);
    const size = sizes.get(node.id) ?? DEFAULT_NODE_SIZE;
    // dagre places node centres; React Flow positions are top-left corners.
    positions.set(node.id, { x: Math.round(laid.x - size.width / 2), y: Math.round(laid.y - size.height / 2) });
  }
  return positions;
}
