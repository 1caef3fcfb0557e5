/**
 * Rate limits with small configured values. It covers the three tiers (429 with Retry-After and
 * a code), webhooks outside the anonymous tier with their own per-graph limit, and the login
 * brute-force limit. It also checks the store seam that lets a shared store replace the in-memory one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RateLimitStoreClass } from '../../src/auth/rate-limits.js';
import { createGraph, expectError, request, type JsonReply } from '../support/http.js';
import { buildChain, registerTestUser, startTestStudio, type TestStudio } from '../support/studio.js';

let test: TestStudio | null = null;

afterEach(async () => {
  await test?.close();
  test = null;
});

async function studioWith(env: Record<string, string>): Promise<TestStudio> {
  test = await startTestStudio(env);
  return test;
}

/** Checks a 429 reply: its code, a Retry-After within the window, and the rate-limit headers. */
function expectLimited(reply: JsonReply, code: string, windowSeconds: number): void {
  expectError(reply, { status: 429, code });
  const retryAfter = Number(reply.headers['retry-after']);
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
  expect(reply.body.details.retryAfterSeconds).toBe(retryAfter);
}

async function statuses(count: number, send: () => Promise<{ status: number }>): Promise<number[]> {
  const result: number[] = [];
  for (let index = 0; index < count; index += 1) result.push((await send()).status);
  return result;
}

describe('tier limits', () => {
  it('anonymous requests are limited per IP address', async () => {
    const studio = await studioWith({ RATE_LIMIT_ANONYMOUS: '3' });
    const setup = () => request(studio, { method: 'GET', url: '/v1/setup', token: null });
    // Registering the first account was one anonymous request already.
    expect(await statuses(2, setup)).toEqual([200, 200]);
    const limited = await setup();
    expectLimited(limited, 'RATE_LIMIT_EXCEEDED', 3600);
    expect(limited.body.details.tier).toBe('anonymous');
    expect(limited.headers['x-ratelimit-limit']).toBe('3');
  });

  it('authenticated requests are limited per user', async () => {
    const studio = await studioWith({ RATE_LIMIT_AUTHENTICATED: '4' });
    const other = await registerTestUser(studio);
    const me = (token: string) => () => request(studio, { method: 'GET', url: '/v1/me', token });
    expect(await statuses(4, me(studio.token!))).toEqual([200, 200, 200, 200]);
    const limited = await me(studio.token!)();
    expectLimited(limited, 'RATE_LIMIT_EXCEEDED', 3600);
    expect(limited.body.details.tier).toBe('authenticated');
    expect((await me(other.accessToken)()).status).toBe(200);
    expect((await request(studio, { method: 'GET', url: '/v1/setup', token: null })).status).toBe(200);
  });

  it('API key counts against its user', async () => {
    const studio = await studioWith({ RATE_LIMIT_AUTHENTICATED: '3' });
    const key = await request(studio, { method: 'POST', url: '/v1/api-keys', payload: { name: 'k' } });
    expect(await statuses(2, () => request(studio, { method: 'GET', url: '/v1/me', token: key.body.key }))).toEqual([200, 200]);
    expectLimited(await request(studio, { method: 'GET', url: '/v1/me' }), 'RATE_LIMIT_EXCEEDED', 3600);
  });

  it('premium users get their own limit', async () => {
    const studio = await studioWith({ RATE_LIMIT_AUTHENTICATED: '2', RATE_LIMIT_PREMIUM: '5' });
    const premium = await registerTestUser(studio);
    await studio.storage.users.update(premium.id, { tier: 'premium' });
    const me = () => request(studio, { method: 'GET', url: '/v1/me', token: premium.accessToken });
    expect(await statuses(5, me)).toEqual([200, 200, 200, 200, 200]);
    const limited = await me();
    expectLimited(limited, 'RATE_LIMIT_EXCEEDED', 3600);
    expect(limited.body.details.tier).toBe('premium');
    expect(limited.body.details.limit).toBe(5);
  });

  it('window length sets Retry-After', async () => {
    const studio = await studioWith({ RATE_LIMIT_ANONYMOUS: '1', RATE_LIMIT_WINDOW_MS: '120000' });
    const limited = await request(studio, { method: 'GET', url: '/v1/setup', token: null });
    expectLimited(limited, 'RATE_LIMIT_EXCEEDED', 120);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(60);
  });

  it('health and metrics are not limited', async () => {
    const studio = await studioWith({ RATE_LIMIT_ANONYMOUS: '1' });
    const health = await statuses(3, () => request(studio, { method: 'GET', url: '/health', token: null }));
    const metrics = await statuses(3, () => request(studio, { method: 'GET', url: '/metrics', token: null }));
    expect(health).toEqual([200, 200, 200]);
    expect(metrics).toEqual([200, 200, 200]);
  });
});

describe('webhook limits', () => {
  it('webhooks do not count against the anonymous tier', async () => {
    const studio = await studioWith({ RATE_LIMIT_ANONYMOUS: '2' });
    const graphId = await createGraph(studio, buildChain(1));
    const deliver = () => request(studio, { method: 'POST', url: `/hooks/${graphId}/test`, payload: { n: 1 }, token: null });
    expect(await statuses(5, deliver)).toEqual([202, 202, 202, 202, 202]);
    expect((await request(studio, { method: 'GET', url: '/v1/setup', token: null })).status).toBe(200);
  });

  it('graph limit applies per graph', async () => {
    const studio = await studioWith({});
    const limitedId = await createGraph(studio, { ...buildChain(1), settings: { webhook: { rateLimit: { max: 2, windowSeconds: 30 } } } });
    const openId = await createGraph(studio, buildChain(1));
    const deliver = (graphId: string) => () => request(studio, { method: 'POST', url: `/hooks/${graphId}/test`, payload: {}, token: null });

    expect(await statuses(2, deliver(limitedId))).toEqual([202, 202]);
    expectLimited(await deliver(limitedId)(), 'WEBHOOK_RATE_LIMITED', 30);
    expect(await statuses(4, deliver(openId))).toEqual([202, 202, 202, 202]);
    const runs = await request(studio, { method: 'GET', url: `/v1/runs?graphId=${limitedId}` });
    expect(runs.body.items).toHaveLength(2);
  });

  it('graph limit rejects invalid values', async () => {
    const studio = await studioWith({});
    const reply = await request(studio, {
      method: 'POST',
      url: '/v1/graphs',
      payload: { ...buildChain(1), settings: { webhook: { rateLimit: { max: 0 } } } },
    });
    expectError(reply, { status: 400, code: 'GRAPH_INVALID', pointer: '/settings/webhook/rateLimit/max' });
  });
});

describe('login brute force', () => {
  it('locks an email and address after repeated failures', async () => {
    const studio = await studioWith({ LOGIN_MAX_FAILURES: '3' });
    const login = (email: string, password: string) => () =>
      request(studio, { method: 'POST', url: '/v1/auth/login', payload: { email, password }, token: null });
    const owner = studio.user!;

    expect(await statuses(3, login(owner.email, 'wrong-password'))).toEqual([401, 401, 401]);
    const locked = await login(owner.email, owner.password)();
    expectLimited(locked, 'AUTH_LOGIN_RATE_LIMITED', 900);

    const otherEmail = await login('someone@studio.test', 'wrong-password')();
    expectError(otherEmail, { status: 401, code: 'AUTH_LOGIN_FAILED' });
  });

  it('successful logins do not count', async () => {
    const studio = await studioWith({ LOGIN_MAX_FAILURES: '2' });
    const owner = studio.user!;
    const login = () => request(studio, { method: 'POST', url: '/v1/auth/login', payload: { email: owner.email, password: owner.password }, token: null });
    expect(await statuses(4, login)).toEqual([200, 200, 200, 200]);
  });

  it('wrong current passwords count too', async () => {
    const studio = await studioWith({ LOGIN_MAX_FAILURES: '2' });
    const change = (currentPassword: string) => () =>
      request(studio, { method: 'PATCH', url: '/v1/me', payload: { currentPassword, newPassword: 'another-password' } });
    expect(await statuses(2, change('wrong-password'))).toEqual([403, 403]);
    expectLimited(await change(studio.user!.password)(), 'AUTH_LOGIN_RATE_LIMITED', 900);
  });
});

describe('store seam', () => {
  it('limits count in the configured store', async () => {
    const keys: string[] = [];
    /** An in-memory store that records each key it counts. */
    class RecordingStore {
      readonly counts = new Map<string, { current: number; start: number }>();
      incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number): void {
        keys.push(key);
        const now = Date.now();
        const entry = this.counts.get(key);
        const next = entry && now - entry.start < timeWindow ? { current: entry.current + 1, start: entry.start } : { current: 1, start: now };
        this.counts.set(key, next);
        callback(null, { current: next.current, ttl: timeWindow - (now - next.start) });
      }
      read(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number): void {
        const entry = this.counts.get(key);
        const now = Date.now();
        if (!entry || now - entry.start >= timeWindow) return callback(null, { current: 0, ttl: 0 });
        callback(null, { current: entry.current, ttl: timeWindow - (now - entry.start) });
      }
      child(): RecordingStore {
        return new RecordingStore();
      }
    }
    test = await startTestStudio({ RATE_LIMIT_AUTHENTICATED: '2', LOGIN_MAX_FAILURES: '1' }, { rateLimitStore: RecordingStore as unknown as RateLimitStoreClass });
    const owner = test.user!;
    await request(test, { method: 'GET', url: '/v1/me' });
    await request(test, { method: 'GET', url: '/v1/me' });
    expectLimited(await request(test, { method: 'GET', url: '/v1/me' }), 'RATE_LIMIT_EXCEEDED', 3600);
    await request(test, { method: 'POST', url: '/v1/auth/login', payload: { email: owner.email, password: 'wrong-password' }, token: null });

    expect(keys).toContain(`user:${owner.id}`);
    expect(keys).toContain('ip:127.0.0.1');
    expect(keys).toContain(`login:email:${owner.email}:127.0.0.1`);
  });
});
