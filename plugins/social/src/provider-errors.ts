/**
 * Failures of the Meta Graph API and the LinkedIn API as coded errors. Tokens that the plugin
 * obtains during a call (a Page access token) are not credential values, so the studio cannot
 * scrub them: every provider text passes through `hideTokens` first.
 */
import { PluginError, type HttpResponseData } from '@gestorlead/sdk-plugin/plugin';

/** Networks the plugin publishes to. */
export type Network = 'facebook' | 'instagram' | 'linkedin';

/** Wait suggested after a rate limit without `retry-after`, in milliseconds. */
const DEFAULT_RETRY_AFTER_MS = 60_000;
const MAX_PROVIDER_MESSAGE_CHARS = 300;
/** Graph error codes of rate limits: app, user, page and custom limits. */
const GRAPH_RATE_LIMIT_CODES = new Set([4, 17, 32, 613, 80001, 80002, 80004]);
/** Graph error codes of temporary failures: unknown error and service unavailable. */
const GRAPH_TEMPORARY_CODES = new Set([1, 2]);

/** Replaces each of `tokens` inside `text` with `[hidden]`. */
export function hideTokens(text: string, tokens: readonly string[]): string {
  let result = text;
  for (const token of tokens) {
    if (token.length >= 8) result = result.split(token).join('[hidden]');
  }
  return result;
}

/** Returns the wait that a `retry-after` header requests, in milliseconds. */
function retryAfterMs(headers: Record<string, string>): number {
  const seconds = Number(headers['retry-after']);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.ceil(seconds * 1000) : DEFAULT_RETRY_AFTER_MS;
}

interface ProviderFailure {
  /** The provider's own error code, when it sent one. */
  providerCode: number | string | null;
  message: string;
  /** The family of failure, from the HTTP status and, for Graph, the error code. */
  kind: 'auth' | 'permission' | 'rate' | 'temporary' | 'invalid' | 'not-found';
  extra: Record<string, unknown>;
}

function kindOfStatus(status: number): ProviderFailure['kind'] {
  if (status === 401) return 'auth';
  if (status === 403) return 'permission';
  if (status === 404) return 'not-found';
  if (status === 429) return 'rate';
  if (status >= 500) return 'temporary';
  return 'invalid';
}

/** Returns the body as JSON: a text body (a request read as `text`) is parsed when it can be. */
function jsonBody(response: HttpResponseData): unknown {
  if (typeof response.body !== 'string') return response.body;
  try {
    return JSON.parse(response.body);
  } catch {
    return null;
  }
}

/** Reads a Graph error body: `{ "error": { "message", "type", "code", "error_subcode", "fbtrace_id" } }`. */
function graphFailure(response: HttpResponseData): ProviderFailure {
  const error = (jsonBody(response) as { error?: Record<string, unknown> } | null)?.error ?? {};
  const code = typeof error.code === 'number' ? error.code : null;
  let kind = kindOfStatus(response.status);
  if (code === 190 || code === 102) kind = 'auth';
  else if (code !== null && GRAPH_RATE_LIMIT_CODES.has(code)) kind = 'rate';
  else if (code !== null && GRAPH_TEMPORARY_CODES.has(code)) kind = 'temporary';
  else if (code === 10 || (code !== null && code >= 200 && code <= 299)) kind = 'permission';
  return {
    providerCode: code,
    message: typeof error.message === 'string' ? error.message : `status ${response.status}`,
    kind,
    extra: {
      type: typeof error.type === 'string' ? error.type : null,
      subcode: typeof error.error_subcode === 'number' ? error.error_subcode : null,
      fbtraceId: typeof error.fbtrace_id === 'string' ? error.fbtrace_id : null,
    },
  };
}

/** Reads a LinkedIn error body: `{ "status", "serviceErrorCode", "code", "message" }`. */
function linkedinFailure(response: HttpResponseData): ProviderFailure {
  const body = (jsonBody(response) ?? {}) as Record<string, unknown>;
  const serviceErrorCode = typeof body.serviceErrorCode === 'number' ? body.serviceErrorCode : null;
  return {
    providerCode: typeof body.code === 'string' ? body.code : serviceErrorCode,
    message: typeof body.message === 'string' ? body.message : `status ${response.status}`,
    kind: kindOfStatus(response.status),
    extra: { serviceErrorCode },
  };
}

const CODES: Record<ProviderFailure['kind'], { code: string; retryable: boolean; hint: string }> = {
  auth: { code: 'SOCIAL_AUTH_INVALID', retryable: false, hint: 'connect the account again' },
  permission: { code: 'SOCIAL_PERMISSION_DENIED', retryable: false, hint: 'grant the missing permission when connecting, or check the account id' },
  rate: { code: 'SOCIAL_RATE_LIMITED', retryable: true, hint: 'retry later' },
  temporary: { code: 'SOCIAL_PROVIDER_UNAVAILABLE', retryable: true, hint: 'retry later' },
  invalid: { code: 'SOCIAL_REQUEST_INVALID', retryable: false, hint: 'fix the post' },
  'not-found': { code: 'SOCIAL_NOT_FOUND', retryable: false, hint: 'check the page, account or author id' },
};

/**
 * Builds the coded error of a failed provider response. `tokens` are hidden from the provider's
 * message. `create` marks a request that creates something: a 5xx there is not retryable, because
 * the post may exist although the response failed.
 */
export function providerError(network: Network, what: string, response: HttpResponseData, tokens: readonly string[], create: boolean): PluginError {
  const failure = network === 'linkedin' ? linkedinFailure(response) : graphFailure(response);
  const mapping = CODES[failure.kind];
  const providerMessage = hideTokens(failure.message, tokens).slice(0, MAX_PROVIDER_MESSAGE_CHARS);
  const details: Record<string, unknown> = { network, status: response.status, providerCode: failure.providerCode, ...failure.extra };
  let retryable = mapping.retryable;
  if (failure.kind === 'rate') details.retryAfterMs = retryAfterMs(response.headers);
  if (failure.kind === 'temporary' && create && response.status >= 500) retryable = false;
  return new PluginError(mapping.code, `${network} ${what} failed with ${response.status}: ${providerMessage} (${mapping.hint})`, { retryable, details });
}
