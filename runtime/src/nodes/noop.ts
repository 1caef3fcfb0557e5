import type { NodeContext, NodeResult, NodeType } from '../executor/node-type.js';
import { IN_PORT } from './scope.js';

/** `core/noop@1`: passes its input on; useful as a junction or a placeholder. */
export const noopNode: NodeType = {
  type: 'core/noop@1',
  displayName: 'No operation',
  description: 'Passes the input on unchanged.',
  group: 'Flow',
  configSchema: { type: 'object', additionalProperties: false, properties: {} },
  inputs: [IN_PORT],
  outputs: [{ name: 'out', displayName: 'Output' }],
  execute: async (ctx: NodeContext): Promise<NodeResult> => ({ outputs: { out: ctx.input.in } }),
};
