import type { FastifyInstance } from 'fastify';
import type { Accounts } from '../auth/accounts.js';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../auth/passwords.js';
import type { LoginThrottle } from '../auth/rate-limits.js';
import { SESSION_TOKENS_PROPERTIES, type Sessions } from '../auth/sessions.js';
import type { AuthSettings } from '../auth/settings.js';
import { describeUser, normalizeEmail, USER_VIEW_SCHEMA } from '../auth/user-view.js';
import { StudioError } from '../errors.js';

/** The services behind the account routes. */
export interface AccountServices {
  accounts: Accounts;
  sessions: Sessions;
  throttle: LoginThrottle;
  settings: AuthSettings;
}

/** Maximum length of an email address, in characters. */
export const MAX_EMAIL_LENGTH = 254;

export const EMAIL_SCHEMA = { type: 'string', format: 'email', maxLength: MAX_EMAIL_LENGTH } as const;
export const PASSWORD_SCHEMA = { type: 'string', minLength: MIN_PASSWORD_LENGTH, maxLength: MAX_PASSWORD_LENGTH } as const;
export const FULL_NAME_SCHEMA = { type: 'string', minLength: 1, maxLength: 200 } as const;
/** Tokens are compared by hash, so any text is looked up; the limit only bounds the work. */
const TOKEN_SCHEMA = { type: 'string', minLength: 1, maxLength: 4096 } as const;

const SESSION_REPLY = {
  type: 'object',
  required: ['user', ...Object.keys(SESSION_TOKENS_PROPERTIES)],
  properties: { user: USER_VIEW_SCHEMA, ...SESSION_TOKENS_PROPERTIES },
} as const;

const PUBLIC = { public: true } as const;

/**
 * `/v1/auth/*` and `/v1/setup`: registration, sign-in with a password or Google, refresh and
 * logout. All are public; they count against the anonymous rate limit.
 */
export async function authRoutes(app: FastifyInstance, services: AccountServices): Promise<void> {
  const { accounts, sessions, throttle, settings } = services;

  app.get('/v1/setup', {
    config: PUBLIC,
    schema: {
      tags: ['accounts'],
      summary: 'What a new client needs before sign-in: whether the first account is still needed',
      response: {
        200: {
          type: 'object',
          properties: {
            needsFirstUser: { type: 'boolean', description: 'True until the first account exists; the builder then asks for it' },
            registration: { type: 'string', enum: ['open', 'closed'] },
            googleClientId: { type: ['string', 'null'], description: 'OAuth client id for Google sign-in; null when it is off' },
          },
        },
      },
    },
  }, async () => ({
    needsFirstUser: await accounts.needsFirstUser(),
    registration: settings.registration,
    googleClientId: settings.googleClientId,
  }));

  app.post('/v1/auth/register', {
    config: PUBLIC,
    schema: {
      tags: ['accounts'],
      summary: 'Create an account and sign in; the first account becomes admin',
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['email', 'password', 'fullName'],
        properties: { email: EMAIL_SCHEMA, password: PASSWORD_SCHEMA, fullName: FULL_NAME_SCHEMA },
      },
      response: { 201: SESSION_REPLY },
    },
  }, async (request, reply) => {
    const { email, password, fullName } = request.body as { email: string; password: string; fullName: string };
    const user = await accounts.register({ email, password, fullName });
    return reply.status(201).send({ user: describeUser(user), ...(await sessions.start(user)) });
  });

  app.post('/v1/auth/login', {
    config: PUBLIC,
    schema: {
      tags: ['accounts'],
      summary: 'Sign in with email and password',
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['email', 'password'],
        properties: { email: { type: 'string', minLength: 1, maxLength: MAX_EMAIL_LENGTH }, password: { type: 'string', minLength: 1, maxLength: MAX_PASSWORD_LENGTH } },
      },
      response: { 200: SESSION_REPLY },
    },
  }, async (request, reply) => {
    const { email, password } = request.body as { email: string; password: string };
    const subject = `email:${normalizeEmail(email)}`;
    await throttle.check(request, reply, subject);
    try {
      const user = await accounts.login(email, password);
      return { user: describeUser(user), ...(await sessions.start(user)) };
    } catch (error) {
      if (error instanceof StudioError && error.code === 'AUTH_LOGIN_FAILED') await throttle.recordFailure(request, subject);
      throw error;
    }
  });

  app.post('/v1/auth/google', {
    config: PUBLIC,
    schema: {
      tags: ['accounts'],
      summary: 'Sign in with a Google ID token, creating or linking the account',
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['idToken'],
        properties: { idToken: TOKEN_SCHEMA },
      },
      response: { 200: SESSION_REPLY },
    },
  }, async (request) => {
    const { idToken } = request.body as { idToken: string };
    const user = await accounts.signInWithGoogle(idToken);
    return { user: describeUser(user), ...(await sessions.start(user)) };
  });

  app.post('/v1/auth/refresh', {
    config: PUBLIC,
    schema: {
      tags: ['accounts'],
      summary: 'Exchange a refresh token for new tokens; the old refresh token stops working',
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['refreshToken'],
        properties: { refreshToken: TOKEN_SCHEMA },
      },
      response: { 200: SESSION_REPLY },
    },
  }, async (request) => {
    const { refreshToken } = request.body as { refreshToken: string };
    const { user, tokens } = await sessions.refresh(refreshToken);
    return { user: describeUser(user), ...tokens };
  });

  app.post('/v1/auth/logout', {
    config: PUBLIC,
    schema: {
      tags: ['accounts'],
      summary: 'End the session of a refresh token, or with "all" every session of the signed-in user',
      body: {
        type: 'object',
        additionalProperties: false,
        properties: {
          refreshToken: TOKEN_SCHEMA,
          all: { type: 'boolean', description: 'End every session of the signed-in user; needs an access token or API key' },
        },
      },
    },
  }, async (request, reply) => {
    const { refreshToken, all } = (request.body ?? {}) as { refreshToken?: string; all?: boolean };
    if (refreshToken === undefined && all !== true) {
      throw new StudioError('REQUEST_INVALID', 'send refreshToken, or all: true with an access token', {
        problems: [{ pointer: '/body/refreshToken', message: 'is required unless all is true' }],
      });
    }
    if (refreshToken !== undefined) await sessions.end(refreshToken);
    if (all === true) {
      if (request.principal === null) {
        throw new StudioError('AUTH_REQUIRED', 'ending every session needs an access token or API key');
      }
      await sessions.endAll(request.principal.userId);
    }
    return reply.status(204).send();
  });
}
