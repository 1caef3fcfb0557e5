/**
 * Renewal of OAuth2 access tokens before a task receives them, one refresh per credential at a
 * time. Inside a process, concurrent callers share one promise. Across processes, the
 * refresher first claims the credential: a compare-and-set on `updatedAt` stores
 * `refreshClaimedUntil` in its metadata, and the other processes wait for the new tokens. This
 * matters because many providers rotate refresh tokens and revoke every token of a grant when
 * an old refresh token is used twice.
 */
import type { CredentialRecord } from '@gestorlead/storage';
import type { Logger } from 'pino';
import { StudioError } from '../../errors.js';
import { oauth2MetadataOf, type CredentialContents, type OAuth2TokenSet } from '../credential-contents.js';
import type { CredentialStore } from '../credential-store.js';
import type { OAuth2Provider } from './provider.js';
import { TokenRequestError, type OAuth2TokenClient } from './token-client.js';

/** A token that expires within this time is renewed before a task receives it. */
export const REFRESH_MARGIN_MS = 60_000;
/** How long a claim to refresh a credential lasts, in milliseconds. */
export const REFRESH_CLAIM_MS = 30_000;
/** Pause between reads while another process refreshes, in milliseconds. */
const CLAIM_POLL_MS = 250;
/** Writes of refreshed tokens tried when the record changes meanwhile (a rename, say). */
const SAVE_ATTEMPTS = 3;

/** The metadata key of a refresh claim: an ISO-8601 instant. */
export const REFRESH_CLAIM_KEY = 'refreshClaimedUntil';

/** Returns whether `tokens` expire within `REFRESH_MARGIN_MS` of `now`. */
export function needsRefresh(tokens: OAuth2TokenSet, now: number): boolean {
  if (tokens.expiresAt === undefined) return false;
  return Date.parse(tokens.expiresAt) - now <= REFRESH_MARGIN_MS;
}

function withoutClaim(meta: Record<string, unknown>): Record<string, unknown> {
  const { [REFRESH_CLAIM_KEY]: _claim, ...rest } = meta;
  return rest;
}

function reconnectError(record: Pick<CredentialRecord, 'id' | 'name'>, reason: string): StudioError {
  return new StudioError(
    'CREDENTIAL_OAUTH2_REFRESH_FAILED',
    `credential "${record.name}" (${record.id}) needs to be connected again: ${reason}. ` +
      'Reconnect it with POST /v1/credentials/oauth2/start and its credentialId',
    { details: { credentialId: record.id } },
  );
}

/** Options of `TokenRefresher`. */
export interface TokenRefresherOptions {
  store: CredentialStore;
  tokens: OAuth2TokenClient;
  /** Returns the provider of a credential type, or throws a `StudioError`. */
  providerOf(type: string): OAuth2Provider;
  log: Logger;
  now?: () => number;
}

/** Renews access tokens close to expiry. */
export class TokenRefresher {
  readonly #options: TokenRefresherOptions;
  readonly #now: () => number;
  readonly #inFlight = new Map<string, Promise<CredentialContents>>();

  constructor(options: TokenRefresherOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Returns `contents` with tokens that are valid for at least `REFRESH_MARGIN_MS`, refreshing
   * them first when needed. Throws `CREDENTIAL_OAUTH2_REFRESH_FAILED` when the provider rejects
   * the refresh token or the token expired without one, `CREDENTIAL_OAUTH2_TOKEN_ENDPOINT_FAILED`
   * when the provider cannot be reached, and `CREDENTIAL_OAUTH2_REFRESH_IN_PROGRESS` when
   * another process keeps the claim for too long.
   */
  async ensureFresh(record: CredentialRecord, contents: CredentialContents): Promise<CredentialContents> {
    const tokens = contents.oauth2;
    const now = this.#now();
    if (tokens === undefined || !needsRefresh(tokens, now)) return contents;
    if (tokens.refreshToken === undefined) {
      if (Date.parse(tokens.expiresAt!) > now) return contents;
      throw reconnectError(record, 'its access token expired and the provider issued no refresh token');
    }

    let flight = this.#inFlight.get(record.id);
    if (flight === undefined) {
      flight = this.#refreshShared(record.id).finally(() => this.#inFlight.delete(record.id));
      this.#inFlight.set(record.id, flight);
    }
    return flight;
  }

  /** Claims the credential and refreshes it, or waits for the process that has the claim. */
  async #refreshShared(id: string): Promise<CredentialContents> {
    const { store } = this.#options;
    const deadline = this.#now() + REFRESH_CLAIM_MS + CLAIM_POLL_MS * 4;
    while (this.#now() < deadline) {
      const stored = await store.get(id);
      if (stored === null) {
        throw new StudioError('PLUGIN_CREDENTIAL_MISSING', `credential "${id}" was deleted while its token was being refreshed`);
      }
      const { record, contents } = await store.open(stored);
      if (contents.oauth2 === undefined || !needsRefresh(contents.oauth2, this.#now())) return contents;

      const claim = record.meta[REFRESH_CLAIM_KEY];
      if (typeof claim === 'string' && Date.parse(claim) > this.#now()) {
        await new Promise((resolve) => setTimeout(resolve, CLAIM_POLL_MS));
        continue;
      }
      const claimedUntil = new Date(this.#now() + REFRESH_CLAIM_MS).toISOString();
      const claimed = await store.update(record, { meta: { ...record.meta, [REFRESH_CLAIM_KEY]: claimedUntil } }, { expectedUpdatedAt: record.updatedAt });
      if (claimed === null) continue;
      return this.#refreshClaimed(claimed, contents);
    }
    throw new StudioError('CREDENTIAL_OAUTH2_REFRESH_IN_PROGRESS', `another process is refreshing the token of credential "${id}"; try again shortly`, {
      details: { credentialId: id },
    });
  }

  async #refreshClaimed(claimed: CredentialRecord, contents: CredentialContents): Promise<CredentialContents> {
    const { store, log } = this.#options;
    const previous = contents.oauth2 as OAuth2TokenSet & { refreshToken: string };
    let next: OAuth2TokenSet;
    try {
      next = await this.#options.tokens.refresh(this.#options.providerOf(claimed.type), previous);
    } catch (error) {
      await store.update(claimed, { meta: withoutClaim(claimed.meta) }, { expectedUpdatedAt: claimed.updatedAt }).catch((releaseError: unknown) => {
        log.warn({ err: releaseError, credentialId: claimed.id }, 'refresh claim could not be released; it expires by itself');
      });
      throw this.#refreshError(claimed, error);
    }

    const refreshed: CredentialContents = { ...contents, oauth2: next };
    let record = claimed;
    for (let attempt = 1; attempt <= SAVE_ATTEMPTS; attempt += 1) {
      const meta = { ...withoutClaim(record.meta), oauth2: oauth2MetadataOf(next) };
      const saved = await store.update(record, { contents: refreshed, meta }, { expectedUpdatedAt: record.updatedAt });
      if (saved !== null) {
        log.info({ credentialId: claimed.id, expiresAt: next.expiresAt ?? null }, 'oauth2 access token refreshed');
        return refreshed;
      }
      // The record changed while the provider responded. A rename or a new name keeps the new
      // tokens; a reconnect, which stored other tokens, wins over this refresh.
      const current = await store.get(claimed.id);
      if (current === null) break;
      const opened = await store.open(current);
      if (opened.contents.oauth2?.accessToken !== previous.accessToken) return opened.contents;
      record = opened.record;
      refreshed.values = opened.contents.values;
    }
    log.warn({ credentialId: claimed.id }, 'refreshed oauth2 tokens could not be stored; the task uses them once');
    return refreshed;
  }

  #refreshError(record: CredentialRecord, error: unknown): Error {
    if (error instanceof StudioError) return error;
    if (!(error instanceof TokenRequestError)) return error as Error;
    const { failure } = error;
    this.#options.log.warn(
      { credentialId: record.id, failure: failure.kind, error: failure.kind === 'rejected' ? failure.error : undefined, status: failure.kind === 'rejected' ? failure.status : undefined },
      'oauth2 token refresh failed',
    );
    if (failure.kind === 'rejected' && failure.status < 500) {
      return reconnectError(record, `the provider rejected its refresh token (${failure.error})`);
    }
    const reason = failure.kind === 'rejected' ? `the token endpoint returned ${failure.error} with status ${failure.status}` : failure.message;
    return new StudioError('CREDENTIAL_OAUTH2_TOKEN_ENDPOINT_FAILED', `the token of credential "${record.id}" could not be refreshed: ${reason}`, {
      details: { credentialId: record.id },
    });
  }
}
