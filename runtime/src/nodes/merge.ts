import type { NodeContext, NodeResult, NodeType } from '../executor/node-type.js';
import { IN_PORT } from './scope.js';

async function executeMerge(ctx: NodeContext): Promise<NodeResult> {
  const mode = (ctx.config.mode as string | undefined) ?? 'object';
  const delivered = ctx.deliveries;
  if (mode === 'array') return { outputs: { out: delivered.map((delivery) => delivery.value) } };
  if (mode === 'first') return { outputs: { out: delivered[0]?.value ?? null } };
  const merged: Record<string, unknown> = Object.create(null);
  for (const delivery of delivered) merged[delivery.source] = delivery.value;
  return { outputs: { out: merged } };
}

/**
 * `core/merge@1`: joins branches. `object` keys each delivered value by its source node id,
 * `array` lists them in edge order, `first` keeps the first. Skipped branches deliver nothing;
 * an `error` edge delivers the failed node's error.
 */
export const mergeNode: NodeType = {
  type: 'core/merge@1',
  displayName: 'Merge',
  description: 'Waits for its branches and combines what they delivered.',
  group: 'Flow',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: { mode: { type: 'string', enum: ['object', 'array', 'first'], default: 'object' } },
  },
  inputs: [IN_PORT],
  outputs: [{ name: 'out', displayName: 'Output' }],
  execute: executeMerge,
};
