/** Node types for builder tests, shaped like the runtime's `GET /v1/node-types` items. */
import type { NodeTypeDescriptor } from '@gestorlead/sdk-plugin';
import { NodeCatalog } from '../graph/node-catalog';

export const PASS_TYPE: NodeTypeDescriptor = {
  type: 'core/noop@1',
  displayName: 'No operation',
  description: 'Passes the input on unchanged.',
  configSchema: { type: 'object', additionalProperties: false, properties: {} },
  inputs: [{ name: 'in', displayName: 'Input' }],
  outputs: [{ name: 'out', displayName: 'Output' }],
};

export const DELAY_TYPE: NodeTypeDescriptor = {
  type: 'core/delay@1',
  displayName: 'Delay',
  description: 'Waits, then passes the input on unchanged.',
  configSchema: {
    type: 'object',
    required: ['ms'],
    additionalProperties: false,
    properties: { ms: { type: 'integer', minimum: 0, maximum: 86_400_000, description: 'Wait in milliseconds' } },
  },
  inputs: [{ name: 'in', displayName: 'Input' }],
  outputs: [{ name: 'out', displayName: 'Output' }],
};

/** Outputs a number. */
export const COUNT_TYPE: NodeTypeDescriptor = {
  type: 'math/count@1',
  displayName: 'Count',
  configSchema: {
    type: 'object',
    properties: { start: { type: 'integer', default: 5 }, mode: { type: 'string', enum: ['up', 'down'], default: 'up' } },
  },
  inputs: [{ name: 'in' }],
  outputs: [{ name: 'count', schema: { type: 'number' } }],
};

/** Accepts only text. */
export const SHOUT_TYPE: NodeTypeDescriptor = {
  type: 'text/shout@1',
  displayName: 'Shout',
  configSchema: { type: 'object', properties: {} },
  inputs: [{ name: 'text', schema: { type: 'string' } }],
  outputs: [{ name: 'out', schema: { type: 'string' } }],
};

export function testCatalog(): NodeCatalog {
  return new NodeCatalog([PASS_TYPE, DELAY_TYPE, COUNT_TYPE, SHOUT_TYPE], new Map([['core', 'Core']]));
}
