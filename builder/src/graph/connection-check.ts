/**
 * Whether a new edge may join two ports. The port and type checks are the SDK's functions, the
 * ones the runtime's `validateGraph` applies, so the canvas rejects exactly what a save would.
 */
import {
  checkEdgeCompatibility,
  findCycles,
  inputPortsOf,
  outputPortsOf,
  portSchemaOf,
  type GraphDocument,
  type GraphEdge,
  type NodeTypeLookup,
} from '@gestorlead/sdk-plugin';

/** Output port of every node that carries the node's error over an `error` edge. */
export const ERROR_PORT = 'error';

/** A proposed edge, as React Flow reports a connection. */
export interface ConnectionRequest {
  source: string;
  sourcePort: string;
  target: string;
  targetPort: string;
}

/** Why an edge was rejected: a code for the translated text, and the SDK's reason for types. */
export type ConnectionRejection =
  | { code: 'self' | 'duplicate' | 'cycle' | 'missingNode' }
  | { code: 'unknownPort'; port: string }
  | { code: 'types'; reason: string };

/** The edge to add, or the rejection. */
export type ConnectionResult = { ok: true; edge: Omit<GraphEdge, 'id'> } | { ok: false; rejection: ConnectionRejection };

/** Checks a proposed edge against the document and the node types. */
export function checkConnection(
  document: Pick<GraphDocument, 'nodes' | 'edges'>,
  nodeTypes: NodeTypeLookup,
  request: ConnectionRequest,
): ConnectionResult {
  const { source, sourcePort, target, targetPort } = request;
  if (source === target) return { ok: false, rejection: { code: 'self' } };
  const sourceNode = document.nodes.find((node) => node.id === source);
  const targetNode = document.nodes.find((node) => node.id === target);
  if (sourceNode === undefined || targetNode === undefined) return { ok: false, rejection: { code: 'missingNode' } };

  const duplicate = document.edges.some(
    (edge) =>
      edge.source === source &&
      edge.sourcePort === sourcePort &&
      edge.target === target &&
      edge.targetPort === targetPort,
  );
  if (duplicate) return { ok: false, rejection: { code: 'duplicate' } };

  const kind = sourcePort === ERROR_PORT ? 'error' : 'main';
  const sourceType = nodeTypes.get(sourceNode.type);
  const targetType = nodeTypes.get(targetNode.type);
  if (targetType !== undefined && !inputPortsOf(targetType).includes(targetPort)) {
    return { ok: false, rejection: { code: 'unknownPort', port: targetPort } };
  }
  if (kind === 'main' && sourceType !== undefined) {
    if (!outputPortsOf(sourceNode, sourceType).includes(sourcePort)) {
      return { ok: false, rejection: { code: 'unknownPort', port: sourcePort } };
    }
    if (targetType !== undefined) {
      const reason = checkEdgeCompatibility(
        portSchemaOf(sourceType.outputs, sourcePort),
        portSchemaOf(targetType.inputs, targetPort),
      );
      if (reason !== null) return { ok: false, rejection: { code: 'types', reason } };
    }
  }

  const edge: Omit<GraphEdge, 'id'> = { source, sourcePort, target, targetPort, ...(kind === 'error' ? { kind } : {}) };
  const candidate = { nodes: document.nodes, edges: [...document.edges, { ...edge, id: '__candidate' }] };
  if (findCycles(candidate).length > 0) return { ok: false, rejection: { code: 'cycle' } };
  return { ok: true, edge };
}
