/**
 * Helpers for actions that call a model provider's HTTP API through `ctx.http`: the provider's
 * failures become coded `PluginError`s with the same codes as the studio's built-in AI nodes,
 * and a 429 carries the wait the provider asked for. Runs in the sandbox, so it uses no Node
 * built-ins.
 */
import type { HttpRequestData, HttpResponseData } from './abi.js';
import type { ActionContext } from './context.js';
import { base64ToBytes } from './crypto.js';
import { interpolate } from '../template.js';
import { defineCredentialType } from './define.js';
import { hasErrorCode, PluginError } from './errors.js';
import { p, type PropertyMap } from './properties.js';

/** Codes of provider failures, shared with the studio's host-side AI nodes. */
export const PROVIDER_ERROR_CODES = {
  /** The node picks no credential and the operator set no platform key. */
  notConfigured: 'AI_PROVIDER_NOT_CONFIGURED',
  /** 429; retryable, with `details.retryAfterMs` when the provider sent a wait. */
  rateLimited: 'AI_PROVIDER_RATE_LIMITED',
  /** 401 or 403. */
  authFailed: 'AI_PROVIDER_AUTH_FAILED',
  /** Another 4xx. */
  badRequest: 'AI_PROVIDER_BAD_REQUEST',
  /** A 5xx or a failed connection; retryable. */
  unavailable: 'AI_PROVIDER_UNAVAILABLE',
  /** No reply within the request's timeout; retryable. */
  timeout: 'AI_PROVIDER_TIMEOUT',
  /** A 2xx reply without the data the action needs. */
  responseInvalid: 'AI_PROVIDER_RESPONSE_INVALID',
  /** A remote job ended in the provider's failed state. */
  jobFailed: 'AI_PROVIDER_JOB_FAILED',
  /** A remote job did not finish within the action's polling budget; retryable. */
  jobTimeout: 'AI_PROVIDER_JOB_TIMEOUT',
  /** The prompt is blank once its placeholders are filled. */
  promptEmpty: 'AI_PROMPT_EMPTY',
  /** The prompt is longer than the provider accepts. */
  promptTooLong: 'AI_PROMPT_TOO_LONG',
  /** The credential's or the platform's base URL is not an absolute http or https URL. */
  baseUrlInvalid: 'AI_PROVIDER_BASE_URL_INVALID',
} as const;

/** Maximum length of a provider's error message kept in a `PluginError`, in characters. */
export const MAX_PROVIDER_MESSAGE_CHARS = 500;
/** Maximum wait taken from a provider's retry information, in milliseconds. */
export const MAX_RETRY_AFTER_MS = 300_000;

function capWait(ms: number): number {
  return Math.min(Math.max(0, Math.round(ms)), MAX_RETRY_AFTER_MS);
}

/**
 * Returns the wait a response requests before a retry, in milliseconds, or null when it
 * requests none. Reads `retry-after-ms` (OpenAI), `retry-after` as delay seconds or an HTTP date
 * (RFC 9110 section 10.2.3), and Google's `google.rpc.RetryInfo` `retryDelay` (such as `"13s"`)
 * in the JSON error body. The result is capped at `MAX_RETRY_AFTER_MS`.
 */
export function retryAfterMs(response: Pick<HttpResponseData, 'headers' | 'body'>, now = Date.now()): number | null {
  const headers = response.headers ?? {};
  const milliseconds = headers['retry-after-ms']?.trim();
  if (milliseconds !== undefined && /^\d+(\.\d+)?$/.test(milliseconds)) return capWait(Number(milliseconds));
  const value = headers['retry-after']?.trim();
  if (value !== undefined && value !== '') {
    if (/^\d+(\.\d+)?$/.test(value)) return capWait(Number(value) * 1000);
    const date = Date.parse(value);
    if (!Number.isNaN(date)) return capWait(date - now);
  }
  return googleRetryDelayMs(response.body);
}

function googleRetryDelayMs(body: unknown): number | null {
  const details = (body as { error?: { details?: unknown } } | null)?.error?.details;
  if (!Array.isArray(details)) return null;
  for (const detail of details) {
    const delay = (detail as { '@type'?: unknown; retryDelay?: unknown } | null)?.retryDelay;
    const type = (detail as { '@type'?: unknown } | null)?.['@type'];
    if (type === 'type.googleapis.com/google.rpc.RetryInfo' && typeof delay === 'string') {
      const match = /^(\d+(?:\.\d+)?)s$/.exec(delay.trim());
      if (match !== null) return capWait(Number(match[1]) * 1000);
    }
  }
  return null;
}

/**
 * Returns the message of a provider's error body: `error.message` (OpenAI, Google),
 * `detail.message` or a string `detail` (ElevenLabs), `message` (PiAPI), or the body itself
 * when it is text. Cut to `MAX_PROVIDER_MESSAGE_CHARS`.
 */
export function providerMessageOf(body: unknown): string {
  let text: unknown = body;
  if (body !== null && typeof body === 'object') {
    const record = body as Record<string, any>;
    text = record.error?.message ?? record.detail?.message ?? record.detail ?? record.message ?? record.error;
    if (typeof text !== 'string') text = JSON.stringify(body);
  }
  const message = typeof text === 'string' && text.trim() !== '' ? text.trim() : 'no message';
  return message.length > MAX_PROVIDER_MESSAGE_CHARS ? `${message.slice(0, MAX_PROVIDER_MESSAGE_CHARS)}…` : message;
}

/**
 * Returns the coded error of a provider response with a status of 400 or more: 429 becomes
 * `AI_PROVIDER_RATE_LIMITED` (retryable, with `details.retryAfterMs`), 401 and 403
 * `AI_PROVIDER_AUTH_FAILED`, 408 and 5xx `AI_PROVIDER_UNAVAILABLE` (retryable), and any other
 * status `AI_PROVIDER_BAD_REQUEST`. `details.status` is the provider's status, which `retryOn`
 * entries `429` and `5xx` match.
 */
export function providerHttpError(provider: string, response: HttpResponseData): PluginError {
  const status = response.status;
  const message = providerMessageOf(response.body);
  const details = { provider, status };
  if (status === 429) {
    const wait = retryAfterMs(response);
    return new PluginError(PROVIDER_ERROR_CODES.rateLimited, `${provider} rate-limited the request: ${message}`, {
      retryable: true,
      details,
      ...(wait === null ? {} : { retryAfterMs: wait }),
    });
  }
  if (status === 401 || status === 403) {
    return new PluginError(
      PROVIDER_ERROR_CODES.authFailed,
      `${provider} rejected the API key (status ${status}): ${message}; check the key of the credential or of the platform`,
      { details },
    );
  }
  if (status === 408 || status >= 500) {
    return new PluginError(PROVIDER_ERROR_CODES.unavailable, `${provider} failed with status ${status}: ${message}`, {
      retryable: true,
      details,
    });
  }
  return new PluginError(PROVIDER_ERROR_CODES.badRequest, `${provider} rejected the request (status ${status}): ${message}`, {
    details,
  });
}

/**
 * Sends a request to a provider and resolves with its response when the status is below 400.
 * Rejects with `providerHttpError` for other statuses, with `AI_PROVIDER_TIMEOUT` when the
 * request times out and with `AI_PROVIDER_UNAVAILABLE` when the connection fails. Other errors
 * of `ctx.http`, such as a host the plugin may not reach or a cancelled task, pass unchanged.
 */
export async function requestProvider(
  ctx: Pick<ActionContext, 'http'>,
  provider: string,
  request: HttpRequestData,
): Promise<HttpResponseData> {
  let response: HttpResponseData;
  try {
    response = await ctx.http.request(request);
  } catch (error) {
    throw connectionError(provider, error);
  }
  if (response.status >= 400) {
    const body = request.responseType === 'base64' && typeof response.body === 'string' ? decodeErrorBody(response.body) : response.body;
    throw providerHttpError(provider, { ...response, body });
  }
  return response;
}

/**
 * Reads an error body that arrived as base64, because the request expected binary data: JSON
 * when it parses, else the UTF-8 text, else the base64 as it is.
 */
function decodeErrorBody(base64: string): unknown {
  let text: string;
  try {
    const bytes = base64ToBytes(base64);
    let encoded = '';
    for (const byte of bytes) encoded += `%${byte.toString(16).padStart(2, '0')}`;
    text = decodeURIComponent(encoded);
  } catch {
    return base64;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function connectionError(provider: string, error: unknown): unknown {
  if (!hasErrorCode(error)) return error;
  const message = typeof error.message === 'string' ? error.message : 'no message';
  if (error.code === 'PLUGIN_HTTP_TIMEOUT') {
    return new PluginError(PROVIDER_ERROR_CODES.timeout, `${provider} did not reply in time: ${message}`, {
      retryable: true,
      details: { provider },
    });
  }
  if (error.code === 'PLUGIN_HTTP_FAILED') {
    return new PluginError(PROVIDER_ERROR_CODES.unavailable, `${provider} could not be reached: ${message}`, {
      retryable: true,
      details: { provider },
    });
  }
  return error;
}

/** Returns a `AI_PROVIDER_RESPONSE_INVALID` error for a successful reply without the expected data. */
export function invalidProviderResponse(provider: string, what: string): PluginError {
  return new PluginError(PROVIDER_ERROR_CODES.responseInvalid, `${provider} replied without ${what}`, {
    details: { provider },
  });
}

/**
 * Returns `baseUrl` without trailing slashes, followed by `path`. Throws
 * `AI_PROVIDER_BASE_URL_INVALID` when `baseUrl` is not an absolute http or https URL.
 */
export function joinUrl(baseUrl: string, path: string): string {
  const trimmed = baseUrl.trim().replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s/]+/i.test(trimmed)) {
    throw new PluginError(PROVIDER_ERROR_CODES.baseUrlInvalid, `the base URL "${baseUrl.slice(0, 200)}" must be an absolute http or https URL`);
  }
  return `${trimmed}${path}`;
}

/**
 * Fills the `{{ input.path }}` (port `in`) and `{{ inputs.port.path }}` placeholders of a
 * prompt template from the node's input. A value that is not text is written as JSON, and a
 * missing one as the empty string. Throws `AI_PROMPT_EMPTY` when the result is blank.
 */
export function renderPrompt(template: string, input: Record<string, unknown>): string {
  const value = interpolate(template, { input: input.in, inputs: input });
  let text = '';
  if (typeof value === 'string') text = value;
  else if (value !== undefined && value !== null) text = JSON.stringify(value);
  if (text.trim() === '') {
    throw new PluginError(PROVIDER_ERROR_CODES.promptEmpty, 'the prompt is empty after its placeholders were filled; check the template and the input', {
      details: { template: template.slice(0, 200) },
    });
  }
  return text;
}

/**
 * Returns the number of characters (Unicode code points) of `text`, and throws
 * `AI_PROMPT_TOO_LONG` when it has more than `maxCharacters`.
 */
export function countCharacters(text: string, maxCharacters: number, provider: string): number {
  const characters = Array.from(text).length;
  if (characters > maxCharacters) {
    throw new PluginError(
      PROVIDER_ERROR_CODES.promptTooLong,
      `the text has ${characters} characters, and ${provider} takes at most ${maxCharacters}; split it over several nodes`,
      { details: { provider, characters, maxCharacters } },
    );
  }
  return characters;
}

/** Options of `defineProviderKey`. */
export interface ProviderKeyOptions<P extends PropertyMap> {
  displayName: string;
  description: string;
  /** The API root used when neither the credential nor the platform sets one, such as `https://api.openai.com/v1`. */
  defaultBaseUrl: string;
  /** The environment variables of the operator's platform key and base URL. */
  env: { apiKey: string; baseUrl: string };
  /** Properties besides `apiKey` and `baseUrl`. */
  properties?: P;
}

/**
 * Declares a provider's API key credential type, named `apiKey`: a secret `apiKey`, a `baseUrl`
 * that defaults to `defaultBaseUrl` and whose host calls may reach, and the platform
 * variables that supply both when a node picks no credential (honoured for first-party plugins).
 */
export function defineProviderKey<const P extends PropertyMap = {}>(options: ProviderKeyOptions<P>) {
  const properties = {
    apiKey: p.secret({ displayName: 'API key', required: true }),
    baseUrl: p.text({ displayName: 'Base URL', description: `The API root, such as ${options.defaultBaseUrl}.`, default: options.defaultBaseUrl, maxLength: 500 }),
    ...(options.properties ?? ({} as P)),
  };
  return defineCredentialType({
    name: 'apiKey',
    displayName: options.displayName,
    description: options.description,
    properties,
    platformEnv: { apiKey: options.env.apiKey, baseUrl: options.env.baseUrl } as Partial<Record<keyof typeof properties & string, string>>,
    baseUrlProperty: 'baseUrl',
  });
}

/** The values of a `defineProviderKey` credential that every provider action reads. */
export interface ProviderConnection {
  apiKey: string;
  baseUrl?: string;
}

/**
 * Returns the connection of a node's key slot, or throws `AI_PROVIDER_NOT_CONFIGURED` when the
 * studio passed no key. `variable` names the operator's platform variable in the message.
 */
export function requireConnection<C extends ProviderConnection>(connection: C | undefined, provider: string, variable: string): C {
  if (connection === undefined || typeof connection.apiKey !== 'string' || connection.apiKey === '') {
    throw new PluginError(
      PROVIDER_ERROR_CODES.notConfigured,
      `no ${provider} API key: pick a credential in the node's key slot, or ask the operator to set ${variable}`,
      { details: { provider } },
    );
  }
  return connection;
}
