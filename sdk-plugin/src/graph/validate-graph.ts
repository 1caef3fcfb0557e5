/**
 * Validation of graph documents: the JSON Schema first, then the checks that need the whole
 * graph (ids, references, node types, ports, config and cycles). Every problem is reported,
 * each located by a JSON pointer into the document.
 */
import type { ValidateFunction } from 'ajv';

import { joinPointer } from '../json-pointer.js';
import type { NodeTypeDescriptor } from '../node-type.js';
import { buildAdjacency, collectCycles } from './adjacency.js';
import { createAjv, problemsFromAjvErrors } from './ajv-problems.js';
import { checkNodeConfig } from './config-validators.js';
import { checkEdgeCompatibility, inputPortsOf, outputPortsOf, portSchemaOf } from './ports.js';
import { GRAPH_DOCUMENT_SCHEMA, NODE_TYPE_PATTERN } from './schema.js';
import { formatCycle } from './topology.js';
import type { GraphDocument, GraphProblem } from './types.js';

/** Registry lookup of node types. A `Map<string, NodeTypeDescriptor>` fits. */
export interface NodeTypeLookup {
  get(type: string): NodeTypeDescriptor | undefined;
}

/** Options of `validateGraph`. */
export interface ValidateGraphOptions {
  /** Node types to check types, ports and config against. Without it those checks are skipped. */
  nodeTypes?: NodeTypeLookup;
}

/** Result of `validateGraph`: the document when it is valid, otherwise every problem found. */
export type ValidateGraphResult =
  | { ok: true; document: GraphDocument }
  | { ok: false; problems: GraphProblem[] };

type UnknownRecord = Record<string, unknown>;

const NODE_TYPE_REGEXP = new RegExp(NODE_TYPE_PATTERN);

let documentValidator: ValidateFunction | undefined;

function isRecord(value: unknown): value is UnknownRecord {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function stringField(value: unknown, key: string): string | undefined {
  if (!isRecord(value)) {
    return undefined;
  }
  const field = value[key];
  return typeof field === 'string' ? field : undefined;
}

/**
 * Validates a graph document and returns either the document, typed, or every problem found.
 * The semantic checks also run on documents that fail the schema, skipping only the entries
 * they cannot read. It does not raise on any document value, but errors raised by
 * `options.nodeTypes` or by a malformed descriptor propagate. When `options.nodeTypes` is given,
 * node types, ports, edge port types and node config are checked against it as well.
 */
export function validateGraph(
  input: unknown,
  options: ValidateGraphOptions = {},
): ValidateGraphResult {
  documentValidator ??= createAjv().compile(GRAPH_DOCUMENT_SCHEMA);
  const problems: GraphProblem[] = documentValidator(input)
    ? []
    : problemsFromAjvErrors(documentValidator.errors, '', 'GRAPH_SCHEMA');

  if (isRecord(input)) {
    const nodes: unknown[] = Array.isArray(input.nodes) ? input.nodes : [];
    const edges: unknown[] = Array.isArray(input.edges) ? input.edges : [];
    problems.push(...checkGraphStructure(nodes, edges, options.nodeTypes));
  }

  if (problems.length > 0) {
    return { ok: false, problems };
  }
  return { ok: true, document: input as GraphDocument };
}

function checkGraphStructure(
  nodes: readonly unknown[],
  edges: readonly unknown[],
  nodeTypes: NodeTypeLookup | undefined,
): GraphProblem[] {
  const problems: GraphProblem[] = [];
  const nodeIndexById = checkDuplicateIds(nodes, 'nodes', 'node', problems);
  checkDuplicateIds(edges, 'edges', 'edge', problems);
  checkDanglingEdges(edges, nodeIndexById, problems);
  checkErrorEdgePorts(edges, problems);

  if (nodeTypes !== undefined) {
    const descriptors = resolveNodeTypes(nodes, nodeTypes, problems);
    checkConfigs(nodes, descriptors, problems);
    checkEdgePorts(nodes, edges, nodeIndexById, descriptors, problems);
  }

  checkCycles(nodes, edges, problems);
  return problems;
}

/**
 * Reports each repeated id at the later entry's `/id` and returns the index of the first entry
 * with each id.
 */
function checkDuplicateIds(
  items: readonly unknown[],
  collection: 'nodes' | 'edges',
  noun: 'node' | 'edge',
  problems: GraphProblem[],
): Map<string, number> {
  const firstIndex = new Map<string, number>();
  items.forEach((item, index) => {
    const id = stringField(item, 'id');
    if (id === undefined) {
      return;
    }
    const first = firstIndex.get(id);
    if (first === undefined) {
      firstIndex.set(id, index);
      return;
    }
    problems.push({
      pointer: joinPointer('', collection, index, 'id'),
      message: `duplicate ${noun} id "${id}", first used at ${joinPointer('', collection, first)}`,
      code: 'GRAPH_DUPLICATE_ID',
    });
  });
  return firstIndex;
}

function checkDanglingEdges(
  edges: readonly unknown[],
  nodeIndexById: ReadonlyMap<string, number>,
  problems: GraphProblem[],
): void {
  edges.forEach((edge, index) => {
    for (const end of ['source', 'target'] as const) {
      const nodeId = stringField(edge, end);
      if (nodeId !== undefined && !nodeIndexById.has(nodeId)) {
        problems.push({
          pointer: joinPointer('', 'edges', index, end),
          message: `${end} node "${nodeId}" not found`,
          code: 'GRAPH_DANGLING_EDGE',
        });
      }
    }
  });
}

/** Reports `error` edges whose source port is not `error`, the port of a failed node's error. */
function checkErrorEdgePorts(edges: readonly unknown[], problems: GraphProblem[]): void {
  edges.forEach((edge, index) => {
    if (!isRecord(edge) || edge.kind !== 'error') {
      return;
    }
    const sourcePort = stringField(edge, 'sourcePort');
    if (sourcePort !== undefined && sourcePort !== 'error') {
      problems.push({
        pointer: joinPointer('', 'edges', index, 'sourcePort'),
        message: `must be "error" because the edge kind is error, found "${sourcePort}"`,
        code: 'GRAPH_UNKNOWN_PORT',
      });
    }
  });
}

/**
 * Looks up the descriptor of every node. A well-formed type that the registry does not know is
 * reported. A malformed type is left to the schema problem that already covers it.
 */
function resolveNodeTypes(
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

function checkConfigs(
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
    problems.push(...checkNodeConfig(descriptor, node.config, joinPointer('', 'nodes', index)));
  });
}

/** One end of an edge whose node exists and whose node type is known. */
interface EdgeEnd {
  nodeId: string;
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
  return { nodeId, node: nodes[nodeIndex], descriptor, port };
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
function checkEdgePorts(
  nodes: readonly unknown[],
  edges: readonly unknown[],
  nodeIndexById: ReadonlyMap<string, number>,
  descriptors: ReadonlyArray<NodeTypeDescriptor | undefined>,
  problems: GraphProblem[],
): void {
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
      const outputs = outputPortsOf(source.node as { config?: unknown }, source.descriptor);
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

/** Reports one cycle per strongly connected component, at the edge that closes the cycle. */
function checkCycles(
  nodes: readonly unknown[],
  edges: readonly unknown[],
  problems: GraphProblem[],
): void {
  for (const cycle of collectCycles(buildAdjacency(nodes, edges))) {
    const closingEdge = cycle.edgeIndices[cycle.edgeIndices.length - 1];
    problems.push({
      pointer: joinPointer('', 'edges', closingEdge),
      message: `edges form a cycle: ${formatCycle(cycle.nodeIds)}`,
      code: 'GRAPH_CYCLE',
    });
  }
}
