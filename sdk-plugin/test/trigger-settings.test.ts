import { describe, expect, it } from 'vitest';

import {
  selectTriggerVersion,
  validateGraph,
  type GraphDocument,
  type GraphProblem,
  type TriggerTypeDescriptor,
  type TriggerTypeLookup,
} from '../src/index.js';
import { buildGraph, buildNodeTypes } from './graph-fixtures.js';

function descriptor(version: string, overrides: Partial<TriggerTypeDescriptor> = {}): TriggerTypeDescriptor {
  return {
    type: 'shop/orderEvents',
    displayName: 'Order events',
    kind: 'webhook',
    configSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['secret'],
      properties: { secret: { type: 'string' }, limit: { type: 'integer', minimum: 1 } },
    },
    credentialSlots: [],
    plugin: { name: 'shop', version },
    ...overrides,
  };
}

function lookupOf(...descriptors: TriggerTypeDescriptor[]): TriggerTypeLookup {
  return { triggerVersions: (type) => descriptors.filter((item) => item.type === type) };
}

const INSTALLED = lookupOf(
  descriptor('1.0.0'),
  descriptor('1.4.0'),
  descriptor('2.0.0', { configSchema: { type: 'object', required: ['token'], properties: { token: { type: 'string' } } } }),
  descriptor('1.0.0', { type: 'shop/nightly', kind: 'polling' }),
);

function withTrigger(trigger: unknown): GraphDocument {
  return buildGraph({ settings: { trigger } } as Partial<GraphDocument>);
}

function problemsOf(input: unknown, triggerTypes: TriggerTypeLookup | undefined = INSTALLED): GraphProblem[] {
  const result = validateGraph(input, { nodeTypes: buildNodeTypes(), triggerTypes });
  return result.ok ? [] : result.problems;
}

describe('selectTriggerVersion', () => {
  const versions = [descriptor('1.0.0'), descriptor('1.4.0'), descriptor('2.0.0'), descriptor('2.1.0-beta.1')];

  it('picks the highest version without a range', () => {
    expect(selectTriggerVersion(versions)?.plugin.version).toBe('2.1.0-beta.1');
  });

  it('picks the highest version in the range', () => {
    expect(selectTriggerVersion(versions, '^1.0.0')?.plugin.version).toBe('1.4.0');
    expect(selectTriggerVersion(versions, '1.0.0')?.plugin.version).toBe('1.0.0');
    expect(selectTriggerVersion(versions, '>=1.0.0 <3.0.0')?.plugin.version).toBe('2.0.0');
  });

  it('returns undefined for no match or an invalid range', () => {
    expect(selectTriggerVersion(versions, '^3.0.0')).toBeUndefined();
    expect(selectTriggerVersion(versions, 'latest')).toBeUndefined();
    expect(selectTriggerVersion([], undefined)).toBeUndefined();
  });
});

describe('validateGraph settings.trigger', () => {
  it('accepts a known webhook trigger with valid config', () => {
    const doc = withTrigger({ type: 'shop/orderEvents', pluginVersion: '^1.0.0', config: { secret: 's', limit: 2 } });

    expect(problemsOf(doc)).toEqual([]);
  });

  it('reports an unknown trigger at its type', () => {
    expect(problemsOf(withTrigger({ type: 'shop/refunds' }))).toEqual([
      {
        pointer: '/settings/trigger/type',
        message: 'unknown trigger "shop/refunds" (no installed plugin provides it)',
        code: 'GRAPH_UNKNOWN_TRIGGER',
      },
    ]);
  });

  it('reports a range that no installed version satisfies', () => {
    expect(problemsOf(withTrigger({ type: 'shop/orderEvents', pluginVersion: '^3.0.0', config: { secret: 's' } }))).toEqual([
      {
        pointer: '/settings/trigger/pluginVersion',
        message:
          'no installed plugin version in the range "^3.0.0" provides trigger "shop/orderEvents" (installed: 2.0.0, 1.4.0, 1.0.0)',
        code: 'GRAPH_UNKNOWN_TRIGGER',
      },
    ]);
  });

  it('reports an invalid range without a lookup', () => {
    const problems = problemsOf(withTrigger({ type: 'shop/orderEvents', pluginVersion: '1.x' }), undefined);

    expect(problems).toHaveLength(1);
    expect(problems[0].pointer).toBe('/settings/trigger/pluginVersion');
    expect(problems[0].code).toBe('GRAPH_SCHEMA');
    expect(problems[0].message).toMatch(/^is not a valid semver range: /);
  });

  it('reports a polling trigger', () => {
    expect(problemsOf(withTrigger({ type: 'shop/nightly' }))).toEqual([
      {
        pointer: '/settings/trigger/type',
        message: 'trigger "shop/nightly" is a polling trigger, but only webhook triggers can start runs',
        code: 'GRAPH_TRIGGER_KIND_UNSUPPORTED',
      },
    ]);
  });

  it('checks config against the selected version', () => {
    const v1 = problemsOf(withTrigger({ type: 'shop/orderEvents', pluginVersion: '^1.0.0', config: { limit: 0, extra: true } }));
    const v2 = problemsOf(withTrigger({ type: 'shop/orderEvents', config: { secret: 's' } }));

    expect(v1).toEqual([
      { pointer: '/settings/trigger/config/secret', message: 'is required', code: 'GRAPH_CONFIG_INVALID' },
      { pointer: '/settings/trigger/config/extra', message: 'is not allowed', code: 'GRAPH_CONFIG_INVALID' },
      { pointer: '/settings/trigger/config/limit', message: 'must be at least 1', code: 'GRAPH_CONFIG_INVALID' },
    ]);
    expect(v2).toEqual([{ pointer: '/settings/trigger/config/token', message: 'is required', code: 'GRAPH_CONFIG_INVALID' }]);
  });

  it('checks a missing config as an empty object', () => {
    const problems = problemsOf(withTrigger({ type: 'shop/orderEvents', pluginVersion: '1.0.0' }));

    expect(problems.map((problem) => problem.pointer)).toEqual(['/settings/trigger/config/secret']);
  });

  it('reports schema problems of the settings', () => {
    const problems = problemsOf(
      withTrigger({ type: 'Shop Events', config: 'none', credentials: { account: 1 }, colour: 'red' }),
    );

    expect(problems.map((problem) => [problem.pointer, problem.code])).toEqual(
      expect.arrayContaining([
        ['/settings/trigger/colour', 'GRAPH_SCHEMA'],
        ['/settings/trigger/type', 'GRAPH_SCHEMA'],
        ['/settings/trigger/config', 'GRAPH_SCHEMA'],
        ['/settings/trigger/credentials/account', 'GRAPH_SCHEMA'],
      ]),
    );
    expect(problems.every((problem) => problem.code === 'GRAPH_SCHEMA')).toBe(true);
  });

  it('requires a type', () => {
    const problems = problemsOf(withTrigger({ config: {} }));

    expect(problems).toEqual([{ pointer: '/settings/trigger/type', message: 'is required', code: 'GRAPH_SCHEMA' }]);
  });
});
