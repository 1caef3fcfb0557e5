import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { encryptionKeyId } from '../../src/auth/secrets.js';
import { expectError, request, startRun } from '../support/http.js';
import { buildGraph, buildNode, registerTestUser, waitForRun } from '../support/studio.js';
import { acmePlugin, GOOD_KEY } from './fixtures.js';
import { createCredential, installPlugin, startVaultStudio, type VaultTestStudio } from './support.js';

let test: VaultTestStudio;

afterEach(async () => {
  await test.close();
});

async function startAcmeStudio(env: Record<string, string> = {}, dataDir?: string): Promise<VaultTestStudio> {
  const studio = await startVaultStudio({ env, dataDir });
  if (dataDir === undefined) await installPlugin(studio, acmePlugin());
  return studio;
}

async function runNode(type: string, credentials: Record<string, string>): Promise<Awaited<ReturnType<typeof waitForRun>>> {
  const created = await request<{ id: string }>(test, {
    method: 'POST',
    url: '/v1/graphs',
    payload: buildGraph([buildNode('n', { type, credentials })], []),
  });
  expect(created.status, created.raw.body).toBe(201);
  return waitForRun(test, await startRun(test, created.body.id, null));
}

describe('credential types', () => {
  it('lists the types of installed plugins', async () => {
    test = await startAcmeStudio();

    const reply = await request(test, { method: 'GET', url: '/v1/credential-types' });
    const byType = new Map(reply.body.items.map((item: { type: string }) => [item.type, item]));

    expect(reply.status).toBe(200);
    expect(byType.get('acme/apiKey')).toMatchObject({
      plugin: { name: 'acme', version: '1.0.0' },
      displayName: 'Acme API key',
      testable: true,
      oauth2: null,
    });
    expect(byType.get('acme/oauth')).toMatchObject({ oauth2: { scopes: ['read', 'write'], pkce: true, configured: false }, testable: false });
    expect(byType.get('core/httpAuth')).toBeUndefined();
  });

  it('needs a signed-in user', async () => {
    test = await startAcmeStudio();

    const reply = await request(test, { method: 'GET', url: '/v1/credential-types', token: null });

    expectError(reply, { status: 401, code: 'AUTH_REQUIRED' });
  });
});

describe('credentials', () => {
  it('are stored encrypted and returned as metadata only', async () => {
    test = await startAcmeStudio();

    const created = await request(test, {
      method: 'POST',
      url: '/v1/credentials',
      payload: { name: 'Production', type: 'acme/apiKey', values: { key: GOOD_KEY, region: 'eu' } },
    });
    const listed = await request(test, { method: 'GET', url: '/v1/credentials' });
    const single = await request(test, { method: 'GET', url: `/v1/credentials/${created.body.id}` });
    const stored = await test.storage.credentials.get(created.body.id);

    expect(created.status, created.raw.body).toBe(201);
    expect(Object.keys(created.body).sort()).toEqual(['createdAt', 'id', 'name', 'type', 'updatedAt']);
    expect(created.body).toMatchObject({ name: 'Production', type: 'acme/apiKey' });
    expect(listed.body.items).toEqual([created.body]);
    expect(single.body).toEqual(created.body);
    for (const reply of [created, listed, single]) expect(reply.raw.body).not.toContain(GOOD_KEY);
    expect(stored?.ownerId).toBe(test.user?.id);
    expect(stored?.secret).not.toContain(GOOD_KEY);
    expect(stored?.secret.startsWith('v1.')).toBe(true);
    expect(stored?.keyId).toBe(test.studio.ctx.secrets.encryptionKeys.current.id);
  });

  it('reject values that break the schema', async () => {
    test = await startAcmeStudio();

    const invalid = await request(test, {
      method: 'POST',
      url: '/v1/credentials',
      payload: { name: 'Bad', type: 'acme/apiKey', values: { key: 'short', region: 'mars', extra: 1 } },
    });
    const missing = await request(test, { method: 'POST', url: '/v1/credentials', payload: { name: 'Bad', type: 'acme/apiKey', values: {} } });

    expectError(invalid, { status: 400, code: 'CREDENTIAL_VALUES_INVALID', pointer: '/body/values/key', problemMessage: /at least 8 characters/ });
    const pointers = invalid.body.errors.map((problem: { pointer: string }) => problem.pointer).sort();
    expect(pointers).toEqual(['/body/values/extra', '/body/values/key', '/body/values/region']);
    expect(invalid.raw.body).not.toContain('short');
    expectError(missing, { status: 400, code: 'CREDENTIAL_VALUES_INVALID', pointer: '/body/values/key', problemMessage: 'is required' });
    expect(await test.storage.credentials.listByOwner(test.user!.id)).toEqual([]);
  });

  it('reject unknown and OAuth2 types', async () => {
    test = await startAcmeStudio();

    const unknown = await request(test, { method: 'POST', url: '/v1/credentials', payload: { name: 'X', type: 'acme/nope', values: {} } });
    const oauth = await request(test, { method: 'POST', url: '/v1/credentials', payload: { name: 'X', type: 'acme/oauth', values: {} } });

    expectError(unknown, { status: 400, code: 'CREDENTIAL_TYPE_UNKNOWN', pointer: '/body/type' });
    expectError(oauth, { status: 400, code: 'CREDENTIAL_TYPE_OAUTH2_ONLY', pointer: '/body/type', message: /oauth2\/start/ });
  });

  it('are renamed, replaced and deleted', async () => {
    test = await startAcmeStudio();
    const id = await createCredential(test, { name: 'Old', type: 'acme/apiKey', values: { key: 'wrong-key-000' } });

    const renamed = await request(test, { method: 'PATCH', url: `/v1/credentials/${id}`, payload: { name: 'New' } });
    const failing = await request(test, { method: 'POST', url: `/v1/credentials/${id}/test` });
    const invalid = await request(test, { method: 'PATCH', url: `/v1/credentials/${id}`, payload: { values: { key: 1 } } });
    const replaced = await request(test, { method: 'PATCH', url: `/v1/credentials/${id}`, payload: { values: { key: GOOD_KEY } } });
    const passing = await request(test, { method: 'POST', url: `/v1/credentials/${id}/test` });
    const deleted = await request(test, { method: 'DELETE', url: `/v1/credentials/${id}` });
    const afterDelete = await request(test, { method: 'GET', url: `/v1/credentials/${id}` });

    expect(renamed.status).toBe(200);
    expect(renamed.body.name).toBe('New');
    expect(failing.body).toEqual({ ok: false, error: { code: 'ACME_KEY_REJECTED', message: 'key rejected' } });
    expectError(invalid, { status: 400, code: 'CREDENTIAL_VALUES_INVALID', pointer: '/body/values/key' });
    expect(replaced.status).toBe(200);
    expect(replaced.raw.body).not.toContain(GOOD_KEY);
    expect(passing.body).toEqual({ ok: true });
    expect(deleted.status).toBe(204);
    expectError(afterDelete, { status: 404, code: 'CREDENTIAL_NOT_FOUND', pointer: '/params/id' });
  });

  it('test only types that declare a test', async () => {
    test = await startAcmeStudio();
    const id = await createCredential(test, { name: 'Other', type: 'acme/other', values: { token: 'token-value-1' } });

    const reply = await request(test, { method: 'POST', url: `/v1/credentials/${id}/test` });

    expectError(reply, { status: 400, code: 'CREDENTIAL_TEST_UNSUPPORTED' });
  });

  it('of another user answer 404', async () => {
    test = await startAcmeStudio();
    const id = await createCredential(test, { name: 'Mine', type: 'acme/apiKey', values: { key: GOOD_KEY } });
    const stranger = await registerTestUser(test);
    const as = { token: stranger.accessToken };

    const replies = {
      get: await request(test, { method: 'GET', url: `/v1/credentials/${id}`, ...as }),
      patch: await request(test, { method: 'PATCH', url: `/v1/credentials/${id}`, payload: { name: 'Taken' }, ...as }),
      test: await request(test, { method: 'POST', url: `/v1/credentials/${id}/test`, ...as }),
      delete: await request(test, { method: 'DELETE', url: `/v1/credentials/${id}`, ...as }),
    };
    const list = await request(test, { method: 'GET', url: '/v1/credentials', ...as });
    const own = await request(test, { method: 'GET', url: `/v1/credentials/${id}` });

    for (const [route, reply] of Object.entries(replies)) {
      expect(reply.status, route).toBe(404);
      expect(reply.raw.body, route).not.toContain(GOOD_KEY);
    }
    expectError(replies.get, { status: 404, code: 'CREDENTIAL_NOT_FOUND' });
    expectError(replies.patch, { status: 404, code: 'CREDENTIAL_NOT_FOUND' });
    expectError(replies.test, { status: 404, code: 'CREDENTIAL_NOT_FOUND' });
    expectError(replies.delete, { status: 404, code: 'CREDENTIAL_NOT_FOUND' });
    expect(list.body.items).toEqual([]);
    expect(own.body.name).toBe('Mine');
  });
});

describe('credential resolver', () => {
  it('passes the declared slots of own credentials', async () => {
    test = await startAcmeStudio();
    const account = await createCredential(test, { name: 'A', type: 'acme/apiKey', values: { key: GOOD_KEY, region: 'us' } });
    const extra = await createCredential(test, { name: 'B', type: 'acme/other', values: { token: 'other-token-1' } });

    const { run } = await runNode('acme/show@1', { account, extra, undeclared: account });

    expect(run.status).toBe('succeeded');
    expect(run.output).toEqual({ n: { slots: ['account', 'extra'], region: 'us' } });
  });

  it("refuses another user's credential", async () => {
    test = await startAcmeStudio();
    const stranger = await registerTestUser(test);
    const theirs = await createCredential(test, { name: 'Theirs', type: 'acme/apiKey', values: { key: GOOD_KEY } }, stranger.accessToken);

    const { tasks } = await runNode('acme/show@1', { account: theirs });

    expect(tasks.get('n')?.error).toMatchObject({ code: 'PLUGIN_CREDENTIAL_MISSING', retryable: false });
    expect(tasks.get('n')?.error?.message).toContain(theirs);
  });

  it('refuses a credential of another type', async () => {
    test = await startAcmeStudio();
    const other = await createCredential(test, { name: 'Other', type: 'acme/other', values: { token: 'other-token-1' } });

    const { tasks } = await runNode('acme/show@1', { account: other });

    expect(tasks.get('n')?.error?.code).toBe('PLUGIN_CREDENTIAL_TYPE_MISMATCH');
    expect(tasks.get('n')?.error?.message).toContain('needs acme/apiKey');
  });
});

describe('key rotation', () => {
  it('re-encrypts under the new key and keeps old keys readable', async () => {
    const firstKey = randomBytes(32).toString('base64');
    const secondKey = randomBytes(32).toString('base64');
    test = await startAcmeStudio({ ENCRYPTION_KEY: firstKey });
    const id = await createCredential(test, { name: 'Rotated', type: 'acme/apiKey', values: { key: GOOD_KEY } });
    const before = await test.storage.credentials.get(id);
    await test.stop();

    test = await startAcmeStudio({ ENCRYPTION_KEY: secondKey, ENCRYPTION_KEYS_PREVIOUS: firstKey }, test.dataDir);
    const result = await test.studio.ctx.vault.rotationDone();
    const after = await test.storage.credentials.get(id);
    const tested = await request(test, { method: 'POST', url: `/v1/credentials/${id}/test` });

    expect(before?.keyId).toBe(encryptionKeyId(Buffer.from(firstKey, 'base64')));
    expect(result).toEqual({ reencrypted: 1, failed: 0 });
    expect(after?.keyId).toBe(encryptionKeyId(Buffer.from(secondKey, 'base64')));
    expect(after?.secret).not.toBe(before?.secret);
    expect(tested.body).toEqual({ ok: true });
  });

  it('reports credentials no key decrypts', async () => {
    test = await startAcmeStudio({ ENCRYPTION_KEY: randomBytes(32).toString('base64') });
    const id = await createCredential(test, { name: 'Lost', type: 'acme/apiKey', values: { key: GOOD_KEY } });
    await test.stop();

    test = await startAcmeStudio({ ENCRYPTION_KEY: randomBytes(32).toString('base64') }, test.dataDir);
    const result = await test.studio.ctx.vault.rotationDone();
    const metadata = await request(test, { method: 'GET', url: `/v1/credentials/${id}` });
    const tested = await request(test, { method: 'POST', url: `/v1/credentials/${id}/test` });

    expect(result).toEqual({ reencrypted: 0, failed: 1 });
    expect(metadata.status).toBe(200);
    expect(tested.body.ok).toBe(false);
    expect(tested.body.error.code).toBe('CREDENTIAL_DECRYPT_FAILED');
    expect(tested.body.error.message).toContain('ENCRYPTION_KEYS_PREVIOUS');
  });
});
