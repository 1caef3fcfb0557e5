import { pino, type Logger, type LoggerOptions } from 'pino';

/**
 * Level policy: `trace` internals, `debug` decisions, `info` lifecycle and client errors (4xx),
 * `warn` degraded but continuing (a retry, a dropped slow client), `error` server errors (5xx)
 * and failed runs. Messages are constant; coordinates and values ride as fields.
 */
export function createLogger(level: string, options: LoggerOptions = {}): Logger {
  return pino({
    level,
    base: { service: 'gestorlead-runtime' },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-api-key"]',
        'req.headers["x-webhook-token"]',
        'headers.authorization',
        'headers.cookie',
      ],
      censor: '[redacted]',
    },
    ...options,
  });
}

export type { Logger };
