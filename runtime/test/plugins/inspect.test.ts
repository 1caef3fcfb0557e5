import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectError, request } from '../support/http.js';
import { registerTestUser } from '../support/studio.js';
import { buildTestPackage } from './support/packages.js';
import { startPluginStudio, type PluginTestStudio } from './support/plugin-studio.js';

function mailer(version = '1.0.0') {
  return buildTestPackage({
    name: 'mailer',
    version,
    hosts: ['api.mailer.example', '*.mailer.example'],
    credentialTypes: [{ name: 'apiKey', displayName: 'Mailer API key', schema: { type: 'object', properties: { key: { type: 'string' } } } }],
    actions: [{ name: 'send', displayName: 'Send mail', run: 'async () => null', credentialSlots: [{ slot: 'account', type: 'apiKey', required: true }] }],
  });
}

let test: PluginTestStudio;

beforeEach(async () => {
  test = await startPluginStudio();
});

afterEach(async () => {
  await test.close();
});

describe('POST /v1/plugins/inspect', () => {
  it('lists what a package declares', async () => {
    const pluginPackage = mailer();
    const reply = await request(test, { method: 'POST', url: '/v1/plugins/inspect', payload: pluginPackage as object });

    expect(reply.status, reply.raw.body).toBe(200);
    expect(reply.body.plugin).toEqual({ name: 'mailer', version: '1.0.0' });
    expect(reply.body.hosts).toEqual(['api.mailer.example', '*.mailer.example']);
    expect(reply.body.credentialTypes).toEqual([{ name: 'apiKey', displayName: 'Mailer API key' }]);
    expect(reply.body.nodeTypes).toEqual([{ type: 'mailer/send@1', displayName: 'Send mail' }]);
    expect(reply.body.triggers).toEqual([]);
    expect(reply.body.sha256).toBe(pluginPackage.sha256);
    expect(reply.body.visibility).toBe('shared');
  });

  it('installs nothing', async () => {
    await request(test, { method: 'POST', url: '/v1/plugins/inspect', payload: mailer() as object });

    const plugin = await request(test, { method: 'GET', url: '/v1/plugins/mailer' });
    expectError(plugin, { status: 404, code: 'PLUGIN_NOT_FOUND' });
    const nodeTypes = await request(test, { method: 'GET', url: '/v1/node-types' });
    expect(nodeTypes.body.items.map((item: { type: string }) => item.type)).not.toContain('mailer/send@1');
    expect(test.sandbox.calls.length).toBe(0);
  });

  it('rejects a changed package', async () => {
    const pluginPackage = { ...mailer(), code: `${mailer().code}\n// changed` };

    const reply = await request(test, { method: 'POST', url: '/v1/plugins/inspect', payload: pluginPackage });

    expectError(reply, { status: 400, code: 'PLUGIN_PACKAGE_SHA256_MISMATCH', pointer: '/sha256' });
  });

  it('rejects an installed version', async () => {
    const installed = await request(test, { method: 'POST', url: '/v1/plugins', payload: mailer() as object });
    expect(installed.status, installed.raw.body).toBe(201);

    const reply = await request(test, { method: 'POST', url: '/v1/plugins/inspect', payload: mailer() as object });

    expectError(reply, { status: 409, code: 'PLUGIN_VERSION_EXISTS', pointer: '/manifest/version' });
  });

  it('previews a private install for users', async () => {
    const user = await registerTestUser(test);

    const shared = await request(test, { method: 'POST', url: '/v1/plugins/inspect?visibility=shared', payload: mailer() as object, token: user.accessToken });
    expectError(shared, { status: 403, code: 'FORBIDDEN', pointer: '/querystring/visibility' });

    const reply = await request(test, { method: 'POST', url: '/v1/plugins/inspect', payload: mailer() as object, token: user.accessToken });
    expect(reply.status, reply.raw.body).toBe(200);
    expect(reply.body.visibility).toBe('private');
  });
});
