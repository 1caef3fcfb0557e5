import type { NodeContext } from '../executor/node-type.js';

/**
 * Builds the scope that `{{ }}` placeholders of built-in nodes read: `input` (the value on the
 * `in` port), `inputs` (all ports), and `run` (`id`, `input`).
 */
export function templateScope(ctx: NodeContext): Record<string, unknown> {
  return {
    input: ctx.input.in,
    inputs: ctx.input,
    run: { id: ctx.runId, input: ctx.runInput },
  };
}

/** The single input port every built-in node has. */
export const IN_PORT = { name: 'in', displayName: 'Input' };
