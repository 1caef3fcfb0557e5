import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { REFRESH_CLAIM_KEY } from '../../src/vault/oauth2/refresh.js';
import { expectError, request, startRun, type JsonReply } from '../support/http.js';
import { buildGraph, buildNode, registerTestUser, waitForRun } from '../support/studio.js';
import { acmePlugin } from './fixtures.js';
import { CLIENT_ID, CLIENT_SECRET, startOAuthServer, type OAuthServer } from './oauth-server.js';
import { authorizeInBrowser, cookiesOf, createCredential, installPlugin, startVaultStudio, type VaultTestStudio } from './support.js';

const BUILDER_ORIGIN = 'http://builder.test:5173';

let server: OAuthServer;
let test: VaultTestStudio;

beforeAll(async () => {
  server = await startOAuthServer();
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  Object.assign(server.behaviour, {
    codeTokenLifetimeS: 3600,
    refreshTokenLifetimeS: 3600,
    refreshDelayMs: 0,
    rejectRefresh: false,
    deny: false,
    corruptChallenge: false,
  });
  server.issuedAccessTokens.length = 0;
  server.verifiers.length = 0;
});

afterEach(async () => {
  await test.close();
});

function clientSettings(): string {
  return JSON.stringify({
    'acme/oauth': {
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      authorizationUrl: `${server.origin}/authorize`,
      tokenUrl: `${server.origin}/token`,
    },
  });
}

async function startOAuthStudio(env: Record<string, string> = {}): Promise<VaultTestStudio> {
  const studio = await startVaultStudio({
    env: { OAUTH2_CLIENTS: clientSettings(), HTTP_ALLOW_PRIVATE: `127.0.0.1:${server.port}`, ...env },
    resolveHost: async (hostname) => {
      if (hostname === 'api.acme.test') return [{ address: '127.0.0.1', family: 4 }];
      throw Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    },
  });
  await installPlugin(studio, acmePlugin());
  return studio;
}

async function startConnection(body: Record<string, unknown> = {}, token?: string): Promise<JsonReply> {
  return request(test, {
    method: 'POST',
    url: '/v1/credentials/oauth2/start',
    headers: { origin: BUILDER_ORIGIN },
    payload: { type: 'acme/oauth', name: 'Acme', ...body },
    token,
  });
}

function callBack(search: string, cookies: Record<string, string> = {}) {
  return test.studio.app.inject({ method: 'GET', url: `/v1/credentials/oauth2/callback${search}`, cookies });
}

/** Returns the message the callback page posts to its opener, and the origin it posts to. */
function postedMessage(html: string): { message: Record<string, any>; origin: string } {
  const match = /var message=(.*?);var origin=(.*?);/.exec(html);
  if (match === null) throw new Error(`no message in ${html}`);
  return { message: JSON.parse(match[1]), origin: JSON.parse(match[2]) };
}

async function connect(): Promise<string> {
  const started = await startConnection();
  expect(started.status, started.raw.body).toBe(200);
  const page = await authorizeInBrowser(test, started);
  expect(page.statusCode, page.body).toBe(200);
  return postedMessage(page.body).message.credential.id;
}

async function runCalls(credentialId: string, count: number) {
  const nodes = Array.from({ length: count }, (_, index) =>
    buildNode(`c${index}`, { type: 'acme/call@1', config: { url: `http://api.acme.test:${server.port}/api` }, credentials: { acme: credentialId } }),
  );
  const created = await request<{ id: string }>(test, { method: 'POST', url: '/v1/graphs', payload: buildGraph(nodes, []) });
  expect(created.status, created.raw.body).toBe(201);
  return waitForRun(test, await startRun(test, created.body.id, null));
}

describe('oauth2 start', () => {
  it('returns an authorization URL with state and S256 challenge', async () => {
    test = await startOAuthStudio();

    const reply = await startConnection();
    const url = new URL(reply.body.authorizationUrl);
    const stored = await test.storage.oauthStates.take(reply.body.state, new Date().toISOString());

    expect(reply.status, reply.raw.body).toBe(200);
    expect(`${url.origin}${url.pathname}`).toBe(`${server.origin}/authorize`);
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(url.searchParams.get('state')).toBe(reply.body.state);
    expect(url.searchParams.get('scope')).toBe('read write');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('redirect_uri')).toMatch(/\/v1\/credentials\/oauth2\/callback$/);
    expect(reply.raw.body).not.toContain(CLIENT_SECRET);
    expect(stored?.userId).toBe(test.user?.id);
    expect(stored?.secret.startsWith('v1.')).toBe(true);
    expect(stored?.data).toMatchObject({ type: 'acme/oauth', name: 'Acme', openerOrigin: BUILDER_ORIGIN });
  });

  it('rejects types without OAuth2 or a client', async () => {
    test = await startOAuthStudio({ OAUTH2_CLIENTS: '' });

    const notOAuth = await startConnection({ type: 'acme/apiKey' });
    const unconfigured = await startConnection();
    const unknown = await startConnection({ type: 'acme/none' });

    expectError(notOAuth, { status: 400, code: 'CREDENTIAL_TYPE_NOT_OAUTH2', pointer: '/body/type' });
    expectError(unconfigured, { status: 501, code: 'CREDENTIAL_OAUTH2_NOT_CONFIGURED', message: /OAUTH2_CLIENTS/ });
    expectError(unknown, { status: 400, code: 'CREDENTIAL_TYPE_UNKNOWN', pointer: '/body/type' });
  });

  it('validates values with pointers', async () => {
    test = await startOAuthStudio();

    const reply = await startConnection({ values: { workspace: 7 } });

    expectError(reply, { status: 400, code: 'CREDENTIAL_VALUES_INVALID', pointer: '/body/values/workspace', problemMessage: 'must be a string' });
  });
});

describe('oauth2 callback', () => {
  it('stores the tokens encrypted and posts the result to the opener', async () => {
    test = await startOAuthStudio();
    const started = await startConnection({ values: { workspace: 'team-1' } });

    const page = await authorizeInBrowser(test, started);
    const { message, origin } = postedMessage(page.body);
    const record = await test.storage.credentials.get(message.credential.id);
    const metadata = await request(test, { method: 'GET', url: `/v1/credentials/${message.credential.id}` });
    const challenge = new URL(started.body.authorizationUrl).searchParams.get('code_challenge');

    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(message).toMatchObject({ type: 'gestorlead.oauth2', ok: true, created: true, credential: { name: 'Acme', type: 'acme/oauth' } });
    expect(origin).toBe(BUILDER_ORIGIN);
    expect(server.verifiers).toHaveLength(1);
    expect(createHash('sha256').update(server.verifiers[0]).digest('base64url')).toBe(challenge);
    expect(record?.ownerId).toBe(test.user?.id);
    for (const issued of server.issuedAccessTokens) {
      expect(record?.secret).not.toContain(issued);
      expect(page.body).not.toContain(issued);
      expect(metadata.raw.body).not.toContain(issued);
    }
    expect(metadata.body.oauth2).toMatchObject({ scopes: ['read', 'write'], refreshable: true });
    expect(Date.parse(metadata.body.oauth2.expiresAt)).toBeGreaterThan(Date.now() + 3_500_000);
  });

  it('hands the access token to a task', async () => {
    test = await startOAuthStudio();
    const credentialId = await connect();

    const { run } = await runCalls(credentialId, 1);

    expect(run.status).toBe('succeeded');
    expect(run.output).toEqual({
      c0: { status: 200, keys: ['accessToken', 'expiresAt', 'scopes', 'tokenType'], tokenType: 'bearer', workspace: null },
    });
  });

  it('takes each state once', async () => {
    test = await startOAuthStudio();
    const started = await startConnection();
    const consent = await fetch(started.body.authorizationUrl, { redirect: 'manual' });
    const search = new URL(consent.headers.get('location')!).search;

    const first = await callBack(search, cookiesOf(started));
    const second = await callBack(search, cookiesOf(started));
    const unknown = await callBack('?state=nope&code=x');

    expect(first.statusCode).toBe(200);
    expect(second.statusCode).toBe(400);
    expect(postedMessage(second.body).message.error.code).toBe('CREDENTIAL_OAUTH2_STATE_INVALID');
    expect(unknown.statusCode).toBe(400);
    expect(postedMessage(unknown.body).message).toMatchObject({ ok: false, error: { code: 'CREDENTIAL_OAUTH2_STATE_INVALID' } });
    expect(await test.storage.credentials.listByOwner(test.user!.id)).toHaveLength(1);
  });

  it('reports a denied authorization', async () => {
    test = await startOAuthStudio();
    server.behaviour.deny = true;
    const started = await startConnection();

    const page = await authorizeInBrowser(test, started);
    const { message, origin } = postedMessage(page.body);

    expect(page.statusCode).toBe(400);
    expect(message).toMatchObject({ ok: false, error: { code: 'CREDENTIAL_OAUTH2_DENIED' } });
    expect(message.error.message).toContain('access_denied');
    expect(origin).toBe(BUILDER_ORIGIN);
    expect(await test.storage.credentials.listByOwner(test.user!.id)).toEqual([]);
  });

  it('fails when the PKCE verifier does not match', async () => {
    test = await startOAuthStudio();
    server.behaviour.corruptChallenge = true;
    const started = await startConnection();

    const page = await authorizeInBrowser(test, started);

    expect(page.statusCode).toBe(502);
    expect(postedMessage(page.body).message).toMatchObject({ ok: false, error: { code: 'CREDENTIAL_OAUTH2_EXCHANGE_FAILED' } });
    expect(postedMessage(page.body).message.error.message).toContain('invalid_grant');
    expect(await test.storage.credentials.listByOwner(test.user!.id)).toEqual([]);
  });

  it('reconnects an existing credential in place', async () => {
    test = await startOAuthStudio();
    const credentialId = await connect();
    const stranger = await registerTestUser(test);

    const foreign = await startConnection({ credentialId }, stranger.accessToken);
    const started = await startConnection({ credentialId });
    const page = await authorizeInBrowser(test, started);
    const { message } = postedMessage(page.body);

    expectError(foreign, { status: 404, code: 'CREDENTIAL_NOT_FOUND', pointer: '/body/credentialId' });
    expect(message).toMatchObject({ ok: true, created: false, credential: { id: credentialId } });
    expect(await test.storage.credentials.listByOwner(test.user!.id)).toHaveLength(1);
  });
});

describe('oauth2 refresh', () => {
  it('refreshes an expiring token once for concurrent tasks', async () => {
    test = await startOAuthStudio();
    // The first token expires inside the refresh margin, so the first task must refresh it.
    server.behaviour.codeTokenLifetimeS = 30;
    server.behaviour.refreshDelayMs = 150;
    const credentialId = await connect();
    const firstToken = server.issuedAccessTokens[0];

    const { run, tasks } = await runCalls(credentialId, 3);
    const metadata = await request(test, { method: 'GET', url: `/v1/credentials/${credentialId}` });
    const stored = await test.storage.credentials.get(credentialId);

    expect(run.status, JSON.stringify([...tasks.values()].map((task) => task.error))).toBe('succeeded');
    expect(server.refreshes).toBe(1);
    expect(server.issuedAccessTokens).toHaveLength(2);
    expect(server.issuedAccessTokens[0]).toBe(firstToken);
    expect(Date.parse(metadata.body.oauth2.expiresAt)).toBeGreaterThan(Date.now() + 3_500_000);
    expect(stored?.meta[REFRESH_CLAIM_KEY]).toBeUndefined();
    expect(stored?.secret).not.toContain(server.issuedAccessTokens[1]);
  });

  it('asks to reconnect when the refresh is rejected', async () => {
    test = await startOAuthStudio();
    server.behaviour.codeTokenLifetimeS = 0;
    server.behaviour.rejectRefresh = true;
    const credentialId = await connect();

    const { tasks } = await runCalls(credentialId, 1);
    const stored = await test.storage.credentials.get(credentialId);

    expect(tasks.get('c0')?.error).toMatchObject({ code: 'CREDENTIAL_OAUTH2_REFRESH_FAILED', retryable: false });
    expect(tasks.get('c0')?.error?.message).toContain('connected again');
    expect(tasks.get('c0')?.error?.message).toContain(credentialId);
    expect(stored?.meta[REFRESH_CLAIM_KEY]).toBeUndefined();
  });

  it('is refused for a credential created with values only', async () => {
    test = await startOAuthStudio();
    const id = await createCredential(test, { name: 'Key', type: 'acme/apiKey', values: { key: 'some-key-123' } });

    const reply = await startConnection({ type: 'acme/apiKey', credentialId: id });

    expectError(reply, { status: 400, code: 'CREDENTIAL_TYPE_NOT_OAUTH2' });
  });
});
