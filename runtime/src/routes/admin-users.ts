import { USER_TIERS, type UserTier } from '@gestorlead/storage';
import type { FastifyInstance } from 'fastify';
import type { AdminChange, Accounts } from '../auth/accounts.js';
import { requireAdmin } from '../auth/principal.js';
import { describeUser, USER_VIEW_SCHEMA } from '../auth/user-view.js';
import { EMAIL_SCHEMA, FULL_NAME_SCHEMA, PASSWORD_SCHEMA } from './auth.js';
import { idParams } from './schemas.js';

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 200;

/** `/v1/admin/users`: list, create and change accounts. Only admins may call these routes. */
export async function adminUserRoutes(app: FastifyInstance, accounts: Accounts): Promise<void> {
  app.get('/v1/admin/users', {
    schema: {
      tags: ['admin'],
      summary: 'Users oldest first, optionally filtered by email or name',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          search: { type: 'string', minLength: 1, maxLength: 200, description: 'Matches email or name, case-insensitively' },
          limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE },
          offset: { type: 'integer', minimum: 0, maximum: 1_000_000, default: 0 },
        },
      },
      response: {
        200: {
          type: 'object',
          properties: {
            items: { type: 'array', items: USER_VIEW_SCHEMA },
            nextOffset: { type: ['integer', 'null'], description: 'The offset of the next page; null on the last page' },
          },
        },
      },
    },
  }, async (request) => {
    requireAdmin(request);
    const { search, limit, offset } = request.query as { search?: string; limit: number; offset: number };
    // One row beyond the page reveals whether another page follows.
    const rows = await accounts.list({ search, limit: limit + 1, offset });
    return {
      items: rows.slice(0, limit).map(describeUser),
      nextOffset: rows.length > limit ? offset + limit : null,
    };
  });

  app.post('/v1/admin/users', {
    schema: {
      tags: ['admin'],
      summary: 'Create an account, whatever the registration policy',
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['email', 'fullName'],
        properties: {
          email: EMAIL_SCHEMA,
          fullName: FULL_NAME_SCHEMA,
          password: { ...PASSWORD_SCHEMA, description: 'Leave out for an account that signs in with Google only' },
          admin: { type: 'boolean' },
          tier: { type: 'string', enum: [...USER_TIERS] },
        },
      },
      response: { 201: USER_VIEW_SCHEMA },
    },
  }, async (request, reply) => {
    const admin = requireAdmin(request);
    const body = request.body as { email: string; fullName: string; password?: string; admin?: boolean; tier?: UserTier };
    const user = await accounts.createByAdmin({ ...body, password: body.password ?? null }, admin);
    return reply.status(201).send(describeUser(user));
  });

  app.patch('/v1/admin/users/:id', {
    schema: {
      tags: ['admin'],
      summary: 'Activate or deactivate an account, grant or remove admin, set the tier',
      params: idParams,
      body: {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        properties: {
          active: { type: 'boolean', description: 'False ends every session of the user and rejects their tokens and API keys' },
          admin: { type: 'boolean' },
          tier: { type: 'string', enum: [...USER_TIERS] },
        },
      },
      response: { 200: USER_VIEW_SCHEMA },
    },
  }, async (request) => {
    const admin = requireAdmin(request);
    const { id } = request.params as { id: string };
    return describeUser(await accounts.updateByAdmin(id, request.body as AdminChange, admin));
  });
}
