/**
 * Maps the errors of a provider request to coded node errors. The OpenAI SDK (openai 6.49.0,
 * under @langchain/openai 1.5.8) throws `APIError` subclasses with `status` and `headers`,
 * `APIConnectionTimeoutError` for timeouts and `APIUserAbortError` for aborts. They are
 * recognised by those fields and class names, never by message text.
 */
import { NodeError } from '../executor/node-type.js';
import type { SecretScrubber } from '../vault/scrub.js';

/** Maximum length of a provider message kept in an error, in characters. */
const MAX_PROVIDER_MESSAGE_LENGTH = 500;
/** Maximum wait taken from a `retry-after` header, in milliseconds. */
const MAX_RETRY_AFTER_MS = 300_000;

interface ProviderFailure {
  status?: unknown;
  headers?: unknown;
  name?: unknown;
  message?: unknown;
  code?: unknown;
  error?: unknown;
}

function headerOf(headers: unknown, name: string): string | null {
  if (headers === null || typeof headers !== 'object') return null;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name);
  const value = (headers as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : null;
}

/**
 * Returns the wait a `retry-after` header requests, in milliseconds: delay seconds or an HTTP
 * date (RFC 9110 section 10.2.3), or null when the header is missing or invalid.
 */
export function retryAfterMs(headers: unknown, now = Date.now()): number | null {
  const raw = headerOf(headers, 'retry-after-ms') ?? null;
  if (raw !== null && /^\d+(\.\d+)?$/.test(raw.trim())) return Math.min(Number(raw), MAX_RETRY_AFTER_MS);
  const value = headerOf(headers, 'retry-after')?.trim();
  if (value === undefined || value === '') return null;
  if (/^\d+$/.test(value)) return Math.min(Number(value) * 1000, MAX_RETRY_AFTER_MS);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return null;
  return Math.min(Math.max(0, date - now), MAX_RETRY_AFTER_MS);
}

function providerMessage(failure: ProviderFailure, scrubber: SecretScrubber): string {
  const text = typeof failure.message === 'string' ? failure.message : 'no message';
  // @langchain/openai 1.5.8 appends a link to its error guide, which carries no detail of
  // this request.
  const withoutLink = text.replace(/\s*Troubleshooting URL: \S+\s*$/, '');
  return scrubber.scrubText(withoutLink).slice(0, MAX_PROVIDER_MESSAGE_LENGTH);
}

/**
 * Returns the coded error of a failed provider request. `cancelled` is true when the task's own
 * signal aborted it. The provider's text is scrubbed of the request's key before it is kept.
 */
export function toProviderError(
  thrown: unknown,
  context: { provider: string; model: string; scrubber: SecretScrubber; cancelled: boolean },
): NodeError {
  if (thrown instanceof NodeError) return context.scrubber.scrubError(thrown) as NodeError;
  const failure = (thrown ?? {}) as ProviderFailure;
  const { provider, model, scrubber } = context;
  const message = providerMessage(failure, scrubber);
  const where = `provider "${provider}" (model "${model}")`;
  const status = typeof failure.status === 'number' ? failure.status : null;
  const name = typeof failure.name === 'string' ? failure.name : '';

  if (context.cancelled || name === 'APIUserAbortError' || name === 'AbortError') {
    return new NodeError('RUNTIME_TASK_CANCELLED', `the request to ${where} was cancelled`);
  }
  if (name === 'APIConnectionTimeoutError' || name === 'TimeoutError') {
    return new NodeError('AI_PROVIDER_TIMEOUT', `${where} did not reply in time: ${message}`, {
      retryable: true,
      details: { provider, model },
    });
  }
  if (status === 429) {
    const waitMs = retryAfterMs(failure.headers);
    const details = waitMs === null ? { provider, model, status } : { provider, model, status, retryAfterMs: waitMs };
    return new NodeError('AI_PROVIDER_RATE_LIMITED', `${where} rate-limited the request: ${message}`, { retryable: true, details });
  }
  if (status === 401 || status === 403) {
    return new NodeError(
      'AI_PROVIDER_AUTH_FAILED',
      `${where} rejected the API key (status ${status}): ${message}; check the key of the credential or of the platform`,
      { details: { provider, model, status } },
    );
  }
  if (status !== null && status >= 400 && status < 500) {
    return new NodeError('AI_PROVIDER_BAD_REQUEST', `${where} rejected the request (status ${status}): ${message}`, {
      details: { provider, model, status },
    });
  }
  return new NodeError(
    'AI_PROVIDER_UNAVAILABLE',
    status === null ? `${where} could not be reached: ${message}` : `${where} failed with status ${status}: ${message}`,
    { retryable: true, details: status === null ? { provider, model } : { provider, model, status } },
  );
}
