import type { FastifyInstance } from 'fastify';
import type { Accounts, ProfileChange } from '../auth/accounts.js';
import { API_KEY_VIEW_PROPERTIES, type ApiKeys } from '../auth/api-keys.js';
import { requirePrincipal } from '../auth/principal.js';
import type { LoginThrottle } from '../auth/rate-limits.js';
import { SESSION_TOKENS_PROPERTIES, type Sessions } from '../auth/sessions.js';
import { describeUser, USER_VIEW_SCHEMA } from '../auth/user-view.js';
import { StudioError } from '../errors.js';
import { FULL_NAME_SCHEMA, PASSWORD_SCHEMA } from './auth.js';
import { idParams } from './schemas.js';

/** Maximum length of an avatar URL, in characters. */
const MAX_URL_LENGTH = 2048;
/** Maximum lifetime of an API key, in days (ten years). */
const MAX_API_KEY_DAYS = 3650;

/** An http(s) URL. */
export const AVATAR_URL_SCHEMA = {
  anyOf: [{ type: 'string', format: 'uri', pattern: '^https?://', maxLength: MAX_URL_LENGTH }, { type: 'null' }],
} as const;

const API_KEY_VIEW = { type: 'object', properties: API_KEY_VIEW_PROPERTIES } as const;

/** `/v1/me` (the signed-in user's profile and password) and `/v1/api-keys` (their personal keys). */
export async function meRoutes(
  app: FastifyInstance,
  services: { accounts: Accounts; sessions: Sessions; apiKeys: ApiKeys; throttle: LoginThrottle },
): Promise<void> {
  const { accounts, sessions, apiKeys, throttle } = services;

  app.get('/v1/me', {
    schema: { tags: ['accounts'], summary: 'The signed-in user', response: { 200: USER_VIEW_SCHEMA } },
  }, async (request) => {
    const principal = requirePrincipal(request);
    return describeUser(await accounts.get(principal.userId));
  });

  app.patch('/v1/me', {
    schema: {
      tags: ['accounts'],
      summary: 'Change your name, avatar or password; a new password ends your other sessions and returns new tokens',
      body: {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        properties: {
          fullName: FULL_NAME_SCHEMA,
          avatarUrl: AVATAR_URL_SCHEMA,
          currentPassword: { type: 'string', minLength: 1, maxLength: PASSWORD_SCHEMA.maxLength },
          newPassword: PASSWORD_SCHEMA,
        },
      },
      response: {
        200: {
          type: 'object',
          required: ['user'],
          properties: { user: USER_VIEW_SCHEMA, ...SESSION_TOKENS_PROPERTIES },
        },
      },
    },
  }, async (request, reply) => {
    const principal = requirePrincipal(request);
    const change = request.body as ProfileChange;
    const subject = `user:${principal.userId}`;
    if (change.newPassword !== undefined) await throttle.check(request, reply, subject);
    try {
      const { user, passwordChanged } = await accounts.updateProfile(principal.userId, change);
      // The password change ended every session, the caller's too, so it gets a new one.
      const tokens = passwordChanged ? await sessions.start(user) : {};
      return { user: describeUser(user), ...tokens };
    } catch (error) {
      if (error instanceof StudioError && error.code === 'AUTH_CURRENT_PASSWORD_INVALID') await throttle.recordFailure(request, subject);
      throw error;
    }
  });

  app.get('/v1/api-keys', {
    schema: {
      tags: ['accounts'],
      summary: 'Your API keys, revoked ones included, newest first',
      response: { 200: { type: 'object', properties: { items: { type: 'array', items: API_KEY_VIEW } } } },
    },
  }, async (request) => ({ items: await apiKeys.list(requirePrincipal(request).userId) }));

  app.post('/v1/api-keys', {
    schema: {
      tags: ['accounts'],
      summary: 'Create an API key; the reply is the only time the key is shown',
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 100 },
          expiresInDays: { type: 'integer', minimum: 1, maximum: MAX_API_KEY_DAYS },
        },
      },
      response: {
        201: {
          type: 'object',
          properties: { ...API_KEY_VIEW_PROPERTIES, key: { type: 'string', description: 'Send as "Authorization: Bearer <key>"' } },
        },
      },
    },
  }, async (request, reply) => {
    const principal = requirePrincipal(request);
    const { name, expiresInDays } = request.body as { name: string; expiresInDays?: number };
    const { view, key } = await apiKeys.create(principal.userId, name, expiresInDays ?? null);
    return reply.status(201).send({ ...view, key });
  });

  app.delete('/v1/api-keys/:id', {
    schema: { tags: ['accounts'], summary: 'Revoke one of your API keys', params: idParams },
  }, async (request, reply) => {
    const principal = requirePrincipal(request);
    const { id } = request.params as { id: string };
    await apiKeys.revoke(principal.userId, id);
    return reply.status(204).send();
  });
}
