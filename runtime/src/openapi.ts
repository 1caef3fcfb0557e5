import type { FastifyInstance, RouteOptions } from 'fastify';

/** JSON Schema of every error reply, as `toErrorBody` builds it. */
export const ERROR_BODY_SCHEMA = {
  type: 'object',
  required: ['statusCode', 'code', 'message', 'errors'],
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string', description: 'A code from docs/errors.md' },
    message: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['pointer', 'message'],
        properties: {
          pointer: { type: 'string', description: 'JSON pointer to the value at fault' },
          message: { type: 'string' },
          code: { type: 'string' },
        },
      },
    },
    details: { type: 'object', additionalProperties: true },
  },
} as const;

/**
 * Adds the error reply to the OpenAPI description of every REST route. Webhook routes are left
 * out, because their replies are whatever the graph's `core/respond` node chose.
 */
export function describeErrorReplies(app: FastifyInstance): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    if (!route.url.startsWith('/v1/') && route.url !== '/health') return;
    if (!route.schema) return;
    const response = (route.schema.response ?? {}) as Record<string, unknown>;
    route.schema.response = {
      ...response,
      '4xx': { description: 'The request was rejected; see docs/errors.md', ...ERROR_BODY_SCHEMA },
      '5xx': { description: 'The server failed; see docs/errors.md', ...ERROR_BODY_SCHEMA },
    };
  });
}

/** Name of the OpenAPI security scheme of access tokens and API keys. */
export const BEARER_SCHEME = 'bearerAuth';

/** OpenAPI `components.securitySchemes` and the default `security` of every operation. */
export const OPENAPI_SECURITY = {
  components: {
    securitySchemes: {
      [BEARER_SCHEME]: {
        type: 'http' as const,
        scheme: 'bearer',
        description: 'An access token from POST /v1/auth/login or /v1/auth/register, or an API key (glk_…) from POST /v1/api-keys',
      },
    },
  },
  security: [{ [BEARER_SCHEME]: [] as string[] }],
};

/**
 * Marks the routes that need no token with an empty `security`, so the API page sends a token
 * only where the authentication hook requires one: `/v1/` routes unless `public`.
 */
export function describeSecurity(app: FastifyInstance): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    if (!route.schema) return;
    const needsToken = route.url.startsWith('/v1/') && route.config?.public !== true;
    if (!needsToken) route.schema.security = [];
  });
}
