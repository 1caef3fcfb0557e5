/**
 * Access tokens (HS256 JWTs signed with `SECRET_KEY`) and the opaque secrets behind refresh
 * tokens and API keys, which the studio stores only as SHA-256 hashes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { StudioError } from '../errors.js';
import { newId } from '../ids.js';

/** `iss` of every access token. */
export const ACCESS_TOKEN_ISSUER = 'gestorlead-studio';
/** `aud` of every access token: the studio's REST and WebSocket API. */
export const ACCESS_TOKEN_AUDIENCE = 'gestorlead-studio-api';
/** Prefix of personal API keys, so that a leaked key is recognisable (and secret scanners can match it). */
export const API_KEY_PREFIX = 'glk_';
/** Prefix of refresh tokens. */
export const REFRESH_TOKEN_PREFIX = 'glr_';
/** Random bytes in an API key or refresh token. */
const OPAQUE_TOKEN_BYTES = 32;

/** A signed access token and when it expires. */
export interface IssuedAccessToken {
  token: string;
  expiresAt: Date;
}

/** Signs an access token for `userId` that expires `ttlSeconds` from now. */
export async function signAccessToken(secretKey: Uint8Array, userId: string, ttlSeconds: number): Promise<IssuedAccessToken> {
  const issuedAt = Math.floor(Date.now() / 1000);
  const expiresAt = issuedAt + ttlSeconds;
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ACCESS_TOKEN_ISSUER)
    .setAudience(ACCESS_TOKEN_AUDIENCE)
    .setSubject(userId)
    .setJti(newId('jti'))
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .sign(secretKey);
  return { token, expiresAt: new Date(expiresAt * 1000) };
}

/**
 * Verifies an access token and returns its user id. Throws `AUTH_TOKEN_EXPIRED` for a token past
 * its `exp`, and `AUTH_TOKEN_INVALID` for anything else that fails: format, signature, algorithm,
 * issuer, audience or a missing claim.
 */
export async function verifyAccessToken(secretKey: Uint8Array, token: string): Promise<string> {
  try {
    const { payload } = await jwtVerify(token, secretKey, {
      algorithms: ['HS256'],
      issuer: ACCESS_TOKEN_ISSUER,
      audience: ACCESS_TOKEN_AUDIENCE,
      requiredClaims: ['sub', 'jti', 'iat', 'exp'],
    });
    return payload.sub!;
  } catch (error) {
    if (error instanceof errors.JWTExpired) {
      throw new StudioError('AUTH_TOKEN_EXPIRED', 'access token has expired; get a new one with POST /v1/auth/refresh');
    }
    if (error instanceof errors.JOSEError) {
      throw new StudioError('AUTH_TOKEN_INVALID', 'access token is invalid; sign in again');
    }
    throw error;
  }
}

/** Makes a random opaque token with `prefix`, such as an API key. */
export function newOpaqueToken(prefix: string): string {
  return `${prefix}${randomBytes(OPAQUE_TOKEN_BYTES).toString('base64url')}`;
}

/** Returns the hex SHA-256 of an opaque token, the form in which storage keeps it. */
export function hashOpaqueToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
