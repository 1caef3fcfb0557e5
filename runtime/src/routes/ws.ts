import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { findOwnedGraph, isOwnedBy } from '../auth/ownership.js';
import { requirePrincipal } from '../auth/principal.js';
import type { StudioContext } from '../context.js';
import { StudioError } from '../errors.js';
import type { LiveRunEvent } from '../events/event-bus.js';

/** Close code sent to a client that falls too far behind ("try again later"). */
export const WS_CLOSE_SLOW_CLIENT = 1013;
/** Close code sent when an admin deactivates the connection's user ("policy violation"). */
export const WS_CLOSE_USER_INACTIVE = 1008;
const REPLAY_PAGE = 1000;
/** Live events held for one subscription while its stored events are replayed. */
const MAX_PENDING_EVENTS = 10_000;
/** Subscriptions one connection may hold at once. */
export const MAX_SUBSCRIPTIONS = 1_000;
const ID = /^[A-Za-z0-9_-]{1,64}$/;

type ClientMessage =
  | { type: 'subscribe'; runId?: unknown; graphId?: unknown; after?: unknown }
  | { type: 'unsubscribe'; runId?: unknown; graphId?: unknown }
  | { type: 'ping' };

/**
 * `GET /v1/ws`: live run events. A client subscribes to a run (replaying every stored event
 * after `after`, then live ones, each exactly once and in order) or to a graph (live only).
 * Only the signed-in user's own runs and graphs can be subscribed; another user's id gets the
 * same not-found error as an unknown one.
 */
export async function wsRoutes(app: FastifyInstance, ctx: StudioContext): Promise<void> {
  app.route({
    method: 'GET',
    url: '/v1/ws',
    schema: { tags: ['runs'], summary: 'Live run events over WebSocket', hide: true },
    // A plain HTTP request gets the usual JSON error body instead of an empty 404.
    handler: async () => {
      throw new StudioError('ROUTE_NOT_FOUND', 'GET /v1/ws accepts WebSocket connections only; send an "Upgrade: websocket" request', {
        problems: [{ pointer: '/headers/upgrade', message: 'must be websocket' }],
      });
    },
    wsHandler: (socket, request) => handleConnection(ctx, socket, request),
  });
}

/** Serves one WebSocket connection: its subscriptions, replays and live events. */
function handleConnection(ctx: StudioContext, socket: WebSocket, request: FastifyRequest): void {
  const { userId } = requirePrincipal(request);
  const log = request.log.child({ component: 'ws' });
  const subscriptions = new Map<string, () => void>();
  const replayHighWaterBytes = Math.floor(ctx.config.wsMaxBufferedBytes / 2);
  let closed = false;
  ctx.metrics.wsClients.inc();
  const removeConnection = ctx.connections.add(userId, () => {
    socket.close(WS_CLOSE_USER_INACTIVE, 'account deactivated');
    cleanup();
  });

  /** Sends a message unless the client fell too far behind. `onFlushed` runs once the message left the buffer. */
  const send = (message: unknown, onFlushed?: (error?: Error) => void): boolean => {
    if (closed) return false;
    if (socket.bufferedAmount > ctx.config.wsMaxBufferedBytes) {
      log.warn({ bufferedBytes: socket.bufferedAmount }, 'closing slow websocket client');
      socket.close(WS_CLOSE_SLOW_CLIENT, 'client too slow; reconnect with the last seq');
      cleanup();
      return false;
    }
    socket.send(JSON.stringify(message), onFlushed);
    return true;
  };
  /**
   * Sends a replayed message. When the buffer already contains more than half the limit, it
   * also waits until this message has left the buffer. Stored events are read far faster than a
   * socket sends them, so without the wait a replay would disconnect clients that read at full speed.
   * NOTE: a client that stops reading stalls its replay, which keeps one page of events in
   * memory until the client reads again or disconnects. There is no timeout.
   */
  const sendReplayed = async (message: unknown): Promise<void> => {
    if (socket.bufferedAmount < replayHighWaterBytes) {
      send(message);
      return;
    }
    await new Promise<void>((resolve) => {
      if (!send(message, () => resolve())) resolve();
    });
  };
  const sendError = (code: string, message: string, pointer: string): void => {
    send({ type: 'error', code, message, pointer });
  };
  const cleanup = (): void => {
    if (closed) return;
    closed = true;
    removeConnection();
    ctx.metrics.wsClients.dec();
    for (const unsubscribe of subscriptions.values()) unsubscribe();
    subscriptions.clear();
  };

  const subscribeRun = async (runId: string, after: number): Promise<void> => {
    const key = `run:${runId}`;
    subscriptions.get(key)?.();
    // `active` turns false on `unsubscribe`, on a later subscribe to the same run, or when the
    // socket closes. The replay below checks it before each step and stops.
    let active = true;
    let lastSeq = after;
    let pending: LiveRunEvent[] | null = [];
    const deliver = (event: LiveRunEvent): void => {
      if (event.seq <= lastSeq) return;
      lastSeq = event.seq;
      send({ type: 'event', event });
    };
    const stopListening = ctx.events.subscribeRun(runId, (event) => {
      if (pending === null) return deliver(event);
      pending.push(event);
      if (pending.length > MAX_PENDING_EVENTS) {
        socket.close(WS_CLOSE_SLOW_CLIENT, 'too many events during replay; reconnect with the last seq');
        cleanup();
      }
    });
    const unsubscribe = (): void => {
      active = false;
      stopListening();
    };
    subscriptions.set(key, unsubscribe);

    const run = await ctx.storage.runs.get(runId);
    if (!active) return;
    // Live events held in `pending` are dropped unsent when the run is not the user's.
    if (!run || !isOwnedBy(run.ownerId, userId)) {
      unsubscribe();
      subscriptions.delete(key);
      return sendError('RUN_NOT_FOUND', `run "${runId}" does not exist`, '/runId');
    }
    await ctx.events.flush();
    for (;;) {
      if (!active) return;
      const page = await ctx.storage.events.listByRun(runId, { after: lastSeq, limit: REPLAY_PAGE });
      for (const record of page) {
        if (!active) return;
        if (record.seq <= lastSeq) continue;
        lastSeq = record.seq;
        await sendReplayed({ type: 'event', event: { ...record, graphId: run.graphId } });
      }
      if (page.length < REPLAY_PAGE) break;
    }
    // A long replay may outlast the status read above, so report the current one.
    const status = (await ctx.storage.runs.get(runId))?.status ?? run.status;
    if (!active) return;
    const held = pending;
    pending = null;
    for (const event of held) deliver(event);
    send({ type: 'subscribed', runId, lastSeq, status });
  };

  const subscribeGraph = async (graphId: string): Promise<void> => {
    const key = `graph:${graphId}`;
    subscriptions.get(key)?.();
    // The entry takes its place under the subscription cap while the owner is checked. An
    // unsubscribe, a later subscribe to the same graph or the socket's close clears `active`.
    let active = true;
    subscriptions.set(key, () => {
      active = false;
    });
    const graph = await findOwnedGraph(ctx, userId, graphId);
    if (!active) return;
    if (graph === null) {
      subscriptions.delete(key);
      return sendError('GRAPH_NOT_FOUND', `graph "${graphId}" does not exist`, '/graphId');
    }
    subscriptions.set(key, ctx.events.subscribeGraph(graphId, (event) => send({ type: 'event', event })));
    send({ type: 'subscribed', graphId });
  };

  const handle = async (message: ClientMessage): Promise<void> => {
    if (message.type === 'ping') {
      send({ type: 'pong' });
      return;
    }
    const { runId, graphId } = message;
    if (runId !== undefined && (typeof runId !== 'string' || !ID.test(runId))) {
      return sendError('REQUEST_INVALID', 'runId must be a run id', '/runId');
    }
    if (graphId !== undefined && (typeof graphId !== 'string' || !ID.test(graphId))) {
      return sendError('REQUEST_INVALID', 'graphId must be a graph id', '/graphId');
    }
    if (runId === undefined && graphId === undefined) {
      return sendError('REQUEST_INVALID', 'give runId or graphId', '/runId');
    }
    if (runId !== undefined && graphId !== undefined) {
      return sendError('REQUEST_INVALID', 'give either runId or graphId, not both', '/graphId');
    }
    if (message.type === 'unsubscribe') {
      const key = runId !== undefined ? `run:${runId}` : `graph:${graphId}`;
      subscriptions.get(key)?.();
      const existed = subscriptions.delete(key);
      send({ type: 'unsubscribed', ...(runId !== undefined ? { runId } : { graphId }), existed });
      return;
    }
    const key = runId !== undefined ? `run:${runId}` : `graph:${graphId}`;
    if (!subscriptions.has(key) && subscriptions.size >= MAX_SUBSCRIPTIONS) {
      return sendError('REQUEST_INVALID', `a connection may hold at most ${MAX_SUBSCRIPTIONS} subscriptions; unsubscribe first`, '/type');
    }
    if (runId !== undefined) {
      const after = message.after ?? 0;
      if (typeof after !== 'number' || !Number.isSafeInteger(after) || after < 0) {
        return sendError('REQUEST_INVALID', 'after must be a non-negative integer sequence number', '/after');
      }
      return subscribeRun(runId as string, after);
    }
    return subscribeGraph(graphId as string);
  };

  socket.on('message', (data: WebSocket.RawData) => {
    let message: ClientMessage;
    try {
      message = JSON.parse(data.toString()) as ClientMessage;
    } catch {
      return sendError('REQUEST_INVALID', 'message is not valid JSON', '');
    }
    if (message === null || typeof message !== 'object' || !['subscribe', 'unsubscribe', 'ping'].includes(message.type)) {
      return sendError('REQUEST_INVALID', 'type must be one of: subscribe, unsubscribe, ping', '/type');
    }
    handle(message).catch((error: unknown) => {
      log.error({ err: error }, 'websocket message failed');
      sendError('INTERNAL', 'internal error; the server log has the details', '');
    });
  });
  socket.on('close', cleanup);
  socket.on('error', (error) => {
    log.info({ err: error }, 'websocket error');
    cleanup();
  });
}
