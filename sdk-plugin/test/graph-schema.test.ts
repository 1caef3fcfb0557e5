import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';

import { GRAPH_DOCUMENT_SCHEMA, validateGraph, type GraphProblem } from '../src/index.js';
import { buildEdge, buildGraph, buildNode, buildNodeTypes, withEdge } from './graph-fixtures.js';

/** Returns the problems of `input`, failing the test when it is valid. */
function problemsOf(input: unknown): GraphProblem[] {
  const result = validateGraph(input, { nodeTypes: buildNodeTypes() });
  if (result.ok) {
    throw new Error('expected the graph to be invalid, but it is valid');
  }
  return result.problems;
}

function schemaProblem(pointer: string, message: string): GraphProblem {
  return { pointer, message, code: 'GRAPH_SCHEMA' };
}

describe('graph document schema', () => {
  it('accepts the fixture graph', () => {
    const doc = buildGraph();

    const result = validateGraph(doc, { nodeTypes: buildNodeTypes() });

    expect(result).toEqual({ ok: true, document: doc });
  });

  it('accepts every optional field', () => {
    const doc = buildGraph({
      id: 'graph-1',
      description: 'Routes new leads',
      version: 3,
      settings: {
        timeoutMs: 60_000,
        concurrency: 4,
        errorGraphId: 'on-error',
        timezone: 'America/Sao_Paulo',
        webhook: {
          mode: 'sync',
          syncTimeoutMs: 10_000,
          token: { header: 'X-Token', value: 'secret-token' },
          hmac: {
            secret: 'hmac-secret',
            header: 'X-Signature',
            timestampHeader: 'X-Timestamp',
            toleranceSeconds: 300,
          },
          eventIdHeader: 'X-Event-Id',
          acknowledgeErrorCodes: ['ASAAS_NOT_FOUND', 'PLUGIN_CREDITS_INVALID'],
        },
      },
      nodes: [
        buildNode({
          id: 'notify',
          label: 'Notify sales',
          config: { level: 'info' },
          credentials: { slack: 'cred-1' },
          retry: {
            maxAttempts: 20,
            backoff: 'exponential',
            delayMs: 0,
            maxDelayMs: 3_600_000,
            jitter: true,
            retryOn: ['timeout', '5xx', '429'],
          },
          timeoutMs: 86_400_000,
          join: 'any',
        }),
      ],
      edges: [],
    });

    expect(validateGraph(doc).ok).toBe(true);
  });

  it('points at a missing required property', () => {
    const doc = buildGraph();
    delete (doc.nodes[0] as Partial<typeof doc.nodes[0]>).type;

    expect(problemsOf(doc)).toEqual([schemaProblem('/nodes/0/type', 'is required')]);
  });

  it('points at an extra property', () => {
    const doc = buildGraph();
    Object.assign(doc.nodes[1], { lable: 'Classify' });

    expect(problemsOf(doc)).toEqual([schemaProblem('/nodes/1/lable', 'is not allowed')]);
  });

  it('escapes pointer tokens with tilde and slash', () => {
    const doc = buildGraph();
    Object.assign(doc.nodes[1], { 'a/b~c': 1 });

    expect(problemsOf(doc)).toEqual([schemaProblem('/nodes/1/a~1b~0c', 'is not allowed')]);
  });

  it('lists allowed values of enums', () => {
    const doc = buildGraph();
    Object.assign(doc.nodes[0], { join: 'some' });
    Object.assign(doc.edges[0], { kind: 'fallback' });

    expect(problemsOf(doc)).toEqual([
      schemaProblem('/nodes/0/join', 'must be one of: all, any'),
      schemaProblem('/edges/0/kind', 'must be one of: main, error'),
    ]);
  });

  it('rejects malformed node ids', () => {
    const message = 'must be 1 to 64 characters, each a letter, a digit, "_" or "-"';
    for (const id of ['', 'has space', 'a'.repeat(65), 'ação']) {
      const doc = buildGraph({ nodes: [buildNode({ id })], edges: [] });

      expect(problemsOf(doc), `id ${JSON.stringify(id)}`).toEqual([
        schemaProblem('/nodes/0/id', message),
      ]);
    }
  });

  it('accepts node ids at the limits', () => {
    for (const id of ['a', 'A-z_0-9', 'x'.repeat(64)]) {
      const doc = buildGraph({ nodes: [buildNode({ id })], edges: [] });

      expect(validateGraph(doc).ok, `id ${id}`).toBe(true);
    }
  });

  it('rejects malformed edge ids', () => {
    const doc = withEdge(buildEdge({ id: 'e/4', source: 'start', target: 'notify' }));

    expect(problemsOf(doc)).toEqual([
      schemaProblem(
        '/edges/3/id',
        'must be 1 to 64 characters, each a letter, a digit, "_" or "-"',
      ),
    ]);
  });

  it('rejects malformed node types', () => {
    const message = 'must have the form <plugin>/<action>@<major>, for example core/condition@1';
    const malformed = [
      'core/condition',
      'Core/condition@1',
      'core_x/condition@1',
      'core/condition@v1',
      'core/condition@1.2',
      'core/condition@01',
      'core/con/dition@1',
      '/condition@1',
    ];
    for (const type of malformed) {
      const doc = buildGraph({ nodes: [buildNode({ id: 'n', type })], edges: [] });

      expect(problemsOf(doc), type).toEqual([schemaProblem('/nodes/0/type', message)]);
    }
  });

  it('accepts well-formed node types', () => {
    for (const type of ['core/condition@1', 'openai/chat@12', 'my-plugin-2/Send_v2.batch-x@0']) {
      const doc = buildGraph({ nodes: [buildNode({ id: 'n', type })], edges: [] });

      expect(validateGraph(doc).ok, type).toBe(true);
    }
  });

  it('checks retry policy bounds', () => {
    const doc = buildGraph();
    Object.assign(doc.nodes[0], {
      retry: {
        maxAttempts: 21,
        backoff: 'linear',
        delayMs: 3_600_001,
        maxDelayMs: -1,
        retryOn: [''],
      },
    });
    Object.assign(doc.nodes[1], { retry: { maxAttempts: 1.5, backoff: 'fixed', delayMs: 0 } });
    Object.assign(doc.nodes[2], { retry: { maxAttempts: 0, backoff: 'fixed' } });

    expect(problemsOf(doc)).toEqual([
      schemaProblem('/nodes/0/retry/maxAttempts', 'must be at most 20'),
      schemaProblem('/nodes/0/retry/backoff', 'must be one of: fixed, exponential'),
      schemaProblem('/nodes/0/retry/delayMs', 'must be at most 3600000'),
      schemaProblem('/nodes/0/retry/maxDelayMs', 'must be at least 0'),
      schemaProblem('/nodes/0/retry/retryOn/0', 'must not be empty'),
      schemaProblem('/nodes/1/retry/maxAttempts', 'must be an integer'),
      schemaProblem('/nodes/2/retry/delayMs', 'is required'),
      schemaProblem('/nodes/2/retry/maxAttempts', 'must be at least 1'),
    ]);
  });

  it('checks node timeout bounds', () => {
    const doc = buildGraph();
    Object.assign(doc.nodes[0], { timeoutMs: 0 });
    Object.assign(doc.nodes[1], { timeoutMs: 86_400_001 });
    Object.assign(doc.nodes[2], { timeoutMs: '5s' });

    expect(problemsOf(doc)).toEqual([
      schemaProblem('/nodes/0/timeoutMs', 'must be at least 1'),
      schemaProblem('/nodes/1/timeoutMs', 'must be at most 86400000'),
      schemaProblem('/nodes/2/timeoutMs', 'must be an integer'),
    ]);
  });

  it('checks webhook settings', () => {
    const doc = buildGraph();
    Object.assign(doc, {
      settings: {
        retries: 3,
        webhook: {
          mode: 'later',
          syncTimeoutMs: 0,
          token: { header: 'bad header' },
          hmac: { secret: '', toleranceSeconds: 1.5 },
          eventIdHeader: '',
          acknowledgeErrorCodes: ['', 'TEST_FAILURE', 'TEST_FAILURE'],
        },
      },
    });

    expect(problemsOf(doc)).toEqual([
      schemaProblem('/settings/retries', 'is not allowed'),
      schemaProblem('/settings/webhook/mode', 'must be one of: async, sync'),
      schemaProblem('/settings/webhook/syncTimeoutMs', 'must be at least 1'),
      schemaProblem('/settings/webhook/token/value', 'is required'),
      schemaProblem(
        '/settings/webhook/token/header',
        'must be an HTTP header name, for example X-Signature',
      ),
      schemaProblem('/settings/webhook/hmac/secret', 'must not be empty'),
      schemaProblem('/settings/webhook/hmac/toleranceSeconds', 'must be an integer'),
      schemaProblem(
        '/settings/webhook/eventIdHeader',
        'must be an HTTP header name, for example X-Signature',
      ),
      schemaProblem('/settings/webhook/acknowledgeErrorCodes/0', 'must not be empty'),
      schemaProblem('/settings/webhook/acknowledgeErrorCodes/2', 'is a duplicate of item 1'),
    ]);
  });

  it('rejects a config that is not an object', () => {
    const doc = buildGraph();
    Object.assign(doc.nodes[3], { config: ['level', 'info'] });

    expect(problemsOf(doc)).toEqual([schemaProblem('/nodes/3/config', 'must be an object')]);
  });

  it('rejects credentials that are not strings', () => {
    const doc = buildGraph();
    Object.assign(doc.nodes[3], { credentials: { slack: 42 } });

    expect(problemsOf(doc)).toEqual([
      schemaProblem('/nodes/3/credentials/slack', 'must be a string'),
    ]);
  });

  it('rejects unknown top-level properties', () => {
    const doc = Object.assign(buildGraph(), { format: 'gestorlead.graph/v1' });

    expect(problemsOf(doc)).toEqual([schemaProblem('/format', 'is not allowed')]);
  });

  it('compiles as a standalone schema', () => {
    const validate = new Ajv({ strict: false }).compile(GRAPH_DOCUMENT_SCHEMA);

    expect(validate(buildGraph())).toBe(true);
    expect(validate({ name: 'x' })).toBe(false);
  });
});

describe('validateGraph on garbage input', () => {
  it('never throws on non-objects', () => {
    for (const input of [null, undefined, 42, 'graph', true, [], [buildGraph()]]) {
      expect(problemsOf(input), JSON.stringify(input)).toEqual([
        schemaProblem('', 'must be an object'),
      ]);
    }
  });

  it('reports wrongly typed collections', () => {
    expect(problemsOf({ nodes: 'x' })).toEqual([
      schemaProblem('/name', 'is required'),
      schemaProblem('/edges', 'is required'),
      schemaProblem('/nodes', 'must be an array'),
    ]);
  });

  it('survives entries without ids', () => {
    const input = {
      name: 'broken',
      nodes: [{}, null, { id: 5 }, { id: 'a', type: 3, config: 'x' }, 'node'],
      edges: [{ source: 'a' }, null, { id: 'e', source: {}, target: [] }, 7],
    };

    const problems = problemsOf(input);

    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((problem) => problem.code === 'GRAPH_SCHEMA')).toBe(true);
    expect(problems).toContainEqual(schemaProblem('/nodes/0/id', 'is required'));
    expect(problems).toContainEqual(schemaProblem('/nodes/2/id', 'must be a string'));
    expect(problems).toContainEqual(schemaProblem('/edges/2/source', 'must be a string'));
    expect(problems).toContainEqual(schemaProblem('/edges/3', 'must be an object'));
  });

  it('survives prototype keys in input', () => {
    const input = JSON.parse(
      '{"name":"x","nodes":[{"id":"__proto__","type":"core/log@1","position":{"x":0,"y":0},' +
        '"config":{"__proto__":{"polluted":true}}}],"edges":[],"__proto__":{"polluted":true}}',
    );

    const problems = problemsOf(input);

    expect(problems).toEqual([schemaProblem('/__proto__', 'is not allowed')]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reports very many problems', () => {
    const count = 200_000;
    const nodes = Array.from({ length: count }, () => buildNode({ id: 'same' }));

    const problems = problemsOf(buildGraph({ nodes, edges: [] }));

    expect(problems).toHaveLength(count - 1);
    expect(problems[count - 2].pointer).toBe(`/nodes/${count - 1}/id`);
  });

    it('reports schema and semantic problems together', () => {
    const doc = buildGraph({
      nodes: [
        buildNode({ id: 'start', type: 'core/trigger@1' }),
        buildNode({ id: 'start', type: 'core/log@1', join: 'every' as 'all' }),
        buildNode({ id: 'ghost', type: 'ghost/node@1' }),
      ],
      edges: [
        buildEdge({ id: 'e1', source: 'start', target: 'missing' }),
        buildEdge({ id: 'e1', source: 'start', target: 'ghost', sourcePort: 'nope' }),
      ],
    });

    expect(problemsOf(doc)).toEqual([
      schemaProblem('/nodes/1/join', 'must be one of: all, any'),
      {
        pointer: '/nodes/1/id',
        message: 'duplicate node id "start", first used at /nodes/0',
        code: 'GRAPH_DUPLICATE_ID',
      },
      {
        pointer: '/edges/1/id',
        message: 'duplicate edge id "e1", first used at /edges/0',
        code: 'GRAPH_DUPLICATE_ID',
      },
      {
        pointer: '/edges/0/target',
        message: 'target node "missing" not found',
        code: 'GRAPH_DANGLING_EDGE',
      },
      {
        pointer: '/nodes/2/type',
        message: 'unknown node type "ghost/node@1" (no installed plugin provides it)',
        code: 'GRAPH_UNKNOWN_NODE_TYPE',
      },
      {
        pointer: '/edges/1/sourcePort',
        message:
          'output port "nope" not found on node "start" (core/trigger@1), expected one of: out',
        code: 'GRAPH_UNKNOWN_PORT',
      },
    ]);
  });
});
