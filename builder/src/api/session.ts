/** The signed-in session, kept in `localStorage` so a reload stays signed in. */
import type { SessionReply, UserView } from './types';

/** Tokens of one signed-in session. */
export interface Session {
  user: UserView;
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
  refreshTokenExpiresAt: string;
}

const SESSION_KEY = 'gestorlead.session';

/** Stores the session in `localStorage`, or in memory where storage is unavailable. */
export class SessionStore {
  #memory: Session | null = null;
  readonly #storage: Storage | null;
  readonly #listeners = new Set<(session: Session | null) => void>();

  constructor(storage: Storage | null = typeof localStorage === 'undefined' ? null : localStorage) {
    this.#storage = storage;
  }

  /** Reads the current session; another tab may have refreshed it since the last read. */
  get(): Session | null {
    if (this.#storage === null) return this.#memory;
    const text = this.#storage.getItem(SESSION_KEY);
    if (text === null) return null;
    try {
      return JSON.parse(text) as Session;
    } catch {
      return null;
    }
  }

  set(reply: SessionReply | null): void {
    const session: Session | null =
      reply === null
        ? null
        : {
            user: reply.user,
            accessToken: reply.accessToken,
            accessTokenExpiresAt: reply.accessTokenExpiresAt,
            refreshToken: reply.refreshToken,
            refreshTokenExpiresAt: reply.refreshTokenExpiresAt,
          };
    if (this.#storage === null) this.#memory = session;
    else if (session === null) this.#storage.removeItem(SESSION_KEY);
    else this.#storage.setItem(SESSION_KEY, JSON.stringify(session));
    for (const listener of this.#listeners) listener(session);
  }

  /** Calls `listener` after each change made through this store; returns the unsubscribe. */
  subscribe(listener: (session: Session | null) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
