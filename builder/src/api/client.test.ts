import { describe, expect, it } from 'vitest';
import { NETWORK_ERROR, RESPONSE_INVALID } from './api-error';
import { ApiClient, REFRESH_MARGIN_MS } from './client';
import { SessionStore } from './session';
import type { SessionReply } from './types';

const NOW = Date.parse('2026-01-01T00:00:00.000Z');
const USER = { id: 'user_1', email: 'ana@example.com', fullName: 'Ana', admin: true };

function session(access: string, refresh: string, expiresInMs = 30 * 60_000): SessionReply {
  return {
    user: USER,
    accessToken: access,
    accessTokenExpiresAt: new Date(NOW + expiresInMs).toISOString(),
    refreshToken: refresh,
    refreshTokenExpiresAt: new Date(NOW + 86_400_000).toISOString(),
  };
}

interface Call {
  path: string;
  method: string;
  authorization: string | undefined;
  body: unknown;
}

type Responder = (call: Call) => { status: number; body?: unknown };

function setup(responder: Responder, initial: SessionReply | null = session('access-1', 'refresh-1')) {
  const calls: Call[] = [];
  const sessions = new SessionStore(null);
  if (initial !== null) sessions.set(initial);
  let ended = 0;
  const client = new ApiClient({
    sessions,
    now: () => NOW,
    withLock: (_name, task) => task(),
    onSessionEnded: () => {
      ended += 1;
    },
    fetch: async (input, init) => {
      const headers = (init?.headers ?? {}) as Record<string, string>;
      const call: Call = {
        path: String(input),
        method: init?.method ?? 'GET',
        authorization: headers.authorization,
        body: init?.body === undefined ? undefined : JSON.parse(String(init.body)),
      };
      calls.push(call);
      const reply = responder(call);
      return new Response(reply.body === undefined ? null : JSON.stringify(reply.body), { status: reply.status });
    },
  });
  return { client, sessions, calls, ended: () => ended };
}

const EXPIRED = { statusCode: 401, code: 'AUTH_TOKEN_EXPIRED', message: 'access token expired; refresh it', errors: [] };

describe('ApiClient', () => {
  it('sends the access token', async () => {
    const { client, calls } = setup(() => ({ status: 200, body: { items: [] } }));

    await expect(client.request('/v1/graphs')).resolves.toEqual({ items: [] });

    expect(calls[0].authorization).toBe('Bearer access-1');
  });

  it('refreshes on an expired token and retries once', async () => {
    const { client, calls, sessions } = setup((call) => {
      if (call.path === '/v1/auth/refresh') return { status: 200, body: session('access-2', 'refresh-2') };
      return call.authorization === 'Bearer access-2' ? { status: 200, body: { ok: true } } : { status: 401, body: EXPIRED };
    });

    await expect(client.request('/v1/graphs')).resolves.toEqual({ ok: true });

    expect(calls.map((call) => call.path)).toEqual(['/v1/graphs', '/v1/auth/refresh', '/v1/graphs']);
    expect(calls[1].body).toEqual({ refreshToken: 'refresh-1' });
    expect(calls[1].authorization).toBeUndefined();
    expect(sessions.get()?.refreshToken).toBe('refresh-2');
  });

  it('refreshes ahead of expiry', async () => {
    const { client, calls } = setup(
      (call) => (call.path === '/v1/auth/refresh' ? { status: 200, body: session('access-2', 'refresh-2') } : { status: 200, body: {} }),
      session('access-1', 'refresh-1', REFRESH_MARGIN_MS - 1),
    );

    await client.request('/v1/me');

    expect(calls.map((call) => call.path)).toEqual(['/v1/auth/refresh', '/v1/me']);
    expect(calls[1].authorization).toBe('Bearer access-2');
  });

  it('concurrent requests share one refresh', async () => {
    const { client, calls } = setup(
      (call) => (call.path === '/v1/auth/refresh' ? { status: 200, body: session('access-2', 'refresh-2') } : { status: 200, body: {} }),
      session('access-1', 'refresh-1', 0),
    );

    await Promise.all([client.request('/v1/a'), client.request('/v1/b'), client.request('/v1/c')]);

    expect(calls.filter((call) => call.path === '/v1/auth/refresh')).toHaveLength(1);
  });

  it('a rejected refresh ends the session', async () => {
    const { client, sessions, ended } = setup((call) =>
      call.path === '/v1/auth/refresh'
        ? { status: 401, body: { statusCode: 401, code: 'AUTH_REFRESH_TOKEN_REUSED', message: 'refresh token was already used', errors: [] } }
        : { status: 401, body: EXPIRED },
    );

    await expect(client.request('/v1/graphs')).rejects.toMatchObject({ code: 'AUTH_TOKEN_EXPIRED', status: 401 });

    expect(sessions.get()).toBeNull();
    expect(ended()).toBe(1);
  });

  it('uses a token another tab refreshed', async () => {
    const { client, calls, sessions } = setup((call) =>
      call.authorization === 'Bearer access-other' ? { status: 200, body: {} } : { status: 401, body: EXPIRED },
    );
    const stale = sessions.get()!;
    // Another tab rotates the tokens between this tab's read and its refresh.
    const original = sessions.get.bind(sessions);
    let reads = 0;
    sessions.get = () => {
      reads += 1;
      return reads === 1 ? stale : { ...original()!, accessToken: 'access-other', refreshToken: 'refresh-other' };
    };

    await client.request('/v1/graphs');

    expect(calls.map((call) => call.path)).toEqual(['/v1/graphs', '/v1/graphs']);
  });

  it('does not refresh for other 401 codes', async () => {
    const { client, calls } = setup(() => ({
      status: 401,
      body: { statusCode: 401, code: 'AUTH_USER_INACTIVE', message: 'account is deactivated', errors: [] },
    }));

    await expect(client.request('/v1/graphs')).rejects.toMatchObject({ code: 'AUTH_USER_INACTIVE' });
    expect(calls).toHaveLength(1);
  });

  it('parses coded errors with their problems', async () => {
    const { client } = setup(() => ({
      status: 400,
      body: {
        statusCode: 400,
        code: 'GRAPH_INVALID',
        message: 'graph document has 1 problem(s)',
        errors: [{ pointer: '/nodes/0/config/ms', message: 'is required', code: 'GRAPH_CONFIG_INVALID' }],
      },
    }), null);

    await expect(client.request('/v1/graphs', { method: 'POST', body: {} })).rejects.toMatchObject({
      status: 400,
      code: 'GRAPH_INVALID',
      errors: [{ pointer: '/nodes/0/config/ms', message: 'is required', code: 'GRAPH_CONFIG_INVALID' }],
    });
  });

  it('reports a reply without an error body', async () => {
    const { client } = setup(() => ({ status: 502 }), null);

    await expect(client.request('/v1/graphs')).rejects.toMatchObject({ status: 502, code: RESPONSE_INVALID });
  });

  it('reports a network failure', async () => {
    const sessions = new SessionStore(null);
    const client = new ApiClient({
      sessions,
      fetch: async () => {
        throw new TypeError('fetch failed');
      },
    });

    await expect(client.request('/v1/graphs')).rejects.toMatchObject({ status: 0, code: NETWORK_ERROR, message: 'fetch failed' });
  });

  it('public routes send no token', async () => {
    const { client, calls } = setup(() => ({ status: 200, body: { needsFirstUser: false } }));

    await client.request('/v1/setup', { auth: false });

    expect(calls[0].authorization).toBeUndefined();
  });
});
