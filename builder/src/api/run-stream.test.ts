import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RunStream, webSocketUrl, type SocketLike, type StreamState } from './run-stream';
import type { RunEvent } from './types';

/** A socket the test opens, feeds and drops by hand. */
class FakeSocket implements SocketLike {
  readyState = 0;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: unknown) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  readonly sent: unknown[] = [];
  closedByClient = false;

  constructor(readonly url: string) {}

  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(): void {
    this.closedByClient = true;
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(message: unknown): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  drop(): void {
    this.readyState = 3;
    this.onclose?.({});
  }
}

function runEvent(seq: number, type = 'task.started'): RunEvent {
  return { runId: 'run_1', seq, type, at: '2026-01-01T00:00:00.000Z', taskId: 't', nodeId: 'a', data: null };
}

function setup() {
  const sockets: FakeSocket[] = [];
  const events: number[] = [];
  const states: StreamState[] = [];
  const stream = new RunStream({
    runId: 'run_1',
    url: async () => 'ws://studio.test/v1/ws?access_token=abc',
    createSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    onEvent: (event) => events.push(event.seq),
    onState: (state) => states.push(state),
    reconnectDelayMs: 100,
    maxReconnectDelayMs: 400,
  });
  return { stream, sockets, events, states };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('RunStream', () => {
  it('subscribes after the last seen sequence', async () => {
    const { sockets } = setup();
    await vi.advanceTimersByTimeAsync(0);

    sockets[0].open();

    expect(sockets[0].url).toBe('ws://studio.test/v1/ws?access_token=abc');
    expect(sockets[0].sent).toEqual([{ type: 'subscribe', runId: 'run_1', after: 0 }]);
  });

  it('delivers each event once, in order', async () => {
    const { sockets, events } = setup();
    await vi.advanceTimersByTimeAsync(0);
    sockets[0].open();

    for (const seq of [1, 2, 2, 1, 3]) sockets[0].receive({ type: 'event', event: runEvent(seq) });

    expect(events).toEqual([1, 2, 3]);
  });

  it('reconnects and replays after the last sequence', async () => {
    const { sockets, events, states } = setup();
    await vi.advanceTimersByTimeAsync(0);
    sockets[0].open();
    sockets[0].receive({ type: 'event', event: runEvent(1) });
    sockets[0].receive({ type: 'event', event: runEvent(2) });

    sockets[0].drop();
    await vi.advanceTimersByTimeAsync(100);
    sockets[1].open();
    // The server replays everything after seq 2; a duplicate of 2 must still be skipped.
    sockets[1].receive({ type: 'event', event: runEvent(2) });
    sockets[1].receive({ type: 'event', event: runEvent(3) });

    expect(sockets).toHaveLength(2);
    expect(sockets[1].sent).toEqual([{ type: 'subscribe', runId: 'run_1', after: 2 }]);
    expect(events).toEqual([1, 2, 3]);
    expect(states).toContain('reconnecting');
    expect(states.at(-1)).toBe('open');
  });

  it('backs off between failed reconnects up to the maximum', async () => {
    const { sockets } = setup();
    await vi.advanceTimersByTimeAsync(0);

    sockets[0].drop();
    await vi.advanceTimersByTimeAsync(100);
    sockets[1].drop();
    await vi.advanceTimersByTimeAsync(199);
    expect(sockets).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(sockets).toHaveLength(3);
    sockets[2].drop();
    await vi.advanceTimersByTimeAsync(400);
    expect(sockets).toHaveLength(4);
    sockets[3].drop();
    await vi.advanceTimersByTimeAsync(400);
    expect(sockets).toHaveLength(5);
  });

  it('close stops reconnecting', async () => {
    const { stream, sockets } = setup();
    await vi.advanceTimersByTimeAsync(0);
    sockets[0].open();

    stream.close();
    sockets[0].drop();
    await vi.advanceTimersByTimeAsync(10_000);

    expect(sockets).toHaveLength(1);
    expect(sockets[0].closedByClient).toBe(true);
  });

  it('reports the status after the replay', async () => {
    const statuses: string[] = [];
    const sockets: FakeSocket[] = [];
    new RunStream({
      runId: 'run_1',
      url: async () => 'ws://x/v1/ws',
      createSocket: (url) => {
        const socket = new FakeSocket(url);
        sockets.push(socket);
        return socket;
      },
      onEvent: () => undefined,
      onSubscribed: (status) => statuses.push(status),
    });
    await vi.advanceTimersByTimeAsync(0);
    sockets[0].open();

    sockets[0].receive({ type: 'subscribed', runId: 'run_1', lastSeq: 4, status: 'succeeded' });

    expect(statuses).toEqual(['succeeded']);
  });
});

describe('webSocketUrl', () => {
  it('uses ws on http and wss on https', () => {
    expect(webSocketUrl({ protocol: 'http:', host: '127.0.0.1:8000' }, null)).toBe('ws://127.0.0.1:8000/v1/ws');
    expect(webSocketUrl({ protocol: 'https:', host: 'studio.example' }, 'a b')).toBe('wss://studio.example/v1/ws?access_token=a%20b');
  });
});
