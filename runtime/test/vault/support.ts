/**
 * A studio for vault tests: the real sandbox pool, the first account signed in, and a logger
 * at `debug` whose lines are kept in memory so tests can search them for secrets.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PluginPackage } from '@gestorlead/sdk-plugin/plugin';
import { openSqliteStorage } from '@gestorlead/storage';
import { expect } from 'vitest';
import { createStudio } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type { HostResolver } from '../../src/plugins/http-gateway.js';
import { createLazySandbox, createSandboxPool } from '../../src/plugins/sandbox-pool.js';
import type { LightMyRequestResponse } from 'fastify';
import { request, type JsonReply } from '../support/http.js';
import { addFirstUser, TEST_RATE_LIMITS, type TestStudio } from '../support/studio.js';
import { NodeProbe, testNodeTypes } from '../support/test-node-types.js';

/** A vault test studio. */
export interface VaultTestStudio extends TestStudio {
  /** Every line the studio logged, as JSON text. */
  logLines: string[];
  /** Closes the studio but keeps its data folder, for restart tests. */
  stop(): Promise<void>;
}

/** Options of `startVaultStudio`. */
export interface VaultStudioOptions {
  env?: Record<string, string>;
  /** Reuse the data folder of an earlier studio. */
  dataDir?: string;
  resolveHost?: HostResolver;
}

/** Starts a vault test studio on a fresh (or given) data folder. */
export async function startVaultStudio(options: VaultStudioOptions = {}): Promise<VaultTestStudio> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'gestorlead-vault-'));
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'debug', PORT: '0', SANDBOX_POOL_SIZE: '1', ...TEST_RATE_LIMITS, ...options.env });
  const storage = openSqliteStorage({ path: path.join(dataDir, 'studio.db') });
  const logLines: string[] = [];
  const log = createLogger(config.logLevel, {}, { write: (line: string) => void logLines.push(line) });
  const sandbox = createLazySandbox(() => createSandboxPool(config.plugins, log));
  const probe = new NodeProbe();
  const studio = await createStudio({ config, storage, log, extraNodeTypes: testNodeTypes(probe), sandbox, resolveHost: options.resolveHost });
  const test: VaultTestStudio = {
    studio,
    storage,
    probe,
    dataDir,
    config,
    user: null,
    token: null,
    url: '',
    logLines,
    async listen() {
      test.url = await studio.app.listen({ host: '127.0.0.1', port: 0 });
      return test.url;
    },
    async stop() {
      await studio.close();
    },
    async close() {
      await studio.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  await addFirstUser(test);
  return test;
}

/** Installs a plugin package through the API. */
export async function installPlugin(test: TestStudio, pluginPackage: PluginPackage): Promise<void> {
  const reply = await request(test, { method: 'POST', url: '/v1/plugins', payload: pluginPackage });
  expect(reply.status, reply.raw.body).toBe(201);
}

/** Creates a credential through the API as `token` (the first account by default) and returns its id. */
export async function createCredential(
  test: TestStudio,
  body: { name: string; type: string; values: Record<string, unknown> },
  token?: string,
): Promise<string> {
  const reply = await request<{ id: string }>(test, { method: 'POST', url: '/v1/credentials', payload: body, token });
  expect(reply.status, reply.raw.body).toBe(201);
  return reply.body.id;
}

/** Returns the cookies a reply sets, as a browser sends them back. */
export function cookiesOf(reply: JsonReply): Record<string, string> {
  return Object.fromEntries(reply.raw.cookies.map((cookie) => [cookie.name, cookie.value]));
}

/**
 * Follows the authorization URL of a `POST /v1/credentials/oauth2/start` reply as the browser
 * that started it would: consents at the provider, then calls the studio's callback with the
 * cookies the start reply set. Returns the callback's reply.
 */
export async function authorizeInBrowser(test: Pick<TestStudio, 'studio'>, started: JsonReply): Promise<LightMyRequestResponse> {
  const consent = await fetch(started.body.authorizationUrl, { redirect: 'manual' });
  const search = new URL(consent.headers.get('location')!).search;
  return test.studio.app.inject({ method: 'GET', url: `/v1/credentials/oauth2/callback${search}`, cookies: cookiesOf(started) });
}
