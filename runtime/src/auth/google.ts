/**
 * Verifies Google ID tokens as Google's "Authenticate with a backend server" guide describes:
 * an RS256 signature by a key of Google's JWKS, `iss` of `accounts.google.com` (with or without
 * `https://`), `aud` equal to the studio's OAuth client id, and an unexpired `exp`.
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import type { Logger } from 'pino';
import { StudioError } from '../errors.js';

/** Issuers Google writes into ID tokens. */
const GOOGLE_ISSUERS = ['accounts.google.com', 'https://accounts.google.com'];
/** How long one fetch of the key set may take, in milliseconds. */
const JWKS_TIMEOUT_MS = 5000;

/** The identity a verified Google ID token vouches for. */
export interface GoogleIdentity {
  /** Google's stable account id (`sub`). */
  googleId: string;
  /** Lowercased and trimmed. */
  email: string;
  fullName: string | null;
  avatarUrl: string | null;
  /**
   * Whether Google is authoritative for the email: a Gmail address, or a Google Workspace account
   * (`hd` set). Google's guide advises another check of other addresses before trusting them.
   */
  emailAuthoritative: boolean;
}

/**
 * Errors that mean the key set could not be fetched or read, rather than that the token is bad.
 * jose 6.2 throws a plain JOSEError (`ERR_JOSE_GENERIC`) for a non-200 reply or a body that is
 * not JSON, and fetch throws a TypeError when the connection fails.
 */
function isKeySetUnavailable(error: unknown): boolean {
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return true;
  if (error instanceof errors.JOSEError) return error.code === 'ERR_JOSE_GENERIC';
  return error instanceof TypeError;
}

/** Verifies ID tokens against one client id and one key set URL. */
export class GoogleTokenVerifier {
  readonly #clientId: string;
  readonly #keySet: ReturnType<typeof createRemoteJWKSet>;
  readonly #log: Logger;

  constructor(options: { clientId: string; jwksUrl: string; log: Logger }) {
    this.#clientId = options.clientId;
    this.#keySet = createRemoteJWKSet(new URL(options.jwksUrl), { timeoutDuration: JWKS_TIMEOUT_MS });
    this.#log = options.log;
  }

  /**
   * Returns the identity of a valid ID token. Throws `AUTH_GOOGLE_TOKEN_INVALID`,
   * `AUTH_GOOGLE_EMAIL_UNVERIFIED`, or `AUTH_GOOGLE_UNAVAILABLE` when the keys cannot be fetched.
   */
  async verify(idToken: string): Promise<GoogleIdentity> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(idToken, this.#keySet, {
        algorithms: ['RS256'],
        issuer: GOOGLE_ISSUERS,
        audience: this.#clientId,
        requiredClaims: ['sub', 'exp', 'iat'],
      }));
    } catch (error) {
      if (isKeySetUnavailable(error)) {
        this.#log.warn({ err: error }, 'google key set could not be fetched');
        throw new StudioError('AUTH_GOOGLE_UNAVAILABLE', 'could not fetch Google\'s signing keys; try again later', { cause: error });
      }
      const code = error instanceof errors.JOSEError ? error.code : 'unknown';
      this.#log.info({ reason: code }, 'google id token rejected');
      throw new StudioError('AUTH_GOOGLE_TOKEN_INVALID', 'Google ID token is invalid or expired; sign in with Google again');
    }
    return this.#identity(payload);
  }

  #identity(payload: JWTPayload): GoogleIdentity {
    const email = typeof payload.email === 'string' ? payload.email.trim().toLowerCase() : '';
    if (email === '') {
      throw new StudioError('AUTH_GOOGLE_TOKEN_INVALID', 'Google ID token has no email; request the "email" scope');
    }
    if (payload.email_verified !== true) {
      throw new StudioError('AUTH_GOOGLE_EMAIL_UNVERIFIED', 'the Google account\'s email is not verified');
    }
    return {
      googleId: payload.sub!,
      email,
      fullName: typeof payload.name === 'string' && payload.name.trim() !== '' ? payload.name.trim() : null,
      avatarUrl: typeof payload.picture === 'string' && /^https?:\/\//.test(payload.picture) ? payload.picture : null,
      emailAuthoritative: email.endsWith('@gmail.com') || (typeof payload.hd === 'string' && payload.hd !== ''),
    };
  }
}
