/**
 * A small OAuth2 authorization server on 127.0.0.1 for the vault tests. It issues codes with
 * their PKCE challenge (RFC 7636, S256 only). It exchanges a code after checking the client
 * secret (HTTP Basic), the redirect URI and the verifier, and it issues and rotates refresh
 * tokens. An `/api` resource accepts only live access tokens.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { sendJson, startLocalServer, type LocalServer, type ReceivedRequest } from '../plugins/support/local-server.js';

/** Client credentials the server accepts. */
export const CLIENT_ID = 'studio-client';
export const CLIENT_SECRET = 'studio-client-secret-42';

/** Behaviour switches a test may flip. */
export interface OAuthServerBehaviour {
  /** Lifetime of access tokens issued for a code, in seconds. */
  codeTokenLifetimeS: number;
  /** Lifetime of access tokens issued by a refresh, in seconds. */
  refreshTokenLifetimeS: number;
  /** Delay before the response to a refresh, in milliseconds. */
  refreshDelayMs: number;
  /** Reject every refresh with `invalid_grant`. */
  rejectRefresh: boolean;
  /** Redirect from `/authorize` with `error=access_denied`. */
  deny: boolean;
  /** Store a wrong challenge, so the verifier check fails. */
  corruptChallenge: boolean;
}

/** The server and what it saw. */
export interface OAuthServer extends LocalServer {
  behaviour: OAuthServerBehaviour;
  /** Refresh requests that got new tokens. */
  refreshes: number;
  /** Every access token issued, in order. */
  issuedAccessTokens: string[];
  /** The code verifiers received at the token endpoint. */
  verifiers: string[];
  /** Whether an access token was issued and has not expired. */
  isLive(accessToken: string): boolean;
}

interface PendingCode {
  challenge: string | null;
  redirectUri: string;
  scope: string;
}

function token(prefix: string): string {
  return `${prefix}-${randomBytes(12).toString('hex')}`;
}

function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

/** Decodes HTTP Basic client credentials, which RFC 6749 section 2.3.1 form-urlencodes first. */
function basicCredentials(header: string | undefined): { id: string; secret: string } | null {
  if (header === undefined || !header.startsWith('Basic ')) return null;
  const decoded = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  const formDecode = (text: string): string => decodeURIComponent(text.replaceAll('+', ' '));
  return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
}

function oauthError(response: ServerResponse, status: number, error: string, description: string): void {
  sendJson(response, status, { error, error_description: description });
}

/** Starts the server. */
export async function startOAuthServer(): Promise<OAuthServer> {
  const codes = new Map<string, PendingCode>();
  const accessTokens = new Map<string, number>();
  const refreshTokens = new Set<string>();
  const state = {
    behaviour: {
      codeTokenLifetimeS: 3600,
      refreshTokenLifetimeS: 3600,
      refreshDelayMs: 0,
      rejectRefresh: false,
      deny: false,
      corruptChallenge: false,
    } as OAuthServerBehaviour,
    refreshes: 0,
    issuedAccessTokens: [] as string[],
    verifiers: [] as string[],
  };

  const issue = (lifetimeS: number, scope: string) => {
    const accessToken = token('access');
    const refreshToken = token('refresh');
    accessTokens.set(accessToken, Date.now() + lifetimeS * 1000);
    refreshTokens.add(refreshToken);
    state.issuedAccessTokens.push(accessToken);
    return { access_token: accessToken, token_type: 'Bearer', expires_in: lifetimeS, refresh_token: refreshToken, scope };
  };

  const authorize = (url: URL, response: ServerResponse): void => {
    const redirectUri = url.searchParams.get('redirect_uri') ?? '';
    const target = new URL(redirectUri);
    target.searchParams.set('state', url.searchParams.get('state') ?? '');
    if (url.searchParams.get('client_id') !== CLIENT_ID || url.searchParams.get('response_type') !== 'code') {
      target.searchParams.set('error', 'unauthorized_client');
    } else if (state.behaviour.deny) {
      target.searchParams.set('error', 'access_denied');
      target.searchParams.set('error_description', 'the user declined');
    } else {
      const code = token('code');
      const method = url.searchParams.get('code_challenge_method');
      const challenge = method === 'S256' ? url.searchParams.get('code_challenge') : null;
      codes.set(code, {
        challenge: state.behaviour.corruptChallenge ? 'wrong-challenge' : challenge,
        redirectUri,
        scope: url.searchParams.get('scope') ?? '',
      });
      target.searchParams.set('code', code);
    }
    response.writeHead(302, { location: target.href });
    response.end();
  };

  const exchange = (form: URLSearchParams, response: ServerResponse): void => {
    const code = form.get('code') ?? '';
    const pending = codes.get(code);
    codes.delete(code);
    if (pending === undefined || form.get('redirect_uri') !== pending.redirectUri) {
      return oauthError(response, 400, 'invalid_grant', 'unknown code or redirect_uri');
    }
    const verifier = form.get('code_verifier');
    if (verifier !== null) state.verifiers.push(verifier);
    if (pending.challenge !== null && (verifier === null || s256(verifier) !== pending.challenge)) {
      return oauthError(response, 400, 'invalid_grant', 'code_verifier does not match the challenge');
    }
    sendJson(response, 200, issue(state.behaviour.codeTokenLifetimeS, pending.scope));
  };

  const refresh = async (form: URLSearchParams, response: ServerResponse): Promise<void> => {
    await new Promise((resolve) => setTimeout(resolve, state.behaviour.refreshDelayMs));
    const presented = form.get('refresh_token') ?? '';
    if (state.behaviour.rejectRefresh || !refreshTokens.delete(presented)) {
      return oauthError(response, 400, 'invalid_grant', 'refresh token is invalid or was used');
    }
    state.refreshes += 1;
    sendJson(response, 200, issue(state.behaviour.refreshTokenLifetimeS, 'read write'));
  };

  const handler = async (request: ReceivedRequest, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url, 'http://127.0.0.1');
    if (url.pathname === '/authorize') return authorize(url, response);
    if (url.pathname === '/api') {
      const presented = (request.headers.authorization ?? '').replace(/^Bearer /, '');
      const expiresAt = accessTokens.get(presented);
      return sendJson(response, expiresAt !== undefined && expiresAt > Date.now() ? 200 : 401, {});
    }
    if (url.pathname !== '/token' || request.method !== 'POST') return sendJson(response, 404, {});

    const form = new URLSearchParams(request.body);
    // client_secret_basic, or client_secret_post (RFC 6749 section 2.3.1) when no header is sent.
    const client = basicCredentials(request.headers.authorization) ?? { id: form.get('client_id'), secret: form.get('client_secret') };
    if (client.id !== CLIENT_ID || client.secret !== CLIENT_SECRET) {
      return oauthError(response, 401, 'invalid_client', 'client authentication failed');
    }
    if (form.get('grant_type') === 'authorization_code') return exchange(form, response);
    if (form.get('grant_type') === 'refresh_token') return refresh(form, response);
    return oauthError(response, 400, 'unsupported_grant_type', 'unsupported grant_type');
  };

  const server = (await startLocalServer(handler)) as OAuthServer;
  server.isLive = (accessToken) => (accessTokens.get(accessToken) ?? 0) > Date.now();
  server.behaviour = state.behaviour;
  server.issuedAccessTokens = state.issuedAccessTokens;
  server.verifiers = state.verifiers;
  Object.defineProperty(server, 'refreshes', { get: () => state.refreshes });
  return server;
}
