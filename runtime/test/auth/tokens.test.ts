/**
 * Access tokens, refresh tokens and API keys against a real studio on SQLite: every 401 case with
 * its own code, refresh rotation with reuse detection, logout, and API key create, use and revoke.
 */
import { createHash, randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER } from '../../src/auth/tokens.js';
import { expectError, request } from '../support/http.js';
import { registerTestUser, startTestStudio, type TestStudio, type TestUser } from '../support/studio.js';
import { TestWsClient } from '../support/ws-client.js';

let test: TestStudio;
let owner: TestUser;

beforeEach(async () => {
  test = await startTestStudio();
  owner = test.user!;
});

afterEach(async () => {
  await test.close();
});

/** Signs an access token with the studio's key; `claims` override the standard ones. */
async function signToken(claims: { sub?: string; iss?: string; aud?: string; exp?: number; jti?: string }, key = test.studio.ctx.secrets.secretKey): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(claims.iss ?? ACCESS_TOKEN_ISSUER)
    .setAudience(claims.aud ?? ACCESS_TOKEN_AUDIENCE)
    .setSubject(claims.sub ?? owner.id)
    .setJti(claims.jti ?? 'jti_test')
    .setIssuedAt(now - 60)
    .setExpirationTime(claims.exp ?? now + 600);
  return jwt.sign(key);
}

function me(token: string | null) {
  return request(test, { method: 'GET', url: '/v1/me', token });
}

function refresh(refreshToken: string) {
  return request(test, { method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken }, token: null });
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

describe('access tokens', () => {
  it('protected route needs a principal', async () => {
    const reply = await request(test, { method: 'GET', url: '/v1/graphs', token: null });
    expectError(reply, { status: 401, code: 'AUTH_REQUIRED' });
  });

  it('unknown /v1 path needs a principal', async () => {
    const anonymous = await request(test, { method: 'GET', url: '/v1/no-such-route', token: null });
    const signedIn = await request(test, { method: 'GET', url: '/v1/no-such-route' });
    expectError(anonymous, { status: 401, code: 'AUTH_REQUIRED' });
    expectError(signedIn, { status: 404, code: 'ROUTE_NOT_FOUND' });
  });

  it('valid token identifies its user', async () => {
    const reply = await me(owner.accessToken);
    expect(reply.status).toBe(200);
    expect(reply.body.id).toBe(owner.id);
    expect(reply.body.email).toBe(owner.email);
  });

  it('token carries iss, aud, sub, jti and a 30-minute lifetime', async () => {
    const [, payload] = owner.accessToken.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    expect(claims.iss).toBe(ACCESS_TOKEN_ISSUER);
    expect(claims.aud).toBe(ACCESS_TOKEN_AUDIENCE);
    expect(claims.sub).toBe(owner.id);
    expect(typeof claims.jti).toBe('string');
    expect(claims.exp - claims.iat).toBe(1800);
  });

  it('expired token returns AUTH_TOKEN_EXPIRED', async () => {
    const token = await signToken({ exp: Math.floor(Date.now() / 1000) - 5 });
    expectError(await me(token), { status: 401, code: 'AUTH_TOKEN_EXPIRED' });
  });

  it('tampered payload returns AUTH_TOKEN_INVALID', async () => {
    const other = await registerTestUser(test);
    const [header, , signature] = owner.accessToken.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ sub: other.id, iss: ACCESS_TOKEN_ISSUER, aud: ACCESS_TOKEN_AUDIENCE, jti: 'x', iat: 1, exp: 9_999_999_999 })).toString('base64url');
    expectError(await me(`${header}.${forgedPayload}.${signature}`), { status: 401, code: 'AUTH_TOKEN_INVALID' });
  });

  it('altered signature returns AUTH_TOKEN_INVALID', async () => {
    const [header, payload, signature] = owner.accessToken.split('.');
    const flipped = `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
    expectError(await me(`${header}.${payload}.${flipped}`), { status: 401, code: 'AUTH_TOKEN_INVALID' });
  });

  it('token signed with another key returns AUTH_TOKEN_INVALID', async () => {
    const token = await signToken({}, new Uint8Array(randomBytes(32)));
    expectError(await me(token), { status: 401, code: 'AUTH_TOKEN_INVALID' });
  });

  it('wrong audience or issuer returns AUTH_TOKEN_INVALID', async () => {
    expectError(await me(await signToken({ aud: 'another-api' })), { status: 401, code: 'AUTH_TOKEN_INVALID' });
    expectError(await me(await signToken({ iss: 'another-issuer' })), { status: 401, code: 'AUTH_TOKEN_INVALID' });
  });

  it('token of a missing user returns AUTH_TOKEN_INVALID', async () => {
    expectError(await me(await signToken({ sub: 'user_missing' })), { status: 401, code: 'AUTH_TOKEN_INVALID' });
  });

  it('garbage and other schemes return AUTH_TOKEN_INVALID', async () => {
    expectError(await me('not-a-jwt'), { status: 401, code: 'AUTH_TOKEN_INVALID' });
    const basic = await request(test, { method: 'GET', url: '/v1/me', headers: { authorization: 'Basic b3duZXI6cGFzcw==' } });
    expectError(basic, { status: 401, code: 'AUTH_TOKEN_INVALID', pointer: '/headers/authorization' });
  });

  it('public routes ignore a bad token', async () => {
    const setup = await request(test, { method: 'GET', url: '/v1/setup', token: 'not-a-jwt' });
    const health = await request(test, { method: 'GET', url: '/health', token: null });
    const metrics = await test.studio.app.inject({ method: 'GET', url: '/metrics' });
    expect(setup.status).toBe(200);
    expect(health.status).toBe(200);
    expect(metrics.statusCode).toBe(200);
  });
});

describe('login', () => {
  it('wrong password returns AUTH_LOGIN_FAILED', async () => {
    const reply = await request(test, { method: 'POST', url: '/v1/auth/login', payload: { email: owner.email, password: 'wrong-password' }, token: null });
    expectError(reply, { status: 401, code: 'AUTH_LOGIN_FAILED' });
  });

  it('unknown email gets the same reply as a wrong password', async () => {
    const wrongPassword = await request(test, { method: 'POST', url: '/v1/auth/login', payload: { email: owner.email, password: 'wrong-password' }, token: null });
    const unknownEmail = await request(test, { method: 'POST', url: '/v1/auth/login', payload: { email: 'nobody@studio.test', password: 'wrong-password' }, token: null });
    expect(unknownEmail.status).toBe(wrongPassword.status);
    expect(unknownEmail.body).toEqual(wrongPassword.body);
    expect(unknownEmail.body.message).not.toMatch(/exist|unknown|not found/i);
  });

  it('email matches regardless of case and spaces', async () => {
    const reply = await request(test, { method: 'POST', url: '/v1/auth/login', payload: { email: ` ${owner.email.toUpperCase()} `, password: owner.password }, token: null });
    expect(reply.status).toBe(200);
    expect(reply.body.user.id).toBe(owner.id);
  });
});

describe('refresh tokens', () => {
  it('refresh rotates the token', async () => {
    const first = await refresh(owner.refreshToken);
    expect(first.status).toBe(200);
    expect(first.body.refreshToken).not.toBe(owner.refreshToken);
    expect(first.body.refreshToken).toMatch(/^glr_/);
    expect((await me(first.body.accessToken)).status).toBe(200);

    const second = await refresh(first.body.refreshToken);
    expect(second.status).toBe(200);
    expect(second.body.user.id).toBe(owner.id);
  });

  it('stores only the hash of a refresh token', async () => {
    const stored = await test.storage.refreshTokens.findByHash(sha256(owner.refreshToken));
    expect(stored?.userId).toBe(owner.id);
    expect(JSON.stringify(stored)).not.toContain(owner.refreshToken);
  });

  it('reuse revokes the whole family', async () => {
    const rotated = await refresh(owner.refreshToken);
    expect(rotated.status).toBe(200);

    const reused = await refresh(owner.refreshToken);
    expectError(reused, { status: 401, code: 'AUTH_REFRESH_TOKEN_REUSED' });

    const successor = await refresh(rotated.body.refreshToken);
    expectError(successor, { status: 401, code: 'AUTH_REFRESH_TOKEN_REVOKED' });
  });

  it('reuse leaves other sessions alone', async () => {
    const secondSession = await request(test, { method: 'POST', url: '/v1/auth/login', payload: { email: owner.email, password: owner.password }, token: null });
    await refresh(owner.refreshToken);
    await refresh(owner.refreshToken);
    const other = await refresh(secondSession.body.refreshToken);
    expect(other.status).toBe(200);
  });

  it('concurrent refreshes yield one successor', async () => {
    const replies = await Promise.all([refresh(owner.refreshToken), refresh(owner.refreshToken)]);
    const statuses = replies.map((reply) => reply.status).sort();
    expect(statuses).toEqual([200, 401]);
  });

  it('unknown refresh token returns AUTH_REFRESH_TOKEN_INVALID', async () => {
    expectError(await refresh(`glr_${randomBytes(32).toString('base64url')}`), { status: 401, code: 'AUTH_REFRESH_TOKEN_INVALID' });
  });

  it('expired refresh token returns AUTH_REFRESH_TOKEN_EXPIRED', async () => {
    const token = `glr_${randomBytes(32).toString('base64url')}`;
    await test.storage.refreshTokens.create({
      id: 'rt_expired',
      userId: owner.id,
      familyId: 'family_expired',
      tokenHash: sha256(token),
      expiresAt: new Date(Date.now() - 1000).toISOString(),
      createdAt: new Date(Date.now() - 60_000).toISOString(),
      usedAt: null,
      revokedAt: null,
    });
    expectError(await refresh(token), { status: 401, code: 'AUTH_REFRESH_TOKEN_EXPIRED' });
  });

  it('logout revokes the session', async () => {
    const logout = await request(test, { method: 'POST', url: '/v1/auth/logout', payload: { refreshToken: owner.refreshToken }, token: null });
    expect(logout.status).toBe(204);
    expectError(await refresh(owner.refreshToken), { status: 401, code: 'AUTH_REFRESH_TOKEN_REVOKED' });
  });

  it('logout of every session revokes them all', async () => {
    const secondSession = await request(test, { method: 'POST', url: '/v1/auth/login', payload: { email: owner.email, password: owner.password }, token: null });
    const logout = await request(test, { method: 'POST', url: '/v1/auth/logout', payload: { all: true } });
    expect(logout.status).toBe(204);
    expectError(await refresh(owner.refreshToken), { status: 401, code: 'AUTH_REFRESH_TOKEN_REVOKED' });
    expectError(await refresh(secondSession.body.refreshToken), { status: 401, code: 'AUTH_REFRESH_TOKEN_REVOKED' });
  });

  it('logout of every session needs a principal', async () => {
    const reply = await request(test, { method: 'POST', url: '/v1/auth/logout', payload: { all: true }, token: null });
    expectError(reply, { status: 401, code: 'AUTH_REQUIRED' });
  });
});

describe('API keys', () => {
  async function createKey(name = 'ci', token: string | null = owner.accessToken, expiresInDays?: number) {
    return request(test, { method: 'POST', url: '/v1/api-keys', payload: { name, ...(expiresInDays ? { expiresInDays } : {}) }, token });
  }

  it('key is shown once and stored as a hash', async () => {
    const created = await createKey();
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^glk_[A-Za-z0-9_-]{43}$/);
    expect(created.body.key.startsWith(created.body.prefix)).toBe(true);

    const listed = await request(test, { method: 'GET', url: '/v1/api-keys' });
    expect(listed.body.items).toHaveLength(1);
    expect(listed.body.items[0].id).toBe(created.body.id);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.key);
    expect(listed.body.items[0].keyHash).toBeUndefined();

    const stored = await test.storage.apiKeys.findByHash(sha256(created.body.key));
    expect(stored?.id).toBe(created.body.id);
  });

  it('key authenticates its user', async () => {
    const created = await createKey();
    const reply = await me(created.body.key);
    expect(reply.status).toBe(200);
    expect(reply.body.id).toBe(owner.id);
  });

  it('revoked key returns AUTH_API_KEY_REVOKED', async () => {
    const created = await createKey();
    const revoked = await request(test, { method: 'DELETE', url: `/v1/api-keys/${created.body.id}` });
    expect(revoked.status).toBe(204);
    expectError(await me(created.body.key), { status: 401, code: 'AUTH_API_KEY_REVOKED' });
    const listed = await request(test, { method: 'GET', url: '/v1/api-keys' });
    expect(listed.body.items[0].revokedAt).not.toBeNull();
  });

  it('unknown key returns AUTH_API_KEY_INVALID', async () => {
    expectError(await me(`glk_${randomBytes(32).toString('base64url')}`), { status: 401, code: 'AUTH_API_KEY_INVALID' });
  });

  it('expired key returns AUTH_API_KEY_EXPIRED', async () => {
    const key = `glk_${randomBytes(32).toString('base64url')}`;
    await test.storage.apiKeys.create({
      id: 'key_expired',
      userId: owner.id,
      name: 'old',
      prefix: key.slice(0, 12),
      keyHash: sha256(key),
      createdAt: new Date(Date.now() - 86_400_000).toISOString(),
      expiresAt: new Date(Date.now() - 1000).toISOString(),
      lastUsedAt: null,
      revokedAt: null,
    });
    expectError(await me(key), { status: 401, code: 'AUTH_API_KEY_EXPIRED' });
  });

  it('key with an expiry works until then', async () => {
    const created = await createKey('short', owner.accessToken, 1);
    expect(Date.parse(created.body.expiresAt) - Date.now()).toBeGreaterThan(86_400_000 - 60_000);
    expect((await me(created.body.key)).status).toBe(200);
  });

  it('another user cannot revoke or list the key', async () => {
    const created = await createKey();
    const other = await registerTestUser(test);
    const revoke = await request(test, { method: 'DELETE', url: `/v1/api-keys/${created.body.id}`, token: other.accessToken });
    const list = await request(test, { method: 'GET', url: '/v1/api-keys', token: other.accessToken });
    expectError(revoke, { status: 404, code: 'API_KEY_NOT_FOUND' });
    expect(list.body.items).toEqual([]);
    expect((await me(created.body.key)).status).toBe(200);
  });
});

describe('deactivated user', () => {
  it('every credential returns AUTH_USER_INACTIVE', async () => {
    const user = await registerTestUser(test);
    const key = await request(test, { method: 'POST', url: '/v1/api-keys', payload: { name: 'k' }, token: user.accessToken });
    const deactivated = await request(test, { method: 'PATCH', url: `/v1/admin/users/${user.id}`, payload: { active: false } });
    expect(deactivated.status).toBe(200);
    expect(deactivated.body.active).toBe(false);

    expectError(await me(user.accessToken), { status: 401, code: 'AUTH_USER_INACTIVE' });
    expectError(await me(key.body.key), { status: 401, code: 'AUTH_USER_INACTIVE' });
    expectError(await refresh(user.refreshToken), { status: 401, code: 'AUTH_REFRESH_TOKEN_REVOKED' });
    const login = await request(test, { method: 'POST', url: '/v1/auth/login', payload: { email: user.email, password: user.password }, token: null });
    expectError(login, { status: 401, code: 'AUTH_USER_INACTIVE' });
  });

  it('inactive reply needs the right password', async () => {
    const user = await registerTestUser(test);
    await request(test, { method: 'PATCH', url: `/v1/admin/users/${user.id}`, payload: { active: false } });
    const login = await request(test, { method: 'POST', url: '/v1/auth/login', payload: { email: user.email, password: 'wrong-password' }, token: null });
    expectError(login, { status: 401, code: 'AUTH_LOGIN_FAILED' });
  });

  it('reactivated user signs in again', async () => {
    const user = await registerTestUser(test);
    await request(test, { method: 'PATCH', url: `/v1/admin/users/${user.id}`, payload: { active: false } });
    await request(test, { method: 'PATCH', url: `/v1/admin/users/${user.id}`, payload: { active: true } });
    const login = await request(test, { method: 'POST', url: '/v1/auth/login', payload: { email: user.email, password: user.password }, token: null });
    expect(login.status).toBe(200);
    expect((await me(user.accessToken)).status).toBe(200);
  });
});

describe('WebSocket authentication', () => {
  const clients: TestWsClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });

  it('handshake without a token is refused', async () => {
    const url = await test.listen();
    await expect(TestWsClient.connect(url)).rejects.toThrow(/401/);
  });

  it('handshake with a bad token is refused', async () => {
    const url = await test.listen();
    await expect(TestWsClient.connect(url, { token: 'not-a-jwt' })).rejects.toThrow(/401/);
  });

  it('token in the query string is accepted', async () => {
    const url = await test.listen();
    const client = await TestWsClient.connect(url, { token: owner.accessToken, tokenIn: 'query' });
    clients.push(client);
    client.send({ type: 'ping' });
    expect(await client.waitFor((message) => message.type === 'pong')).toEqual({ type: 'pong' });
  });

  it('API key in the header is accepted', async () => {
    const url = await test.listen();
    const key = await request(test, { method: 'POST', url: '/v1/api-keys', payload: { name: 'ws' } });
    const client = await TestWsClient.connect(url, { token: key.body.key, tokenIn: 'header' });
    clients.push(client);
    client.send({ type: 'ping' });
    expect(await client.waitFor((message) => message.type === 'pong')).toEqual({ type: 'pong' });
  });

  it('query token works only on the WebSocket route', async () => {
    const reply = await request(test, { method: 'GET', url: `/v1/me?access_token=${owner.accessToken}`, token: null });
    expectError(reply, { status: 401, code: 'AUTH_REQUIRED' });
  });
});
