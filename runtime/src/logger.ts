import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

/** Field names whose values are secret wherever they appear in a logged object. */
const SECRET_FIELDS = [
  'password',
  'currentPassword',
  'newPassword',
  'token',
  'accessToken',
  'refreshToken',
  'clientSecret',
  'codeVerifier',
  'secret',
  'apiKey',
];

/**
 * Paths pino replaces with `[redacted]`: headers that carry credentials, and secret fields of
 * bodies and records at the top level or one level down (`*` matches one key). Credential
 * values that reach task logs and events are scrubbed by value instead, in the plugin host.
 */
export const REDACTED_PATHS: string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["x-webhook-token"]',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  'headers["proxy-authorization"]',
  'body.values',
  'req.body.values',
  ...SECRET_FIELDS.flatMap((field) => [field, `*.${field}`]),
];

/**
 * Level policy: `trace` internals, `debug` decisions, `info` lifecycle and client errors (4xx),
 * `warn` degraded but continuing (a retry, a dropped slow client), `error` server errors (5xx)
 * and failed runs. Messages are constant; coordinates and values ride as fields. Lines go to
 * `destination`, standard output by default.
 */
export function createLogger(level: string, options: LoggerOptions = {}, destination?: DestinationStream): Logger {
  const settings: LoggerOptions = {
    level,
    base: { service: 'gestorlead-runtime' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    ...options,
  };
  return destination === undefined ? pino(settings) : pino(settings, destination);
}

export type { Logger };
