import { NodeError, type NodeContext, type NodeResult, type NodeType } from '../executor/node-type.js';
import { IN_PORT } from './scope.js';

/** Maximum wait of `core/delay`: one day. */
export const MAX_DELAY_MS = 86_400_000;

function executeDelay(ctx: NodeContext): Promise<NodeResult> {
  const ms = ctx.config.ms as number;
  return new Promise((resolve, reject) => {
    if (ctx.signal.aborted) {
      reject(new NodeError('RUNTIME_TASK_CANCELLED', 'delay was cancelled'));
      return;
    }
    const timer = setTimeout(() => {
      ctx.signal.removeEventListener('abort', onAbort);
      resolve({ outputs: { out: ctx.input.in } });
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new NodeError('RUNTIME_TASK_CANCELLED', 'delay was cancelled'));
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** `core/delay@1`: waits `ms` milliseconds, then passes its input on. */
export const delayNode: NodeType = {
  type: 'core/delay@1',
  displayName: 'Delay',
  description: 'Waits, then passes the input on unchanged.',
  group: 'Flow',
  configSchema: {
    type: 'object',
    required: ['ms'],
    additionalProperties: false,
    properties: { ms: { type: 'integer', minimum: 0, maximum: MAX_DELAY_MS, description: 'Wait in milliseconds' } },
  },
  inputs: [IN_PORT],
  outputs: [{ name: 'out', displayName: 'Output' }],
  execute: executeDelay,
};
