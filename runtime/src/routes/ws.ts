import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import type { StudioContext } from '../context.js';
import type { LiveRunEvent } from '../events/event-bus.js';

/** Close code sent to a client that falls too far behind ("try again later"). */
export const WS_CLOSE_SLOW_CLIENT = 1013;
const REPLAY_PAGE = 1000;
/** Live events held for one subscription while its stored events are replayed. */
const MAX_PENDING_EVENTS = 10_000;
const ID = /^[A-Za-z0-9_-]{1,64}$/;

type ClientMessage =
  | { type: 'subscribe'; runId?: unknown; graphId?: unknown; after?: unknown }
  | { type: 'unsubscribe'; runId?: unknown; graphId?: unknown }
  | { type: 'ping' };

/**
 * `GET /v1/ws`: live run events. A client subscribes to a run (replaying every stored event
 * after `after`, then live ones, each exactly once and in order) or to a graph (live only).
 */
export async function wsRoutes(app: FastifyInstance, ctx: StudioContext): Promise<void> {
  app.get('/v1/ws', { websocket: true, schema: { tags: ['runs'], summary: 'Live run events over WebSocket', hide: true } }, (socket, request) => {
    const log = request.log.child({ component: 'ws' });
    const subscriptions = new Map<string, () => void>();
    let closed = false;
    ctx.metrics.wsClients.inc();

    const send = (message: unknown): boolean => {
      if (closed) return false;
      if (socket.bufferedAmount > ctx.config.wsMaxBufferedBytes) {
        log.warn({ bufferedBytes: socket.bufferedAmount }, 'closing slow websocket client');
        socket.close(WS_CLOSE_SLOW_CLIENT, 'client too slow; reconnect with the last seq');
        cleanup();
        return false;
      }
      socket.send(JSON.stringify(message));
      return true;
    };
    const sendError = (code: string, message: string, pointer: string): void => {
      send({ type: 'error', code, message, pointer });
    };
    const cleanup = (): void => {
      if (closed) return;
      closed = true;
      ctx.metrics.wsClients.dec();
      for (const unsubscribe of subscriptions.values()) unsubscribe();
      subscriptions.clear();
    };

    const subscribeRun = async (runId: string, after: number): Promise<void> => {
      const key = `run:${runId}`;
      subscriptions.get(key)?.();
      let lastSeq = after;
      let pending: LiveRunEvent[] | null = [];
      const deliver = (event: LiveRunEvent): void => {
        if (event.seq <= lastSeq) return;
        lastSeq = event.seq;
        send({ type: 'event', event });
      };
      const unsubscribe = ctx.events.subscribeRun(runId, (event) => {
        if (pending === null) return deliver(event);
        pending.push(event);
        if (pending.length > MAX_PENDING_EVENTS) {
          socket.close(WS_CLOSE_SLOW_CLIENT, 'too many events during replay; reconnect with the last seq');
          cleanup();
        }
      });
      subscriptions.set(key, unsubscribe);

      const run = await ctx.storage.runs.get(runId);
      if (!run) {
        unsubscribe();
        subscriptions.delete(key);
        return sendError('RUN_NOT_FOUND', `run "${runId}" does not exist`, '/runId');
      }
      await ctx.events.flush();
      for (;;) {
        const page = await ctx.storage.events.listByRun(runId, { after: lastSeq, limit: REPLAY_PAGE });
        for (const record of page) deliver({ ...record, graphId: run.graphId });
        if (page.length < REPLAY_PAGE || closed) break;
      }
      const held = pending;
      pending = null;
      for (const event of held) deliver(event);
      send({ type: 'subscribed', runId, lastSeq, status: run.status });
    };

    const subscribeGraph = (graphId: string): void => {
      const key = `graph:${graphId}`;
      subscriptions.get(key)?.();
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
      if (message.type === 'unsubscribe') {
        const key = runId !== undefined ? `run:${runId}` : `graph:${graphId}`;
        subscriptions.get(key)?.();
        subscriptions.delete(key);
        return;
      }
      if (runId !== undefined) {
        const after = message.after ?? 0;
        if (typeof after !== 'number' || !Number.isInteger(after) || after < 0) {
          return sendError('REQUEST_INVALID', 'after must be a non-negative integer sequence number', '/after');
        }
        return subscribeRun(runId as string, after);
      }
      subscribeGraph(graphId as string);
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
  });
}
