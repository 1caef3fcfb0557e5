/**
 * Validation of graph documents: the JSON Schema first, then the checks that need the whole
 * graph (ids, references, node types, ports, config and cycles). Every problem is reported,
 * each located by a JSON pointer into the document.
 */
import type { ValidateFunction } from 'ajv';

import { joinPointer } from '../json-pointer.js';
import type { NodeTypeDescriptor } from '../node-type.js';
import type { TriggerTypeLookup } from '../trigger-type.js';
import { buildAdjacency, collectCycles } from './adjacency.js';
import { createAjv, problemsFromAjvErrors } from './ajv-problems.js';
import { checkConfigs, checkEdgePorts, resolveNodeTypes } from './check-node-types.js';
import { checkTriggerSettings } from './check-trigger.js';
import { checkSchedule } from './check-schedule.js';
import { checkInputSchema } from './run-input.js';
import { isRecord, stringField } from './records.js';
import { GRAPH_DOCUMENT_SCHEMA } from './schema.js';
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
  /**
   * Installed triggers to check `settings.trigger` against: its type, kind and config. Without
   * it only the syntax of `settings.trigger.pluginVersion` is checked.
   */
  triggerTypes?: TriggerTypeLookup;
}

/** Result of `validateGraph`: the document when it is valid, otherwise every problem found. */
export type ValidateGraphResult =
  | { ok: true; document: GraphDocument }
  | { ok: false; problems: GraphProblem[] };

let documentValidator: ValidateFunction | undefined;

/**
 * Validates a graph document and returns either the document, typed, or every problem found.
 * The semantic checks also run on documents that fail the schema, skipping only the entries
 * they cannot read. It does not raise on any document value, but errors raised by
 * `options.nodeTypes` or by a malformed descriptor propagate. When `options.nodeTypes` is given,
 * node types, ports, edge port types and node config are checked against it as well, and
 * `options.triggerTypes` does the same for `settings.trigger`.
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
    for (const problem of checkGraphStructure(nodes, edges, options.nodeTypes)) {
      problems.push(problem);
    }
    // Notes are canvas annotations: only their ids are checked, apart from the schema.
    if (Array.isArray(input.notes)) checkDuplicateIds(input.notes, 'notes', 'note', problems);
    checkTriggerSettings(input.settings, options.triggerTypes, problems);
    checkSchedule(input.settings, problems);
    checkInputSchema(input.settings, problems);
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
  collection: 'nodes' | 'edges' | 'notes',
  noun: 'node' | 'edge' | 'note',
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
