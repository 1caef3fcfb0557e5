/**
 * The data the vault encrypts for one credential, and the parts a task and a listing may see.
 * The encrypted contents are the values a user entered and, for an OAuth2 credential, its
 * tokens. A task receives the values and the access token, never the refresh token; a listing
 * receives neither, only the metadata stored beside the envelope.
 */
import type { CredentialTypeManifest } from '@gestorlead/sdk-plugin/plugin';

/** Tokens of an OAuth2 credential. */
export interface OAuth2TokenSet {
  accessToken: string;
  /** Lowercase, as RFC 6749 section 7.1 compares it: usually `bearer`. */
  tokenType: string;
  refreshToken?: string;
  /** When the access token expires (ISO-8601), when the provider sent an expiry. */
  expiresAt?: string;
  /** The scopes granted; absent when the provider did not list them. */
  scopes?: string[];
}

/** The decrypted contents of a credential. */
export interface CredentialContents {
  /** Values the user entered, valid against the type's schema. */
  values: Record<string, unknown>;
  oauth2?: OAuth2TokenSet;
}

/** Metadata of an OAuth2 credential, stored unencrypted beside the envelope. */
export interface OAuth2Metadata {
  expiresAt: string | null;
  scopes: string[] | null;
  /** Whether a refresh token is stored, so the studio can renew the access token by itself. */
  refreshable: boolean;
}

/** Returns the values a task receives: the user's values and the access token fields. */
export function taskValuesOf(contents: CredentialContents): Record<string, unknown> {
  const tokens = contents.oauth2;
  if (tokens === undefined) return { ...contents.values };
  return {
    ...contents.values,
    accessToken: tokens.accessToken,
    tokenType: tokens.tokenType,
    ...(tokens.expiresAt !== undefined ? { expiresAt: tokens.expiresAt } : {}),
    ...(tokens.scopes !== undefined ? { scopes: [...tokens.scopes] } : {}),
  };
}

/** Returns the listable metadata of an OAuth2 token set. */
export function oauth2MetadataOf(tokens: OAuth2TokenSet): OAuth2Metadata {
  return {
    expiresAt: tokens.expiresAt ?? null,
    scopes: tokens.scopes ?? null,
    refreshable: tokens.refreshToken !== undefined,
  };
}

/** Task values of an OAuth2 credential that describe the token and are not secret. */
const OAUTH2_PUBLIC_FIELDS: ReadonlySet<string> = new Set(['tokenType', 'expiresAt', 'scopes']);

function collectStrings(value: unknown, into: string[]): void {
  if (typeof value === 'string') into.push(value);
  else if (Array.isArray(value)) for (const item of value) collectStrings(item, into);
  else if (value !== null && typeof value === 'object') for (const item of Object.values(value)) collectStrings(item, into);
}

/**
 * Returns the strings of a task's credential values that count as secret and must be scrubbed
 * from what the task records. These are all strings except two kinds: values of properties
 * whose schema limits them to listed choices (`enum`, `const`), and the token type, expiry and
 * scopes of an OAuth2 type. A value is secret unless the schema shows otherwise, because many
 * schemas do not mark their secrets.
 */
export function secretStringsOf(values: Record<string, unknown>, type: CredentialTypeManifest | undefined): string[] {
  const properties = (type?.schema.properties ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    if (type?.oauth2 !== undefined && OAUTH2_PUBLIC_FIELDS.has(name)) continue;
    const schema = Object.hasOwn(properties, name) ? properties[name] : undefined;
    if (schema !== undefined && (Array.isArray(schema.enum) || Object.hasOwn(schema, 'const'))) continue;
    collectStrings(value, secrets);
  }
  return secrets;
}
