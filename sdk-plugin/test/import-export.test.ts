import { describe, expect, it } from 'vitest';

import { GRAPH_FORMAT, exportGraph, importGraph, type GraphDocument } from '../src/index.js';
import { buildEdge, buildGraph, buildNode, buildNodeTypes } from './graph-fixtures.js';

/** Builds a graph that sets every field, with keys deliberately out of the export order. */
function buildFullGraph(): GraphDocument {
  return {
    edges: [
      {
        kind: 'main',
        targetPort: 'in',
        target: 'notify',
        sourcePort: 'out',
        source: 'start',
        id: 'e1',
      },
      buildEdge({
        id: 'e2',
        source: 'start',
        sourcePort: 'error',
        target: 'notify',
        kind: 'error',
      }),
    ],
    nodes: [
      buildNode({ id: 'start', type: 'core/trigger@1' }),
      {
        join: 'any',
        timeoutMs: 5_000,
        retry: {
          retryOn: ['timeout'],
          jitter: true,
          maxDelayMs: 60_000,
          delayMs: 100,
          backoff: 'exponential',
          maxAttempts: 3,
        },
        credentials: { slack: 'cred-1' },
        config: { zeta: 1, alpha: { nested: ['ünïcødé', '🚀'] } },
        position: { y: 20, x: 10 },
        label: 'Notify',
        type: 'core/log@1',
        id: 'notify',
      },
    ],
    settings: {
      trigger: {
        credentials: { account: 'cred-2' },
        config: { types: ['order.paid'] },
        pluginVersion: '^1.0.0',
        type: 'shop/orderEvents',
      },
      webhook: {
        acknowledgeErrorCodes: ['SHOP_ORDER_UNKNOWN'],
        eventIdHeader: 'X-Event-Id',
        hmac: {
          toleranceSeconds: 300,
          timestampHeader: 'X-Timestamp',
          header: 'X-Signature',
          secret: 's',
        },
        token: { value: 't', header: 'X-Token' },
        syncTimeoutMs: 1_000,
        mode: 'sync',
      },
      timezone: 'UTC',
      errorGraphId: 'errors',
      concurrency: 2,
      timeoutMs: 60_000,
    },
    notes: [{ color: 'blue', size: { height: 90, width: 160 }, position: { y: -40, x: 0 }, text: 'Checks the order first', id: 'note' }],
    version: 2,
    description: 'Every field',
    name: 'Full',
    id: 'graph-1',
  };
}

describe('exportGraph', () => {
  it('starts with the format field', () => {
    const text = exportGraph(buildGraph());

    const expectedStart = `{\n  "format": "${GRAPH_FORMAT}",\n  "name": "Lead intake",\n`;

    expect(text.startsWith(expectedStart)).toBe(true);
  });

  it('indents by two spaces', () => {
    const text = exportGraph(buildGraph());

    expect(text).toBe(JSON.stringify(JSON.parse(text), null, 2) + '\n');
  });

  it('orders document keys', () => {
    const parsed = JSON.parse(exportGraph(buildFullGraph()));

    expect(Object.keys(parsed)).toEqual([
      'format',
      'id',
      'name',
      'description',
      'version',
      'settings',
      'nodes',
      'edges',
      'notes',
    ]);
  });

  it('orders note keys', () => {
    const parsed = JSON.parse(exportGraph(buildFullGraph()));

    expect(Object.keys(parsed.notes[0])).toEqual(['id', 'text', 'position', 'size', 'color']);
    expect(Object.keys(parsed.notes[0].position)).toEqual(['x', 'y']);
    expect(Object.keys(parsed.notes[0].size)).toEqual(['width', 'height']);
  });

  it('orders node keys', () => {
    const parsed = JSON.parse(exportGraph(buildFullGraph()));

    expect(Object.keys(parsed.nodes[1])).toEqual([
      'id',
      'type',
      'label',
      'position',
      'config',
      'credentials',
      'retry',
      'timeoutMs',
      'join',
    ]);
    expect(Object.keys(parsed.nodes[1].position)).toEqual(['x', 'y']);
    expect(Object.keys(parsed.nodes[1].retry)).toEqual([
      'maxAttempts',
      'backoff',
      'delayMs',
      'maxDelayMs',
      'jitter',
      'retryOn',
    ]);
  });

  it('keeps config key order', () => {
    const parsed = JSON.parse(exportGraph(buildFullGraph()));

    expect(Object.keys(parsed.nodes[1].config)).toEqual(['zeta', 'alpha']);
  });

  it('orders edge and settings keys', () => {
    const parsed = JSON.parse(exportGraph(buildFullGraph()));

    expect(Object.keys(parsed.edges[0])).toEqual([
      'id',
      'source',
      'sourcePort',
      'target',
      'targetPort',
      'kind',
    ]);
    expect(Object.keys(parsed.settings)).toEqual([
      'timeoutMs',
      'concurrency',
      'errorGraphId',
      'timezone',
      'webhook',
      'trigger',
    ]);
    expect(Object.keys(parsed.settings.trigger)).toEqual(['type', 'pluginVersion', 'config', 'credentials']);
    expect(Object.keys(parsed.settings.webhook)).toEqual([
      'mode',
      'syncTimeoutMs',
      'token',
      'hmac',
      'eventIdHeader',
      'acknowledgeErrorCodes',
    ]);
    expect(Object.keys(parsed.settings.webhook.token)).toEqual(['header', 'value']);
    expect(Object.keys(parsed.settings.webhook.hmac)).toEqual([
      'secret',
      'header',
      'timestampHeader',
      'toleranceSeconds',
    ]);
  });

  it('exports equal graphs identically', () => {
    const reordered = buildFullGraph();
    const normalized = importGraph(exportGraph(reordered));
    if (!normalized.ok) {
      throw new Error('fixture graph is invalid');
    }

    expect(exportGraph(normalized.document)).toBe(exportGraph(reordered));
  });

  it('leaves out undefined fields', () => {
    const doc = buildGraph({ description: undefined });

    expect(exportGraph(doc)).not.toContain('description');
  });

  it('keeps unknown keys after known ones', () => {
    const doc = Object.assign(buildGraph(), { extra: true });

    expect(Object.keys(JSON.parse(exportGraph(doc))).at(-1)).toBe('extra');
  });

  it('overrides a stray format key', () => {
    const doc = Object.assign(buildGraph(), { format: 'other/v9' });

    expect(JSON.parse(exportGraph(doc)).format).toBe(GRAPH_FORMAT);
  });

    it('does not modify the document', () => {
    const doc = buildFullGraph();
    const before = structuredClone(doc);

    exportGraph(doc);

    expect(doc).toStrictEqual(before);
  });
});

describe('importGraph', () => {
  it('round trips the fixture graph', () => {
    const doc = buildGraph();

    const result = importGraph(exportGraph(doc), { nodeTypes: buildNodeTypes() });

    expect(result).toEqual({ ok: true, document: doc });
  });

  it('round trips every field', () => {
    const doc = buildFullGraph();

    expect(importGraph(exportGraph(doc))).toEqual({ ok: true, document: doc });
  });

  it('accepts documents without format', () => {
    const doc = buildGraph();

    expect(importGraph(JSON.stringify(doc))).toEqual({ ok: true, document: doc });
  });

  it('accepts parsed objects', () => {
    const parsed = JSON.parse(exportGraph(buildGraph()));

    expect(importGraph(parsed)).toEqual({ ok: true, document: buildGraph() });
  });

  it('strips format without mutating input', () => {
    const parsed = JSON.parse(exportGraph(buildGraph()));

    const result = importGraph(parsed);

    expect(parsed.format).toBe(GRAPH_FORMAT);
    expect(result.ok).toBe(true);
    expect(result.ok ? Object.keys(result.document) : []).not.toContain('format');
  });

  it('rejects unknown format values', () => {
    const text = exportGraph(buildGraph()).replace(GRAPH_FORMAT, 'gestorlead.graph/v2');

    expect(importGraph(text)).toEqual({
      ok: false,
      problems: [
        {
          pointer: '/format',
          message: 'unknown format "gestorlead.graph/v2", expected "gestorlead.graph/v1"',
          code: 'GRAPH_SCHEMA',
        },
      ],
    });
  });

  it('reports format and graph problems', () => {
    const doc = { format: 1, name: 'x', nodes: [], edges: [], extra: true };

    const result = importGraph(doc);

    expect(result.ok ? [] : result.problems).toEqual([
      {
        pointer: '/format',
        message: 'unknown format 1, expected "gestorlead.graph/v1"',
        code: 'GRAPH_SCHEMA',
      },
      { pointer: '/extra', message: 'is not allowed', code: 'GRAPH_SCHEMA' },
    ]);
  });

  it('reports JSON syntax errors', () => {
    const result = importGraph('{"name": "x",');

    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems).toHaveLength(1);
    expect(problems[0].pointer).toBe('');
    expect(problems[0].code).toBe('GRAPH_SCHEMA');
    expect(problems[0].message).toMatch(/^invalid JSON: \S/);
  });

  it('passes validation options through', () => {
    const doc = buildGraph({ nodes: [buildNode({ id: 'x', type: 'ghost/node@1' })], edges: [] });

    const result = importGraph(exportGraph(doc), { nodeTypes: buildNodeTypes() });

    const codes = result.ok ? [] : result.problems.map((problem) => problem.code);
    expect(codes).toEqual(['GRAPH_UNKNOWN_NODE_TYPE']);
  });

  it('never throws on garbage', () => {
    for (const input of ['', 'null', '42', '[]', '"graph"', null, 42, [], { format: null }]) {
      expect(importGraph(input).ok, JSON.stringify(input)).toBe(false);
    }
  });
});
