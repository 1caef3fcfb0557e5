import type { GraphDocument, GraphEdge, GraphNode } from '@gestorlead/sdk-plugin';
import type { Storage } from '@gestorlead/storage';

function node(id: string, type: string, x: number, config: Record<string, unknown> = {}): GraphNode {
  return { id, type, position: { x, y: 0 }, config };
}

function edge(source: string, target: string): GraphEdge {
  return { id: `${source}-${target}`, source, sourcePort: 'out', target, targetPort: 'in' };
}

/** Builds a graph of one `core/noop@1` node whose webhook replies 202 at once (async mode). */
export function asyncNoopGraph(): GraphDocument {
  return {
    name: 'bench async noop',
    settings: { webhook: { mode: 'async' } },
    nodes: [node('noop', 'core/noop@1', 0)],
    edges: [],
  };
}

/** Builds a graph of one `core/respond@1` node whose webhook waits for that node's reply (sync mode). */
export function syncRespondGraph(): GraphDocument {
  return {
    name: 'bench sync respond',
    settings: { webhook: { mode: 'sync', syncTimeoutMs: 10_000 } },
    nodes: [node('respond', 'core/respond@1', 0, { status: 200, body: { ok: true } })],
    edges: [],
  };
}

/** Builds a chain n1 → n2 → … → n`length` of `core/noop@1` nodes. */
export function noopChain(length: number): GraphDocument {
  const nodes = Array.from({ length }, (_, index) => node(`n${index + 1}`, 'core/noop@1', index * 200));
  const edges = nodes.slice(1).map((target, index) => edge(`n${index + 1}`, target.id));
  return { name: `bench chain of ${length}`, nodes, edges };
}

/**
 * Builds a fan-out and fan-in of `width + 2` nodes: `start` feeds `width` parallel `core/noop@1`
 * nodes, which all feed one `core/merge@1` node.
 */
export function fanOutFanIn(width: number): GraphDocument {
  const branches = Array.from({ length: width }, (_, index) => node(`b${index + 1}`, 'core/noop@1', 200));
  const nodes = [node('start', 'core/noop@1', 0), ...branches, node('merge', 'core/merge@1', 400)];
  const edges = [
    ...branches.map((branch) => edge('start', branch.id)),
    ...branches.map((branch) => edge(branch.id, 'merge')),
  ];
  return { name: `bench fan-out of ${width}`, nodes, edges };
}

/** Stores `document` as graph `id` and publishes its version 1. */
export async function storePublished(storage: Storage, id: string, document: GraphDocument): Promise<void> {
  await storage.graphs.create(id, { ...document, id });
  await storage.graphs.publish(id, 1);
}
