/** The offline `ctx.http` of the test harness: a handler or a table of routes, no network. */
import type { HttpRequestData, HttpResponseData } from '../plugin/abi.js';
import { PluginError } from '../plugin/errors.js';
import { isHostAllowed } from '../manifest/hosts.js';

/** A request as the harness recorded it. */
export interface RecordedRequest {
  /** Upper-case method; `GET` when the plugin set none. */
  method: string;
  /** The full URL, with `query` appended. */
  url: string;
  /** Headers with lower-case names. */
  headers: Record<string, string>;
  /** The body as the plugin passed it, before JSON encoding. */
  body?: unknown;
  /** The binary body as the plugin passed it, base64 encoded. */
  bodyBase64?: string;
  responseType?: HttpRequestData['responseType'];
  timeoutMs?: number;
}

/** A canned response. */
export interface HttpRouteResponse {
  /** Defaults to 200. */
  status?: number;
  headers?: Record<string, string>;
  /** A string, or any JSON value (sent as `application/json` unless `headers` set a type). */
  body?: unknown;
  /** Binary body, base64 encoded; used instead of `body`. */
  bodyBase64?: string;
}

/** A function that returns the response to every request. */
export type HttpHandler = (request: RecordedRequest) => HttpRouteResponse | Promise<HttpRouteResponse>;

/**
 * Routes keyed by `"METHOD URL"` or `"URL"` (any method), such as
 * `"POST https://api.example.com/v1/messages"`. A key without a query string matches any query;
 * a key with one matches only those parameters, in any order. When several keys match, the one
 * with a method and a query wins over one with fewer. An array gives the responses to
 * successive calls in order and repeats its last one. Each test context counts calls anew.
 */
export type HttpRoutes = Record<string, HttpRouteResponse | readonly HttpRouteResponse[] | HttpHandler>;

interface Route {
  key: string;
  method: string | undefined;
  url: URL;
  answer: HttpRouteResponse | readonly HttpRouteResponse[] | HttpHandler;
  calls: number;
}

const ROUTE_KEY = /^(?:([A-Za-z]+)\s+)?(\S+)$/;

function parseRoutes(routes: HttpRoutes): Route[] {
  return Object.entries(routes).map(([key, answer]) => {
    const match = ROUTE_KEY.exec(key.trim());
    if (match === null || !URL.canParse(match[2])) {
      throw new TypeError(
        `HTTP route "${key}" must be "METHOD URL" or "URL", such as "GET https://api.example.com/items"`,
      );
    }
    return { key, method: match[1]?.toUpperCase(), url: new URL(match[2]), answer, calls: 0 };
  });
}

function sameQuery(expected: URLSearchParams, actual: URLSearchParams): boolean {
  const sorted = (params: URLSearchParams): string =>
    [...params.entries()]
      .map(([name, value]) => `${name}=${value}`)
      .sort()
      .join('&');
  return sorted(expected) === sorted(actual);
}

function findRoute(routes: Route[], request: RecordedRequest): Route | undefined {
  const url = new URL(request.url);
  let best: { route: Route; score: number } | undefined;
  for (const route of routes) {
    if (route.method !== undefined && route.method !== request.method) {
      continue;
    }
    if (route.url.origin !== url.origin || route.url.pathname !== url.pathname) {
      continue;
    }
    const hasQuery = route.url.search !== '';
    if (hasQuery && !sameQuery(route.url.searchParams, url.searchParams)) {
      continue;
    }
    const score = (route.method === undefined ? 0 : 2) + (hasQuery ? 1 : 0);
    if (best === undefined || score > best.score) {
      best = { route, score };
    }
  }
  return best?.route;
}

async function answerRoute(route: Route, request: RecordedRequest): Promise<HttpRouteResponse> {
  const answer = route.answer;
  const call = route.calls;
  route.calls += 1;
  if (typeof answer === 'function') {
    return answer(request);
  }
  if (Array.isArray(answer)) {
    if (answer.length === 0) {
      throw new TypeError(`HTTP route "${route.key}" has an empty list of responses`);
    }
    return answer[Math.min(call, answer.length - 1)];
  }
  return answer as HttpRouteResponse;
}

function lowerCaseKeys(headers: Record<string, string> | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    result[name.toLowerCase()] = String(value);
  }
  return result;
}

function copyJson<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

function isJsonType(contentType: string | undefined): boolean {
  return contentType !== undefined && /^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType);
}

/**
 * Converts a canned response into the value `ctx.http.request` resolves with, reading the body
 * as `responseType` requests: `json` (the default for JSON content types) parses, `text` returns a
 * string, `base64` returns the bytes base64 encoded.
 */
function toResponse(
  canned: HttpRouteResponse,
  request: RecordedRequest,
): HttpResponseData {
  const headers = lowerCaseKeys(canned.headers);
  if (headers['content-type'] === undefined && canned.bodyBase64 === undefined) {
    if (typeof canned.body === 'string') {
      headers['content-type'] = 'text/plain; charset=utf-8';
    } else if (canned.body !== undefined) {
      headers['content-type'] = 'application/json';
    }
  }

  let bytes: Buffer;
  if (canned.bodyBase64 !== undefined) {
    bytes = Buffer.from(canned.bodyBase64, 'base64');
  } else if (canned.body === undefined) {
    bytes = Buffer.alloc(0);
  } else {
    bytes = Buffer.from(typeof canned.body === 'string' ? canned.body : JSON.stringify(canned.body), 'utf8');
  }

  const responseType =
    request.responseType ?? (isJsonType(headers['content-type']) ? 'json' : 'text');
  let body: unknown;
  if (responseType === 'base64') {
    body = bytes.toString('base64');
  } else if (responseType === 'text') {
    body = bytes.toString('utf8');
  } else if (bytes.length === 0) {
    body = null;
  } else {
    try {
      body = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw new PluginError('PLUGIN_HTTP_RESPONSE_INVALID', `the response of ${request.method} ${request.url} is not valid JSON`, {
        retryable: false,
      });
    }
  }

  return { status: canned.status ?? 200, headers, body, url: request.url };
}

/** Builds the recorded form of a plugin's request, with `query` appended to the URL. */
function recordRequest(request: HttpRequestData): RecordedRequest {
  if (typeof request?.url !== 'string' || !URL.canParse(request.url)) {
    throw new PluginError('PLUGIN_HTTP_URL_INVALID', `"${String(request?.url)}" is not an absolute URL`);
  }
  const url = new URL(request.url);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new PluginError('PLUGIN_HTTP_URL_INVALID', `"${request.url}" must use http or https`);
  }
  for (const [name, value] of Object.entries(request.query ?? {})) {
    url.searchParams.append(name, String(value));
  }

  const recorded: RecordedRequest = {
    method: (request.method ?? 'GET').toUpperCase(),
    url: url.toString(),
    headers: lowerCaseKeys(request.headers),
  };
  if (request.body !== undefined) {
    recorded.body = copyJson(request.body);
  }
  if (typeof request.bodyBase64 === 'string') {
    recorded.bodyBase64 = request.bodyBase64;
  }
  if (request.responseType !== undefined) {
    recorded.responseType = request.responseType;
  }
  if (request.timeoutMs !== undefined) {
    recorded.timeoutMs = request.timeoutMs;
  }
  return recorded;
}

/**
 * Creates the `request` function of the harness's `ctx.http`. Every request is appended to
 * `requests` before its response is built. With `hosts`, a request to any other host rejects with
 * `PLUGIN_HTTP_HOST_NOT_ALLOWED`, as in the studio.
 */
export function createHttpRequester(
  http: HttpHandler | HttpRoutes | undefined,
  hosts: readonly string[] | undefined,
  requests: RecordedRequest[],
): (request: HttpRequestData) => Promise<HttpResponseData> {
  const routes = http === undefined || typeof http === 'function' ? undefined : parseRoutes(http);

  return async (request) => {
    const recorded = recordRequest(request);
    const hostname = new URL(recorded.url).hostname;
    if (hosts !== undefined && !isHostAllowed(hostname, hosts)) {
      const allowed = hosts.length === 0 ? 'none' : hosts.join(', ');
      throw new PluginError(
        'PLUGIN_HTTP_HOST_NOT_ALLOWED',
        `host "${hostname}" is not in the manifest's permissions.hosts (allowed: ${allowed})`,
      );
    }
    requests.push(recorded);

    if (http === undefined) {
      throw new Error(
        `the action sent ${recorded.method} ${recorded.url}, but the test gave no http option; ` +
          'pass http: { "GET https://…": { body: … } } or a handler function',
      );
    }
    let canned: HttpRouteResponse;
    if (typeof http === 'function') {
      canned = await http(recorded);
    } else {
      const route = findRoute(routes ?? [], recorded);
      if (route === undefined) {
        const keys = Object.keys(http).map((key) => `"${key}"`).join(', ');
        throw new Error(`no HTTP route matches ${recorded.method} ${recorded.url}; routes: ${keys || 'none'}`);
      }
      canned = await answerRoute(route, recorded);
    }
    return toResponse(canned, recorded);
  };
}
