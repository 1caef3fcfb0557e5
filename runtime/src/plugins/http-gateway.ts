/**
 * The HTTP gateway behind `ctx.http.request`: the only way plugin code reaches the network.
 * Every hop of a request (the first URL and each redirect) passes the same checks before a
 * connection is opened. The host must match the plugin's `permissions.hosts`, unless the
 * plugin is trusted. The name is resolved once, and every resolved address must be public or
 * allowed by `HTTP_ALLOW_PRIVATE`. The socket then connects to the address that was checked,
 * so a second DNS result (DNS rebinding) cannot redirect it.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isHostAllowed } from '@gestorlead/sdk-plugin/manifest';
import type { HttpRequestData, HttpResponseData } from '@gestorlead/sdk-plugin/plugin';
import { NodeError } from '../executor/node-type.js';
import { nonPublicRange, parseAddress, PrivateAddressAllowList } from './address-policy.js';

/** One resolved address, as `dns.lookup` with `all: true` returns it. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to its addresses; the tests replace it to simulate DNS answers. */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

/** Resolves with the system resolver, as `http.request` would. */
export const systemResolver: HostResolver = async (hostname) => {
  const results = await dnsLookup(hostname, { all: true, verbatim: true });
  return results.map((result) => ({ address: result.address, family: result.family === 6 ? 6 : 4 }));
};

/** Settings of the gateway, from `RuntimeConfig.plugins`. */
export interface HttpGatewayOptions {
  /** `HTTP_ALLOW_PRIVATE` entries. */
  allowPrivate: readonly string[];
  /** Timeout of a request that sets none, and the cap of any `timeoutMs` it sets. */
  timeoutMs: number;
  maxResponseBytes: number;
  /** Redirects followed per request; one more fails with `PLUGIN_HTTP_TOO_MANY_REDIRECTS`. */
  maxRedirects?: number;
  resolve?: HostResolver;
}

/** Hosts a plugin may reach. */
export interface HttpPolicy {
  /** The plugin name, for error messages. */
  plugin: string;
  /** The manifest's `permissions.hosts`. */
  hosts: readonly string[];
  /** True for plugins in `TRUSTED_PLUGINS`: any host, but still no private address. */
  anyHost: boolean;
}

/** Default of `HttpGatewayOptions.maxRedirects`. */
export const MAX_REDIRECTS = 5;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const METHOD_PATTERN = /^[A-Z]{1,16}$/;
/** Headers the gateway sets itself; a plugin's values for them are dropped. */
const COMPUTED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade']);
/** Headers not sent to another origin after a redirect, as browsers and undici do. */
const ORIGIN_BOUND_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);
const RESPONSE_TYPES: ReadonlySet<unknown> = new Set(['json', 'text', 'base64']);
const JSON_CONTENT_TYPE = /^application\/(?:[\w.+-]+\+)?json\b/i;

function fail(code: string, message: string, retryable = false, details?: unknown): NodeError {
  return new NodeError(code, message, details === undefined ? { retryable } : { retryable, details });
}

/** A request hop: where to send it and what to send. */
interface Hop {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
}

/** A checked destination: the URL's host name and the address the socket must connect to. */
interface Destination {
  address: string;
  family: 4 | 6;
}

/** Makes plugin HTTP requests under the checks described at the top of this file. */
export class HttpGateway {
  readonly #allowList: PrivateAddressAllowList;
  readonly #timeoutMs: number;
  readonly #maxResponseBytes: number;
  readonly #maxRedirects: number;
  readonly #resolve: HostResolver;

  /** Throws when an `allowPrivate` entry is invalid. */
  constructor(options: HttpGatewayOptions) {
    this.#allowList = new PrivateAddressAllowList(options.allowPrivate);
    this.#timeoutMs = options.timeoutMs;
    this.#maxResponseBytes = options.maxResponseBytes;
    this.#maxRedirects = options.maxRedirects ?? MAX_REDIRECTS;
    this.#resolve = options.resolve ?? systemResolver;
  }

  /**
   * Sends `request` for a plugin and resolves with the response of the last hop, whatever its
   * status. Rejects with a `NodeError` whose code starts with `PLUGIN_HTTP_`, or with the
   * reason of `signal` when it aborts.
   */
  async request(policy: HttpPolicy, request: HttpRequestData, signal: AbortSignal): Promise<HttpResponseData> {
    const timeoutMs = this.#timeoutOf(request);
    const controller = new AbortController();
    const timeout = fail('PLUGIN_HTTP_TIMEOUT', `the request to ${String(request?.url)} timed out after ${timeoutMs} ms`, true, {
      timeoutMs,
    });
    const timer = setTimeout(() => controller.abort(timeout), timeoutMs);
    const onAbort = (): void => controller.abort(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });

    try {
      let hop = buildFirstHop(request);
      for (let redirects = 0; ; redirects += 1) {
        const destination = await this.#check(policy, hop.url, controller.signal);
        const response = await this.#send(hop, destination, controller.signal);
        const location = response.headers.location;
        if (!REDIRECT_STATUSES.has(response.statusCode ?? 0) || location === undefined) {
          return await this.#readResponse(response, hop.url, request.responseType, controller.signal);
        }
        // The body of a redirect is not read, and the socket is not reused (agent: false).
        response.destroy();
        if (redirects >= this.#maxRedirects) {
          throw fail(
            'PLUGIN_HTTP_TOO_MANY_REDIRECTS',
            `the request to ${request.url} was redirected more than ${this.#maxRedirects} times`,
            false,
            { maxRedirects: this.#maxRedirects, lastUrl: hop.url.href },
          );
        }
        hop = nextHop(hop, response.statusCode ?? 0, location);
      }
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
  }

  #timeoutOf(request: HttpRequestData): number {
    const requested = request?.timeoutMs;
    if (typeof requested === 'number' && Number.isFinite(requested) && requested > 0) {
      return Math.min(Math.ceil(requested), this.#timeoutMs);
    }
    return this.#timeoutMs;
  }

  /** Applies the host allowlist and the address rules to one hop, and returns its address. */
  async #check(policy: HttpPolicy, url: URL, signal: AbortSignal): Promise<Destination> {
    const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    if (!policy.anyHost && !isHostAllowed(hostname, policy.hosts)) {
      throw fail(
        'PLUGIN_HTTP_HOST_NOT_ALLOWED',
        `plugin "${policy.plugin}" may not reach ${hostname}: the host is not in its permissions.hosts ` +
          `(${policy.hosts.join(', ') || 'none'})`,
        false,
        { host: hostname, allowedHosts: [...policy.hosts] },
      );
    }

    const defaultPort = url.protocol === 'https:' ? 443 : 80;
    const port = url.port === '' ? defaultPort : Number(url.port);
    const literal = parseAddress(hostname);
    let candidates: ResolvedAddress[];
    if (literal !== undefined) {
      candidates = [{ address: hostname, family: literal.kind() === 'ipv4' ? 4 : 6 }];
    } else {
      candidates = await this.#resolveName(hostname, signal);
    }

    // Every address must pass, because a name with one public and one private address is how
    // DNS rebinding is usually set up.
    for (const candidate of candidates) {
      const address = parseAddress(candidate.address);
      if (address === undefined) {
        throw fail('PLUGIN_HTTP_FAILED', `${hostname} resolved to "${candidate.address}", which is not an IP address`, true);
      }
      const range = nonPublicRange(address);
      if (range !== undefined && !this.#allowList.allows(address, port, hostname)) {
        throw fail(
          'PLUGIN_HTTP_PRIVATE_ADDRESS',
          `${hostname} resolves to ${address.toString()} (${range}), and plugins may not reach ` +
            'non-public addresses unless HTTP_ALLOW_PRIVATE lists them',
          false,
          { host: hostname, address: address.toString(), range, port },
        );
      }
    }
    return candidates[0];
  }

  async #resolveName(hostname: string, signal: AbortSignal): Promise<ResolvedAddress[]> {
    let results: ResolvedAddress[];
    try {
      results = await abortable(this.#resolve(hostname), signal);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      const code = (error as NodeJS.ErrnoException).code;
      // ENOTFOUND is final; other resolver errors (EAI_AGAIN, timeouts) may pass.
      throw fail('PLUGIN_HTTP_FAILED', `could not resolve ${hostname}: ${code ?? (error as Error).message}`, code !== 'ENOTFOUND', {
        host: hostname,
        cause: code,
      });
    }
    if (results.length === 0) {
      throw fail('PLUGIN_HTTP_FAILED', `${hostname} resolved to no address`, false, { host: hostname });
    }
    return results;
  }

  #send(hop: Hop, destination: Destination, signal: AbortSignal): Promise<IncomingMessage> {
    // The socket connects to the checked address whatever name the URL has: Node calls this
    // instead of the resolver, and TLS still verifies the certificate against the URL's name.
    const pinned: LookupFunction = (_hostname, options, callback) => {
      if ((options as { all?: boolean }).all === true) {
        (callback as unknown as (error: null, addresses: ResolvedAddress[]) => void)(null, [destination]);
      } else {
        callback(null, destination.address, destination.family);
      }
    };
    const transport = hop.url.protocol === 'https:' ? https : http;
    const headers: Record<string, string> = { ...hop.headers };
    if (hop.body !== undefined) headers['content-length'] = String(hop.body.length);

    return new Promise<IncomingMessage>((resolve, reject) => {
      let outgoing: http.ClientRequest;
      try {
        outgoing = transport.request(hop.url, {
          method: hop.method,
          headers,
          lookup: pinned,
          agent: false,
          signal,
        });
      } catch (error) {
        reject(fail('PLUGIN_HTTP_REQUEST_INVALID', `the request to ${hop.url.href} is invalid: ${(error as Error).message}`));
        return;
      }
      outgoing.once('response', resolve);
      outgoing.once('error', (error: NodeJS.ErrnoException) => {
        if (signal.aborted) {
          reject(signal.reason);
          return;
        }
        reject(
          fail('PLUGIN_HTTP_FAILED', `the request to ${hop.url.href} failed: ${error.code ?? error.message}`, true, {
            url: hop.url.href,
            cause: error.code,
          }),
        );
      });
      outgoing.end(hop.body);
    });
  }

  async #readResponse(
    response: IncomingMessage,
    url: URL,
    responseType: HttpRequestData['responseType'],
    signal: AbortSignal,
  ): Promise<HttpResponseData> {
    const limit = this.#maxResponseBytes;
    const tooLarge = (): NodeError =>
      fail('PLUGIN_HTTP_RESPONSE_TOO_LARGE', `the response of ${url.href} is larger than ${limit} bytes`, false, {
        url: url.href,
        maxBytes: limit,
      });
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      response.destroy();
      throw tooLarge();
    }

    const chunks: Buffer[] = [];
    let received = 0;
    try {
      for await (const chunk of response as AsyncIterable<Buffer>) {
        received += chunk.length;
        if (received > limit) {
          response.destroy();
          throw tooLarge();
        }
        chunks.push(chunk);
      }
    } catch (error) {
      if (error instanceof NodeError) throw error;
      if (signal.aborted) throw signal.reason;
      throw fail('PLUGIN_HTTP_FAILED', `reading the response of ${url.href} failed: ${(error as Error).message}`, true, {
        url: url.href,
      });
    }

    const bytes = Buffer.concat(chunks);
    const headers = flattenHeaders(response);
    return { status: response.statusCode ?? 0, headers, body: decodeBody(bytes, headers, responseType, url), url: url.href };
  }
}

/** Builds the first hop from the plugin's request, rejecting what cannot be sent. */
/** Standard base64 with padding. Bodies are limited by the sandbox's payload size, so the pattern stays linear. */
const BASE64_PATTERN = /^[A-Za-z0-9+/]*={0,2}$/;

function buildFirstHop(request: HttpRequestData): Hop {
  if (request === null || typeof request !== 'object' || typeof request.url !== 'string' || !URL.canParse(request.url)) {
    throw fail('PLUGIN_HTTP_URL_INVALID', `"${String(request?.url)}" is not an absolute URL`);
  }
  const url = new URL(request.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw fail('PLUGIN_HTTP_URL_INVALID', `"${request.url}" must use http or https`);
  }
  if (url.username !== '' || url.password !== '') {
    throw fail('PLUGIN_HTTP_URL_INVALID', 'the URL must not contain a user name or password; send them in a header');
  }
  for (const [name, value] of Object.entries(request.query ?? {})) {
    url.searchParams.append(name, String(value));
  }

  if (request.responseType !== undefined && !RESPONSE_TYPES.has(request.responseType)) {
    throw fail('PLUGIN_HTTP_REQUEST_INVALID', `responseType must be json, text or base64, not "${String(request.responseType)}"`);
  }

  const method = (request.method ?? 'GET').toUpperCase();
  if (!METHOD_PATTERN.test(method)) {
    throw fail('PLUGIN_HTTP_REQUEST_INVALID', `"${request.method}" is not an HTTP method`);
  }

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    const lower = name.toLowerCase();
    if (!COMPUTED_HEADERS.has(lower)) headers[lower] = String(value);
  }

  let body: Buffer | undefined;
  if (request.bodyBase64 !== undefined) {
    if (request.body !== undefined && request.body !== null) {
      throw fail('PLUGIN_HTTP_REQUEST_INVALID', 'send either body or bodyBase64, not both');
    }
    if (typeof request.bodyBase64 !== 'string' || request.bodyBase64.length % 4 !== 0 || !BASE64_PATTERN.test(request.bodyBase64)) {
      throw fail('PLUGIN_HTTP_REQUEST_INVALID', 'bodyBase64 must be standard base64 with padding');
    }
    body = Buffer.from(request.bodyBase64, 'base64');
    headers['content-type'] ??= 'application/octet-stream';
  } else if (request.body !== undefined && request.body !== null) {
    if (typeof request.body === 'string') {
      body = Buffer.from(request.body, 'utf8');
    } else {
      body = Buffer.from(JSON.stringify(request.body), 'utf8');
      headers['content-type'] ??= 'application/json';
    }
  }
  return { url, method, headers, body };
}

/**
 * Builds the hop a redirect requests. 303, and 301 or 302 after a POST, become a GET without a
 * body, as browsers do; 307 and 308 repeat the method and body. Credentials headers stay
 * behind when the redirect leaves the origin.
 */
function nextHop(previous: Hop, status: number, location: string): Hop {
  if (!URL.canParse(location, previous.url)) {
    throw fail('PLUGIN_HTTP_URL_INVALID', `${previous.url.href} redirected to "${location}", which is not a URL`);
  }
  const url = new URL(location, previous.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw fail('PLUGIN_HTTP_URL_INVALID', `${previous.url.href} redirected to "${url.href}", which is not http or https`);
  }
  const headers = { ...previous.headers };
  if (url.origin !== previous.url.origin) {
    for (const name of ORIGIN_BOUND_HEADERS) delete headers[name];
  }
  const becomesGet = status === 303 || ((status === 301 || status === 302) && previous.method === 'POST');
  if (becomesGet) {
    delete headers['content-type'];
    return { url, method: previous.method === 'HEAD' ? 'HEAD' : 'GET', headers, body: undefined };
  }
  return { url, method: previous.method, headers, body: previous.body };
}

function flattenHeaders(response: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** Reads the body as `responseType` requests, or as JSON for JSON content types and text otherwise. */
function decodeBody(
  bytes: Buffer,
  headers: Record<string, string>,
  responseType: HttpRequestData['responseType'],
  url: URL,
): unknown {
  const type = responseType ?? (JSON_CONTENT_TYPE.test(headers['content-type'] ?? '') ? 'json' : 'text');
  if (type === 'base64') return bytes.toString('base64');
  const text = bytes.toString('utf8');
  if (type === 'text') return text;
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw fail('PLUGIN_HTTP_RESPONSE_INVALID', `the response of ${url.href} is not valid JSON`, false, { url: url.href });
  }
}

/** Rejects with the signal's reason when it aborts before `promise` settles. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}
