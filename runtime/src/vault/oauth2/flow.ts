/**
 * The OAuth2 authorization-code flow with PKCE (RFC 6749 section 4.1, RFC 7636) that connects
 * a credential. `start` stores a pending authorization under a random `state`, with the code
 * verifier and any entered values encrypted, and returns the provider's authorization URL.
 * `finish` takes that state once, checks the provider's redirect, exchanges the code and
 * stores the tokens as a new credential or into the credential being reconnected.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { CredentialRecord, OAuthStateRepository } from '@gestorlead/storage';
import * as oauth from 'oauth4webapi';
import type { Logger } from 'pino';
import { StudioError } from '../../errors.js';
import { oauth2MetadataOf, type CredentialContents } from '../credential-contents.js';
import type { CredentialStore } from '../credential-store.js';
import { checkCredentialValues, type CredentialTypeEntry } from '../credential-types.js';
import type { Vault } from '../vault.js';
import { oauth2ProviderOf, type OAuth2Provider } from './provider.js';
import { REFRESH_CLAIM_KEY } from './refresh.js';
import type { OAuth2Config } from './settings.js';
import { TokenRequestError, type OAuth2TokenClient } from './token-client.js';

/** How long a started authorization may take before its callback, in milliseconds. */
export const OAUTH2_STATE_TTL_MS = 10 * 60_000;

/** A connection a user requests. */
export interface OAuth2StartRequest {
  userId: string;
  /** `<plugin>/<type>`. */
  type: string;
  name: string;
  /** Values besides the tokens; null to keep those of the credential being reconnected. */
  values: Record<string, unknown> | null;
  /** The credential to reconnect; null to create a new one. */
  credentialId: string | null;
  redirectUri: string;
  /** The origin of the page that opened the pop-up; the callback page posts its result there. */
  openerOrigin: string;
}

/** The result of `start`. */
export interface OAuth2StartResult {
  authorizationUrl: string;
  state: string;
  expiresAt: string;
  /**
   * The secret that binds the authorization to the browser that started it. The start route
   * sets it as a cookie, and `finish` requires it back; only its SHA-256 hash is stored.
   */
  browserNonce: string;
}

/** The result of `finish`. */
export interface OAuth2FinishResult {
  credential: CredentialRecord;
  created: boolean;
  openerOrigin: string;
}

/** Data kept with a pending authorization, unencrypted. */
interface PendingData {
  type: string;
  name: string;
  credentialId: string | null;
  redirectUri: string;
  openerOrigin: string;
  /** SHA-256 of the browser nonce, base64url. */
  browserNonceHash: string;
}

/** Data kept with a pending authorization, encrypted. */
interface PendingSecret {
  codeVerifier: string | null;
  values: Record<string, unknown> | null;
}

/** Dependencies of `OAuth2Flow`. */
export interface OAuth2FlowOptions {
  states: OAuthStateRepository;
  vault: Vault;
  store: CredentialStore;
  tokens: OAuth2TokenClient;
  config: OAuth2Config;
  /** Finds a credential type; with `userId`, only among the plugins that user may use. */
  findType(type: string, userId?: string): CredentialTypeEntry | undefined;
  log: Logger;
}

function unknownType(type: string, pointer: string): StudioError {
  return new StudioError('CREDENTIAL_TYPE_UNKNOWN', `no installed plugin declares the credential type "${type}"`, {
    problems: [{ pointer, message: 'matches no credential type of an installed plugin' }],
  });
}

function stateInvalid(): StudioError {
  return new StudioError(
    'CREDENTIAL_OAUTH2_STATE_INVALID',
    'this authorization is unknown, expired or already used; start the connection again',
    { problems: [{ pointer: '/query/state', message: 'matches no pending authorization' }] },
  );
}

function browserMismatch(): StudioError {
  return new StudioError(
    'CREDENTIAL_OAUTH2_BROWSER_MISMATCH',
    'this authorization was started in another browser; start the connection again in this browser',
    { problems: [{ pointer: '/headers/cookie', message: 'must contain the cookie set when this connection was started' }] },
  );
}

function hashNonce(nonce: string): Buffer {
  return createHash('sha256').update(nonce).digest();
}

/** Reports whether `nonce` is the browser nonce whose hash was stored, in constant time. */
function nonceMatches(nonce: string | undefined, storedHash: string | undefined): boolean {
  if (nonce === undefined || nonce === '' || typeof storedHash !== 'string') return false;
  const expected = Buffer.from(storedHash, 'base64url');
  const actual = hashNonce(nonce);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Builds the provider's authorization URL (RFC 6749 section 4.1.1). */
async function authorizationUrlOf(provider: OAuth2Provider, state: string, redirectUri: string, codeVerifier: string | null): Promise<string> {
  const url = new URL(provider.authorizationUrl);
  // The manifest's extra parameters go first, so the flow's own parameters replace them.
  for (const [name, value] of Object.entries(provider.authorizationParams)) url.searchParams.set(name, value);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', provider.client.clientId);
  url.searchParams.set('redirect_uri', redirectUri);
  url.searchParams.set('state', state);
  if (provider.scopes.length > 0) url.searchParams.set('scope', provider.scopes.join(provider.scopeSeparator));
  else url.searchParams.delete('scope');
  if (codeVerifier !== null) {
    url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(codeVerifier));
    url.searchParams.set('code_challenge_method', 'S256');
  } else {
    url.searchParams.delete('code_challenge');
    url.searchParams.delete('code_challenge_method');
  }
  return url.href;
}

/** Starts and finishes OAuth2 connections. */
export class OAuth2Flow {
  readonly #options: OAuth2FlowOptions;

  constructor(options: OAuth2FlowOptions) {
    this.#options = options;
  }

  /** Returns the provider of a credential type, or throws a `StudioError` located at `pointer`. */
  providerOf(type: string, pointer = '/body/type'): OAuth2Provider {
    const entry = this.#options.findType(type);
    if (entry === undefined) throw unknownType(type, pointer);
    return oauth2ProviderOf(entry, this.#options.config, pointer);
  }

  /** Stores a pending authorization and returns where to send the user. */
  async start(request: OAuth2StartRequest): Promise<OAuth2StartResult> {
    const { states, vault, store } = this.#options;
    const entry = this.#options.findType(request.type, request.userId);
    if (entry === undefined) throw unknownType(request.type, '/body/type');
    const provider = oauth2ProviderOf(entry, this.#options.config);
    if (request.values !== null) {
      const problems = checkCredentialValues(entry, request.values, '/body/values');
      if (problems.length > 0) {
        throw new StudioError('CREDENTIAL_VALUES_INVALID', `the values do not match credential type ${entry.type}; first: ${problems[0].pointer} ${problems[0].message}`, {
          problems,
        });
      }
    }
    if (request.credentialId !== null) {
      const existing = await store.getOwned(request.userId, request.credentialId);
      if (existing === null) {
        throw new StudioError('CREDENTIAL_NOT_FOUND', `credential "${request.credentialId}" does not exist`, {
          problems: [{ pointer: '/body/credentialId', message: 'matches no credential' }],
        });
      }
      if (existing.type !== entry.type) {
        throw new StudioError('REQUEST_INVALID', `credential "${existing.id}" is of type ${existing.type}, not ${entry.type}`, {
          problems: [{ pointer: '/body/type', message: `must be ${existing.type}, the type of the credential to reconnect` }],
        });
      }
    }

    const state = oauth.generateRandomState();
    const browserNonce = randomBytes(32).toString('base64url');
    const codeVerifier = provider.pkce ? oauth.generateRandomCodeVerifier() : null;
    const secret: PendingSecret = { codeVerifier, values: request.values };
    const sealed = vault.encrypt(secret, { purpose: 'oauth2-state', state, userId: request.userId });
    const data: PendingData = {
      type: entry.type,
      name: request.name,
      credentialId: request.credentialId,
      redirectUri: request.redirectUri,
      openerOrigin: request.openerOrigin,
      browserNonceHash: hashNonce(browserNonce).toString('base64url'),
    };
    const now = Date.now();
    const expiresAt = new Date(now + OAUTH2_STATE_TTL_MS).toISOString();
    await states.purgeExpired(new Date(now).toISOString());
    await states.create({
      state,
      userId: request.userId,
      secret: sealed.secret,
      keyId: sealed.keyId,
      data: { ...data },
      createdAt: new Date(now).toISOString(),
      expiresAt,
    });
    this.#options.log.info({ userId: request.userId, type: entry.type, reconnect: request.credentialId !== null }, 'oauth2 connection started');
    const authorizationUrl = await authorizationUrlOf(provider, state, request.redirectUri, codeVerifier);
    return { authorizationUrl, state, expiresAt, browserNonce };
  }

  /**
   * Finishes a connection from the provider's redirect parameters and the browser nonce that
   * `start` returned, read back from the browser's cookie. The state is used up even when the
   * nonce does not match, so a link sent to another browser cannot be replayed. Throws a
   * `StudioError`; once the state is known, the error carries `details.openerOrigin` for the
   * callback page.
   */
  async finish(parameters: URLSearchParams, browserNonce: string | undefined): Promise<OAuth2FinishResult> {
    const { states, vault, tokens } = this.#options;
    const state = parameters.get('state');
    if (state === null || state === '') throw stateInvalid();
    const pending = await states.take(state, new Date().toISOString());
    if (pending === null) throw stateInvalid();
    const data = pending.data as unknown as PendingData;

    try {
      // The state must be bound to the user agent (RFC 9700, cross-site request forgery), or
      // another user's authorization URL links the victim's provider account to that user.
      if (!nonceMatches(browserNonce, data.browserNonceHash)) {
        this.#options.log.info({ userId: pending.userId, type: data.type }, 'oauth2 callback from another browser rejected');
        throw browserMismatch();
      }
      const { value: secret } = vault.decrypt<PendingSecret>(pending.secret, { purpose: 'oauth2-state', state, userId: pending.userId });
      const provider = this.providerOf(data.type, '/query/state');
      const validated = tokens.validateRedirect(provider, parameters, state);
      let tokenSet;
      try {
        tokenSet = await tokens.exchangeCode(provider, validated, data.redirectUri, secret.codeVerifier);
      } catch (error) {
        throw this.#exchangeError(data.type, error);
      }
      const { credential, created } = await this.#storeTokens(pending.userId, data, secret.values, tokenSet);
      this.#options.log.info({ userId: pending.userId, type: data.type, credentialId: credential.id, created }, 'oauth2 connection finished');
      return { credential, created, openerOrigin: data.openerOrigin };
    } catch (error) {
      if (error instanceof StudioError) {
        throw new StudioError(error.code, error.message, {
          problems: error.problems,
          details: { ...error.details, openerOrigin: data.openerOrigin },
        });
      }
      throw error;
    }
  }

  async #storeTokens(
    userId: string,
    data: PendingData,
    values: Record<string, unknown> | null,
    tokenSet: NonNullable<CredentialContents['oauth2']>,
  ): Promise<{ credential: CredentialRecord; created: boolean }> {
    const { store } = this.#options;
    const existing = data.credentialId === null ? null : await store.getOwned(userId, data.credentialId);
    const meta = { oauth2: oauth2MetadataOf(tokenSet) };
    if (existing !== null) {
      const keptValues = values ?? (await store.open(existing)).contents.values;
      const { [REFRESH_CLAIM_KEY]: _claim, ...otherMeta } = existing.meta;
      // A reconnect replaces the tokens whatever changed meanwhile, so no compare-and-set.
      const updated = await store.update(existing, { contents: { values: keptValues, oauth2: tokenSet }, meta: { ...otherMeta, ...meta } });
      if (updated !== null) return { credential: updated, created: false };
    }
    // A new connection, or a reconnect whose credential was deleted during the flow.
    const credential = await store.create({ ownerId: userId, name: data.name, type: data.type, contents: { values: values ?? {}, oauth2: tokenSet }, meta });
    return { credential, created: true };
  }

  #exchangeError(type: string, error: unknown): Error {
    if (!(error instanceof TokenRequestError)) return error as Error;
    const { failure } = error;
    this.#options.log.warn(
      { type, failure: failure.kind, error: failure.kind === 'rejected' ? failure.error : undefined, status: failure.kind === 'rejected' ? failure.status : undefined },
      'oauth2 code exchange failed',
    );
    const reason =
      failure.kind === 'rejected'
        ? `the provider rejected the authorization code (${failure.error}${failure.description ? `: ${failure.description.slice(0, 300)}` : ''})`
        : failure.message;
    return new StudioError('CREDENTIAL_OAUTH2_EXCHANGE_FAILED', `the connection could not be finished: ${reason}; start it again`);
  }
}
