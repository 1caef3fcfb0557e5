/**
 * The OAuth2 connection of a credential. `start` is an API call of the signed-in user and
 * returns the provider's authorization URL, which the builder opens in a pop-up. The provider
 * redirects the browser to `callback`, which carries no token of ours: the `state` parameter
 * identifies the user who started the flow, and a cookie that `start` sets proves that the
 * same browser arrives. The callback replies with a small HTML page that posts the outcome to
 * the pop-up's opener.
 */
import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requirePrincipal } from '../auth/principal.js';
import type { StudioContext } from '../context.js';
import { StudioError } from '../errors.js';
import { OAUTH2_MESSAGE_TYPE, renderCallbackPage, type OAuth2CallbackMessage } from '../vault/oauth2/callback-page.js';
import { OAUTH2_STATE_TTL_MS } from '../vault/oauth2/flow.js';
import { OAUTH2_CALLBACK_PATH } from '../vault/oauth2/settings.js';
import { MAX_CREDENTIAL_NAME_LENGTH } from './credentials.js';
import { ID_PATTERN } from './schemas.js';

/** Returns the origin of `text` when it is an http(s) URL or origin, otherwise undefined. */
function httpOrigin(text: string | undefined): string | undefined {
  if (text === undefined || !URL.canParse(text)) return undefined;
  const url = new URL(text);
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
}

function redirectUriOf(request: FastifyRequest, ctx: StudioContext): string {
  return ctx.config.oauth2.redirectUrl ?? `${request.protocol}://${request.host}${OAUTH2_CALLBACK_PATH}`;
}

/** Prefix of the cookie that binds a pending authorization to a browser. The state completes the name. */
export const OAUTH2_BROWSER_COOKIE_PREFIX = 'gl_oauth2_';

/** The states that `start` issues: base64url, whose characters are all valid in a cookie name. */
const STATE_PATTERN = /^[\w-]{1,128}$/;

/**
 * Names the browser cookie of one state, so two connections started in one browser at once keep
 * their own cookies. Returns null for a callback state that `start` cannot have issued.
 */
function browserCookieName(state: string | null): string | null {
  if (state === null || !STATE_PATTERN.test(state)) return null;
  return `${OAUTH2_BROWSER_COOKIE_PREFIX}${state}`;
}

/** Sets the cookie that the callback requires, scoped to the callback's path. */
function setBrowserCookie(reply: FastifyReply, request: FastifyRequest, redirectUri: string, name: string, nonce: string): void {
  reply.setCookie(name, nonce, {
    path: new URL(redirectUri).pathname,
    maxAge: Math.floor(OAUTH2_STATE_TTL_MS / 1000),
    httpOnly: true,
    // Lax sends the cookie on the provider's top-level redirect to the callback, a GET.
    sameSite: 'lax',
    secure: request.protocol === 'https',
  });
}

/** The OAuth2 start and callback routes. */
export async function credentialOAuth2Routes(app: FastifyInstance, ctx: StudioContext): Promise<void> {
  const { vault } = ctx;
  // Registered in this route scope only: no other route reads or sets cookies.
  await app.register(fastifyCookie);

  app.post('/v1/credentials/oauth2/start', {
    schema: {
      tags: ['credentials'],
      summary: 'Start connecting an OAuth2 credential; returns the authorization URL to open',
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['type'],
        properties: {
          type: { type: 'string', minLength: 3, maxLength: 129 },
          name: { type: 'string', minLength: 1, maxLength: MAX_CREDENTIAL_NAME_LENGTH },
          values: { type: 'object', description: 'Values besides the tokens, valid against the type schema' },
          credentialId: { type: 'string', pattern: ID_PATTERN, description: 'A credential of this type to reconnect' },
        },
      },
      response: {
        200: {
          type: 'object',
          properties: { authorizationUrl: { type: 'string' }, state: { type: 'string' }, expiresAt: { type: 'string' } },
        },
      },
    },
  }, async (request, reply) => {
    const principal = requirePrincipal(request);
    const body = request.body as { type: string; name?: string; values?: Record<string, unknown>; credentialId?: string };
    const redirectUri = redirectUriOf(request, ctx);
    const openerOrigin =
      httpOrigin(request.headers.origin) ?? httpOrigin(request.headers.referer) ?? new URL(redirectUri).origin;
    const credentialId = body.credentialId ?? null;
    const { browserNonce, ...started } = await vault.oauth2.start({
      userId: principal.userId,
      type: body.type,
      name: body.name ?? vault.findType(body.type)?.manifest.displayName ?? body.type,
      // A reconnect without values keeps the stored ones; a new connection starts from none.
      values: body.values ?? (credentialId === null ? {} : null),
      credentialId,
      redirectUri,
      openerOrigin,
    });
    setBrowserCookie(reply, request, redirectUri, browserCookieName(started.state)!, browserNonce);
    return started;
  });

  app.get(OAUTH2_CALLBACK_PATH, {
    // The browser arrives from the provider without the studio's token; the state names the user.
    config: { public: true },
    schema: {
      tags: ['credentials'],
      summary: "The provider's redirect target; answers with an HTML page for the pop-up",
    },
  }, async (request, reply) => {
    // The raw query keeps every parameter exactly as the provider sent it.
    const parameters = new URL(request.url, 'http://callback.invalid').searchParams;
    const fallbackOrigin = new URL(redirectUriOf(request, ctx)).origin;
    let message: OAuth2CallbackMessage;
    let targetOrigin = fallbackOrigin;
    let status = 200;
    const cookieName = browserCookieName(parameters.get('state'));
    // The cookie serves one callback, whatever its outcome.
    if (cookieName !== null) reply.clearCookie(cookieName, { path: new URL(redirectUriOf(request, ctx)).pathname });
    try {
      const result = await vault.oauth2.finish(parameters, cookieName === null ? undefined : request.cookies[cookieName]);
      const { id, name, type } = result.credential;
      message = { type: OAUTH2_MESSAGE_TYPE, ok: true, credential: { id, name, type }, created: result.created };
      targetOrigin = result.openerOrigin;
    } catch (error) {
      const studioError =
        error instanceof StudioError ? error : new StudioError('INTERNAL', 'internal error; the server log has the details', { cause: error });
      if (studioError.status >= 500 && studioError.code === 'INTERNAL') request.log.error({ err: error }, 'oauth2 callback failed');
      else request.log.info({ code: studioError.code, status: studioError.status }, 'oauth2 callback rejected');
      const opener = studioError.details?.openerOrigin;
      if (typeof opener === 'string') targetOrigin = opener;
      status = studioError.status;
      message = { type: OAUTH2_MESSAGE_TYPE, ok: false, error: { code: studioError.code, message: studioError.message } };
    }
    const page = renderCallbackPage(message, targetOrigin);
    return reply.status(status).headers(page.headers).send(page.html);
  });
}
