import { describe, expect, it } from 'vitest';

import { exportGraph, importGraph, topologicalOrder, validateGraph, type GraphNote } from '../src/index.js';
import { buildGraph, buildNodeTypes } from './graph-fixtures.js';

const NOTE: GraphNote = { id: 'why', text: 'Leads from the form\n- hot: call today', position: { x: 10, y: -120 } };

function problemsOf(notes: unknown[]) {
  const result = validateGraph({ ...buildGraph(), notes }, { nodeTypes: buildNodeTypes() });
  return result.ok ? [] : result.problems;
}

describe('graph notes', () => {
  it('accepts notes with every field', () => {
    const notes = [NOTE, { id: 'todo', text: '', position: { x: 0, y: 0 }, size: { width: 300, height: 200 }, color: 'pink' }];

    expect(problemsOf(notes)).toEqual([]);
  });

  it('accepts a note id equal to a node id', () => {
    expect(problemsOf([{ ...NOTE, id: 'classify' }])).toEqual([]);
  });

  it('rejects an unknown colour', () => {
    const problems = problemsOf([{ ...NOTE, color: 'orange' }]);

    expect(problems.map((problem) => problem.pointer)).toEqual(['/notes/0/color']);
    expect(problems[0]?.code).toBe('GRAPH_SCHEMA');
  });

  it('rejects unknown note fields', () => {
    const problems = problemsOf([{ ...NOTE, type: 'core/log@1' }]);

    expect(problems.map((problem) => problem.pointer)).toEqual(['/notes/0/type']);
    expect(problems[0]?.code).toBe('GRAPH_SCHEMA');
  });

  it('rejects a missing text', () => {
    const { text: _text, ...withoutText } = NOTE;

    expect(problemsOf([withoutText]).map((problem) => problem.pointer)).toEqual(['/notes/0/text']);
  });

  it('rejects a size beyond the maximum', () => {
    const problems = problemsOf([{ ...NOTE, size: { width: 4_001, height: 100 } }]);

    expect(problems.map((problem) => problem.pointer)).toEqual(['/notes/0/size/width']);
  });

  it('rejects duplicate note ids', () => {
    const problems = problemsOf([NOTE, { ...NOTE, position: { x: 0, y: 0 } }]);

    expect(problems).toEqual([
      { pointer: '/notes/1/id', message: 'duplicate note id "why", first used at /notes/0', code: 'GRAPH_DUPLICATE_ID' },
    ]);
  });

  it('leaves notes out of the execution order', () => {
    const doc = { ...buildGraph(), notes: [NOTE] };

    expect(topologicalOrder(doc)).toEqual(['start', 'classify', 'route', 'notify']);
  });

  it('round trips notes through export and import', () => {
    const doc = { ...buildGraph(), notes: [NOTE, { ...NOTE, id: 'later', color: 'green' as const, size: { width: 150, height: 90 } }] };

    expect(importGraph(exportGraph(doc), { nodeTypes: buildNodeTypes() })).toEqual({ ok: true, document: doc });
  });
});
