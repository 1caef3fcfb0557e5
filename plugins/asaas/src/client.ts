/**
 * Requests to the Asaas API v3 and the mapping of its failures to coded errors. Asaas answers
 * errors as `{ "errors": [{ "code", "description" }] }`, 401 for a missing or wrong key, and 429
 * when the account's request quota is spent.
 */
import { PluginError, type ActionContext, type HttpResponseData } from '@gestorlead/sdk-plugin/plugin';
import { ASAAS_BASE_URLS, type AsaasAccount } from './credential.js';

/** Default time limit of one Asaas request, in milliseconds. */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Wait suggested after a 429 without `retry-after`, in milliseconds. */
const DEFAULT_RETRY_AFTER_MS = 60_000;
const MAX_ERROR_ITEMS = 10;
const MAX_DESCRIPTION_CHARS = 300;

/** One item of an Asaas error body. */
export interface AsaasErrorItem {
  code: string;
  description: string;
}

/** Returns the API base URL of an account, without a trailing slash. */
export function baseUrlOf(account: AsaasAccount): string {
  const base = account.baseUrl !== undefined && account.baseUrl !== '' ? account.baseUrl : ASAAS_BASE_URLS[account.environment];
  return base.replace(/\/+$/, '');
}

/** Reads the `errors` array of an Asaas error body, cut to a few short items. */
function errorItems(body: unknown): AsaasErrorItem[] {
  const list = (body as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(list)) return [];
  return list.slice(0, MAX_ERROR_ITEMS).map((item) => ({
    code: String((item as { code?: unknown })?.code ?? ''),
    description: String((item as { description?: unknown })?.description ?? '').slice(0, MAX_DESCRIPTION_CHARS),
  }));
}

/** Returns the wait a `retry-after` header asks for (seconds or an HTTP date), in milliseconds. */
export function retryAfterMs(headers: Record<string, string>): number {
  const value = headers['retry-after'];
  if (value === undefined) return DEFAULT_RETRY_AFTER_MS;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? DEFAULT_RETRY_AFTER_MS : Math.max(0, date - Date.now());
}

/**
 * Builds the coded error of a failed Asaas response. A 5xx is retryable only for reads,
 * because Asaas takes no idempotency key and a create that failed late may have been stored.
 */
export function asaasError(method: string, path: string, response: HttpResponseData): PluginError {
  const errors = errorItems(response.body);
  const summary = errors.map((item) => `${item.code}: ${item.description}`).join('; ');
  const suffix = summary === '' ? '' : ` (${summary})`;
  const details: Record<string, unknown> = { status: response.status, errors };
  const where = `${method} ${path}`;
  if (response.status === 401) {
    return new PluginError('ASAAS_UNAUTHORIZED', `Asaas rejected the API key on ${where}: check the key and its environment${suffix}`, { details });
  }
  if (response.status === 403) {
    return new PluginError('ASAAS_FORBIDDEN', `Asaas refused ${where} for this account${suffix}`, { details });
  }
  if (response.status === 404) {
    return new PluginError('ASAAS_NOT_FOUND', `Asaas found nothing at ${where}${suffix}`, { details });
  }
  if (response.status === 429) {
    const wait = retryAfterMs(response.headers);
    return new PluginError('ASAAS_RATE_LIMITED', `Asaas rate-limited ${where}; retry after ${Math.ceil(wait / 1000)} s`, {
      retryable: true,
      details: { ...details, retryAfterMs: wait },
    });
  }
  if (response.status >= 500) {
    return new PluginError('ASAAS_UNAVAILABLE', `Asaas failed ${where} with ${response.status}${suffix}`, {
      retryable: method === 'GET',
      details,
    });
  }
  return new PluginError('ASAAS_REQUEST_INVALID', `Asaas rejected ${where} with ${response.status}${suffix}`, { details });
}

/** Options of one Asaas request. */
export interface AsaasRequest {
  method: 'GET' | 'POST';
  /** Path under `/v3`, such as `/payments`. */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  timeoutMs?: number;
}

/** Sends one request with the account's key and returns the JSON body, or throws a coded error. */
export async function asaasRequest<T>(ctx: Pick<ActionContext, 'http'>, account: AsaasAccount, request: AsaasRequest): Promise<T> {
  if (typeof account.apiKey !== 'string' || account.apiKey === '') {
    throw new PluginError('ASAAS_CREDENTIAL_INVALID', 'the Asaas credential has no API key');
  }
  const response = await ctx.http.request({
    method: request.method,
    url: `${baseUrlOf(account)}${request.path}`,
    headers: { access_token: account.apiKey, accept: 'application/json', 'user-agent': 'GestorLead-Studio' },
    ...(request.query !== undefined ? { query: request.query } : {}),
    ...(request.body !== undefined ? { body: request.body } : {}),
    responseType: 'json',
    timeoutMs: request.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
  if (response.status >= 400) throw asaasError(request.method, request.path, response);
  return response.body as T;
}
