/**
 * Sessions: a short-lived access token plus a refresh token. Refresh tokens of one sign-in form a
 * family. Each refresh uses its token once and issues the next one of the family; presenting a
 * used token again revokes the whole family, because either the client or a thief has a copy.
 */
import type { RefreshTokenRecord, Storage, UserRecord } from '@gestorlead/storage';
import type { Logger } from 'pino';
import { StudioError } from '../errors.js';
import { newId } from '../ids.js';
import type { StudioSecrets } from './secrets.js';
import type { AuthSettings } from './settings.js';
import { hashOpaqueToken, newOpaqueToken, REFRESH_TOKEN_PREFIX, signAccessToken } from './tokens.js';

const DAY_MS = 86_400_000;

/** The tokens a sign-in or refresh returns. */
export interface SessionTokens {
  tokenType: 'Bearer';
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
  refreshTokenExpiresAt: string;
}

/** JSON Schema of `SessionTokens`. */
export const SESSION_TOKENS_PROPERTIES = {
  tokenType: { type: 'string', enum: ['Bearer'] },
  accessToken: { type: 'string' },
  accessTokenExpiresAt: { type: 'string' },
  refreshToken: { type: 'string' },
  refreshTokenExpiresAt: { type: 'string' },
} as const;

/** Issues, rotates and revokes sessions. */
export class Sessions {
  readonly #storage: Storage;
  readonly #secrets: StudioSecrets;
  readonly #settings: AuthSettings;
  readonly #log: Logger;

  constructor(options: { storage: Storage; secrets: StudioSecrets; settings: AuthSettings; log: Logger }) {
    this.#storage = options.storage;
    this.#secrets = options.secrets;
    this.#settings = options.settings;
    this.#log = options.log;
  }

  /** Starts a new session (a new refresh token family) for `user`. */
  async start(user: UserRecord): Promise<SessionTokens> {
    const { record, token } = this.#newRefreshToken(user.id, newId('family'));
    await this.#storage.refreshTokens.create(record);
    return this.#tokens(user.id, token, record);
  }

  /**
   * Exchanges a refresh token for a new access token and the family's next refresh token.
   * Throws `AUTH_REFRESH_TOKEN_INVALID`, `_EXPIRED`, `_REVOKED` or `_REUSED`, or
   * `AUTH_USER_INACTIVE`.
   */
  async refresh(refreshToken: string): Promise<{ user: UserRecord; tokens: SessionTokens }> {
    const now = new Date().toISOString();
    const record = await this.#storage.refreshTokens.findByHash(hashOpaqueToken(refreshToken));
    if (record === null) {
      throw new StudioError('AUTH_REFRESH_TOKEN_INVALID', 'refresh token is not valid; sign in again');
    }
    if (record.revokedAt !== null) {
      throw new StudioError('AUTH_REFRESH_TOKEN_REVOKED', 'refresh token was revoked; sign in again');
    }
    if (record.usedAt !== null) await this.#rejectReuse(record, now);
    if (record.expiresAt <= now) {
      throw new StudioError('AUTH_REFRESH_TOKEN_EXPIRED', 'refresh token has expired; sign in again');
    }
    const user = await this.#storage.users.get(record.userId);
    if (user === null) {
      throw new StudioError('AUTH_REFRESH_TOKEN_INVALID', 'refresh token is not valid; sign in again');
    }
    if (!user.active) throw inactiveUser();

    const next = this.#newRefreshToken(user.id, record.familyId);
    // A concurrent refresh with the same token may have used it since the read above.
    if (!(await this.#storage.refreshTokens.rotate(record.id, next.record, now))) await this.#rejectReuse(record, now);
    return { user, tokens: await this.#tokens(user.id, next.token, next.record) };
  }

  /** Ends the session of `refreshToken`. An unknown or revoked token changes nothing. */
  async end(refreshToken: string): Promise<void> {
    const record = await this.#storage.refreshTokens.findByHash(hashOpaqueToken(refreshToken));
    if (record === null || record.revokedAt !== null) return;
    await this.#storage.refreshTokens.revokeFamily(record.familyId, new Date().toISOString());
  }

  /** Ends every session of a user; returns how many refresh tokens were revoked. */
  endAll(userId: string): Promise<number> {
    return this.#storage.refreshTokens.revokeByUser(userId, new Date().toISOString());
  }

  /** Deletes refresh tokens that expired more than a day ago. */
  purgeExpired(): Promise<number> {
    return this.#storage.refreshTokens.purgeExpired(new Date(Date.now() - DAY_MS).toISOString());
  }

  async #rejectReuse(record: RefreshTokenRecord, now: string): Promise<never> {
    const revoked = await this.#storage.refreshTokens.revokeFamily(record.familyId, now);
    this.#log.warn({ userId: record.userId, familyId: record.familyId, revoked }, 'refresh token reused; session revoked');
    throw new StudioError('AUTH_REFRESH_TOKEN_REUSED', 'refresh token was already used, so its session was revoked; sign in again');
  }

  #newRefreshToken(userId: string, familyId: string): { record: RefreshTokenRecord; token: string } {
    const token = newOpaqueToken(REFRESH_TOKEN_PREFIX);
    const createdAt = new Date();
    const record: RefreshTokenRecord = {
      id: newId('rt'),
      userId,
      familyId,
      tokenHash: hashOpaqueToken(token),
      expiresAt: new Date(createdAt.getTime() + this.#settings.refreshTokenTtlDays * DAY_MS).toISOString(),
      createdAt: createdAt.toISOString(),
      usedAt: null,
      revokedAt: null,
    };
    return { record, token };
  }

  async #tokens(userId: string, refreshToken: string, record: RefreshTokenRecord): Promise<SessionTokens> {
    const access = await signAccessToken(this.#secrets.secretKey, userId, this.#settings.accessTokenTtlSeconds);
    return {
      tokenType: 'Bearer',
      accessToken: access.token,
      accessTokenExpiresAt: access.expiresAt.toISOString(),
      refreshToken,
      refreshTokenExpiresAt: record.expiresAt,
    };
  }
}

/** Builds the error of a deactivated account. */
export function inactiveUser(): StudioError {
  return new StudioError('AUTH_USER_INACTIVE', 'this account is deactivated; ask an admin to activate it');
}
