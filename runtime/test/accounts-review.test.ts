/**
 * Hostile and malformed input against accounts, credentials, credits and ownership. Each test
 * is one attack, sent through the API of a real studio on SQLite.
 */
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER } from '../src/auth/tokens.js';
import { estimateRun } from '../src/credits/estimate.js';
import { MAX_REPORTED_PROBLEMS } from '../src/errors.js';
import { WS_CLOSE_USER_INACTIVE } from '../src/routes/ws.js';
import { OAUTH2_STATE_TTL_MS } from '../src/vault/oauth2/flow.js';
import { seedExamples } from '../src/seed-examples.js';
import { expectError, request, startRun, type JsonReply } from './support/http.js';
import {
  buildChain,
  buildGraph,
  buildNode,
  registerTestUser,
  startTestStudio,
  waitForRun,
  type TestStudio,
  type TestUser,
} from './support/studio.js';
import { TestWsClient } from './support/ws-client.js';
import { startLocalServer, type LocalServer } from './plugins/support/local-server.js';
import { buildTestPackage } from './plugins/support/packages.js';
import { callConfig, FIXED_COST, providerCalls, startCreditStudio, startProvider } from './credits/support.js';
import { acmePlugin } from './vault/fixtures.js';
import { CLIENT_ID, CLIENT_SECRET, startOAuthServer, type OAuthServer } from './vault/oauth-server.js';
import { cookiesOf, startVaultStudio, type VaultTestStudio } from './vault/support.js';

let test: TestStudio | null = null;
let server: LocalServer | null = null;
const sockets: TestWsClient[] = [];

afterEach(async () => {
  await Promise.all(sockets.splice(0).map((socket) => socket.close()));
  await test?.close();
  test = null;
  await server?.close();
  server = null;
});

async function studio(env: Record<string, string> = {}): Promise<TestStudio> {
  test = await startTestStudio(env);
  return test;
}

function post(studioUnderTest: TestStudio, url: string, payload: unknown, token?: string | null): Promise<JsonReply> {
  return request(studioUnderTest, { method: 'POST', url, payload: payload as object, token });
}

async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('malformed auth bodies', () => {
  /** One field of one route sent with a JSON type its schema does not allow. */
  const MISTYPED: Array<{ name: string; method: 'POST' | 'PATCH'; url: string; body: Record<string, unknown>; pointer: string; anonymous?: boolean }> = [
    { name: 'register email array', method: 'POST', url: '/v1/auth/register', body: { email: ['x@example.com'], password: 'long-enough', fullName: 'X' }, pointer: '/body/email', anonymous: true },
    { name: 'register password number', method: 'POST', url: '/v1/auth/register', body: { email: 'y@example.com', password: 12345678, fullName: 'Y' }, pointer: '/body/password', anonymous: true },
    { name: 'register name boolean', method: 'POST', url: '/v1/auth/register', body: { email: 'z@example.com', password: 'long-enough', fullName: true }, pointer: '/body/fullName', anonymous: true },
    { name: 'login password null', method: 'POST', url: '/v1/auth/login', body: { email: 'owner@studio.test', password: null }, pointer: '/body/password', anonymous: true },
    { name: 'login password array', method: 'POST', url: '/v1/auth/login', body: { email: 'owner@studio.test', password: ['x'] }, pointer: '/body/password', anonymous: true },
    { name: 'login email number', method: 'POST', url: '/v1/auth/login', body: { email: 1e400, password: 'x' }, pointer: '/body/email', anonymous: true },
    { name: 'refresh token number', method: 'POST', url: '/v1/auth/refresh', body: { refreshToken: 42 }, pointer: '/body/refreshToken', anonymous: true },
    { name: 'logout all number', method: 'POST', url: '/v1/auth/logout', body: { all: 1 }, pointer: '/body/all' },
    { name: 'google token object', method: 'POST', url: '/v1/auth/google', body: { idToken: { a: 1 } }, pointer: '/body/idToken', anonymous: true },
    { name: 'me name array', method: 'PATCH', url: '/v1/me', body: { fullName: ['A'] }, pointer: '/body/fullName' },
    { name: 'me avatar number', method: 'PATCH', url: '/v1/me', body: { avatarUrl: 0 }, pointer: '/body/avatarUrl' },
    { name: 'api key days string', method: 'POST', url: '/v1/api-keys', body: { name: 'k', expiresInDays: '30' }, pointer: '/body/expiresInDays' },
    { name: 'admin create admin string', method: 'POST', url: '/v1/admin/users', body: { email: 'w@example.com', fullName: 'W', admin: 'true' }, pointer: '/body/admin' },
  ];

  it('wrong JSON types get pointers', async () => {
    const owner = await studio();
    for (const entry of MISTYPED) {
      const reply = await request(owner, { method: entry.method, url: entry.url, payload: entry.body, token: entry.anonymous ? null : undefined });
      expect(reply.status, `${entry.name}: ${reply.raw.body}`).toBe(400);
      expectError(reply, { status: 400, code: 'REQUEST_INVALID', pointer: entry.pointer, problemMessage: /^must be / });
    }
    expect(await owner.storage.users.count(), 'accounts created from mistyped bodies').toBe(1);
    expect(await owner.storage.apiKeys.listByUser(owner.user!.id)).toEqual([]);
  });

  it('admin patch flags must be booleans', async () => {
    const owner = await studio();
    const user = await registerTestUser(owner);
    const reply = await request(owner, { method: 'PATCH', url: `/v1/admin/users/${user.id}`, payload: { active: '' } });
    expectError(reply, { status: 400, code: 'REQUEST_INVALID', pointer: '/body/active' });
    expect((await owner.storage.users.get(user.id))?.active).toBe(true);
  });

  it('many unknown keys list few problems', async () => {
    const owner = await studio();
    const body: Record<string, unknown> = { email: 'owner@studio.test', password: 'x' };
    for (let index = 0; index < 20_000; index += 1) body[`k${index}`] = 0;

    const reply = await post(owner, '/v1/auth/login', body, null);

    expectError(reply, { status: 400, code: 'REQUEST_INVALID', pointer: '/body/k0' });
    expect(reply.body.errors).toHaveLength(MAX_REPORTED_PROBLEMS);
    expect(reply.body.details.omittedProblems).toBe(20_000 - MAX_REPORTED_PROBLEMS);
    expect(reply.raw.body.length).toBeLessThan(20_000);
  });

  it('broken bodies never get 500', async () => {
    const owner = await studio({ API_BODY_LIMIT_BYTES: '2048' });
    const cases: Array<{ payload: string; contentType: string; status: number; pointer: string }> = [
      { payload: '{"email":', contentType: 'application/json', status: 400, pointer: '/body' },
      { payload: '', contentType: 'application/json', status: 400, pointer: '/body' },
      { payload: 'null', contentType: 'application/json', status: 400, pointer: '/body' },
      { payload: '[]', contentType: 'application/json', status: 400, pointer: '/body' },
      { payload: 'email=a', contentType: 'application/x-www-form-urlencoded', status: 415, pointer: '/headers/content-type' },
      { payload: JSON.stringify({ email: 'a@example.com', password: 'p'.repeat(4000) }), contentType: 'application/json', status: 413, pointer: '/body' },
      { payload: `{"email":${'['.repeat(200)}${']'.repeat(200)},"password":"x"}`, contentType: 'application/json', status: 400, pointer: '/body/email' },
      { payload: '{"email":"a@example.com","password":"x","__proto__":{"admin":true}}', contentType: 'application/json', status: 400, pointer: '/body/__proto__' },
    ];
    for (const url of ['/v1/auth/register', '/v1/auth/login', '/v1/auth/refresh', '/v1/auth/logout', '/v1/auth/google']) {
      for (const entry of cases) {
        const reply = await request(owner, { method: 'POST', url, payload: entry.payload, headers: { 'content-type': entry.contentType }, token: null });
        expect(reply.status, `${url} ${entry.payload.slice(0, 40)}: ${reply.raw.body}`).toBe(entry.status);
        expectError(reply, { status: entry.status, code: reply.body.code, pointer: entry.pointer });
      }
    }
  });
});

describe('token tampering', () => {
  let owner: TestStudio;
  let user: TestUser;

  beforeAll(async () => {
    owner = await startTestStudio();
    user = await registerTestUser(owner);
  });

  afterAll(async () => {
    await owner.close();
  });

  function me(token: string): Promise<JsonReply> {
    return request(owner, { method: 'GET', url: '/v1/me', token: null, headers: { authorization: token } });
  }

  function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    const now = Math.floor(Date.now() / 1000);
    return { iss: ACCESS_TOKEN_ISSUER, aud: ACCESS_TOKEN_AUDIENCE, sub: user.id, jti: 'jti_review', iat: now - 10, exp: now + 600, ...overrides };
  }

  function signHs(alg: 'HS256' | 'HS512', payload: Record<string, unknown>): Promise<string> {
    return new SignJWT(payload).setProtectedHeader({ alg, typ: 'JWT' }).sign(owner.studio.ctx.secrets.secretKey);
  }

  it('well-formed token is accepted', async () => {
    const reply = await me(`Bearer ${await signHs('HS256', claims())}`);
    expect(reply.status, reply.raw.body).toBe(200);
    expect(reply.body.id).toBe(user.id);
  });

  it('forged tokens are rejected', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const now = Math.floor(Date.now() / 1000);
    const forged: Record<string, string> = {
      'alg none': new UnsecuredJWT(claims()).encode(),
      'alg HS512 with the real key': await signHs('HS512', claims()),
      'alg RS256': await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256' }).sign(privateKey),
      'wrong audience': await signHs('HS256', claims({ aud: 'another-api' })),
      'wrong issuer': await signHs('HS256', claims({ iss: 'https://accounts.google.com' })),
      'future nbf': await signHs('HS256', claims({ nbf: now + 3600 })),
      'no jti': await signHs('HS256', claims({ jti: undefined })),
      'user id that never existed': await signHs('HS256', claims({ sub: 'user_missing' })),
      'refresh token': user.refreshToken,
      'API key prefix in capitals': `GLK_${'a'.repeat(43)}`,
      'API key without its prefix': 'a'.repeat(47),
    };
    for (const [name, token] of Object.entries(forged)) {
      const reply = await me(`Bearer ${token}`);
      expect(reply.status, name).toBe(401);
      expect(reply.body.code, name).toBe('AUTH_TOKEN_INVALID');
    }
    const expired = await me(`Bearer ${await signHs('HS256', claims({ iat: now - 7200, exp: now - 3600 }))}`);
    expectError(expired, { status: 401, code: 'AUTH_TOKEN_EXPIRED' });
  });

  it('access token is no refresh token', async () => {
    const reply = await post(owner, '/v1/auth/refresh', { refreshToken: user.accessToken }, null);
    expectError(reply, { status: 401, code: 'AUTH_REFRESH_TOKEN_INVALID' });
  });

  it('odd Bearer spellings are rejected', async () => {
    const token = user.accessToken;
    for (const header of [`Bearer\t${token}`, `Bearer ${token} ${token}`, `Bearer ${token},x`, `Basic ${token}`, `Bearer`, `Token ${token}`]) {
      const reply = await me(header);
      expect(reply.status, header.slice(0, 20)).toBe(401);
      expect(reply.body.code).toBe('AUTH_TOKEN_INVALID');
    }
    expect((await me(`bearer ${token}`)).status).toBe(200);
  });

  it('token of a deactivated user is rejected', async () => {
    const victim = await registerTestUser(owner);
    await request(owner, { method: 'PATCH', url: `/v1/admin/users/${victim.id}`, payload: { active: false } });
    const token = await signHs('HS256', claims({ sub: victim.id }));
    expectError(await me(`Bearer ${token}`), { status: 401, code: 'AUTH_USER_INACTIVE' });
  });
});

describe('email normalisation', () => {
  it('one account per email, whatever its spelling', async () => {
    const owner = await studio();
    const spellings = [
      { email: 'OWNER@studio.test', status: 409, code: 'USER_EMAIL_TAKEN' },
      { email: 'owner@STUDIO.TEST', status: 409, code: 'USER_EMAIL_TAKEN' },
      { email: ' owner@studio.test', status: 400, code: 'REQUEST_INVALID' },
      { email: 'owner@studio.test\t', status: 400, code: 'REQUEST_INVALID' },
    ];
    for (const { email, status, code } of spellings) {
      const reply = await post(owner, '/v1/auth/register', { email, password: 'takeover-password', fullName: 'Mallory' }, null);
      expectError(reply, { status, code, pointer: '/body/email' });
    }
    expect(await owner.storage.users.count()).toBe(1);
    const login = await post(owner, '/v1/auth/login', { email: 'owner@studio.test', password: 'takeover-password' }, null);
    expectError(login, { status: 401, code: 'AUTH_LOGIN_FAILED' });
  });

  it('confusables and malformed addresses are rejected', async () => {
    const owner = await studio();
    const emails = [
      '\uff4fwner@studio.test',
      '\u212Aelvin@studio.test',
      'owner@studio.test.',
      'owner@stud\u0131o.test',
      'owner@studio.test\u0000',
      'owner\u200b@studio.test',
      `${'a'.repeat(250)}@studio.test`,
    ];
    for (const email of emails) {
      const reply = await post(owner, '/v1/auth/register', { email, password: 'long-enough', fullName: 'Mallory' }, null);
      expectError(reply, { status: 400, code: 'REQUEST_INVALID', pointer: '/body/email' });
    }
    expect(await owner.storage.users.count()).toBe(1);
  });

  it('admin cannot create a duplicate by case', async () => {
    const owner = await studio();
    const reply = await post(owner, '/v1/admin/users', { email: 'Owner@Studio.Test', fullName: 'Copy', admin: true });
    expectError(reply, { status: 409, code: 'USER_EMAIL_TAKEN', pointer: '/body/email' });
  });
});

describe('privilege escalation', () => {
  it('user cannot set their own admin flag', async () => {
    const owner = await studio();
    const user = await registerTestUser(owner);
    const viaMe = await request(owner, { method: 'PATCH', url: '/v1/me', payload: { admin: true }, token: user.accessToken });
    const viaAdmin = await request(owner, { method: 'PATCH', url: `/v1/admin/users/${user.id}`, payload: { admin: true }, token: user.accessToken });
    const viaRegister = await post(owner, '/v1/auth/register', { email: 'second@example.com', password: 'long-enough', fullName: 'S', admin: true }, null);

    expectError(viaMe, { status: 400, code: 'REQUEST_INVALID', pointer: '/body/admin' });
    expectError(viaAdmin, { status: 403, code: 'FORBIDDEN' });
    expectError(viaRegister, { status: 400, code: 'REQUEST_INVALID', pointer: '/body/admin' });
    expect((await owner.storage.users.get(user.id))?.admin).toBe(false);
  });

  it('admin cannot deactivate themselves', async () => {
    const owner = await studio();
    const reply = await request(owner, { method: 'PATCH', url: `/v1/admin/users/${owner.user!.id}`, payload: { active: false, tier: 'premium' } });
    expectError(reply, { status: 409, code: 'USER_ADMIN_SELF_CHANGE', pointer: '/body/active' });
    expect((await owner.storage.users.get(owner.user!.id))?.active).toBe(true);
  });

  it('demotion racing a demotion keeps one admin', async () => {
    const owner = await studio();
    const other = await registerTestUser(owner);
    await request(owner, { method: 'PATCH', url: `/v1/admin/users/${other.id}`, payload: { admin: true } });
    // The owner's demotion of `other` commits after `other` passed the admin check and before
    // its own update runs, the order two concurrent requests can take.
    const users = owner.storage.users;
    const update = users.update.bind(users);
    let interleaved = false;
    users.update = async (id, patch, options) => {
      if (!interleaved && id === owner.user!.id) {
        interleaved = true;
        await update(other.id, { admin: false }, { keepActiveAdmin: true });
      }
      return update(id, patch, options);
    };

    const reply = await request(owner, { method: 'PATCH', url: `/v1/admin/users/${owner.user!.id}`, payload: { admin: false }, token: other.accessToken });

    expect(interleaved).toBe(true);
    // `other` passed the admin check on its principal, but is no longer an admin at the write.
    expectError(reply, { status: 403, code: 'FORBIDDEN' });
    const admins = (await owner.storage.users.list()).filter((user) => user.admin && user.active);
    expect(admins.map((user) => user.id)).toEqual([owner.user!.id]);
  });

  it('concurrent demotions keep one admin', async () => {
    const owner = await studio();
    const other = await registerTestUser(owner);
    for (const flag of ['admin', 'active'] as const) {
      await request(owner, { method: 'PATCH', url: `/v1/admin/users/${other.id}`, payload: { admin: true, active: true } });

      const replies = await Promise.all([
        request(owner, { method: 'PATCH', url: `/v1/admin/users/${other.id}`, payload: { [flag]: false } }),
        request(owner, { method: 'PATCH', url: `/v1/admin/users/${owner.user!.id}`, payload: { [flag]: false }, token: other.accessToken }),
      ]);

      const admins = (await owner.storage.users.list()).filter((user) => user.admin && user.active);
      expect(admins, flag).toHaveLength(1);
      // The losing request fails its admin check (403) or the last-admin check (409). In the
      // `active` round its sign-in check may run after the winner deactivated its account (401).
      const refused = flag === 'active' ? [401, 403, 409] : [403, 409];
      expect(replies.filter((reply) => reply.status === 200), flag).toHaveLength(1);
      expect(replies.filter((reply) => refused.includes(reply.status)), flag).toHaveLength(1);
      if (admins[0].id === other.id) {
        await request(owner, { method: 'PATCH', url: `/v1/admin/users/${owner.user!.id}`, payload: { admin: true, active: true }, token: other.accessToken });
      }
    }
  });

  it('private plugin cannot claim a trusted name', async () => {
    server = await startLocalServer((_received, response) => {
      response.end('{"internal":true}');
    });
    const owner = await studio({ TRUSTED_PLUGINS: 'core,corp', HTTP_ALLOW_PRIVATE: `127.0.0.1:${server.port}`, SANDBOX_POOL_SIZE: '1' });
    const user = await registerTestUser(owner);
    const corp = buildTestPackage({
      name: 'corp',
      actions: [{ name: 'call', run: `async (ctx) => (await ctx.http.request({ url: '${server.origin}/internal' })).body` }],
    });
    const installed = await post(owner, '/v1/plugins', corp, user.accessToken);
    expect(installed.status, installed.raw.body).toBe(201);
    expect(installed.body.visibility).toBe('private');
    const graph = await post(owner, '/v1/graphs', buildGraph([buildNode('call', { type: 'corp/call@1' })], []), user.accessToken);
    const started = await post(owner, `/v1/graphs/${graph.body.id}/runs`, {}, user.accessToken);

    const { tasks } = await waitForRun(owner, started.body.runId, 20_000);

    expect(tasks.get('call')?.status).toBe('FAILED');
    expect(tasks.get('call')?.error?.code).toBe('PLUGIN_HTTP_HOST_NOT_ALLOWED');
    expect(server.received).toHaveLength(0);
  });
});

describe('sign-in enumeration', () => {
  it('unknown email costs a hash like a known one', async () => {
    const owner = await studio({ LOGIN_MAX_FAILURES: '1000' });
    const attempt = async (email: string): Promise<{ ms: number; reply: JsonReply }> => {
      const started = performance.now();
      const reply = await post(owner, '/v1/auth/login', { email, password: 'wrong-password' }, null);
      return { ms: performance.now() - started, reply };
    };
    await attempt('nobody@studio.test');
    const known: number[] = [];
    const unknown: number[] = [];
    for (let round = 0; round < 5; round += 1) {
      const wrong = await attempt('owner@studio.test');
      const missing = await attempt(`nobody${round}@studio.test`);
      expect(missing.reply.raw.body).toBe(wrong.reply.raw.body);
      known.push(wrong.ms);
      unknown.push(missing.ms);
    }
    const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
    // Without the decoy hash, a login with an unknown email skips the argon2 verification that a
    // wrong password costs, and returns many times faster.
    expect(median(unknown)).toBeGreaterThan(median(known) * 0.3);
  });
});

describe('rate limits', () => {
  it('X-Forwarded-For does not reset the anonymous limit', async () => {
    const owner = await studio({ RATE_LIMIT_ANONYMOUS: '3' });
    const statuses: number[] = [];
    for (let index = 0; index < 4; index += 1) {
      const reply = await request(owner, { method: 'GET', url: '/v1/setup', token: null, headers: { 'x-forwarded-for': `203.0.113.${index}`, 'x-real-ip': `198.51.100.${index}` } });
      statuses.push(reply.status);
    }
    // Registering the first account was one anonymous request already.
    expect(statuses).toEqual([200, 200, 429, 429]);
  });

  it('many API keys share one limit', async () => {
    const owner = await studio({ RATE_LIMIT_AUTHENTICATED: '6' });
    const keys: string[] = [];
    for (let index = 0; index < 3; index += 1) keys.push((await post(owner, '/v1/api-keys', { name: `k${index}` })).body.key);
    const statuses: number[] = [];
    for (const key of keys) statuses.push((await request(owner, { method: 'GET', url: '/v1/me', token: key })).status);
    expect(statuses).toEqual([200, 200, 200]);
    expectError(await request(owner, { method: 'GET', url: '/v1/me', token: keys[0] }), { status: 429, code: 'RATE_LIMIT_EXCEEDED' });
  });

  it('sign-in lock ignores forwarding headers and email spelling', async () => {
    const owner = await studio({ LOGIN_MAX_FAILURES: '2' });
    const login = (email: string, index: number) =>
      request(owner, { method: 'POST', url: '/v1/auth/login', payload: { email, password: 'wrong-password' }, token: null, headers: { 'x-forwarded-for': `203.0.113.${index}` } });
    expect((await login('owner@studio.test', 1)).status).toBe(401);
    expect((await login('OWNER@studio.test ', 2)).status).toBe(401);
    expectError(await login(' Owner@Studio.Test', 3), { status: 429, code: 'AUTH_LOGIN_RATE_LIMITED' });
  });
});

describe('credential secrets', () => {
  const SECRET = 'review-SECRET-7d1e-value';

  it('invalid values are not echoed', async () => {
    const vault = (test = await startVaultStudio());
    await post(vault, '/v1/plugins', acmePlugin());
    const cases = [
      { key: SECRET, region: SECRET },
      { key: SECRET, [SECRET.slice(0, 3)]: 1 },
      { key: 1, region: 'eu', note: SECRET },
    ];
    for (const values of cases) {
      const reply = await post(vault, '/v1/credentials', { name: 'k', type: 'acme/apiKey', values });
      expectError(reply, { status: 400, code: 'CREDENTIAL_VALUES_INVALID' });
      expect(reply.raw.body).not.toContain(SECRET);
    }
    expect((vault as VaultTestStudio).logLines.join('\n')).not.toContain(SECRET);
  });

  it('stay out of exports, OpenAPI and listings', async () => {
    const vault = (test = await startVaultStudio());
    await post(vault, '/v1/plugins', acmePlugin());
    const created = await post(vault, '/v1/credentials', { name: 'k', type: 'acme/apiKey', values: { key: SECRET } });
    expect(created.status, created.raw.body).toBe(201);
    const node = buildNode('show', { type: 'acme/show@1', credentials: { account: created.body.id } });
    const graph = await post(vault, '/v1/graphs', buildGraph([node], []));

    const replies = await Promise.all([
      request(vault, { method: 'GET', url: `/v1/graphs/${graph.body.id}/export` }),
      request(vault, { method: 'GET', url: `/v1/graphs/${graph.body.id}` }),
      request(vault, { method: 'GET', url: '/v1/credentials' }),
      request(vault, { method: 'GET', url: `/v1/credentials/${created.body.id}` }),
      request(vault, { method: 'GET', url: '/docs/json', token: null }),
    ]);

    for (const reply of replies) {
      expect(reply.status).toBe(200);
      expect(reply.raw.body).not.toContain(SECRET);
    }
    expect((vault as VaultTestStudio).logLines.join('\n')).not.toContain(SECRET);
  });

  it("swapped envelope does not open another user's values", async () => {
    const vault = (test = await startVaultStudio());
    await post(vault, '/v1/plugins', acmePlugin());
    const bob = await registerTestUser(vault);
    const alice = await post(vault, '/v1/credentials', { name: 'a', type: 'acme/apiKey', values: { key: SECRET, region: 'eu' } });
    const own = await post(vault, '/v1/credentials', { name: 'b', type: 'acme/apiKey', values: { key: 'bob-key-123456' } }, bob.accessToken);
    const aliceRecord = await vault.storage.credentials.get(alice.body.id);
    await vault.storage.credentials.update(own.body.id, { secret: aliceRecord!.secret, keyId: aliceRecord!.keyId });
    const node = buildNode('show', { type: 'acme/show@1', credentials: { account: own.body.id } });
    const graph = await post(vault, '/v1/graphs', buildGraph([node], []), bob.accessToken);
    const started = await post(vault, `/v1/graphs/${graph.body.id}/runs`, {}, bob.accessToken);

    const { run, tasks } = await waitForRun(vault, started.body.runId, 20_000);
    const events = await request(vault, { method: 'GET', url: `/v1/runs/${run.id}/events`, token: bob.accessToken });

    expect(run.status).toBe('failed');
    expect(tasks.get('show')?.error?.code).toBe('CREDENTIAL_DECRYPT_FAILED');
    expect(JSON.stringify(tasks.get('show'))).not.toContain('"eu"');
    expect(events.raw.body).not.toContain(SECRET);
  });
});

describe('oauth2 connections', () => {
  let oauthServer: OAuthServer;

  beforeAll(async () => {
    oauthServer = await startOAuthServer();
  });

  afterAll(async () => {
    await oauthServer.close();
  });

  async function oauthStudio(env: Record<string, string> = {}): Promise<VaultTestStudio> {
    const clients = {
      'acme/oauth': { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, authorizationUrl: `${oauthServer.origin}/authorize`, tokenUrl: `${oauthServer.origin}/token` },
    };
    const vault = await startVaultStudio({ env: { OAUTH2_CLIENTS: JSON.stringify(clients), HTTP_ALLOW_PRIVATE: `127.0.0.1:${oauthServer.port}`, ...env } });
    test = vault;
    await post(vault, '/v1/plugins', acmePlugin());
    return vault;
  }

  function start(vault: TestStudio, headers: Record<string, string>, token?: string): Promise<JsonReply> {
    return request(vault, { method: 'POST', url: '/v1/credentials/oauth2/start', headers, payload: { type: 'acme/oauth' }, token });
  }

  async function consent(authorizationUrl: string): Promise<string> {
    const reply = await fetch(authorizationUrl, { redirect: 'manual' });
    return new URL(reply.headers.get('location')!).search;
  }

  function postedOrigin(html: string): string {
    const match = /;var origin=(.*?);/.exec(html);
    if (match === null) throw new Error(`no target origin in ${html}`);
    return JSON.parse(match[1]) as string;
  }

  function callBack(vault: TestStudio, search: string, cookies: Record<string, string> = {}) {
    return vault.studio.app.inject({ method: 'GET', url: `/v1/credentials/oauth2/callback${search}`, cookies });
  }

  it('state works once', async () => {
    const vault = await oauthStudio();
    const started = await start(vault, {});
    const search = await consent(started.body.authorizationUrl);
    const first = await callBack(vault, search, cookiesOf(started));
    const second = await callBack(vault, search, cookiesOf(started));
    expect(first.statusCode).toBe(200);
    expect(second.statusCode).toBe(400);
    expect(second.body).toContain('CREDENTIAL_OAUTH2_STATE_INVALID');
    expect(await vault.storage.credentials.listByOwner(vault.user!.id)).toHaveLength(1);
  });

  it('start sets a browser cookie', async () => {
    const vault = await oauthStudio();
    const started = await start(vault, {});
    const cookies = started.raw.cookies;
    expect(cookies).toHaveLength(1);
    expect(cookies[0].name).toBe(`gl_oauth2_${started.body.state}`);
    expect(cookies[0].value).toMatch(/^[\w-]{43}$/);
    expect(cookies[0].httpOnly).toBe(true);
    expect(cookies[0].sameSite).toBe('Lax');
    expect(cookies[0].secure).toBeUndefined();
    expect(cookies[0].path).toBe('/v1/credentials/oauth2/callback');
    expect(cookies[0].maxAge).toBe(600);
    expect(started.raw.body).not.toContain(cookies[0].value);
  });

  it('callback clears the browser cookie', async () => {
    const vault = await oauthStudio();
    const started = await start(vault, {});
    const page = await callBack(vault, await consent(started.body.authorizationUrl), cookiesOf(started));
    expect(page.statusCode, page.body).toBe(200);
    expect(page.cookies).toHaveLength(1);
    expect(page.cookies[0].name).toBe(`gl_oauth2_${started.body.state}`);
    expect(page.cookies[0].value).toBe('');
    expect(page.cookies[0].path).toBe('/v1/credentials/oauth2/callback');
    expect(page.cookies[0].expires?.getTime()).toBe(0);
  });

  it('configured redirect URL ignores the Host header', async () => {
    const vault = await oauthStudio({ OAUTH2_REDIRECT_URL: 'https://studio.example.com/v1/credentials/oauth2/callback' });
    const started = await start(vault, { host: 'evil.example' });
    expect(started.status, started.raw.body).toBe(200);
    expect(new URL(started.body.authorizationUrl).searchParams.get('redirect_uri')).toBe('https://studio.example.com/v1/credentials/oauth2/callback');
  });

  it('posts only to an http origin', async () => {
    const vault = await oauthStudio({ OAUTH2_REDIRECT_URL: 'https://studio.example.com/v1/credentials/oauth2/callback' });
    for (const origin of ['null', 'javascript:alert(1)', 'data:text/html,x', '*']) {
      const started = await start(vault, { origin, referer: origin });
      const search = await consent(started.body.authorizationUrl);
      const page = await callBack(vault, search, cookiesOf(started));
      expect(postedOrigin(page.body), origin).toBe('https://studio.example.com');
    }
  });

  it('callback from another browser is rejected', async () => {
    const vault = await oauthStudio();
    const mallory = await registerTestUser(vault);
    const started = await start(vault, {}, mallory.accessToken);
    // The victim's browser follows Mallory's link, consents and lands on the callback.
    const search = await consent(started.body.authorizationUrl);
    const page = await vault.studio.app.inject({ method: 'GET', url: `/v1/credentials/oauth2/callback${search}` });
    expect(page.statusCode).toBe(400);
    expect(await vault.storage.credentials.listByOwner(mallory.id)).toEqual([]);
    expect(page.body).toContain('CREDENTIAL_OAUTH2_BROWSER_MISMATCH');
    // The rejected state is used up, so Mallory cannot replay the victim's code.
    const replay = await callBack(vault, search, cookiesOf(started));
    expect(replay.statusCode).toBe(400);
    expect(replay.body).toContain('CREDENTIAL_OAUTH2_STATE_INVALID');
    expect(await vault.storage.credentials.listByOwner(mallory.id)).toEqual([]);
  });

  it('wrong browser cookie is rejected', async () => {
    const vault = await oauthStudio();
    const other = await start(vault, {});
    const otherNonce = cookiesOf(other)[`gl_oauth2_${other.body.state}`];
    const cases: Array<{ name: string; cookies: (state: string) => Record<string, string> }> = [
      { name: 'nonce of another state', cookies: (state) => ({ [`gl_oauth2_${state}`]: otherNonce }) },
      { name: 'empty nonce', cookies: (state) => ({ [`gl_oauth2_${state}`]: '' }) },
      { name: 'cookie of another state', cookies: () => cookiesOf(other) },
    ];
    for (const entry of cases) {
      const started = await start(vault, {});
      const page = await callBack(vault, await consent(started.body.authorizationUrl), entry.cookies(started.body.state));
      expect(page.statusCode, entry.name).toBe(400);
      expect(page.body, entry.name).toContain('CREDENTIAL_OAUTH2_BROWSER_MISMATCH');
    }
    expect(await vault.storage.credentials.listByOwner(vault.user!.id)).toEqual([]);
  });

  it('state unfit for a cookie name is rejected', async () => {
    const vault = await oauthStudio();
    for (const state of ['a;b', 'a=b', 'a b', 'x'.repeat(200)]) {
      const page = await callBack(vault, `?state=${encodeURIComponent(state)}&code=c`);
      expect(page.statusCode, state).toBe(400);
      expect(page.body, state).toContain('CREDENTIAL_OAUTH2_STATE_INVALID');
      expect(page.cookies, state).toEqual([]);
    }
  });

  it('expired state is rejected', async () => {
    const vault = await oauthStudio();
    const started = await start(vault, {});
    const search = await consent(started.body.authorizationUrl);
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + OAUTH2_STATE_TTL_MS + 1_000);
      const page = await callBack(vault, search, cookiesOf(started));
      expect(page.statusCode).toBe(400);
      expect(page.body).toContain('CREDENTIAL_OAUTH2_STATE_INVALID');
    } finally {
      vi.useRealTimers();
    }
    expect(await vault.storage.credentials.listByOwner(vault.user!.id)).toEqual([]);
  });
});

describe('credits', () => {
  it('adjustment amounts must be whole numbers', async () => {
    const owner = await studio();
    const user = await registerTestUser(owner);
    const amounts = [1.5, '5', true, null, 0, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 1e400, [5]];
    for (const [index, amount] of amounts.entries()) {
      const reply = await post(owner, `/v1/admin/users/${user.id}/credits`, { amount, reason: 'review', idempotencyKey: `k${index}` });
      expectError(reply, { status: 400, code: 'REQUEST_INVALID', pointer: '/body/amount' });
    }
    expect(await owner.storage.ledger.balance(user.id)).toBe(0);
  });

  it('reused key with another amount conflicts', async () => {
    const owner = await studio();
    const user = await registerTestUser(owner);
    const first = await post(owner, `/v1/admin/users/${user.id}/credits`, { amount: 5, reason: 'grant', idempotencyKey: 'grant-1' });
    const larger = await post(owner, `/v1/admin/users/${user.id}/credits`, { amount: 500, reason: 'grant', idempotencyKey: 'grant-1' });
    expect(first.status).toBe(201);
    expectError(larger, { status: 409, code: 'CREDITS_IDEMPOTENCY_CONFLICT', pointer: '/body/idempotencyKey' });
    expect(await owner.storage.ledger.balance(user.id)).toBe(5);
  });

  it('overdraw names the amount', async () => {
    const owner = await studio();
    const user = await registerTestUser(owner);
    const reply = await post(owner, `/v1/admin/users/${user.id}/credits`, { amount: -5, reason: 'take', idempotencyKey: 'take-1' });
    expectError(reply, { status: 402, code: 'CREDITS_INSUFFICIENT', pointer: '/body/amount' });
  });

  it('balance stays within safe integers', async () => {
    const owner = await studio();
    const user = await registerTestUser(owner);
    await owner.studio.ctx.credits.topUp(user.id, Number.MAX_SAFE_INTEGER, 'payment-large', 'review');

    const topUp = await owner.studio.ctx.credits.topUp(user.id, 1, 'payment-one-more', 'review').catch((error: unknown) => error);
    const adjustment = await post(owner, `/v1/admin/users/${user.id}/credits`, { amount: 1, reason: 'grant', idempotencyKey: 'over' });
    const credits = await request(owner, { method: 'GET', url: '/v1/credits', token: user.accessToken });

    expect(topUp).toBeInstanceOf(RangeError);
    expectError(adjustment, { status: 400, code: 'REQUEST_INVALID', pointer: '/body/amount' });
    expect(credits.body.balance).toBe(Number.MAX_SAFE_INTEGER);
    expect(await owner.storage.ledger.list(user.id)).toHaveLength(1);
  });

  it("refund cannot name another user's run", async () => {
    const owner = await studio();
    const user = await registerTestUser(owner);
    const graph = await post(owner, '/v1/graphs', buildChain(1));
    const runId = await startRun(owner, graph.body.id, null);
    await waitForRun(owner, runId);

    const refund = await post(owner, `/v1/admin/users/${user.id}/credits`, { amount: 5, reason: 'refund', idempotencyKey: 'r-1', kind: 'refund', runId });
    const unknown = await post(owner, `/v1/admin/users/${user.id}/credits`, { amount: 5, reason: 'refund', idempotencyKey: 'r-2', kind: 'refund', runId: 'run_missing' });
    const history = await request(owner, { method: 'GET', url: '/v1/credits', token: user.accessToken });

    expectError(refund, { status: 404, code: 'RUN_NOT_FOUND', pointer: '/body/runId' });
    expectError(unknown, { status: 404, code: 'RUN_NOT_FOUND', pointer: '/body/runId' });
    expect(refund.body.message).toBe(unknown.body.message.replace('run_missing', runId));
    expect(history.raw.body).not.toContain(runId);
  });

  it('estimate of a wide graph is fast', () => {
    const nodes = [buildNode('hub', { type: 'test/echo@1' })];
    const edges = [];
    for (let index = 0; index < 50_000; index += 1) {
      nodes.push(buildNode(`n${index}`, { type: 'paid/call@1' }));
      edges.push({ id: `e${index}`, source: 'hub', sourcePort: 'out', target: `n${index}`, targetPort: 'in' });
    }
    const descriptor = { type: 'x', displayName: 'x', description: 'x', configSchema: {}, inputs: [{ name: 'in' }], outputs: [{ name: 'out' }] };
    const started = performance.now();

    const estimate = estimateRun(buildGraph(nodes, edges), {
      nodeType: () => descriptor,
      price: (node) => (node.type === 'paid/call@1' ? { fixed: Number.MAX_SAFE_INTEGER, perUnit: 0, unit: null, maxUnits: 0, ownCredential: false } : null),
    });

    // A walk that copies the hub's edge list once per edge is quadratic: tens of seconds here.
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(estimate.nodes).toHaveLength(50_001);
    expect(estimate.nodes.every((node) => !node.conditional)).toBe(true);
    expect(estimate.total.max).toBe(Number.MAX_SAFE_INTEGER);
    expect(estimate.total.min).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('resume after cancel charges a task once', async () => {
    const provider = await startProvider();
    try {
      const credited = await startCreditStudio(provider);
      test = credited;
      await credited.studio.ctx.credits.topUp(credited.user!.id, 30, 'payment-review', 'review');
      const document = buildGraph(
        [
          buildNode('first', { type: 'credtest/fixed@1', config: callConfig(provider, '/ok') }),
          buildNode('second', { type: 'credtest/fixed@1', config: callConfig(provider, '/slow') }),
        ],
        [{ id: 'e1', source: 'first', sourcePort: 'out', target: 'second', targetPort: 'in' }],
      );
      const graph = await post(credited, '/v1/graphs', document);
      const runId = await startRun(credited, graph.body.id, null);

      for (const round of [1, 2]) {
        await waitUntil(() => providerCalls(provider, '/slow', runId) === round, `slow call ${round}`);
        expect((await post(credited, `/v1/runs/${runId}/cancel`, {})).status).toBe(200);
        const { run } = await waitForRun(credited, runId, 30_000);
        expect(run.status).toBe('cancelled');
        if (round === 1) expect((await post(credited, `/v1/runs/${runId}/resume`, {})).status).toBe(202);
      }

      const { tasks } = await waitForRun(credited, runId, 30_000);
      const first = await credited.storage.ledger.listByTask(tasks.get('first')!.id);
      const second = await credited.storage.ledger.listByTask(tasks.get('second')!.id);
      expect(providerCalls(provider, '/ok', runId)).toBe(1);
      expect(first.map((entry) => entry.kind)).toEqual(['reserve', 'capture']);
      expect(second.map((entry) => entry.kind)).toEqual(['reserve', 'release', 'reserve', 'release']);
      expect(await credited.storage.ledger.balance(credited.user!.id)).toBe(30 - FIXED_COST);
      expect(await credited.storage.ledger.heldBalance(credited.user!.id)).toBe(0);
    } finally {
      await test?.close();
      test = null;
      await provider.close();
    }
  });
});

describe('API page', () => {
  it('offers a bearer token where one is needed', async () => {
    const owner = await studio();
    const reply = await request(owner, { method: 'GET', url: '/docs/json', token: null });
    const operations = reply.body.paths as Record<string, Record<string, { security?: unknown[] }>>;

    expect(reply.body.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(reply.body.security).toEqual([{ bearerAuth: [] }]);
    expect(operations['/v1/me'].get.security).toBeUndefined();
    expect(operations['/v1/auth/login'].post.security).toEqual([]);
    expect(operations['/v1/setup'].get.security).toEqual([]);
    expect(operations['/health'].get.security).toEqual([]);
  });
});

describe('ownership', () => {
  it('graphId filter and cursors show only own runs', async () => {
    const owner = await studio();
    const bob = await registerTestUser(owner);
    const graph = await post(owner, '/v1/graphs', buildChain(1));
    for (let index = 0; index < 3; index += 1) await waitForRun(owner, await startRun(owner, graph.body.id, null));
    const page = await request(owner, { method: 'GET', url: '/v1/runs?limit=1' });
    expect(page.body.nextCursor).toEqual(expect.any(String));

    const foreignFilter = await request(owner, { method: 'GET', url: `/v1/runs?graphId=${graph.body.id}`, token: bob.accessToken });
    const unknownFilter = await request(owner, { method: 'GET', url: '/v1/runs?graphId=graph_missing', token: bob.accessToken });
    const foreignCursor = await request(owner, { method: 'GET', url: `/v1/runs?cursor=${page.body.nextCursor}`, token: bob.accessToken });
    const deliveries = await request(owner, { method: 'GET', url: `/v1/graphs/${graph.body.id}/deliveries`, token: bob.accessToken });
    const estimate = await request(owner, { method: 'GET', url: `/v1/graphs/${graph.body.id}/estimate`, token: bob.accessToken });

    expect(foreignFilter.body).toEqual({ items: [], nextCursor: null });
    expect(foreignFilter.body).toEqual(unknownFilter.body);
    expect(foreignCursor.body).toEqual({ items: [], nextCursor: null });
    expectError(deliveries, { status: 404, code: 'GRAPH_NOT_FOUND' });
    expectError(estimate, { status: 404, code: 'GRAPH_NOT_FOUND' });
  });

  it('websocket answers foreign and unknown runs alike', async () => {
    const owner = await studio();
    const bob = await registerTestUser(owner);
    const graph = await post(owner, '/v1/graphs', buildChain(1));
    const runId = await startRun(owner, graph.body.id, null);
    await waitForRun(owner, runId);
    const client = await TestWsClient.connect(await owner.listen(), { token: bob.accessToken });
    sockets.push(client);

    client.send({ type: 'subscribe', runId });
    client.send({ type: 'subscribe', runId: 'run_missing' });
    client.send({ type: 'subscribe', graphId: graph.body.id });
    await waitUntil(() => client.messages.length >= 3, 'three replies');

    const errors = client.messages.filter((message) => message.type === 'error');
    expect(errors).toHaveLength(3);
    expect(errors[0]).toEqual({ type: 'error', code: 'RUN_NOT_FOUND', message: `run "${runId}" does not exist`, pointer: '/runId' });
    expect(client.events()).toEqual([]);
  });

  it('websocket closes when the user is deactivated', async () => {
    const owner = await studio();
    const bob = await registerTestUser(owner);
    const client = await TestWsClient.connect(await owner.listen(), { token: bob.accessToken });
    sockets.push(client);
    client.send({ type: 'ping' });
    await client.waitFor((message) => message.type === 'pong');

    const deactivated = await request(owner, { method: 'PATCH', url: `/v1/admin/users/${bob.id}`, payload: { active: false } });
    expect(deactivated.status).toBe(200);

    const closed = await Promise.race([client.closed, new Promise((resolve) => setTimeout(() => resolve(null), 5_000))]);
    expect(closed).toEqual({ code: WS_CLOSE_USER_INACTIVE, reason: 'account deactivated' });
  });

  it('examples are not seeded once an account exists', async () => {
    const owner = await studio();
    expect(await owner.storage.graphs.count()).toBe(0);

    const seeded = await seedExamples(owner.storage, owner.studio.ctx.registry, owner.studio.ctx.log);

    expect(seeded).toEqual([]);
    expect(await owner.storage.graphs.count()).toBe(0);
  });
});
