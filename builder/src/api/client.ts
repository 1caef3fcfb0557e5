/**
 * HTTP client of the studio API. It sends the access token, refreshes it shortly before it
 * expires or when a 401 reply reports it expired, and turns every failure into an `ApiError`.
 */
import { ApiError, errorFromBody, toApiError } from './api-error';
import type { Session, SessionStore } from './session';
import type { SessionReply } from './types';

/** Refresh the access token when it expires within this margin. */
export const REFRESH_MARGIN_MS = 60_000;

/** Codes of 401 replies that a new access token may cure. */
const REFRESHABLE_CODES = new Set(['AUTH_TOKEN_EXPIRED', 'AUTH_TOKEN_INVALID', 'AUTH_REQUIRED']);

export interface ApiClientOptions {
  sessions: SessionStore;
  /** Prefix of every path; empty when the builder is served by the runtime or Vite's proxy. */
  baseUrl?: string;
  fetch?: typeof fetch;
  now?: () => number;
  /** Runs a function under a lock shared by the browser's tabs, so only one tab refreshes. */
  withLock?: <T>(name: string, task: () => Promise<T>) => Promise<T>;
  /** Called when the session ended because its refresh token was rejected. */
  onSessionEnded?: () => void;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  /** False for the public sign-in routes, which must not send or refresh a token. */
  auth?: boolean;
  signal?: AbortSignal;
  /** Whether the browser sends and stores cookies; `fetch` defaults to same-origin only. */
  credentials?: RequestCredentials;
}

function browserLock<T>(name: string, task: () => Promise<T>): Promise<T> {
  if (typeof navigator !== 'undefined' && navigator.locks !== undefined) {
    return navigator.locks.request(name, task) as Promise<T>;
  }
  return task();
}

export class ApiClient {
  readonly #options: ApiClientOptions;
  readonly #fetch: typeof fetch;
  #refreshing: Promise<Session | null> | null = null;

  constructor(options: ApiClientOptions) {
    this.#options = options;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  get sessions(): SessionStore {
    return this.#options.sessions;
  }

  /** Sends a request and returns the parsed JSON reply, or undefined for an empty one. */
  async request<T>(path: string, options: RequestOptions = {}): Promise<T> {
    const auth = options.auth ?? true;
    let session = auth ? await this.#freshSession() : null;
    let response = await this.#send(path, options, session);
    if (auth && session !== null && response.status === 401) {
      const body: unknown = await readJson(response);
      const error = errorFromBody(401, body);
      if (!REFRESHABLE_CODES.has(error.code)) throw error;
      session = await this.#refresh(session);
      if (session === null) throw error;
      response = await this.#send(path, options, session);
    }
    return this.#parse<T>(response);
  }

  /** Returns an access token valid for at least the refresh margin, or null without a session. */
  async accessToken(): Promise<string | null> {
    return (await this.#freshSession())?.accessToken ?? null;
  }

  /** Fetches a reply as a Blob, for downloads. */
  async download(path: string): Promise<{ blob: Blob; fileName: string | null }> {
    const session = await this.#freshSession();
    const response = await this.#send(path, {}, session);
    if (!response.ok) throw errorFromBody(response.status, await readJson(response));
    const disposition = response.headers.get('content-disposition') ?? '';
    const match = /filename="([^"]+)"/.exec(disposition);
    return { blob: await response.blob(), fileName: match ? match[1] : null };
  }

  async #send(path: string, options: RequestOptions, session: Session | null): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (session !== null) headers.authorization = `Bearer ${session.accessToken}`;
    try {
      return await this.#fetch(`${this.#options.baseUrl ?? ''}${path}`, {
        method: options.method ?? 'GET',
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: options.signal,
        ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
      });
    } catch (error) {
      throw toApiError(error);
    }
  }

  async #parse<T>(response: Response): Promise<T> {
    const body: unknown = await readJson(response);
    if (!response.ok) throw errorFromBody(response.status, body);
    return body as T;
  }

  /** Returns the stored session, refreshed first when its access token is about to expire. */
  async #freshSession(): Promise<Session | null> {
    const session = this.#options.sessions.get();
    if (session === null) return null;
    const now = this.#options.now?.() ?? Date.now();
    if (Date.parse(session.accessTokenExpiresAt) - now > REFRESH_MARGIN_MS) return session;
    return this.#refresh(session);
  }

  /** Exchanges the refresh token once, however many requests wait for it at the same time. */
  #refresh(stale: Session): Promise<Session | null> {
    this.#refreshing ??= this.#lockedRefresh(stale).finally(() => {
      this.#refreshing = null;
    });
    return this.#refreshing;
  }

  async #lockedRefresh(stale: Session): Promise<Session | null> {
    const lock = this.#options.withLock ?? browserLock;
    return lock('gestorlead-session-refresh', async () => {
      // Another tab may have refreshed while this one waited for the lock. Refresh tokens
      // rotate, so sending the stale one again would be rejected as reused.
      const current = this.#options.sessions.get();
      if (current === null) return null;
      if (current.refreshToken !== stale.refreshToken) return current;

      const response = await this.#send(
        '/v1/auth/refresh',
        { method: 'POST', body: { refreshToken: current.refreshToken } },
        null,
      );
      if (response.status >= 400 && response.status < 500) {
        this.#options.sessions.set(null);
        this.#options.onSessionEnded?.();
        return null;
      }
      const reply = await this.#parse<SessionReply>(response);
      this.#options.sessions.set(reply);
      return this.#options.sessions.get();
    });
  }
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export { ApiError };
