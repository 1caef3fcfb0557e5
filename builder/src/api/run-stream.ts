/**
 * Live events of one run over `GET /v1/ws`. The stream subscribes with the last sequence number
 * it has seen, so after a dropped connection it reconnects, the server replays what was missed,
 * and each event reaches `onEvent` once and in order.
 */
import type { RunEvent, RunStatus } from './types';

/** The part of the browser's WebSocket that the stream uses, so tests can pass a fake. */
export interface SocketLike {
  readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type SocketFactory = (url: string) => SocketLike;

export type StreamState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface RunStreamOptions {
  runId: string;
  /** Sequence number of the last event already applied; replay starts after it. */
  after?: number;
  /** Builds the WebSocket URL, with a fresh `access_token` when the studio has accounts. */
  url: () => Promise<string>;
  createSocket?: SocketFactory;
  onEvent: (event: RunEvent) => void;
  /** The run's status when the server finished replaying stored events. */
  onSubscribed?: (status: RunStatus) => void;
  onState?: (state: StreamState) => void;
  onError?: (code: string, message: string) => void;
  /** First reconnect delay; it doubles after each failed try up to `maxReconnectDelayMs`. */
  reconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
}

const OPEN = 1;
const DEFAULT_RECONNECT_DELAY_MS = 500;
const DEFAULT_MAX_RECONNECT_DELAY_MS = 5_000;

/** Returns the `/v1/ws` URL on the page's own host, with the access token when there is one. */
export function webSocketUrl(location: { protocol: string; host: string }, accessToken: string | null): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const query = accessToken === null ? '' : `?access_token=${encodeURIComponent(accessToken)}`;
  return `${scheme}//${location.host}/v1/ws${query}`;
}

export class RunStream {
  readonly #options: RunStreamOptions;
  readonly #createSocket: SocketFactory;
  #socket: SocketLike | null = null;
  #lastSeq: number;
  #closed = false;
  #attempt = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(options: RunStreamOptions) {
    this.#options = options;
    this.#lastSeq = options.after ?? 0;
    this.#createSocket = options.createSocket ?? ((url) => new WebSocket(url) as unknown as SocketLike);
    void this.#connect();
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** Stops the stream for good; no reconnect follows. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#socket?.close(1000, 'done');
    this.#socket = null;
    this.#options.onState?.('closed');
  }

  async #connect(): Promise<void> {
    this.#options.onState?.(this.#attempt === 0 ? 'connecting' : 'reconnecting');
    let url: string;
    try {
      url = await this.#options.url();
    } catch {
      this.#scheduleReconnect();
      return;
    }
    if (this.#closed) return;
    const socket = this.#createSocket(url);
    this.#socket = socket;
    socket.onopen = () => {
      this.#attempt = 0;
      this.#options.onState?.('open');
      socket.send(JSON.stringify({ type: 'subscribe', runId: this.#options.runId, after: this.#lastSeq }));
    };
    socket.onmessage = (message) => this.#receive(message.data);
    socket.onclose = () => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      this.#scheduleReconnect();
    };
    socket.onerror = () => {
      // A close event always follows, and it schedules the reconnect.
    };
  }

  #scheduleReconnect(): void {
    if (this.#closed) return;
    const base = this.#options.reconnectDelayMs ?? DEFAULT_RECONNECT_DELAY_MS;
    const max = this.#options.maxReconnectDelayMs ?? DEFAULT_MAX_RECONNECT_DELAY_MS;
    const delay = Math.min(base * 2 ** this.#attempt, max);
    this.#attempt += 1;
    this.#options.onState?.('reconnecting');
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#connect();
    }, delay);
  }

  #receive(data: unknown): void {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(String(data)) as Record<string, unknown>;
    } catch {
      return;
    }
    if (message.type === 'event') {
      const event = message.event as RunEvent;
      if (event.runId !== this.#options.runId || event.seq <= this.#lastSeq) return;
      this.#lastSeq = event.seq;
      this.#options.onEvent(event);
      return;
    }
    if (message.type === 'subscribed' && message.runId === this.#options.runId) {
      this.#options.onSubscribed?.(message.status as RunStatus);
      return;
    }
    if (message.type === 'error') {
      this.#options.onError?.(String(message.code), String(message.message));
    }
  }

  /** Test hook: whether a socket is open right now. */
  get connected(): boolean {
    return this.#socket !== null && this.#socket.readyState === OPEN;
  }
}
