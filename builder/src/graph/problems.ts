/** Problems of a graph from the SDK's `validateGraph`, the check the runtime runs on save and run. */
import { validateGraph, type GraphDocument, type GraphProblem, type NodeTypeLookup } from '@gestorlead/sdk-plugin';

/** A problem with the node or edge its pointer names, when it names one. */
export interface LocatedProblem extends GraphProblem {
  nodeId?: string;
  edgeId?: string;
  /** The rest of the pointer after `/nodes/<index>`, such as `/config/ms`. */
  nodePointer?: string;
}

export interface GraphProblems {
  list: LocatedProblem[];
  byNode: Map<string, LocatedProblem[]>;
  byEdge: Map<string, LocatedProblem[]>;
}

const ELEMENT_POINTER = /^\/(nodes|edges)\/(\d+)(\/.*)?$/;

/** Validates a document and locates each problem on its node or edge. */
export function findProblems(document: GraphDocument, nodeTypes: NodeTypeLookup): GraphProblems {
  const result = validateGraph(document, { nodeTypes });
  const list: LocatedProblem[] = result.ok ? [] : result.problems.map((problem) => locate(problem, document));
  const byNode = new Map<string, LocatedProblem[]>();
  const byEdge = new Map<string, LocatedProblem[]>();
  for (const problem of list) {
    if (problem.nodeId !== undefined) byNode.set(problem.nodeId, [...(byNode.get(problem.nodeId) ?? []), problem]);
    if (problem.edgeId !== undefined) byEdge.set(problem.edgeId, [...(byEdge.get(problem.edgeId) ?? []), problem]);
  }
  return { list, byNode, byEdge };
}

function locate(problem: GraphProblem, document: GraphDocument): LocatedProblem {
  const match = ELEMENT_POINTER.exec(problem.pointer);
  if (match === null) return problem;
  const index = Number(match[2]);
  if (match[1] === 'nodes') {
    const node = document.nodes[index];
    return node === undefined ? problem : { ...problem, nodeId: node.id, nodePointer: match[3] ?? '' };
  }
  const edge = document.edges[index];
  return edge === undefined ? problem : { ...problem, edgeId: edge.id };
}
