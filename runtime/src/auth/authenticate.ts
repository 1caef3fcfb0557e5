/**
 * The authentication hooks. `onRequest` turns `Authorization: Bearer <access token | API key>`
 * into `request.principal`; `preParsing` rejects a request to a protected route that has none,
 * before its body is read. Rate limits run between the two, so they can count per user.
 *
 * Every route under `/v1/` is protected unless its config sets `public: true`. Routes outside
 * `/v1/` (health, metrics, API docs, webhooks) are public, and their `Authorization` header is
 * never read, because a webhook sender may use it for its own token.
 */
import type { Storage } from '@gestorlead/storage';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { StudioError } from '../errors.js';
import type { ApiKeys } from './api-keys.js';
import type { Principal } from './principal.js';
import type { StudioSecrets } from './secrets.js';
import { inactiveUser } from './sessions.js';
import { API_KEY_PREFIX, verifyAccessToken } from './tokens.js';
import { principalOf } from './user-view.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** True for a `/v1/` route that anyone may call without signing in. */
    public?: boolean;
  }
}

/** The WebSocket route, which also takes its token from the query string. */
const WEBSOCKET_URL = '/v1/ws';
const BEARER = /^Bearer[ ]+([^\s]+)[ ]*$/i;

/** Returns whether the authentication hooks handle this URL. */
export function isApiUrl(url: string): boolean {
  return url.startsWith('/v1/');
}

/** Resolves a presented access token or API key to the principal behind it. */
export class Authenticator {
  readonly #storage: Storage;
  readonly #secrets: StudioSecrets;
  readonly #apiKeys: ApiKeys;

  constructor(options: { storage: Storage; secrets: StudioSecrets; apiKeys: ApiKeys }) {
    this.#storage = options.storage;
    this.#secrets = options.secrets;
    this.#apiKeys = options.apiKeys;
  }

  /** Returns the principal of `credential`, or throws the 401 error that explains why there is none. */
  async authenticate(credential: string): Promise<Principal> {
    if (credential.startsWith(API_KEY_PREFIX)) {
      const key = await this.#apiKeys.resolve(credential);
      const user = await this.#storage.users.get(key.userId);
      if (user === null) throw new StudioError('AUTH_API_KEY_INVALID', 'API key is not valid');
      if (!user.active) throw inactiveUser();
      return principalOf(user, 'api-key');
    }
    const userId = await verifyAccessToken(this.#secrets.secretKey, credential);
    const user = await this.#storage.users.get(userId);
    if (user === null) throw new StudioError('AUTH_TOKEN_INVALID', 'access token is invalid; sign in again');
    if (!user.active) throw inactiveUser();
    return principalOf(user, 'access-token');
  }
}

/**
 * Returns the presented credential, or null when the request carries none. Browsers cannot set
 * headers on a WebSocket handshake, so `/v1/ws` also reads the `access_token` query parameter,
 * the name RFC 6750 section 2.3 gives it.
 */
function readCredential(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = BEARER.exec(header);
    if (match === null) {
      throw new StudioError('AUTH_TOKEN_INVALID', 'send the token as "Authorization: Bearer <token>"', {
        problems: [{ pointer: '/headers/authorization', message: 'must use the Bearer scheme' }],
      });
    }
    return match[1];
  }
  if (request.routeOptions.url === WEBSOCKET_URL) {
    const token = (request.query as Record<string, unknown> | undefined)?.access_token;
    if (typeof token === 'string' && token !== '') return token;
  }
  return null;
}

/** Installs the hooks that set `request.principal` and protect `/v1/` routes. */
export function installAuthentication(app: FastifyInstance, authenticator: Authenticator): void {
  const failures = new WeakMap<FastifyRequest, StudioError>();
  app.decorateRequest('principal', null);

  app.addHook('onRequest', async (request) => {
    if (!isApiUrl(request.url)) return;
    try {
      const credential = readCredential(request);
      if (credential !== null) request.principal = await authenticator.authenticate(credential);
    } catch (error) {
      // A public route ignores a bad token; a protected one replies with its error below.
      if (!(error instanceof StudioError)) throw error;
      failures.set(request, error);
    }
  });

  app.addHook('preParsing', async (request) => {
    if (request.principal !== null || !isApiUrl(request.url)) return;
    if (request.routeOptions.config?.public === true) return;
    throw failures.get(request) ?? new StudioError('AUTH_REQUIRED', 'sign in or send an API key to use this route');
  });
}
