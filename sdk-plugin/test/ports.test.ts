import { describe, expect, it } from 'vitest';

import {
  checkEdgeCompatibility,
  inputPortsOf,
  outputPortsOf,
  type NodeTypeDescriptor,
} from '../src/index.js';
import { NODE_TYPE_DESCRIPTORS, buildNode } from './graph-fixtures.js';

function descriptorOf(type: string): NodeTypeDescriptor {
  const descriptor = NODE_TYPE_DESCRIPTORS.find((candidate) => candidate.type === type);
  if (descriptor === undefined) {
    throw new Error(`fixture node type ${type} not found`);
  }
  return descriptor;
}

const switchType = descriptorOf('core/switch@1');

describe('outputPortsOf', () => {
  it('returns declared output ports', () => {
    expect(outputPortsOf(buildNode({ id: 'c' }), descriptorOf('openai/chat@1'))).toEqual(['out']);
  });

  it('appends config-driven ports in order', () => {
    const node = buildNode({ id: 's', config: { cases: [{ port: 'hot' }, { port: 'cold' }] } });

    expect(outputPortsOf(node, switchType)).toEqual(['default', 'hot', 'cold']);
  });

  it('lists each port name once', () => {
    const cases = [{ port: 'hot' }, { port: 'hot' }, { port: 'default' }];
    const node = buildNode({ id: 's', config: { cases } });

    expect(outputPortsOf(node, switchType)).toEqual(['default', 'hot']);
  });

  it('skips items without usable names', () => {
    const cases = [
      { port: '' },
      { port: 7 },
      { label: 'x' },
      null,
      'hot',
      ['port'],
      { port: 'ok' },
    ];
    const node = buildNode({ id: 's', config: { cases } });

    expect(outputPortsOf(node, switchType)).toEqual(['default', 'ok']);
  });

  it('tolerates missing or wrong config', () => {
    for (const config of [undefined, {}, { cases: 'hot' }, { cases: { port: 'hot' } }]) {
      expect(outputPortsOf({ config }, switchType), JSON.stringify(config)).toEqual(['default']);
    }
    expect(outputPortsOf({ config: 'text' }, switchType)).toEqual(['default']);
  });

  it('follows nested pointer paths', () => {
    const descriptor: NodeTypeDescriptor = {
      ...switchType,
      outputsFromConfig: { path: '/routing/rules', key: 'name' },
    };
    const node = buildNode({ id: 's', config: { routing: { rules: [{ name: 'first' }] } } });

    expect(outputPortsOf(node, descriptor)).toEqual(['default', 'first']);
  });

  it('ignores inherited key properties', () => {
    const descriptor: NodeTypeDescriptor = {
      ...switchType,
      outputsFromConfig: { path: '/cases', key: 'toString' },
    };
    const node = buildNode({ id: 's', config: { cases: [{}] } });

    expect(outputPortsOf(node, descriptor)).toEqual(['default']);
  });
});

describe('inputPortsOf', () => {
  it('returns declared input ports', () => {
    expect(inputPortsOf(descriptorOf('openai/chat@1'))).toEqual(['in']);
  });

  it('returns empty list without inputs', () => {
    expect(inputPortsOf(descriptorOf('core/trigger@1'))).toEqual([]);
  });
});

describe('checkEdgeCompatibility', () => {
  type Schema = Record<string, unknown> | undefined;
  const compatible: Array<[string, Schema, Schema]> = [
    ['both absent', undefined, undefined],
    ['source absent', undefined, { type: 'number' }],
    ['target absent', { type: 'string' }, undefined],
    ['no type keyword', { properties: {} }, { type: 'string' }],
    ['same type', { type: 'string' }, { type: 'string' }],
    ['integer into number', { type: 'integer' }, { type: 'number' }],
    ['number into integer', { type: 'number' }, { type: 'integer' }],
    ['overlapping arrays', { type: ['string', 'null'] }, { type: ['null', 'boolean'] }],
    ['array into single', { type: ['string', 'null'] }, { type: 'string' }],
    ['unknown type name', { type: 'date' }, { type: 'string' }],
    ['empty type array', { type: [] }, { type: 'string' }],
  ];
  for (const [name, source, target] of compatible) {
    it(`accepts ${name}`, () => {
      expect(checkEdgeCompatibility(source, target)).toBeNull();
    });
  }

  it('rejects different types', () => {
    expect(checkEdgeCompatibility({ type: 'string' }, { type: 'number' })).toBe(
      'an output of type string cannot connect to an input of type number',
    );
  });

  it('rejects disjoint type arrays', () => {
    const reason = checkEdgeCompatibility(
      { type: ['string', 'null'] },
      { type: ['number', 'boolean'] },
    );

    expect(reason).toBe(
      'an output of type string or null cannot connect to an input of type number or boolean',
    );
  });

  it('rejects objects into arrays', () => {
    expect(checkEdgeCompatibility({ type: 'object' }, { type: 'array' })).toBe(
      'an output of type object cannot connect to an input of type array',
    );
  });
});
