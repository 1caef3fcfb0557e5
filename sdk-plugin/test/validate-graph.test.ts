import { describe, expect, it } from 'vitest';

import { validateGraph, type GraphProblem, type NodeTypeDescriptor } from '../src/index.js';
import {
  NODE_TYPE_DESCRIPTORS,
  buildEdge,
  buildGraph,
  buildNode,
  buildNodeTypes,
  withEdge,
  withNode,
} from './graph-fixtures.js';

function problemsOf(input: unknown, nodeTypes = buildNodeTypes()): GraphProblem[] {
  const result = validateGraph(input, { nodeTypes });
  if (result.ok) {
    throw new Error('expected the graph to be invalid, but it is valid');
  }
  return result.problems;
}

describe('validateGraph duplicate ids', () => {
  it('reports duplicate node ids', () => {
    const doc = withNode(buildNode({ id: 'classify', type: 'core/log@1' }));

    expect(problemsOf(doc)).toEqual([
      {
        pointer: '/nodes/4/id',
        message: 'duplicate node id "classify", first used at /nodes/1',
        code: 'GRAPH_DUPLICATE_ID',
      },
    ]);
  });

  it('reports every later duplicate', () => {
    const doc = buildGraph({
      nodes: [buildNode({ id: 'a' }), buildNode({ id: 'a' }), buildNode({ id: 'a' })],
      edges: [],
    });

    const pointers = problemsOf(doc).map((problem) => problem.pointer);

    expect(pointers).toEqual(['/nodes/1/id', '/nodes/2/id']);
  });

  it('reports duplicate edge ids', () => {
    const doc = withEdge(
      buildEdge({ id: 'e2', source: 'route', sourcePort: 'cold', target: 'notify' }),
    );

    expect(problemsOf(doc)).toEqual([
      {
        pointer: '/edges/3/id',
        message: 'duplicate edge id "e2", first used at /edges/1',
        code: 'GRAPH_DUPLICATE_ID',
      },
    ]);
  });
});

describe('validateGraph dangling edges', () => {
  it('reports a missing source node', () => {
    const doc = withEdge(buildEdge({ id: 'e4', source: 'nobody', target: 'notify' }));

    expect(problemsOf(doc)).toEqual([
      {
        pointer: '/edges/3/source',
        message: 'source node "nobody" not found',
        code: 'GRAPH_DANGLING_EDGE',
      },
    ]);
  });

  it('reports both missing ends', () => {
    const doc = withEdge(buildEdge({ id: 'e4', source: 'from', target: 'to' }));

    expect(problemsOf(doc)).toEqual([
      {
        pointer: '/edges/3/source',
        message: 'source node "from" not found',
        code: 'GRAPH_DANGLING_EDGE',
      },
      {
        pointer: '/edges/3/target',
        message: 'target node "to" not found',
        code: 'GRAPH_DANGLING_EDGE',
      },
    ]);
  });
});

describe('validateGraph node types', () => {
  it('reports unknown node types', () => {
    const doc = withNode(buildNode({ id: 'sms', type: 'twilio/send-sms@1' }));

    expect(problemsOf(doc)).toEqual([
      {
        pointer: '/nodes/4/type',
        message: 'unknown node type "twilio/send-sms@1" (no installed plugin provides it)',
        code: 'GRAPH_UNKNOWN_NODE_TYPE',
      },
    ]);
  });

  it('reports unknown major versions', () => {
    const doc = withNode(buildNode({ id: 'chat2', type: 'openai/chat@2' }));

    expect(problemsOf(doc)[0]).toMatchObject({
      pointer: '/nodes/4/type',
      code: 'GRAPH_UNKNOWN_NODE_TYPE',
    });
  });

  it('leaves malformed types to schema', () => {
    const doc = withNode(buildNode({ id: 'bad', type: 'not a type' }));

    expect(problemsOf(doc).map((problem) => problem.code)).toEqual(['GRAPH_SCHEMA']);
  });

  it('skips type checks without registry', () => {
    const doc = withNode(buildNode({ id: 'sms', type: 'twilio/send-sms@1', config: { to: 5 } }));
    doc.edges.push(
      buildEdge({ id: 'e4', source: 'sms', sourcePort: 'anything', target: 'notify' }),
    );

    expect(validateGraph(doc).ok).toBe(true);
  });

  it('accepts any lookup with get', () => {
    const lookup = {
      get: (type: string) => NODE_TYPE_DESCRIPTORS.find((descriptor) => descriptor.type === type),
    };

    expect(validateGraph(buildGraph(), { nodeTypes: lookup }).ok).toBe(true);
  });
});

describe('validateGraph ports', () => {
  it('reports unknown output ports', () => {
    const doc = withEdge(
      buildEdge({ id: 'e4', source: 'classify', sourcePort: 'text', target: 'notify' }),
    );

    expect(problemsOf(doc)).toEqual([
      {
        pointer: '/edges/3/sourcePort',
        message: 'output port "text" not found on node "classify" (openai/chat@1), expected one of: out',
        code: 'GRAPH_UNKNOWN_PORT',
      },
    ]);
  });

  it('reports unknown input ports', () => {
    const doc = withEdge(
      buildEdge({ id: 'e4', source: 'classify', target: 'notify', targetPort: 'body' }),
    );

    expect(problemsOf(doc)).toEqual([
      {
        pointer: '/edges/3/targetPort',
        message: 'input port "body" not found on node "notify" (core/log@1), expected one of: in',
        code: 'GRAPH_UNKNOWN_PORT',
      },
    ]);
  });

  it('reports edges into portless nodes', () => {
    const doc = withNode(buildNode({ id: 'start2', type: 'core/trigger@1' }));
    doc.edges.push(buildEdge({ id: 'e4', source: 'classify', target: 'start2' }));

    expect(problemsOf(doc)).toEqual([
      {
        pointer: '/edges/3/targetPort',
        message: 'input port "in" not found on node "start2" (core/trigger@1), which has no input ports',
        code: 'GRAPH_UNKNOWN_PORT',
      },
    ]);
  });

  it('accepts config-driven output ports', () => {
    const doc = withEdge(
      buildEdge({ id: 'e4', source: 'route', sourcePort: 'cold', target: 'notify' }),
    );
    doc.edges.push(
      buildEdge({ id: 'e5', source: 'route', sourcePort: 'default', target: 'notify' }),
    );

    expect(validateGraph(doc, { nodeTypes: buildNodeTypes() }).ok).toBe(true);
  });

  it('lists config-driven ports when unknown', () => {
    const doc = withEdge(
      buildEdge({ id: 'e4', source: 'route', sourcePort: 'warm', target: 'notify' }),
    );

    expect(problemsOf(doc)).toEqual([
      {
        pointer: '/edges/3/sourcePort',
        message:
          'output port "warm" not found on node "route" (core/switch@1), expected one of: default, hot, cold',
        code: 'GRAPH_UNKNOWN_PORT',
      },
    ]);
  });

  it('drops ports of removed cases', () => {
    const doc = buildGraph();
    doc.nodes[2].config = { cases: [{ port: 'cold' }] };

    expect(problemsOf(doc)).toEqual([
      {
        pointer: '/edges/2/sourcePort',
        message: 'output port "hot" not found on node "route" (core/switch@1), expected one of: default, cold',
        code: 'GRAPH_UNKNOWN_PORT',
      },
    ]);
  });

  it('requires error edges from port error', () => {
    const doc = withEdge(
      buildEdge({
        id: 'e4',
        source: 'classify',
        sourcePort: 'out',
        target: 'notify',
        kind: 'error',
      }),
    );

    expect(problemsOf(doc)).toEqual([
      {
        pointer: '/edges/3/sourcePort',
        message: 'must be "error" because the edge kind is error, found "out"',
        code: 'GRAPH_UNKNOWN_PORT',
      },
    ]);
  });

  it('requires error port without registry', () => {
    const doc = withEdge(
      buildEdge({
        id: 'e4',
        source: 'classify',
        sourcePort: 'out',
        target: 'notify',
        kind: 'error',
      }),
    );

    const result = validateGraph(doc);

    expect(result.ok ? [] : result.problems.map((problem) => problem.code)).toEqual([
      'GRAPH_UNKNOWN_PORT',
    ]);
  });

  it('accepts error edges from port error', () => {
    const doc = withEdge(
      buildEdge({
        id: 'e4',
        source: 'classify',
        sourcePort: 'error',
        target: 'notify',
        kind: 'error',
      }),
    );

    expect(validateGraph(doc, { nodeTypes: buildNodeTypes() }).ok).toBe(true);
  });

  it('checks input ports of error edges', () => {
    const doc = withEdge(
      buildEdge({
        id: 'e4',
        source: 'classify',
        sourcePort: 'error',
        target: 'notify',
        targetPort: 'failure',
        kind: 'error',
      }),
    );

    expect(problemsOf(doc)).toEqual([
      {
        pointer: '/edges/3/targetPort',
        message: 'input port "failure" not found on node "notify" (core/log@1), expected one of: in',
        code: 'GRAPH_UNKNOWN_PORT',
      },
    ]);
  });

  it('skips ports of unknown types', () => {
    const doc = withNode(buildNode({ id: 'sms', type: 'twilio/send-sms@1' }));
    doc.edges.push(buildEdge({ id: 'e4', source: 'sms', sourcePort: 'sent', target: 'notify' }));

    expect(problemsOf(doc).map((problem) => problem.code)).toEqual(['GRAPH_UNKNOWN_NODE_TYPE']);
  });
});

describe('validateGraph edge types', () => {
  it('reports type-incompatible main edges', () => {
    const doc = withNode(buildNode({ id: 'add', type: 'math/add@1' }));
    doc.edges.push(buildEdge({ id: 'e4', source: 'classify', target: 'add' }));

    expect(problemsOf(doc)).toEqual([
      {
        pointer: '/edges/3',
        message:
          'an output of type string cannot connect to an input of type number ' +
          '(node "classify" port "out" to node "add" port "in")',
        code: 'GRAPH_EDGE_TYPE_MISMATCH',
      },
    ]);
  });

  it('accepts integer outputs into numbers', () => {
    const doc = withNode(buildNode({ id: 'add', type: 'math/add@1' }));
    doc.nodes.push(buildNode({ id: 'add2', type: 'math/add@1' }));
    doc.edges.push(buildEdge({ id: 'e4', source: 'add', target: 'add2' }));

    expect(validateGraph(doc, { nodeTypes: buildNodeTypes() }).ok).toBe(true);
  });

  it('accepts untyped ports', () => {
    const doc = withNode(buildNode({ id: 'add', type: 'math/add@1' }));
    doc.edges.push(buildEdge({ id: 'e4', source: 'route', sourcePort: 'cold', target: 'add' }));

    expect(validateGraph(doc, { nodeTypes: buildNodeTypes() }).ok).toBe(true);
  });

  it('skips type checks on error edges', () => {
    const doc = withNode(buildNode({ id: 'add', type: 'math/add@1' }));
    doc.edges.push(
      buildEdge({
        id: 'e4',
        source: 'classify',
        sourcePort: 'error',
        target: 'add',
        kind: 'error',
      }),
    );

    expect(validateGraph(doc, { nodeTypes: buildNodeTypes() }).ok).toBe(true);
  });
});

describe('validateGraph node config', () => {
  it('points into the invalid config', () => {
    const doc = buildGraph();
    doc.nodes[1].config = { model: 'gpt-4o-mini', temperature: 3 };

    expect(problemsOf(doc)).toEqual([
      {
        pointer: '/nodes/1/config/temperature',
        message: 'must be at most 2',
        code: 'GRAPH_CONFIG_INVALID',
      },
    ]);
  });

  it('treats missing config as empty', () => {
    const doc = buildGraph();
    delete doc.nodes[1].config;

    expect(problemsOf(doc)).toEqual([
      { pointer: '/nodes/1/config/model', message: 'is required', code: 'GRAPH_CONFIG_INVALID' },
    ]);
  });

  it('reports every config problem', () => {
    const doc = buildGraph();
    doc.nodes[1].config = { model: '', temperature: 'hot', 'stop/sequence': 1, top_p: 0.9 };

    expect(problemsOf(doc)).toEqual([
      { pointer: '/nodes/1/config/top_p', message: 'is not allowed', code: 'GRAPH_CONFIG_INVALID' },
      {
        pointer: '/nodes/1/config/model',
        message: 'must not be empty',
        code: 'GRAPH_CONFIG_INVALID',
      },
      {
        pointer: '/nodes/1/config/temperature',
        message: 'must be a number',
        code: 'GRAPH_CONFIG_INVALID',
      },
      {
        pointer: '/nodes/1/config/stop~1sequence',
        message: 'must be a string',
        code: 'GRAPH_CONFIG_INVALID',
      },
    ]);
  });

  it('points into nested config items', () => {
    const doc = buildGraph();
    doc.nodes[2].config = { cases: [{ port: 'hot' }, { label: 'cold' }] };

    expect(problemsOf(doc)).toEqual([
      {
        pointer: '/nodes/2/config/cases/1/port',
        message: 'is required',
        code: 'GRAPH_CONFIG_INVALID',
      },
    ]);
  });

  it('recompiles a replaced config schema', () => {
    const doc = buildGraph();
    expect(validateGraph(doc, { nodeTypes: buildNodeTypes() }).ok).toBe(true);

    const stricter: NodeTypeDescriptor[] = NODE_TYPE_DESCRIPTORS.map((descriptor) =>
      descriptor.type === 'openai/chat@1'
        ? {
            ...descriptor,
            configSchema: { type: 'object', properties: { temperature: { maximum: 0.1 } } },
          }
        : descriptor,
    );

    expect(problemsOf(doc, buildNodeTypes(stricter))).toEqual([
      {
        pointer: '/nodes/1/config/temperature',
        message: 'must be at most 0.1',
        code: 'GRAPH_CONFIG_INVALID',
      },
    ]);
  });

  it('reports an uncompilable config schema', () => {
    const broken: NodeTypeDescriptor = {
      type: 'broken/node@1',
      displayName: 'Broken',
      configSchema: { type: 'object', properties: { a: { $ref: '#/definitions/missing' } } },
      inputs: [],
      outputs: [],
    };
    const doc = withNode(buildNode({ id: 'broken', type: 'broken/node@1' }));

    const problems = problemsOf(doc, buildNodeTypes([...NODE_TYPE_DESCRIPTORS, broken]));

    expect(problems).toHaveLength(1);
    expect(problems[0].pointer).toBe('/nodes/4/type');
    expect(problems[0].code).toBe('GRAPH_CONFIG_INVALID');
    expect(problems[0].message).toMatch(
      /^node type "broken\/node@1" has an invalid config schema, so its config cannot be checked: /,
    );
  });

  it('rejects draft 2020-12 config schemas', () => {
    const modern: NodeTypeDescriptor = {
      type: 'modern/node@1',
      displayName: 'Modern',
      configSchema: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object' },
      inputs: [],
      outputs: [],
    };
    const doc = withNode(buildNode({ id: 'modern', type: 'modern/node@1' }));

    const problems = problemsOf(doc, buildNodeTypes([...NODE_TYPE_DESCRIPTORS, modern]));

    expect(problems.map((problem) => problem.pointer)).toEqual(['/nodes/4/type']);
    expect(problems[0].message).toContain('draft/2020-12');
  });

  it('ignores unknown formats in config schemas', () => {
    const withFormat: NodeTypeDescriptor = {
      type: 'mail/send@1',
      displayName: 'Send mail',
      configSchema: { type: 'object', properties: { to: { type: 'string', format: 'email' } } },
      inputs: [],
      outputs: [],
    };
    const doc = withNode(
      buildNode({ id: 'mail', type: 'mail/send@1', config: { to: 'not-an-email' } }),
    );
    const nodeTypes = buildNodeTypes([...NODE_TYPE_DESCRIPTORS, withFormat]);

    expect(validateGraph(doc, { nodeTypes }).ok).toBe(true);
  });
});

describe('validateGraph config cost', () => {
  function nodeTypesWith(configSchema: Record<string, unknown>) {
    const descriptor: NodeTypeDescriptor = {
      type: 'guarded/node@1',
      displayName: 'Guarded',
      configSchema,
      inputs: [],
      outputs: [],
    };
    return buildNodeTypes([...NODE_TYPE_DESCRIPTORS, descriptor]);
  }

  function timedProblems(config: Record<string, unknown>, nodeTypes: ReturnType<typeof buildNodeTypes>) {
    const doc = withNode(buildNode({ id: 'guarded', type: 'guarded/node@1', config }));
    const started = performance.now();
    const problems = problemsOf(doc, nodeTypes);
    return { problems, elapsedMs: performance.now() - started };
  }

  it('matches patterns in linear time', () => {
    const nodeTypes = nodeTypesWith({ type: 'object', properties: { code: { type: 'string', pattern: '^(a+)+$' } } });

    const { problems, elapsedMs } = timedProblems({ code: `${'a'.repeat(30)}b` }, nodeTypes);

    expect(problems).toEqual([
      { pointer: '/nodes/4/config/code', message: 'must match the pattern ^(a+)+$', code: 'GRAPH_CONFIG_INVALID' },
    ]);
    expect(elapsedMs).toBeLessThan(5_000);
  });

  it('checks uniqueItems in linear time', () => {
    const nodeTypes = nodeTypesWith({ type: 'object', properties: { rows: { type: 'array', uniqueItems: true } } });
    const rows = Array.from({ length: 20_000 }, (_, index) => ({ index }));
    rows.push({ index: 7 });

    const { problems, elapsedMs } = timedProblems({ rows }, nodeTypes);

    expect(problems).toEqual([
      {
        pointer: '/nodes/4/config/rows/20000',
        message: 'is a duplicate of item 7',
        code: 'GRAPH_CONFIG_INVALID',
      },
    ]);
    expect(elapsedMs).toBeLessThan(5_000);
  });

  it('reports a config too large to check', () => {
    const branches = Array.from({ length: 300 }, (_, index) => ({ type: 'object', required: [`k${index}`] }));
    const nodeTypes = nodeTypesWith({ type: 'object', properties: { items: { type: 'array', items: { anyOf: branches } } } });

    const config = { items: new Array(100_000).fill(0) };

    const { problems, elapsedMs } = timedProblems(config, nodeTypes);

    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ pointer: '/nodes/4/config', code: 'GRAPH_CONFIG_INVALID' });
    expect(problems[0].message).toMatch(
      new RegExp(`^is too large to check against its schema: ${JSON.stringify(config).length} characters as JSON, at most \\d+ for this schema$`),
    );
    expect(elapsedMs).toBeLessThan(5_000);
  });

  it('reports a schema the studio does not run', () => {
    const nodeTypes = nodeTypesWith({ type: 'object', properties: { code: { type: 'string', pattern: '^(?!x)' } } });

    const { problems } = timedProblems({ code: 'y' }, nodeTypes);

    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ pointer: '/nodes/4/type', code: 'GRAPH_CONFIG_INVALID' });
    expect(problems[0].message).toMatch(
      /^node type "guarded\/node@1" has an invalid config schema, so its config cannot be checked: \/properties\/code\/pattern must not use lookahead/,
    );
  });
});

describe('validateGraph cycles', () => {
  it('reports a cycle at its closing edge', () => {
    const doc = withEdge(
      buildEdge({ id: 'back', source: 'route', sourcePort: 'cold', target: 'classify' }),
    );

    expect(problemsOf(doc)).toEqual([
      {
        pointer: '/edges/3',
        message: 'edges form a cycle: classify -> route -> classify',
        code: 'GRAPH_CYCLE',
      },
    ]);
  });

  it('reports self loops', () => {
    const doc = withEdge(
      buildEdge({
        id: 'loop',
        source: 'classify',
        sourcePort: 'error',
        target: 'classify',
        kind: 'error',
      }),
    );

    expect(problemsOf(doc)).toEqual([
      {
        pointer: '/edges/3',
        message: 'edges form a cycle: classify -> classify',
        code: 'GRAPH_CYCLE',
      },
    ]);
  });

  it('reports each separate cycle', () => {
    const doc = buildGraph({
      nodes: ['a', 'b', 'c', 'd', 'e'].map((id) => buildNode({ id })),
      edges: [
        buildEdge({ id: 'ab', source: 'a', target: 'b' }),
        buildEdge({ id: 'ba', source: 'b', target: 'a' }),
        buildEdge({ id: 'cd', source: 'c', target: 'd' }),
        buildEdge({ id: 'de', source: 'd', target: 'e' }),
        buildEdge({ id: 'ec', source: 'e', target: 'c' }),
      ],
    });

    const result = validateGraph(doc);

    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems).toEqual([
      { pointer: '/edges/1', message: 'edges form a cycle: a -> b -> a', code: 'GRAPH_CYCLE' },
      { pointer: '/edges/4', message: 'edges form a cycle: c -> d -> e -> c', code: 'GRAPH_CYCLE' },
    ]);
  });

  it('skips port checks on dangling edges', () => {
    const doc = withEdge(buildEdge({ id: 'e4', source: 'classify', target: 'ghost' }));

    expect(problemsOf(doc).map((problem) => problem.code)).toEqual(['GRAPH_DANGLING_EDGE']);
  });
});
