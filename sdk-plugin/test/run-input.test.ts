import { describe, expect, it } from 'vitest';

import { checkRunInput, exportGraph, importGraph, validateGraph } from '../src/index.js';
import { buildGraph } from './graph-fixtures.js';

const LEAD_SCHEMA = {
  type: 'object',
  required: ['email'],
  properties: { email: { type: 'string', minLength: 3 }, budget: { type: 'integer', minimum: 0 } },
};

describe('checkRunInput', () => {
  it('accepts any input without a schema', () => {
    expect(checkRunInput(buildGraph(), { anything: true })).toEqual([]);
  });

  it('accepts a matching input', () => {
    expect(checkRunInput(buildGraph({ settings: { inputSchema: LEAD_SCHEMA } }), { email: 'ana@example.com', budget: 3 })).toEqual([]);
  });

  it('locates each problem under the base pointer', () => {
    const problems = checkRunInput(buildGraph({ settings: { inputSchema: LEAD_SCHEMA } }), { budget: -1 }, '/body/input');

    expect(problems.map((problem) => problem.pointer).sort()).toEqual(['/body/input/budget', '/body/input/email']);
    expect(problems.find((problem) => problem.pointer === '/body/input/budget')?.message).toMatch(/at least 0/);
  });

  it('reports a wrong input type at the root', () => {
    const problems = checkRunInput(buildGraph({ settings: { inputSchema: LEAD_SCHEMA } }), 'text');

    expect(problems).toHaveLength(1);
    expect(problems[0].pointer).toBe('');
  });

  it('reports an unusable schema once', () => {
    const problems = checkRunInput(buildGraph({ settings: { inputSchema: { type: 'nonsense' } } }), {}, '/body/input');

    expect(problems).toHaveLength(1);
    expect(problems[0].pointer).toBe('/body/input');
  });
});

describe('settings.inputSchema in documents', () => {
  it('rejects an unusable schema', () => {
    const result = validateGraph(buildGraph({ settings: { inputSchema: { type: 'nonsense' } } }));

    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems.map((problem) => problem.pointer)).toContain('/settings/inputSchema');
  });

  it('rejects a schema that is no object', () => {
    const result = validateGraph({ ...buildGraph(), settings: { inputSchema: 'string' } });

    expect(result.ok ? [] : result.problems.map((problem) => problem.pointer)).toContain('/settings/inputSchema');
  });

  it('survives export and import', () => {
    const exported = exportGraph(buildGraph({ settings: { inputSchema: LEAD_SCHEMA } }));
    const result = importGraph(exported);

    expect(result.ok).toBe(true);
    expect(result.ok ? result.document.settings?.inputSchema : null).toEqual(LEAD_SCHEMA);
  });
});
