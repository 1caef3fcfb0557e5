/**
 * Requests to a provider's token endpoint, made with `oauth4webapi`: the authorization-code
 * exchange (RFC 6749 section 4.1.3, with the PKCE verifier of RFC 7636) and the refresh
 * (section 6). Every request goes through the plugins' HTTP gateway, so the token endpoint
 * obeys the same address rules as plugin code: no private address unless `HTTP_ALLOW_PRIVATE`
 * lists it.
 *
 * Errors never carry the library's `cause`, because it may contain the token response.
 */
import * as oauth from 'oauth4webapi';
import { StudioError } from '../../errors.js';
import type { HttpGateway } from '../../plugins/http-gateway.js';
import type { OAuth2TokenSet } from '../credential-contents.js';
import type { OAuth2Provider } from './provider.js';

/** Statuses for which `Response` accepts no body. */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/** The reason a token request failed, from which the caller chooses its error code. */
export type TokenFailure =
  /** The provider rejected the request with an OAuth2 error such as `invalid_grant`. */
  | { kind: 'rejected'; error: string; description: string | undefined; status: number }
  /** The endpoint could not be reached, or its response is not a token response. */
  | { kind: 'unavailable'; message: string };

/** A failed token request. */
export class TokenRequestError extends Error {
  readonly failure: TokenFailure;

  constructor(failure: TokenFailure) {
    super(failure.kind === 'rejected' ? `the token endpoint returned ${failure.error}` : failure.message);
    this.name = 'TokenRequestError';
    this.failure = failure;
  }
}

function authorizationServerOf(provider: OAuth2Provider, issuer?: string): oauth.AuthorizationServer {
  return {
    // NOTE: manifests name no issuer, so the authorization endpoint's origin is used as the
    // issuer. A provider that sends another `iss` in its redirect (RFC 9207) is trusted.
    issuer: issuer ?? new URL(provider.authorizationUrl).origin,
    authorization_endpoint: provider.authorizationUrl,
    token_endpoint: provider.tokenUrl,
  };
}

function clientAuthOf(provider: OAuth2Provider): oauth.ClientAuth {
  const secret = provider.client.clientSecret;
  if (secret === null) return oauth.None();
  return provider.clientAuthentication === 'client_secret_post' ? oauth.ClientSecretPost(secret) : oauth.ClientSecretBasic(secret);
}

function scopesOf(text: unknown): string[] | undefined {
  if (typeof text !== 'string') return undefined;
  // RFC 6749 separates granted scopes with spaces; some providers use commas.
  const scopes = text.split(/[\s,]+/).filter((scope) => scope !== '');
  return scopes.length === 0 ? undefined : scopes;
}

function tokenSetOf(response: oauth.TokenEndpointResponse, fallback: Partial<OAuth2TokenSet>, now: number): OAuth2TokenSet {
  const expiresIn = response.expires_in;
  const expiresAt =
    typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn >= 0 ? new Date(now + expiresIn * 1000).toISOString() : undefined;
  const refreshToken = typeof response.refresh_token === 'string' ? response.refresh_token : fallback.refreshToken;
  const scopes = scopesOf(response.scope) ?? fallback.scopes;
  return {
    accessToken: response.access_token,
    tokenType: response.token_type,
    ...(refreshToken !== undefined ? { refreshToken } : {}),
    ...(expiresAt !== undefined ? { expiresAt } : {}),
    ...(scopes !== undefined ? { scopes } : {}),
  };
}

function toTokenRequestError(error: unknown): TokenRequestError {
  if (error instanceof TokenRequestError) return error;
  if (error instanceof oauth.ResponseBodyError) {
    return new TokenRequestError({
      kind: 'rejected',
      error: error.error,
      description: error.error_description,
      status: error.status,
    });
  }
  if (error instanceof oauth.OperationProcessingError) {
    return new TokenRequestError({ kind: 'unavailable', message: `the token endpoint sent an invalid response: ${error.message}` });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new TokenRequestError({ kind: 'unavailable', message: `the token endpoint could not be reached: ${message}` });
}

/** Sends token requests for credential types. */
export class OAuth2TokenClient {
  readonly #gateway: HttpGateway;
  readonly #timeoutMs: number;

  constructor(options: { gateway: HttpGateway; timeoutMs: number }) {
    this.#gateway = options.gateway;
    this.#timeoutMs = options.timeoutMs;
  }

  /**
   * Checks the provider's redirect parameters against `expectedState` and returns them.
   * Throws `CREDENTIAL_OAUTH2_DENIED` when the provider reports an error such as
   * `access_denied`, and `CREDENTIAL_OAUTH2_STATE_INVALID` for any other invalid redirect.
   */
  validateRedirect(provider: OAuth2Provider, parameters: URLSearchParams, expectedState: string): URLSearchParams {
    const as = authorizationServerOf(provider, parameters.get('iss') ?? undefined);
    try {
      return oauth.validateAuthResponse(as, { client_id: provider.client.clientId }, parameters, expectedState);
    } catch (error) {
      if (error instanceof oauth.AuthorizationResponseError) {
        const description = error.error_description === undefined ? '' : `: ${error.error_description.slice(0, 300)}`;
        throw new StudioError('CREDENTIAL_OAUTH2_DENIED', `the provider did not authorize the connection (${error.error}${description})`, {
          details: { error: error.error },
        });
      }
      const message = error instanceof Error ? error.message : String(error);
      throw new StudioError('CREDENTIAL_OAUTH2_STATE_INVALID', `the provider's redirect is invalid: ${message}`);
    }
  }

  /** Exchanges an authorization code for tokens; throws `TokenRequestError`. */
  async exchangeCode(
    provider: OAuth2Provider,
    callbackParameters: URLSearchParams,
    redirectUri: string,
    codeVerifier: string | null,
  ): Promise<OAuth2TokenSet> {
    const as = authorizationServerOf(provider, callbackParameters.get('iss') ?? undefined);
    const client: oauth.Client = { client_id: provider.client.clientId };
    try {
      const response = await oauth.authorizationCodeGrantRequest(
        as,
        client,
        clientAuthOf(provider),
        callbackParameters,
        redirectUri,
        codeVerifier ?? oauth.nopkce,
        this.#requestOptions(provider),
      );
      const result = await oauth.processAuthorizationCodeResponse(as, client, response);
      return tokenSetOf(result, { scopes: provider.scopes.length > 0 ? provider.scopes : undefined }, Date.now());
    } catch (error) {
      throw toTokenRequestError(error);
    }
  }

  /**
   * Exchanges a refresh token for new tokens. The previous refresh token and scopes are kept
   * when the provider does not send new ones (RFC 6749 section 6). Throws `TokenRequestError`.
   */
  async refresh(provider: OAuth2Provider, previous: OAuth2TokenSet & { refreshToken: string }): Promise<OAuth2TokenSet> {
    const as = authorizationServerOf(provider);
    const client: oauth.Client = { client_id: provider.client.clientId };
    try {
      const response = await oauth.refreshTokenGrantRequest(as, client, clientAuthOf(provider), previous.refreshToken, this.#requestOptions(provider));
      const result = await oauth.processRefreshTokenResponse(as, client, response);
      return tokenSetOf(result, previous, Date.now());
    } catch (error) {
      throw toTokenRequestError(error);
    }
  }

  #requestOptions(provider: OAuth2Provider): oauth.TokenEndpointRequestOptions {
    return {
      signal: AbortSignal.timeout(this.#timeoutMs),
      [oauth.customFetch]: (url, init) => this.#fetch(provider, url, init),
      // `https` is required except for loopback endpoints, which only `OAUTH2_CLIENTS` can set.
      [oauth.allowInsecureRequests]: new URL(provider.tokenUrl).protocol === 'http:',
    };
  }

  /** A `fetch` for `oauth4webapi` that sends the request through the HTTP gateway. */
  async #fetch(provider: OAuth2Provider, url: string, init: oauth.CustomFetchOptions<string, unknown>): Promise<Response> {
    const body = init.body === undefined || init.body === null ? undefined : String(init.body);
    const signal = init.signal ?? AbortSignal.timeout(this.#timeoutMs);
    const reply = await this.#gateway.request(
      // The token endpoint comes from the manifest or the operator, not from plugin code at
      // run time. So any host passes, but the private address rules still apply.
      { plugin: provider.pluginName, hosts: [], anyHost: true },
      { method: init.method, url, headers: init.headers, body, responseType: 'text' },
      signal,
    );
    const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    return new Response(NULL_BODY_STATUSES.has(reply.status) ? null : text, { status: reply.status, headers: reply.headers });
  }
}
