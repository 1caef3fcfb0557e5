/**
 * Google sign-in against a JSON Web Key Set served on 127.0.0.1 with keys generated here; the
 * studio never reaches Google. Tokens are signed the way Google signs ID tokens: RS256 with a
 * `kid` from the key set.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectError, request } from '../support/http.js';
import { startTestStudio, type TestStudio } from '../support/studio.js';
import { freePort } from '../support/server-process.js';

const CLIENT_ID = 'test-client.apps.googleusercontent.com';
const KEY_ID = 'test-key-1';

let keyServer: Server;
let jwksUrl: string;
let keySetRequests = 0;
let privateKey: CryptoKey;
let publicJwk: JWK;
let test: TestStudio | null = null;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: KEY_ID, alg: 'RS256', use: 'sig' };
  keyServer = createServer((req, res) => {
    keySetRequests += 1;
    if (req.url !== '/oauth2/v3/certs') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] }));
  });
  await new Promise<void>((resolve) => keyServer.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(keyServer.address() as AddressInfo).port}/oauth2/v3/certs`;
});

afterAll(async () => {
  await new Promise((resolve) => keyServer.close(resolve));
});

afterEach(async () => {
  await test?.close();
  test = null;
});

interface IdTokenFields {
  sub?: string;
  email?: string;
  emailVerified?: boolean;
  name?: string;
  aud?: string;
  iss?: string;
  expiresInSeconds?: number;
  kid?: string;
  key?: CryptoKey;
  /** Google Workspace domain of the account. */
  hd?: string;
}

async function idToken(fields: IdTokenFields = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    email: fields.email ?? 'gina@gmail.com',
    ...(fields.hd ? { hd: fields.hd } : {}),
    email_verified: fields.emailVerified ?? true,
    name: fields.name ?? 'Gina Google',
    picture: 'https://lh3.googleusercontent.test/a/photo',
  })
    .setProtectedHeader({ alg: 'RS256', kid: fields.kid ?? KEY_ID, typ: 'JWT' })
    .setIssuer(fields.iss ?? 'https://accounts.google.com')
    .setAudience(fields.aud ?? CLIENT_ID)
    .setSubject(fields.sub ?? '110000000000000000001')
    .setIssuedAt(now - 10)
    .setExpirationTime(now + (fields.expiresInSeconds ?? 3600))
    .sign(fields.key ?? privateKey);
}

async function studioWithGoogle(options: { firstUser?: boolean; jwks?: string } = {}): Promise<TestStudio> {
  test = await startTestStudio({ GOOGLE_CLIENT_ID: CLIENT_ID, GOOGLE_JWKS_URL: options.jwks ?? jwksUrl }, { firstUser: options.firstUser });
  return test;
}

function signIn(studio: TestStudio, token: string) {
  return request(studio, { method: 'POST', url: '/v1/auth/google', payload: { idToken: token }, token: null });
}

describe('google sign-in', () => {
  it('valid token creates the account', async () => {
    const studio = await studioWithGoogle({ firstUser: false });
    const before = keySetRequests;
    const reply = await signIn(studio, await idToken());
    expect(reply.status, reply.raw.body).toBe(200);
    expect(reply.body.user).toMatchObject({ email: 'gina@gmail.com', fullName: 'Gina Google', googleLinked: true, hasPassword: false, admin: true });
    expect(reply.body.user.avatarUrl).toBe('https://lh3.googleusercontent.test/a/photo');
    expect(keySetRequests).toBeGreaterThan(before);

    const me = await request(studio, { method: 'GET', url: '/v1/me', token: reply.body.accessToken });
    expect(me.body.id).toBe(reply.body.user.id);
  });

  it('second sign-in finds the same account', async () => {
    const studio = await studioWithGoogle();
    const first = await signIn(studio, await idToken());
    const second = await signIn(studio, await idToken({ email: 'gina.renamed@gmail.com' }));
    expect(second.status).toBe(200);
    expect(second.body.user.id).toBe(first.body.user.id);
    expect(first.body.user.admin).toBe(false);
  });

  it('links an existing account with the email', async () => {
    const studio = await studioWithGoogle();
    const registered = await request(studio, {
      method: 'POST',
      url: '/v1/auth/register',
      payload: { email: 'Gina@gmail.com', password: 'gina-password', fullName: 'Gina' },
      token: null,
    });
    const reply = await signIn(studio, await idToken());
    expect(reply.status).toBe(200);
    expect(reply.body.user.id).toBe(registered.body.user.id);
    expect(reply.body.user.googleLinked).toBe(true);
    expect(reply.body.user.hasPassword).toBe(true);
  });

  it('links a Workspace account by email', async () => {
    const studio = await studioWithGoogle();
    const registered = await request(studio, {
      method: 'POST',
      url: '/v1/auth/register',
      payload: { email: 'hana@company.test', password: 'hana-password', fullName: 'Hana' },
      token: null,
    });
    const reply = await signIn(studio, await idToken({ email: 'hana@company.test', hd: 'company.test' }));
    expect(reply.status).toBe(200);
    expect(reply.body.user.id).toBe(registered.body.user.id);
  });

  it('other addresses do not link', async () => {
    const studio = await studioWithGoogle();
    await request(studio, {
      method: 'POST',
      url: '/v1/auth/register',
      payload: { email: 'ivan@mail.test', password: 'ivan-password', fullName: 'Ivan' },
      token: null,
    });
    const reply = await signIn(studio, await idToken({ email: 'ivan@mail.test' }));
    expectError(reply, { status: 409, code: 'AUTH_GOOGLE_ACCOUNT_CONFLICT' });
    const stored = await studio.storage.users.findByEmail('ivan@mail.test');
    expect(stored?.googleId).toBeNull();
  });

  it('new account with any verified email', async () => {
    const studio = await studioWithGoogle();
    const reply = await signIn(studio, await idToken({ email: 'jo@mail.test', sub: 'google-jo' }));
    expect(reply.status).toBe(200);
    expect(reply.body.user.email).toBe('jo@mail.test');
  });

  it('email linked to another Google account conflicts', async () => {
    const studio = await studioWithGoogle();
    await signIn(studio, await idToken({ sub: 'google-a' }));
    const reply = await signIn(studio, await idToken({ sub: 'google-b' }));
    expectError(reply, { status: 409, code: 'AUTH_GOOGLE_ACCOUNT_CONFLICT' });
  });

  it('wrong audience is rejected', async () => {
    const studio = await studioWithGoogle();
    expectError(await signIn(studio, await idToken({ aud: 'another-client.apps.googleusercontent.com' })), { status: 401, code: 'AUTH_GOOGLE_TOKEN_INVALID' });
  });

  it('wrong issuer is rejected', async () => {
    const studio = await studioWithGoogle();
    expectError(await signIn(studio, await idToken({ iss: 'https://accounts.example.com' })), { status: 401, code: 'AUTH_GOOGLE_TOKEN_INVALID' });
  });

  it('expired token is rejected', async () => {
    const studio = await studioWithGoogle();
    expectError(await signIn(studio, await idToken({ expiresInSeconds: -60 })), { status: 401, code: 'AUTH_GOOGLE_TOKEN_INVALID' });
  });

  it('unverified email is rejected', async () => {
    const studio = await studioWithGoogle();
    const reply = await signIn(studio, await idToken({ emailVerified: false }));
    expectError(reply, { status: 401, code: 'AUTH_GOOGLE_EMAIL_UNVERIFIED' });
    expect(await studio.storage.users.findByEmail('gina@gmail.com')).toBeNull();
  });

  it('token signed by another key is rejected', async () => {
    const studio = await studioWithGoogle();
    const other = await generateKeyPair('RS256');
    expectError(await signIn(studio, await idToken({ key: other.privateKey })), { status: 401, code: 'AUTH_GOOGLE_TOKEN_INVALID' });
    expectError(await signIn(studio, await idToken({ key: other.privateKey, kid: 'unknown-key' })), { status: 401, code: 'AUTH_GOOGLE_TOKEN_INVALID' });
  });

  it('malformed token is rejected', async () => {
    const studio = await studioWithGoogle();
    expectError(await signIn(studio, 'not.a.token'), { status: 401, code: 'AUTH_GOOGLE_TOKEN_INVALID' });
  });

  it('closed registration refuses new Google accounts', async () => {
    test = await startTestStudio({ GOOGLE_CLIENT_ID: CLIENT_ID, GOOGLE_JWKS_URL: jwksUrl, REGISTRATION: 'closed' });
    expectError(await signIn(test, await idToken()), { status: 403, code: 'AUTH_REGISTRATION_CLOSED' });
  });

  it('unreachable key set returns AUTH_GOOGLE_UNAVAILABLE', async () => {
    const studio = await studioWithGoogle({ jwks: `http://127.0.0.1:${await freePort()}/certs` });
    expectError(await signIn(studio, await idToken()), { status: 502, code: 'AUTH_GOOGLE_UNAVAILABLE' });
  });

  it('is off without a client id', async () => {
    test = await startTestStudio();
    const setup = await request(test, { method: 'GET', url: '/v1/setup', token: null });
    expect(setup.body.googleClientId).toBeNull();
    expectError(await signIn(test, await idToken()), { status: 404, code: 'AUTH_GOOGLE_NOT_CONFIGURED' });
  });

  it('setup reports the client id', async () => {
    const studio = await studioWithGoogle();
    const setup = await request(studio, { method: 'GET', url: '/v1/setup', token: null });
    expect(setup.body.googleClientId).toBe(CLIENT_ID);
  });
});
