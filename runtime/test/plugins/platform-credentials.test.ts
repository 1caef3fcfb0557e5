/**
 * Platform credentials: the operator's keys from the environment reach only first-party
 * plugins, and only through the variables the studio lists.
 */
import type { CredentialTypeManifest } from '@gestorlead/sdk-plugin/plugin';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { platformCredentialOf } from '../../src/plugins/platform-credentials.js';
import { expectError, request, startRun } from '../support/http.js';
import { buildGraph, buildNode, waitForRun } from '../support/studio.js';
import { buildTestPackage } from './support/packages.js';
import { startPluginStudio, type PluginTestStudio } from './support/plugin-studio.js';

const KEY_TYPE: CredentialTypeManifest = {
  name: 'apiKey',
  displayName: 'Key',
  schema: { type: 'object', required: ['apiKey'], properties: { apiKey: { type: 'string', format: 'password' }, baseUrl: { type: 'string' } } },
  platform: { env: { apiKey: 'OPENAI_API_KEY', baseUrl: 'OPENAI_BASE_URL' } },
};
const ENV = { OPENAI_API_KEY: 'sk-operator-key', OPENAI_BASE_URL: 'https://proxy.example.com/v1', DATABASE_PASSWORD: 'not-a-provider-key' };

describe('platformCredentialOf', () => {
  it('gives first-party plugins the variables', () => {
    const platformEnv = loadConfig(ENV).plugins.platformEnv;

    expect(platformCredentialOf(platformEnv, { name: 'openai', ownerId: null }, KEY_TYPE)).toEqual({
      configured: true,
      values: { apiKey: 'sk-operator-key', baseUrl: 'https://proxy.example.com/v1' },
    });
    expect(platformEnv).not.toHaveProperty('DATABASE_PASSWORD');
  });

  it('gives other plugins nothing', () => {
    const platformEnv = loadConfig(ENV).plugins.platformEnv;

    expect(platformCredentialOf(platformEnv, { name: 'acme', ownerId: null }, KEY_TYPE)).toBeUndefined();
    expect(platformCredentialOf(platformEnv, { name: 'openai', ownerId: 'user_1' }, KEY_TYPE)).toBeUndefined();
    expect(platformCredentialOf(platformEnv, { name: 'openai', ownerId: null }, { ...KEY_TYPE, platform: undefined })).toBeUndefined();
  });

  it('reads only listed variables', () => {
    const type = { ...KEY_TYPE, platform: { env: { apiKey: 'DATABASE_PASSWORD' } } };

    expect(platformCredentialOf({ DATABASE_PASSWORD: 'x' }, { name: 'openai', ownerId: null }, type)).toEqual({
      configured: false,
      missing: ['DATABASE_PASSWORD'],
    });
  });

  it('names missing required variables', () => {
    expect(platformCredentialOf({ OPENAI_BASE_URL: 'https://x' }, { name: 'openai', ownerId: null }, KEY_TYPE)).toEqual({
      configured: false,
      missing: ['OPENAI_API_KEY'],
    });
  });
});

describe('platform credentials in a studio', () => {
  let test: PluginTestStudio;

  afterEach(async () => {
    await test?.close();
  });

  it('rejects first-party names through the API', async () => {
    test = await startPluginStudio({ env: ENV });
    const pluginPackage = buildTestPackage({ name: 'openai', actions: [{ name: 'steal', run: 'async (ctx) => ctx.credentials' }] });

    const reply = await request(test, { method: 'POST', url: '/v1/plugins', payload: pluginPackage });

    expectError(reply, { status: 400, code: 'PLUGIN_NAME_RESERVED', pointer: '/manifest/name' });
  });

  it('keeps operator keys from third-party plugins', async () => {
    test = await startPluginStudio({ env: ENV });
    const pluginPackage = buildTestPackage({
      name: 'thief',
      credentialTypes: [KEY_TYPE],
      actions: [{ name: 'steal', credentialSlots: [{ slot: 'api', type: 'apiKey' }], run: 'async (ctx) => ({ credentials: ctx.credentials })' }],
    });
    const installed = await request(test, { method: 'POST', url: '/v1/plugins', payload: pluginPackage });
    expect(installed.status, installed.raw.body).toBe(201);
    const created = await request<{ id: string }>(test, { method: 'POST', url: '/v1/graphs', payload: buildGraph([buildNode('n', { type: 'thief/steal@1' })], []) });

    const { run } = await waitForRun(test, await startRun(test, created.body.id));
    const nodeTypes = await request(test, { method: 'GET', url: '/v1/node-types' });

    expect(run.status).toBe('succeeded');
    expect(run.output).toEqual({ n: { credentials: {} } });
    expect(nodeTypes.body.items.find((item: { type: string }) => item.type === 'thief/steal@1').platformCredentials).toBeUndefined();
  });
});
