import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { GraphDocument, GraphEdge, GraphNode } from '@gestorlead/sdk-plugin';
import { openSqliteStorage, type RunRecord, type Storage, type TaskRecord } from '@gestorlead/storage';
import { createStudio, type Studio } from '../../src/app.js';
import type { RateLimitStoreClass } from '../../src/auth/rate-limits.js';
import { loadConfig, type RuntimeConfig } from '../../src/config.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { NodeProbe, testNodeTypes } from './test-node-types.js';

/** A signed-in account of a test studio. */
export interface TestUser {
  id: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
}

/** A studio on a fresh SQLite file with the test node types installed. */
export interface TestStudio {
  studio: Studio;
  storage: Storage;
  probe: NodeProbe;
  dataDir: string;
  config: RuntimeConfig;
  /** The first account (an admin), or null when the studio was started without one. */
  user: TestUser | null;
  /** The default token of `request()`: the first account's access token. */
  token: string | null;
  /** Base URL once `listen` was called. */
  url: string;
  listen(): Promise<string>;
  close(): Promise<void>;
}

/**
 * Rate limits of test studios, high enough for any suite. Tests of the limits set their own.
 * The webhook limit of a graph is set in its document and is not affected.
 */
export const TEST_RATE_LIMITS: Record<string, string> = {
  RATE_LIMIT_ANONYMOUS: '1000000',
  RATE_LIMIT_AUTHENTICATED: '1000000',
  RATE_LIMIT_PREMIUM: '1000000',
};

/** Options of `startTestStudio`. */
export interface TestStudioOptions {
  /** False starts the studio without any account, as a fresh install is. */
  firstUser?: boolean;
  /** Logger of the studio; by default one at `LOG_LEVEL` (silent). */
  log?: Logger;
  /** Rate-limit store class; by default the one shared through `DATA_DIR/rate-limits.db`. */
  rateLimitStore?: RateLimitStoreClass;
}

/** Starts a studio for one test; `env` overrides configuration variables. */
export async function startTestStudio(env: Record<string, string> = {}, options: TestStudioOptions = {}): Promise<TestStudio> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gestorlead-test-'));
  // BUILDER_DIR is empty unless a test sets it, so the routes do not depend on whether the
  // builder app was built in this checkout.
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', PORT: '0', BUILDER_DIR: '', ...TEST_RATE_LIMITS, ...env });
  const storage = openSqliteStorage({ path: path.join(dataDir, 'studio.db') });
  const probe = new NodeProbe();
  const log = options.log ?? createLogger(config.logLevel);
  const studio = await createStudio({ config, storage, log, extraNodeTypes: testNodeTypes(probe), rateLimitStore: options.rateLimitStore });
  const test: TestStudio = {
    studio,
    storage,
    probe,
    dataDir,
    config,
    user: null,
    token: null,
    url: '',
    async listen() {
      test.url = await studio.app.listen({ host: '127.0.0.1', port: 0 });
      return test.url;
    },
    async close() {
      await studio.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  if (options.firstUser !== false) await addFirstUser(test);
  return test;
}

let userCounter = 0;

/**
 * Registers an account through `POST /v1/auth/register` and returns it signed in. The first
 * account of a studio becomes admin.
 */
export async function registerTestUser(test: Pick<TestStudio, 'studio'>, fields: { email?: string; password?: string; fullName?: string } = {}): Promise<TestUser> {
  userCounter += 1;
  const email = fields.email ?? `user${userCounter}-${process.pid}@studio.test`;
  const password = fields.password ?? `password-${userCounter}-long-enough`;
  const response = await test.studio.app.inject({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { email, password, fullName: fields.fullName ?? `Test User ${userCounter}` },
  });
  if (response.statusCode !== 201) throw new Error(`registration failed with ${response.statusCode}: ${response.body}`);
  const body = response.json() as { user: { id: string; email: string }; accessToken: string; refreshToken: string };
  return { id: body.user.id, email: body.user.email, password, accessToken: body.accessToken, refreshToken: body.refreshToken };
}

/** Email of the first account of every test studio. */
export const OWNER_EMAIL = 'owner@studio.test';
/** Password of the first account of every test studio. */
export const OWNER_PASSWORD = 'owner-password-for-tests';

/** Signs in with a password through `POST /v1/auth/login`. */
export async function signInTestUser(test: Pick<TestStudio, 'studio'>, email: string, password: string): Promise<TestUser> {
  const response = await test.studio.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password } });
  if (response.statusCode !== 200) throw new Error(`sign-in failed with ${response.statusCode}: ${response.body}`);
  const body = response.json() as { user: { id: string; email: string }; accessToken: string; refreshToken: string };
  return { id: body.user.id, email: body.user.email, password, accessToken: body.accessToken, refreshToken: body.refreshToken };
}

/**
 * Makes the owner account the default of `request()`: registers it as the studio's first account
 * (an admin), or signs it in when a reused data folder already has it.
 */
export async function addFirstUser(test: Pick<TestStudio, 'studio' | 'storage' | 'user' | 'token'>): Promise<TestUser> {
  const user = (await test.storage.users.findByEmail(OWNER_EMAIL))
    ? await signInTestUser(test, OWNER_EMAIL, OWNER_PASSWORD)
    : await registerTestUser(test, { email: OWNER_EMAIL, password: OWNER_PASSWORD, fullName: 'Studio Owner' });
  test.user = user;
  test.token = user.accessToken;
  return user;
}

let positionX = 0;

/** Builds a node; `type` defaults to `test/echo@1`. */
export function buildNode(id: string, overrides: Partial<GraphNode> = {}): GraphNode {
  positionX += 10;
  return { id, type: 'test/echo@1', position: { x: positionX, y: 0 }, config: {}, ...overrides };
}

/** Builds a main edge from `source.out` to `target.in` unless overridden. */
export function buildEdge(source: string, target: string, overrides: Partial<GraphEdge> = {}): GraphEdge {
  const kind = overrides.kind ?? 'main';
  return {
    id: `${source}-${target}-${overrides.sourcePort ?? (kind === 'error' ? 'error' : 'out')}`,
    source,
    sourcePort: kind === 'error' ? 'error' : 'out',
    target,
    targetPort: 'in',
    ...overrides,
  };
}

/** Builds a graph document. */
export function buildGraph(nodes: GraphNode[], edges: GraphEdge[], overrides: Partial<GraphDocument> = {}): GraphDocument {
  return { name: 'test graph', nodes, edges, ...overrides };
}

/** Builds a chain of `count` echo nodes n1 → n2 → … */
export function buildChain(count: number, type = 'test/echo@1'): GraphDocument {
  const nodes = Array.from({ length: count }, (_, index) => buildNode(`n${index + 1}`, { type }));
  const edges = nodes.slice(1).map((node, index) => buildEdge(`n${index + 1}`, node.id));
  return buildGraph(nodes, edges);
}

/** Stores `document` as a new graph and returns its id (version 1). */
export async function storeGraph(storage: Storage, document: GraphDocument, id = `graph_${Math.random().toString(36).slice(2)}`): Promise<string> {
  await storage.graphs.create(id, { ...document, id });
  return id;
}

/** Waits until a run reaches a final status and returns it with its tasks. */
export async function waitForRun(
  test: TestStudio,
  runId: string,
  timeoutMs = 10_000,
): Promise<{ run: RunRecord; tasks: Map<string, TaskRecord> }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await test.storage.runs.get(runId);
    if (run && ['succeeded', 'failed', 'cancelled'].includes(run.status) && !test.studio.ctx.executor.isExecuting(runId)) {
      const tasks = await test.storage.tasks.listByRun(runId);
      return { run, tasks: new Map(tasks.map((task) => [task.nodeId, task])) };
    }
    if (Date.now() > deadline) throw new Error(`run ${runId} did not finish within ${timeoutMs} ms (status ${run?.status})`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Runs `document` (stored as a new graph) with `input` and waits for the end. */
export async function runGraph(test: TestStudio, document: GraphDocument, input: unknown = null) {
  const graphId = await storeGraph(test.storage, document);
  const run = await test.studio.ctx.executor.createRun({ graphId, version: 1, input, trigger: 'manual' });
  return { graphId, ...(await waitForRun(test, run.id)) };
}
