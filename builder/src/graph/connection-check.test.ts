import type { GraphDocument } from '@gestorlead/sdk-plugin';
import { describe, expect, it } from 'vitest';
import { testCatalog } from '../test-support/node-types';
import { checkConnection } from './connection-check';

const catalog = testCatalog();
const document: Pick<GraphDocument, 'nodes' | 'edges'> = {
  nodes: [
    { id: 'a', type: 'core/noop@1', position: { x: 0, y: 0 } },
    { id: 'b', type: 'core/noop@1', position: { x: 0, y: 0 } },
    { id: 'count', type: 'math/count@1', position: { x: 0, y: 0 } },
    { id: 'shout', type: 'text/shout@1', position: { x: 0, y: 0 } },
    { id: 'ghost', type: 'gone/thing@1', position: { x: 0, y: 0 } },
  ],
  edges: [{ id: 'a-b', source: 'a', sourcePort: 'out', target: 'b', targetPort: 'in' }],
};

describe('checkConnection', () => {
  it('accepts compatible ports', () => {
    const result = checkConnection(document, catalog, { source: 'count', sourcePort: 'count', target: 'a', targetPort: 'in' });

    expect(result).toEqual({ ok: true, edge: { source: 'count', sourcePort: 'count', target: 'a', targetPort: 'in' } });
  });

  it('rejects a node joined to itself', () => {
    const result = checkConnection(document, catalog, { source: 'a', sourcePort: 'out', target: 'a', targetPort: 'in' });

    expect(result).toEqual({ ok: false, rejection: { code: 'self' } });
  });

  it('rejects a repeated edge', () => {
    const result = checkConnection(document, catalog, { source: 'a', sourcePort: 'out', target: 'b', targetPort: 'in' });

    expect(result).toEqual({ ok: false, rejection: { code: 'duplicate' } });
  });

  it('rejects an edge that closes a cycle', () => {
    const result = checkConnection(document, catalog, { source: 'b', sourcePort: 'out', target: 'a', targetPort: 'in' });

    expect(result).toEqual({ ok: false, rejection: { code: 'cycle' } });
  });

  it('rejects disjoint types', () => {
    const result = checkConnection(document, catalog, { source: 'count', sourcePort: 'count', target: 'shout', targetPort: 'text' });

    expect(result).toEqual({
      ok: false,
      rejection: { code: 'types', reason: 'an output of type number cannot connect to an input of type string' },
    });
  });

  it('rejects an undeclared port', () => {
    const result = checkConnection(document, catalog, { source: 'a', sourcePort: 'nope', target: 'shout', targetPort: 'text' });

    expect(result).toEqual({ ok: false, rejection: { code: 'unknownPort', port: 'nope' } });
  });

  it('error edges skip the type check', () => {
    const result = checkConnection(document, catalog, { source: 'count', sourcePort: 'error', target: 'shout', targetPort: 'text' });

    expect(result).toEqual({ ok: true, edge: { source: 'count', sourcePort: 'error', target: 'shout', targetPort: 'text', kind: 'error' } });
  });

  it('unknown node types are not type checked', () => {
    const result = checkConnection(document, catalog, { source: 'ghost', sourcePort: 'x', target: 'a', targetPort: 'in' });

    expect(result.ok).toBe(true);
  });

  it('rejects a missing node', () => {
    const result = checkConnection(document, catalog, { source: 'nobody', sourcePort: 'out', target: 'a', targetPort: 'in' });

    expect(result).toEqual({ ok: false, rejection: { code: 'missingNode' } });
  });
});
