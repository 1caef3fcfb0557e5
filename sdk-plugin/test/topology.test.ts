import { describe, expect, it } from 'vitest';

import {
  GraphCycleError,
  findCycles,
  incomingEdges,
  outgoingEdges,
  topologicalOrder,
  type GraphDocument,
} from '../src/index.js';
import { buildEdge, buildGraph, buildNode } from './graph-fixtures.js';

/** Builds a graph from node ids and `source>target` edge specs. */
function graphOf(nodeIds: string[], edgeSpecs: string[]): GraphDocument {
  return buildGraph({
    nodes: nodeIds.map((id) => buildNode({ id })),
    edges: edgeSpecs.map((spec, index) => {
      const [source, target] = spec.split('>');
      return buildEdge({ id: `e${index}`, source, target });
    }),
  });
}

describe('topologicalOrder', () => {
  it('orders the fixture graph', () => {
    expect(topologicalOrder(buildGraph())).toEqual(['start', 'classify', 'route', 'notify']);
  });

  it('puts sources before targets', () => {
    expect(topologicalOrder(graphOf(['c', 'b', 'a'], ['a>b', 'b>c']))).toEqual(['a', 'b', 'c']);
  });

  it('keeps document order without edges', () => {
    expect(topologicalOrder(graphOf(['c', 'a', 'b'], []))).toEqual(['c', 'a', 'b']);
  });

  it('breaks ties by document order', () => {
    // a and b start ready. After a, d is ready too, but once b frees c, c precedes d.
    const doc = graphOf(['a', 'b', 'c', 'd'], ['a>d', 'b>c']);

    expect(topologicalOrder(doc)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('waits for every incoming edge', () => {
    const doc = graphOf(['join', 'left', 'right'], ['left>join', 'right>join']);

    expect(topologicalOrder(doc)).toEqual(['left', 'right', 'join']);
  });

  it('counts parallel edges once each', () => {
    expect(topologicalOrder(graphOf(['b', 'a'], ['a>b', 'a>b']))).toEqual(['a', 'b']);
  });

  it('counts error edges', () => {
    const doc = graphOf(['handler', 'work'], []);
    doc.edges.push(
      buildEdge({
        id: 'err',
        source: 'work',
        sourcePort: 'error',
        target: 'handler',
        kind: 'error',
      }),
    );

    expect(topologicalOrder(doc)).toEqual(['work', 'handler']);
  });

  it('ignores dangling edges', () => {
    expect(topologicalOrder(graphOf(['b', 'a'], ['ghost>b', 'a>ghost']))).toEqual(['b', 'a']);
  });

  it('lists repeated node ids once', () => {
    expect(topologicalOrder(graphOf(['a', 'b', 'a'], ['b>a']))).toEqual(['b', 'a']);
  });

  it('raises GraphCycleError naming the cycle', () => {
    const doc = graphOf(['a', 'b', 'c', 'd'], ['a>b', 'b>c', 'c>b', 'c>d']);

    let caught: unknown;
    try {
      topologicalOrder(doc);
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(GraphCycleError);
    expect((caught as GraphCycleError).cycle).toEqual(['b', 'c']);
    expect((caught as GraphCycleError).message).toBe('graph edges form a cycle: b -> c -> b');
    expect((caught as GraphCycleError).name).toBe('GraphCycleError');
  });

  it('handles long chains', () => {
    const count = 100_000;
    const ids = Array.from({ length: count }, (_, index) => `n${index}`);
    const edges = ids.slice(1).map((id, index) => `${ids[index]}>${id}`);

    const order = topologicalOrder(graphOf([...ids].reverse(), edges));

    expect(order).toHaveLength(count);
    expect(order[0]).toBe('n0');
    expect(order[count - 1]).toBe(`n${count - 1}`);
  });
});

describe('findCycles', () => {
  it('returns nothing for acyclic graphs', () => {
    expect(findCycles(buildGraph())).toEqual([]);
  });

  it('finds self loops', () => {
    expect(findCycles(graphOf(['a', 'b'], ['a>b', 'b>b']))).toEqual([['b']]);
  });

  it('finds one cycle per component', () => {
    const doc = graphOf(['x', 'c', 'd', 'a', 'b'], ['a>b', 'b>a', 'c>d', 'd>c', 'x>a']);

    expect(findCycles(doc)).toEqual([
      ['c', 'd'],
      ['a', 'b'],
    ]);
  });

  it('starts at the first node', () => {
    expect(findCycles(graphOf(['c', 'a', 'b'], ['a>b', 'b>c', 'c>a']))).toEqual([['c', 'a', 'b']]);
  });

  it('returns the shortest cycle through the start', () => {
    const doc = graphOf(['a', 'b', 'c', 'd'], ['a>b', 'b>c', 'c>d', 'd>a', 'b>a']);

    expect(findCycles(doc)).toEqual([['a', 'b']]);
  });

  it('handles a long cycle', () => {
    const count = 100_000;
    const ids = Array.from({ length: count }, (_, index) => `n${index}`);
    const edges = ids.map((id, index) => `${id}>${ids[(index + 1) % count]}`);

    const cycles = findCycles(graphOf(ids, edges));

    expect(cycles).toHaveLength(1);
    expect(cycles[0]).toEqual(ids);
  });
});

describe('incomingEdges and outgoingEdges', () => {
  it('maps every node to incoming edges', () => {
    const doc = graphOf(['a', 'b', 'c'], ['a>c', 'b>c']);

    const incoming = incomingEdges(doc);

    expect([...incoming.keys()]).toEqual(['a', 'b', 'c']);
    expect(incoming.get('a')).toEqual([]);
    expect(incoming.get('c')).toEqual([doc.edges[0], doc.edges[1]]);
  });

  it('maps every node to outgoing edges', () => {
    const doc = graphOf(['a', 'b', 'c'], ['a>c', 'a>b']);

    const outgoing = outgoingEdges(doc);

    expect(outgoing.get('a')).toEqual([doc.edges[0], doc.edges[1]]);
    expect(outgoing.get('c')).toEqual([]);
  });

  it('returns the document edge objects', () => {
    const doc = graphOf(['a', 'b'], ['a>b']);

    expect(outgoingEdges(doc).get('a')?.[0]).toBe(doc.edges[0]);
  });

  it('keys dangling edges by their ids', () => {
    const doc = graphOf(['a'], ['a>ghost']);

    expect(incomingEdges(doc).get('ghost')).toEqual([doc.edges[0]]);
  });
});
