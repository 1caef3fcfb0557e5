import { validateHeaderValue } from 'node:http';
import { interpolate } from '@gestorlead/sdk-plugin';
import { NodeError, type NodeContext, type NodeResult, type NodeType } from '../executor/node-type.js';
import { IN_PORT, templateScope } from './scope.js';

async function executeRespond(ctx: NodeContext): Promise<NodeResult> {
  const scope = templateScope(ctx);
  const status = (ctx.config.status as number | undefined) ?? 200;
  const headers: Record<string, string> = {};
  const configured = (ctx.config.headers as Record<string, unknown> | undefined) ?? {};
  for (const [name, value] of Object.entries(configured)) {
    const text = String(interpolate(value, scope));
    try {
      validateHeaderValue(name, text);
    } catch {
      throw new NodeError('RUNTIME_RESPONSE_INVALID', `header "${name}" has characters HTTP does not allow (line breaks or characters beyond Latin-1)`, {
        details: { pointer: `/config/headers/${name}` },
      });
    }
    headers[name.toLowerCase()] = text;
  }
  const body = 'body' in ctx.config ? interpolate(ctx.config.body, scope) : ctx.input.in;
  const response = { status, headers, body };
  ctx.respond(response);
  return { outputs: { out: response } };
}

/**
 * `core/respond@1`: sets the HTTP reply of a sync webhook: status, headers and a body whose
 * `{{ }}` placeholders read the input. Without `body` it replies with the input itself.
 */
export const respondNode: NodeType = {
  type: 'core/respond@1',
  displayName: 'Respond to webhook',
  description: 'Replies to the webhook call that started the run.',
  group: 'Flow',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      status: { type: 'integer', minimum: 200, maximum: 599, default: 200 },
      headers: {
        type: 'object',
        propertyNames: { pattern: '^[A-Za-z0-9!#$%&\'*+.^_`|~-]+$' },
        additionalProperties: { type: 'string' },
      },
      body: { description: 'Reply body; strings may hold {{ input.field }} placeholders.' },
    },
  },
  inputs: [IN_PORT],
  outputs: [{ name: 'out', displayName: 'Response' }],
  execute: executeRespond,
};
