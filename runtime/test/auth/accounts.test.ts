/**
 * Accounts against a real studio on SQLite: the setup flow of a fresh install, the first user as
 * admin, registration policy, profile and password changes, admin routes, and logs free of
 * passwords and tokens.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { expectError, request } from '../support/http.js';
import { buildChain, registerTestUser, signInTestUser, startTestStudio, storeGraph, type TestStudio } from '../support/studio.js';

let test: TestStudio | null = null;

afterEach(async () => {
  await test?.close();
  test = null;
});

async function fresh(env: Record<string, string> = {}): Promise<TestStudio> {
  test = await startTestStudio(env, { firstUser: false });
  return test;
}

async function withOwner(env: Record<string, string> = {}): Promise<TestStudio> {
  test = await startTestStudio(env);
  return test;
}

function register(studio: TestStudio, payload: Record<string, unknown>) {
  return request(studio, { method: 'POST', url: '/v1/auth/register', payload, token: null });
}

describe('setup of a fresh install', () => {
  it('has no account and asks for the first one', async () => {
    const studio = await fresh();
    const setup = await request(studio, { method: 'GET', url: '/v1/setup', token: null });
    expect(setup.status).toBe(200);
    expect(setup.body).toEqual({ needsFirstUser: true, registration: 'open', googleClientId: null });
    expect(await studio.storage.users.count()).toBe(0);
  });

  it('first user becomes admin', async () => {
    const studio = await fresh();
    const first = await register(studio, { email: 'Ana@Example.com', password: 'first-password', fullName: 'Ana' });
    expect(first.status).toBe(201);
    expect(first.body.user.admin).toBe(true);
    expect(first.body.user.email).toBe('ana@example.com');
    expect(first.body.tokenType).toBe('Bearer');
    expect(typeof first.body.accessToken).toBe('string');

    const setup = await request(studio, { method: 'GET', url: '/v1/setup', token: null });
    expect(setup.body.needsFirstUser).toBe(false);

    const second = await register(studio, { email: 'bruno@example.com', password: 'second-password', fullName: 'Bruno' });
    expect(second.status).toBe(201);
    expect(second.body.user.admin).toBe(false);
  });

  it('first user claims graphs stored before accounts', async () => {
    const studio = await fresh();
    const graphId = await storeGraph(studio.storage, buildChain(1));
    expect((await studio.storage.graphs.get(graphId))?.ownerId).toBeNull();

    const first = await register(studio, { email: 'ana@example.com', password: 'first-password', fullName: 'Ana' });
    expect((await studio.storage.graphs.get(graphId))?.ownerId).toBe(first.body.user.id);
  });

  it('reply never contains the password hash', async () => {
    const studio = await fresh();
    const first = await register(studio, { email: 'ana@example.com', password: 'first-password', fullName: 'Ana' });
    expect(first.body.user.passwordHash).toBeUndefined();
    expect(first.body.user.hasPassword).toBe(true);
    expect(JSON.stringify(first.body)).not.toContain('argon2');
  });

  it('password is stored as argon2id', async () => {
    const studio = await fresh();
    await register(studio, { email: 'ana@example.com', password: 'first-password', fullName: 'Ana' });
    const stored = await studio.storage.users.findByEmail('ana@example.com');
    expect(stored?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(stored?.passwordHash).not.toContain('first-password');
  });
});

describe('registration', () => {
  it('duplicate email returns USER_EMAIL_TAKEN', async () => {
    const studio = await withOwner();
    await register(studio, { email: 'carla@example.com', password: 'carla-password', fullName: 'Carla' });
    const again = await register(studio, { email: 'CARLA@Example.com', password: 'other-password', fullName: 'Carla 2' });
    expectError(again, { status: 409, code: 'USER_EMAIL_TAKEN', pointer: '/body/email' });
  });

  it('short password is rejected', async () => {
    const studio = await withOwner();
    const reply = await register(studio, { email: 'dan@example.com', password: 'short', fullName: 'Dan' });
    expectError(reply, { status: 400, code: 'REQUEST_INVALID', pointer: '/body/password' });
  });

  it('malformed email is rejected', async () => {
    const studio = await withOwner();
    const reply = await register(studio, { email: 'not an email', password: 'long-enough-password', fullName: 'Dan' });
    expectError(reply, { status: 400, code: 'REQUEST_INVALID', pointer: '/body/email' });
  });

  it('closed policy admits only the first user', async () => {
    const studio = await fresh({ REGISTRATION: 'closed' });
    const setup = await request(studio, { method: 'GET', url: '/v1/setup', token: null });
    expect(setup.body.registration).toBe('closed');

    const first = await register(studio, { email: 'ana@example.com', password: 'first-password', fullName: 'Ana' });
    expect(first.status).toBe(201);
    const second = await register(studio, { email: 'bruno@example.com', password: 'second-password', fullName: 'Bruno' });
    expectError(second, { status: 403, code: 'AUTH_REGISTRATION_CLOSED' });
    expect(await studio.storage.users.findByEmail('bruno@example.com')).toBeNull();
  });

  it('admin creates accounts under the closed policy', async () => {
    const studio = await fresh({ REGISTRATION: 'closed' });
    const first = await register(studio, { email: 'ana@example.com', password: 'first-password', fullName: 'Ana' });
    const created = await request(studio, {
      method: 'POST',
      url: '/v1/admin/users',
      payload: { email: 'bruno@example.com', password: 'bruno-password', fullName: 'Bruno', tier: 'premium' },
      token: first.body.accessToken,
    });
    expect(created.status).toBe(201);
    expect(created.body.tier).toBe('premium');
    expect(created.body.admin).toBe(false);

    const login = await signInTestUser(studio, 'bruno@example.com', 'bruno-password');
    expect(login.id).toBe(created.body.id);
  });
});

describe('own account', () => {
  it('me returns the profile', async () => {
    const studio = await withOwner();
    const reply = await request(studio, { method: 'GET', url: '/v1/me' });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ id: studio.user!.id, email: 'owner@studio.test', admin: true, active: true, tier: 'standard', hasPassword: true, googleLinked: false });
    expect(reply.body.passwordHash).toBeUndefined();
  });

  it('name and avatar change', async () => {
    const studio = await withOwner();
    const reply = await request(studio, { method: 'PATCH', url: '/v1/me', payload: { fullName: 'New Name', avatarUrl: 'https://example.com/a.png' } });
    expect(reply.status).toBe(200);
    expect(reply.body.user.fullName).toBe('New Name');
    expect(reply.body.user.avatarUrl).toBe('https://example.com/a.png');
    expect(reply.body.accessToken).toBeUndefined();

    const cleared = await request(studio, { method: 'PATCH', url: '/v1/me', payload: { avatarUrl: null } });
    expect(cleared.body.user.avatarUrl).toBeNull();
  });

  it('avatar must be an http URL', async () => {
    const studio = await withOwner();
    const reply = await request(studio, { method: 'PATCH', url: '/v1/me', payload: { avatarUrl: 'javascript:alert(1)' } });
    expectError(reply, { status: 400, code: 'REQUEST_INVALID' });
  });

  it('password change needs the current password', async () => {
    const studio = await withOwner();
    const missing = await request(studio, { method: 'PATCH', url: '/v1/me', payload: { newPassword: 'a-new-password' } });
    const wrong = await request(studio, { method: 'PATCH', url: '/v1/me', payload: { currentPassword: 'nope-nope', newPassword: 'a-new-password' } });
    expectError(missing, { status: 403, code: 'AUTH_CURRENT_PASSWORD_INVALID', pointer: '/body/currentPassword' });
    expectError(wrong, { status: 403, code: 'AUTH_CURRENT_PASSWORD_INVALID', pointer: '/body/currentPassword' });
    expect((await signInTestUser(studio, studio.user!.email, studio.user!.password)).id).toBe(studio.user!.id);
  });

  it('password change ends other sessions', async () => {
    const studio = await withOwner();
    const owner = studio.user!;
    const changed = await request(studio, { method: 'PATCH', url: '/v1/me', payload: { currentPassword: owner.password, newPassword: 'a-new-password' } });
    expect(changed.status).toBe(200);
    expect(typeof changed.body.accessToken).toBe('string');

    const oldRefresh = await request(studio, { method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: owner.refreshToken }, token: null });
    expectError(oldRefresh, { status: 401, code: 'AUTH_REFRESH_TOKEN_REVOKED' });
    const newRefresh = await request(studio, { method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: changed.body.refreshToken }, token: null });
    expect(newRefresh.status).toBe(200);

    const oldPassword = await request(studio, { method: 'POST', url: '/v1/auth/login', payload: { email: owner.email, password: owner.password }, token: null });
    expectError(oldPassword, { status: 401, code: 'AUTH_LOGIN_FAILED' });
    expect((await signInTestUser(studio, owner.email, 'a-new-password')).id).toBe(owner.id);
  });
});

describe('admin routes', () => {
  it('non-admin gets FORBIDDEN', async () => {
    const studio = await withOwner();
    const user = await registerTestUser(studio);
    const list = await request(studio, { method: 'GET', url: '/v1/admin/users', token: user.accessToken });
    const patch = await request(studio, { method: 'PATCH', url: `/v1/admin/users/${user.id}`, payload: { admin: true }, token: user.accessToken });
    expectError(list, { status: 403, code: 'FORBIDDEN' });
    expectError(patch, { status: 403, code: 'FORBIDDEN' });
  });

  it('list pages and searches', async () => {
    const studio = await withOwner();
    await registerTestUser(studio, { email: 'zed.alpha@example.com', fullName: 'Zed Alpha' });
    await registerTestUser(studio, { email: 'yan@example.com', fullName: 'Yan Beta' });
    await registerTestUser(studio, { email: 'xia@example.com', fullName: 'Xia Alpha' });

    const first = await request(studio, { method: 'GET', url: '/v1/admin/users?limit=2' });
    expect(first.body.items.map((user: { email: string }) => user.email)).toEqual(['owner@studio.test', 'zed.alpha@example.com']);
    expect(first.body.nextOffset).toBe(2);
    const second = await request(studio, { method: 'GET', url: '/v1/admin/users?limit=2&offset=2' });
    expect(second.body.items.map((user: { email: string }) => user.email)).toEqual(['yan@example.com', 'xia@example.com']);
    expect(second.body.nextOffset).toBeNull();

    const search = await request(studio, { method: 'GET', url: '/v1/admin/users?search=ALPHA' });
    expect(search.body.items.map((user: { email: string }) => user.email)).toEqual(['zed.alpha@example.com', 'xia@example.com']);
  });

  it('patch sets tier and admin', async () => {
    const studio = await withOwner();
    const user = await registerTestUser(studio);
    const reply = await request(studio, { method: 'PATCH', url: `/v1/admin/users/${user.id}`, payload: { tier: 'premium', admin: true } });
    expect(reply.status).toBe(200);
    expect(reply.body.tier).toBe('premium');
    expect(reply.body.admin).toBe(true);
    const list = await request(studio, { method: 'GET', url: '/v1/admin/users', token: user.accessToken });
    expect(list.status).toBe(200);
  });

  it('admin cannot demote or deactivate themselves', async () => {
    const studio = await withOwner();
    const demote = await request(studio, { method: 'PATCH', url: `/v1/admin/users/${studio.user!.id}`, payload: { admin: false } });
    const deactivate = await request(studio, { method: 'PATCH', url: `/v1/admin/users/${studio.user!.id}`, payload: { active: false } });
    expectError(demote, { status: 409, code: 'USER_ADMIN_SELF_CHANGE', pointer: '/body/admin' });
    expectError(deactivate, { status: 409, code: 'USER_ADMIN_SELF_CHANGE', pointer: '/body/active' });
  });

  it('unknown user returns USER_NOT_FOUND', async () => {
    const studio = await withOwner();
    const reply = await request(studio, { method: 'PATCH', url: '/v1/admin/users/user_missing', payload: { tier: 'premium' } });
    expectError(reply, { status: 404, code: 'USER_NOT_FOUND' });
  });
});

describe('logs', () => {
  it('never contain passwords or tokens', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    test = await startTestStudio({}, { firstUser: false, log: pino({ level: 'trace' }, sink) });
    const studio = test;
    const password = 'planted-password-9f3c';
    const newPassword = 'planted-new-password-71ab';

    const registered = await register(studio, { email: 'logs@example.com', password, fullName: 'Logs' });
    const failed = await request(studio, { method: 'POST', url: '/v1/auth/login', payload: { email: 'logs@example.com', password: 'planted-wrong-password' }, token: null });
    const signedIn = await request(studio, { method: 'POST', url: '/v1/auth/login', payload: { email: 'logs@example.com', password }, token: null });
    const refreshed = await request(studio, { method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: signedIn.body.refreshToken }, token: null });
    const reused = await request(studio, { method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: signedIn.body.refreshToken }, token: null });
    const key = await request(studio, { method: 'POST', url: '/v1/api-keys', payload: { name: 'logs' }, token: refreshed.body.accessToken });
    const used = await request(studio, { method: 'GET', url: '/v1/me', token: key.body.key });
    const badKey = await request(studio, { method: 'GET', url: '/v1/me', token: `${key.body.key}x` });
    const changed = await request(studio, { method: 'PATCH', url: '/v1/me', payload: { currentPassword: password, newPassword }, token: registered.body.accessToken });
    expect([registered.status, failed.status, signedIn.status, refreshed.status, reused.status]).toEqual([201, 401, 200, 200, 401]);
    expect([key.status, used.status, badKey.status, changed.status]).toEqual([201, 200, 401, 200]);

    const secrets = [
      password,
      newPassword,
      'planted-wrong-password',
      registered.body.accessToken,
      registered.body.refreshToken,
      signedIn.body.accessToken,
      signedIn.body.refreshToken,
      refreshed.body.accessToken,
      refreshed.body.refreshToken,
      key.body.key,
      changed.body.refreshToken,
      Buffer.from(studio.studio.ctx.secrets.secretKey).toString('base64'),
    ];
    const text = lines.join('');
    expect(text).toContain('api key created');
    expect(text).toContain('refresh token reused');
    for (const secret of secrets) expect(text.includes(secret), `a log line contains ${secret.slice(0, 8)}…`).toBe(false);
  });
});
