import type { Socket } from 'node:net';
import WebSocket from 'ws';

/** A message the studio sends on `/v1/ws`. */
export type ServerMessage =
  | { type: 'event'; event: { runId: string; graphId: string; seq: number; type: string; [key: string]: unknown } }
  | { type: 'subscribed'; runId?: string; graphId?: string; lastSeq?: number; status?: string }
  | { type: 'error'; code: string; message: string; pointer: string }
  | { type: 'unsubscribed'; runId?: string; graphId?: string; existed: boolean }
  | { type: 'pong' };

/** How the connection ended. */
export interface CloseInfo {
  code: number;
  reason: string;
}

/**
 * A WebSocket client for tests: it records every message in arrival order and lets a test
 * wait for a message that matches a predicate.
 */
export class TestWsClient {
  readonly socket: WebSocket;
  readonly messages: ServerMessage[] = [];
  readonly closed: Promise<CloseInfo>;
  readonly #waiters = new Set<() => void>();

  private constructor(socket: WebSocket) {
    this.socket = socket;
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.#wake();
      });
    });
    socket.on('message', (data) => {
      this.messages.push(JSON.parse(data.toString()) as ServerMessage);
      this.#wake();
    });
  }

  /**
   * Opens a connection to `/v1/ws` of the studio listening at `baseUrl`. `token` goes in the
   * `access_token` query parameter, as a browser sends it, or with `tokenIn: 'header'` in an
   * `Authorization: Bearer` header. A refused handshake rejects with "Unexpected server response: <status>".
   */
  static async connect(baseUrl: string, options: { token?: string | null; tokenIn?: 'query' | 'header' } = {}): Promise<TestWsClient> {
    const { token, tokenIn = 'query' } = options;
    let url = `${baseUrl.replace(/^http/, 'ws')}/v1/ws`;
    const headers: Record<string, string> = {};
    if (token && tokenIn === 'query') url += `?access_token=${encodeURIComponent(token)}`;
    if (token && tokenIn === 'header') headers.authorization = `Bearer ${token}`;
    const socket = new WebSocket(url, { headers });
    const client = new TestWsClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return client;
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The TCP socket under the WebSocket, to pause reading in slow-client tests. */
  get rawSocket(): Socket {
    return (this.socket as unknown as { _socket: Socket })._socket;
  }

  /** Events received so far, in arrival order. */
  events(runId?: string): Array<Extract<ServerMessage, { type: 'event' }>['event']> {
    return this.messages
      .filter((message): message is Extract<ServerMessage, { type: 'event' }> => message.type === 'event')
      .map((message) => message.event)
      .filter((event) => runId === undefined || event.runId === runId);
  }

  /** Resolves with the first message (from the start) that matches, or rejects after `timeoutMs`. */
  async waitFor<T extends ServerMessage>(
    predicate: (message: ServerMessage) => message is T,
    timeoutMs?: number,
  ): Promise<T>;
  async waitFor(predicate: (message: ServerMessage) => boolean, timeoutMs?: number): Promise<ServerMessage>;
  async waitFor(predicate: (message: ServerMessage) => boolean, timeoutMs = 10_000): Promise<ServerMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(predicate);
      if (found) return found;
      if (this.socket.readyState === WebSocket.CLOSED) {
        throw new Error(`socket closed before the expected message arrived; got ${JSON.stringify(this.messages.slice(-3))}`);
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new Error(`no matching message within ${timeoutMs} ms; last: ${JSON.stringify(this.messages.slice(-3))}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(wake, remaining);
        function wake(): void {
          clearTimeout(timer);
          resolve();
        }
        this.#waiters.add(wake);
      });
    }
  }

  /** Waits for the `run.finished` event of `runId`. */
  async waitForFinish(runId: string, timeoutMs = 10_000): Promise<void> {
    await this.waitFor((message) => message.type === 'event' && message.event.runId === runId && message.event.type === 'run.finished', timeoutMs);
  }

  /** Closes the connection and waits until it is closed. */
  async close(): Promise<void> {
    if (this.socket.readyState !== WebSocket.CLOSED) this.socket.terminate();
    await this.closed;
  }

  #wake(): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }
}
