/**
 * A studio with the real sandbox and a test plugin whose actions declare credits and call a
 * local HTTP server. The server acts as a paid provider and records the calls it receives.
 */
import type { PluginPackage } from '@gestorlead/sdk-plugin/plugin';
import type { LedgerEntry } from '@gestorlead/storage';
import { expect } from 'vitest';
import { request } from '../support/http.js';
import type { ServerResponse } from 'node:http';
import { sendJson, startLocalServer, type LocalServer, type ReceivedRequest } from '../plugins/support/local-server.js';
import { buildTestPackage } from '../plugins/support/packages.js';
import { startPluginStudio, type PluginTestStudio } from '../plugins/support/plugin-studio.js';

/** Host name the test plugin calls; the studio resolves it to the local server. */
export const PROVIDER_HOST = 'api.credits.test';
/** Credits one call of `credtest/fixed@1` costs. */
export const FIXED_COST = 7;
/** Price of `credtest/tokens@1`: 1 credit per call plus 0.5 per token, at most 100 tokens reserved. */
export const TOKEN_PRICE = { fixed: 1, perUnit: 0.5, unit: 'token', maxUnits: 100 };
/** How long `/slow` keeps a call waiting, in milliseconds. */
export const SLOW_RESPONSE_MS = 20_000;

/**
 * Calls `config.path` on the provider with the run id, fails on 4xx (not retryable) and 5xx
 * (retryable), reports `config.units` when it is set, and returns the response body.
 */
const CALL_PROVIDER = `async (ctx) => {
  const url = ctx.config.origin + ctx.config.path + '?run=' + encodeURIComponent(ctx.run.id);
  const response = await ctx.http.request({ url });
  if (response.status >= 400) {
    const error = new Error('provider replied ' + response.status);
    error.code = response.status >= 500 ? 'PROVIDER_FAILED' : 'PROVIDER_REJECTED';
    error.retryable = response.status >= 500;
    throw error;
  }
  if (ctx.config.units !== undefined) ctx.reportUsage(ctx.config.units);
  return response.body;
}`;

const CALL_CONFIG = {
  type: 'object',
  required: ['origin', 'path'],
  properties: { origin: { type: 'string' }, path: { type: 'string' }, units: {} },
};

/** Builds the test plugin: `fixed` costs `FIXED_COST` per call, `tokens` is priced per token. */
export function creditTestPackage(): PluginPackage {
  return buildTestPackage({
    name: 'credtest',
    hosts: [PROVIDER_HOST],
    actions: [
      { name: 'fixed', configSchema: CALL_CONFIG, credits: { fixed: FIXED_COST }, run: CALL_PROVIDER },
      { name: 'tokens', configSchema: CALL_CONFIG, credits: TOKEN_PRICE, run: CALL_PROVIDER },
    ],
  });
}

/**
 * Starts the provider: `/ok` replies at once, `/flaky` fails with 503 the first two calls of each run,
 * `/reject` replies 400, `/slow` replies after `SLOW_RESPONSE_MS`.
 */
export function startProvider(): Promise<LocalServer> {
  const calls = new Map<string, number>();
  return startLocalServer((received: ReceivedRequest, response: ServerResponse) => {
    const url = new URL(received.url, 'http://localhost');
    const runId = url.searchParams.get('run') ?? '';
    if (url.pathname === '/flaky') {
      const count = (calls.get(runId) ?? 0) + 1;
      calls.set(runId, count);
      return sendJson(response, count <= 2 ? 503 : 200, { call: count });
    }
    if (url.pathname === '/reject') return sendJson(response, 400, { error: 'rejected' });
    if (url.pathname === '/slow') {
      setTimeout(() => sendJson(response, 200, { slow: true }), SLOW_RESPONSE_MS).unref();
      return;
    }
    return sendJson(response, 200, { ok: true, path: url.pathname });
  });
}

/** Counts the calls the provider received on `path`, of one run when `runId` is given. */
export function providerCalls(provider: LocalServer, path: string, runId?: string): number {
  return provider.received.filter((received) => {
    const url = new URL(received.url, 'http://localhost');
    return url.pathname === path && (runId === undefined || url.searchParams.get('run') === runId);
  }).length;
}

/** Starts a plugin studio that reaches `provider` under `PROVIDER_HOST` and has the test plugin. */
export async function startCreditStudio(provider: LocalServer, env: Record<string, string> = {}, dataDir?: string): Promise<PluginTestStudio> {
  const test = await startPluginStudio({
    env: { HTTP_ALLOW_PRIVATE: `127.0.0.1:${provider.port}`, ...env },
    resolveHost: async (hostname) => {
      if (hostname === PROVIDER_HOST) return [{ address: '127.0.0.1', family: 4 }];
      throw Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    },
    dataDir,
  });
  const installed = await request(test, { method: 'POST', url: '/v1/plugins', payload: creditTestPackage() as object });
  // A reused data folder has the plugin already.
  if (installed.status !== 201) expect(installed.body.code, installed.raw.body).toBe('PLUGIN_VERSION_EXISTS');
  return test;
}

/** Returns the config of a test plugin node that calls `path` on `provider`. */
export function callConfig(provider: LocalServer, path: string, units?: unknown): Record<string, unknown> {
  const config: Record<string, unknown> = { origin: `http://${PROVIDER_HOST}:${provider.port}`, path };
  if (units !== undefined) config.units = units;
  return config;
}

/** Returns every ledger entry of a user, oldest first. */
export async function ledgerOf(test: PluginTestStudio, userId: string): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  let before: { before: string; beforeId: string } | undefined;
  for (;;) {
    const page = await test.storage.ledger.list(userId, { limit: 500, ...before });
    entries.push(...page);
    if (page.length < 500) break;
    const last = page[page.length - 1];
    before = { before: last.createdAt, beforeId: last.id };
  }
  return entries.reverse();
}

/** Checks that the balance after every entry, oldest first, is at least 0. */
export function expectNeverNegative(entries: LedgerEntry[]): void {
  let balance = 0;
  for (const entry of entries) {
    balance += entry.delta;
    expect(balance, `balance after ${entry.kind} ${entry.idempotencyKey}`).toBeGreaterThanOrEqual(0);
  }
}

/** Sums `amount` over the entries of one kind. */
export function totalOf(entries: LedgerEntry[], kind: LedgerEntry['kind']): number {
  return entries.filter((entry) => entry.kind === kind).reduce((sum, entry) => sum + entry.amount, 0);
}
