/**
 * Checks of a graph against its node types: unknown types, node config, port names and the
 * types of the ports that `main` edges join. All of them accept documents that failed the schema.
 */
import { joinPointer } from '../json-pointer.js';
import type { NodeTypeDescriptor } from '../node-type.js';
import { checkNodeConfig } from './config-validators.js';
import { checkEdgeCompatibility, inputPortsOf, outputPortsOf, portSchemaOf } from './ports.js';
import { isRecord, stringField, type UnknownRecord } from './records.js';
import { NODE_TYPE_PATTERN } from './schema.js';
import type { GraphProblem } from './types.js';
import type { NodeTypeLookup } from './validate-graph.js';

const NODE_TYPE_REGEXP = new RegExp(NODE_TYPE_PATTERN);

/**
 * Looks up the descriptor of every node. A well-formed type that the registry does not know is
 * reported. A malformed type is left to the schema problem that already covers it.
 */
export function resolveNodeTypes(
  nodes: readonly unknown[],
  nodeTypes: NodeTypeLookup,
  problems: GraphProblem[],
): Array<NodeTypeDescriptor | undefined> {
  return nodes.map((node, index) => {
    const type = stringField(node, 'type');
    if (type === undefined) {
      return undefined;
    }
    const descriptor = nodeTypes.get(type);
    if (descriptor === undefined && NODE_TYPE_REGEXP.test(type)) {
      problems.push({
        pointer: joinPointer('', 'nodes', index, 'type'),
        message: `unknown node type "${type}" (no installed plugin provides it)`,
        code: 'GRAPH_UNKNOWN_NODE_TYPE',
      });
    }
    return descriptor;
  });
}

/** Validates each node's config against the config schema of its type. */
export function checkConfigs(
  nodes: readonly unknown[],
  descriptors: ReadonlyArray<NodeTypeDescriptor | undefined>,
  problems: GraphProblem[],
): void {
  nodes.forEach((node, index) => {
    const descriptor = descriptors[index];
    if (descriptor === undefined || !isRecord(node)) {
      return;
    }
    // A config that is not an object already has a schema problem.
    if (node.config !== undefined && !isRecord(node.config)) {
      return;
    }
    const nodePointer = joinPointer('', 'nodes', index);
    for (const problem of checkNodeConfig(descriptor, node.config, nodePointer)) {
      problems.push(problem);
    }
  });
}

/** One end of an edge whose node exists and whose node type is known. */
interface EdgeEnd {
  nodeId: string;
  nodeIndex: number;
  node: unknown;
  descriptor: NodeTypeDescriptor;
  port: string;
}

function resolveEdgeEnd(
  edge: UnknownRecord,
  end: 'source' | 'target',
  nodes: readonly unknown[],
  nodeIndexById: ReadonlyMap<string, number>,
  descriptors: ReadonlyArray<NodeTypeDescriptor | undefined>,
): EdgeEnd | undefined {
  const nodeId = stringField(edge, end);
  const port = stringField(edge, end === 'source' ? 'sourcePort' : 'targetPort');
  const nodeIndex = nodeId === undefined ? undefined : nodeIndexById.get(nodeId);
  if (nodeId === undefined || port === undefined || nodeIndex === undefined) {
    return undefined;
  }
  const descriptor = descriptors[nodeIndex];
  if (descriptor === undefined) {
    return undefined;
  }
  return { nodeId, nodeIndex, node: nodes[nodeIndex], descriptor, port };
}

function describeNode(end: EdgeEnd): string {
  return `node "${end.nodeId}" (${end.descriptor.type})`;
}

function describeExpectedPorts(direction: 'input' | 'output', ports: readonly string[]): string {
  if (ports.length === 0) {
    return `which has no ${direction} ports`;
  }
  return `expected one of: ${ports.join(', ')}`;
}

/**
 * Checks that each edge's ports exist on its nodes and, for `main` edges, that the types of the
 * port schemas fit. An edge end whose node is missing or whose type is unknown is skipped,
 * because another problem already covers it. The source port of an `error` edge is checked by
 * `checkErrorEdgePorts`.
 */
export function checkEdgePorts(
  nodes: readonly unknown[],
  edges: readonly unknown[],
  nodeIndexById: ReadonlyMap<string, number>,
  descriptors: ReadonlyArray<NodeTypeDescriptor | undefined>,
  problems: GraphProblem[],
): void {
  // Config-driven ports are read once per node, not once per edge.
  const outputsByNode = new Map<number, string[]>();
  const outputsOf = (end: EdgeEnd): string[] => {
    let outputs = outputsByNode.get(end.nodeIndex);
    if (outputs === undefined) {
      outputs = outputPortsOf(end.node as { config?: unknown }, end.descriptor);
      outputsByNode.set(end.nodeIndex, outputs);
    }
    return outputs;
  };

  edges.forEach((edge, index) => {
    if (!isRecord(edge)) {
      return;
    }
    const kind = edge.kind ?? 'main';
    if (kind !== 'main' && kind !== 'error') {
      return;
    }
    const source = resolveEdgeEnd(edge, 'source', nodes, nodeIndexById, descriptors);
    const target = resolveEdgeEnd(edge, 'target', nodes, nodeIndexById, descriptors);

    let outputFound = false;
    if (kind === 'main' && source !== undefined) {
      const outputs = outputsOf(source);
      outputFound = outputs.includes(source.port);
      if (!outputFound) {
        problems.push({
          pointer: joinPointer('', 'edges', index, 'sourcePort'),
          message:
            `output port "${source.port}" not found on ${describeNode(source)}, ` +
            describeExpectedPorts('output', outputs),
          code: 'GRAPH_UNKNOWN_PORT',
        });
      }
    }

    let inputFound = false;
    if (target !== undefined) {
      const inputs = inputPortsOf(target.descriptor);
      inputFound = inputs.includes(target.port);
      if (!inputFound) {
        problems.push({
          pointer: joinPointer('', 'edges', index, 'targetPort'),
          message:
            `input port "${target.port}" not found on ${describeNode(target)}, ` +
            describeExpectedPorts('input', inputs),
          code: 'GRAPH_UNKNOWN_PORT',
        });
      }
    }

    if (kind !== 'main' || source === undefined || target === undefined) {
      return;
    }
    if (!outputFound || !inputFound) {
      return;
    }
    const reason = checkEdgeCompatibility(
      portSchemaOf(source.descriptor.outputs, source.port),
      portSchemaOf(target.descriptor.inputs, target.port),
    );
    if (reason !== null) {
      problems.push({
        pointer: joinPointer('', 'edges', index),
        message:
          `${reason} (node "${source.nodeId}" port "${source.port}" to ` +
          `node "${target.nodeId}" port "${target.port}")`,
        code: 'GRAPH_EDGE_TYPE_MISMATCH',
      });
    }
  });
}
