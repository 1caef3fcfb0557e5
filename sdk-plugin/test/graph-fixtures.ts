/**
 * Fixtures for graph tests: a small valid lead-intake graph and the node types it uses.
 * `buildGraph` takes overrides so that each test changes only what it is about.
 */
import type { GraphDocument, GraphEdge, GraphNode, NodeTypeDescriptor } from '../src/index.js';

export function buildNode(overrides: Partial<GraphNode> & { id: string }): GraphNode {
  return { type: 'core/log@1', position: { x: 0, y: 0 }, ...overrides };
}

export function buildEdge(
  overrides: Partial<GraphEdge> & { id: string; source: string; target: string },
): GraphEdge {
  return { sourcePort: 'out', targetPort: 'in', ...overrides };
}

/**
 * Builds a valid graph: `start` (trigger) -> `classify` (chat) -> `route` (switch with cases
 * hot and cold) -> `notify` (log) on port `hot`. Fields in `overrides` replace the defaults.
 */
export function buildGraph(overrides: Partial<GraphDocument> = {}): GraphDocument {
  return {
    name: 'Lead intake',
    nodes: [
      buildNode({ id: 'start', type: 'core/trigger@1', position: { x: 0, y: 0 } }),
      buildNode({
        id: 'classify',
        type: 'openai/chat@1',
        position: { x: 200, y: 0 },
        config: { model: 'gpt-4o-mini', temperature: 0.2 },
      }),
      buildNode({
        id: 'route',
        type: 'core/switch@1',
        position: { x: 400, y: 0 },
        config: { cases: [{ port: 'hot' }, { port: 'cold' }] },
      }),
      buildNode({ id: 'notify', type: 'core/log@1', position: { x: 600, y: 0 } }),
    ],
    edges: [
      buildEdge({ id: 'e1', source: 'start', target: 'classify' }),
      buildEdge({ id: 'e2', source: 'classify', target: 'route' }),
      buildEdge({ id: 'e3', source: 'route', sourcePort: 'hot', target: 'notify' }),
    ],
    ...overrides,
  };
}

/** Returns the fixture graph with `node` appended to its nodes. */
export function withNode(node: GraphNode, doc: GraphDocument = buildGraph()): GraphDocument {
  return { ...doc, nodes: [...doc.nodes, node] };
}

/** Returns the fixture graph with `edge` appended to its edges. */
export function withEdge(edge: GraphEdge, doc: GraphDocument = buildGraph()): GraphDocument {
  return { ...doc, edges: [...doc.edges, edge] };
}

export const NODE_TYPE_DESCRIPTORS: NodeTypeDescriptor[] = [
  {
    type: 'core/trigger@1',
    displayName: 'Trigger',
    configSchema: { type: 'object' },
    inputs: [],
    outputs: [{ name: 'out', schema: { type: 'object' } }],
  },
  {
    type: 'openai/chat@1',
    displayName: 'Chat',
    configSchema: {
      type: 'object',
      required: ['model'],
      additionalProperties: false,
      properties: {
        model: { type: 'string', minLength: 1 },
        temperature: { type: 'number', minimum: 0, maximum: 2 },
        'stop/sequence': { type: 'string' },
      },
    },
    inputs: [{ name: 'in' }],
    outputs: [{ name: 'out', schema: { type: 'string' } }],
  },
  {
    type: 'core/switch@1',
    displayName: 'Switch',
    configSchema: {
      type: 'object',
      properties: {
        cases: {
          type: 'array',
          items: { type: 'object', required: ['port'], properties: { port: { type: 'string' } } },
        },
      },
    },
    inputs: [{ name: 'in' }],
    outputs: [{ name: 'default' }],
    outputsFromConfig: { path: '/cases', key: 'port' },
  },
  {
    type: 'core/log@1',
    displayName: 'Log',
    configSchema: { type: 'object' },
    inputs: [{ name: 'in' }],
    outputs: [],
  },
  {
    type: 'math/add@1',
    displayName: 'Add',
    configSchema: { type: 'object' },
    inputs: [{ name: 'in', schema: { type: 'number' } }],
    outputs: [{ name: 'out', schema: { type: 'integer' } }],
  },
];

/** Builds a registry of the fixture node types, as `validateGraph` expects it. */
export function buildNodeTypes(
  descriptors: NodeTypeDescriptor[] = NODE_TYPE_DESCRIPTORS,
): Map<string, NodeTypeDescriptor> {
  return new Map(descriptors.map((descriptor) => [descriptor.type, descriptor]));
}
