/**
 * Account, token, rate-limit and secret settings, read from the environment by `loadConfig`.
 * Secret values stay raw strings here; `resolveSecrets` checks and decodes them.
 */

/** Registration policy: anyone (`open`) or only admins (`closed`) create accounts. The first account is always open. */
export type RegistrationPolicy = 'open' | 'closed';

/** Requests allowed per window for each tier. */
export interface RateLimitSettings {
  /** Length of one rate-limit window, in milliseconds. */
  windowMs: number;
  /** Requests per window from one IP address without a principal. */
  anonymous: number;
  /** Requests per window from one user of the `standard` tier. */
  authenticated: number;
  /** Requests per window from one user of the `premium` tier. */
  premium: number;
}

/** Accounts, tokens and limits. */
export interface AuthSettings {
  registration: RegistrationPolicy;
  /** Lifetime of an access token, in seconds. */
  accessTokenTtlSeconds: number;
  /** Lifetime of a refresh token, in days. */
  refreshTokenTtlDays: number;
  /** OAuth client id that Google ID tokens must name as audience; null disables Google sign-in. */
  googleClientId: string | null;
  /** JSON Web Key Set that signs Google ID tokens. */
  googleJwksUrl: string;
  rateLimit: RateLimitSettings;
  /** Failed logins allowed per account and IP address within `loginFailureWindowMs`. */
  loginMaxFailures: number;
  loginFailureWindowMs: number;
}

/** Raw secret values from the environment; `resolveSecrets` validates them. */
export interface SecretSettings {
  /** True when `NODE_ENV` is `production`: secrets must come from the environment. */
  production: boolean;
  secretKey: string | null;
  encryptionKey: string | null;
  /** Retired encryption keys that still decrypt, from `ENCRYPTION_KEYS_PREVIOUS`. */
  previousEncryptionKeys: string[];
}

/** Default of `GOOGLE_JWKS_URL`: the key set Google documents for its ID tokens. */
export const GOOGLE_JWKS_URL = 'https://www.googleapis.com/oauth2/v3/certs';

const DEFAULTS = {
  REGISTRATION: 'open',
  ACCESS_TOKEN_TTL_SECONDS: '1800',
  REFRESH_TOKEN_TTL_DAYS: '30',
  GOOGLE_JWKS_URL,
  RATE_LIMIT_WINDOW_MS: '3600000',
  RATE_LIMIT_ANONYMOUS: '100',
  RATE_LIMIT_AUTHENTICATED: '1000',
  RATE_LIMIT_PREMIUM: '5000',
  LOGIN_MAX_FAILURES: '10',
  LOGIN_FAILURE_WINDOW_MS: '900000',
} as const;

type EnvName = keyof typeof DEFAULTS;

function readInteger(env: NodeJS.ProcessEnv, name: EnvName, min: number, max: number): number {
  const raw = env[name] ?? DEFAULTS[name];
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/** Returns the trimmed value of `name`, or null when it is unset or blank. */
function readOptional(env: NodeJS.ProcessEnv, name: string): string | null {
  const value = env[name]?.trim();
  return value ? value : null;
}

function readRegistration(env: NodeJS.ProcessEnv): RegistrationPolicy {
  const raw = env.REGISTRATION ?? DEFAULTS.REGISTRATION;
  if (raw !== 'open' && raw !== 'closed') {
    throw new Error(`REGISTRATION must be "open" or "closed", got "${raw}"`);
  }
  return raw;
}

function readJwksUrl(env: NodeJS.ProcessEnv): string {
  const raw = env.GOOGLE_JWKS_URL ?? DEFAULTS.GOOGLE_JWKS_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`GOOGLE_JWKS_URL must be an http or https URL, got "${raw}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error(`GOOGLE_JWKS_URL must be an http or https URL, got "${raw}"`);
  }
  return url.href;
}

/** Reads the account settings; throws with the variable's name on an invalid value. */
export function loadAuthSettings(env: NodeJS.ProcessEnv): AuthSettings {
  const day = 86_400_000;
  return {
    registration: readRegistration(env),
    accessTokenTtlSeconds: readInteger(env, 'ACCESS_TOKEN_TTL_SECONDS', 1, 86_400),
    refreshTokenTtlDays: readInteger(env, 'REFRESH_TOKEN_TTL_DAYS', 1, 3650),
    googleClientId: readOptional(env, 'GOOGLE_CLIENT_ID'),
    googleJwksUrl: readJwksUrl(env),
    rateLimit: {
      windowMs: readInteger(env, 'RATE_LIMIT_WINDOW_MS', 1000, 30 * day),
      anonymous: readInteger(env, 'RATE_LIMIT_ANONYMOUS', 1, 100_000_000),
      authenticated: readInteger(env, 'RATE_LIMIT_AUTHENTICATED', 1, 100_000_000),
      premium: readInteger(env, 'RATE_LIMIT_PREMIUM', 1, 100_000_000),
    },
    loginMaxFailures: readInteger(env, 'LOGIN_MAX_FAILURES', 1, 1_000_000),
    loginFailureWindowMs: readInteger(env, 'LOGIN_FAILURE_WINDOW_MS', 1000, day),
  };
}

/** Reads the raw secret values and the production flag. */
export function loadSecretSettings(env: NodeJS.ProcessEnv): SecretSettings {
  const previous = env.ENCRYPTION_KEYS_PREVIOUS ?? '';
  return {
    production: env.NODE_ENV === 'production',
    secretKey: readOptional(env, 'SECRET_KEY'),
    encryptionKey: readOptional(env, 'ENCRYPTION_KEY'),
    previousEncryptionKeys: previous
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== ''),
  };
}
