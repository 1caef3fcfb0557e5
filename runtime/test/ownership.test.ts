/**
 * The cross-user matrix. Alice (a user) creates one of everything; Bob (another user) and the
 * admin then call every route with Alice's ids. Each must get the route's usual 404, never the
 * data, a 500 or a 403, and list routes must show none of Alice's items.
 *
 * The last test reads the routes the app registered and fails when one is neither in MATRIX
 * nor in EXEMPT, so a new route cannot skip this check.
 *
 * | Route                                     | Another user gets                        |
 * |-------------------------------------------|------------------------------------------|
 * | GET    /v1/graphs                         | a list without Alice's graphs            |
 * | POST   /v1/graphs                         | 400 GRAPH_INVALID for her private types  |
 * | POST   /v1/graphs/import                  | 400 GRAPH_INVALID for her private types  |
 * | GET    /v1/graphs/:id                     | 404 GRAPH_NOT_FOUND                      |
 * | PUT    /v1/graphs/:id                     | 404 GRAPH_NOT_FOUND                      |
 * | DELETE /v1/graphs/:id                     | 404 GRAPH_NOT_FOUND                      |
 * | GET    /v1/graphs/:id/versions            | 404 GRAPH_NOT_FOUND                      |
 * | POST   /v1/graphs/:id/publish             | 404 GRAPH_NOT_FOUND                      |
 * | GET    /v1/graphs/:id/export              | 404 GRAPH_NOT_FOUND                      |
 * | GET    /v1/graphs/:id/estimate            | 404 GRAPH_NOT_FOUND                      |
 * | GET    /v1/graphs/:id/schedule            | 404 GRAPH_NOT_FOUND                      |
 * | GET    /v1/graphs/:id/schedule/preview    | 404 GRAPH_NOT_FOUND                      |
 * | POST   /v1/graphs/:id/schedule/pause      | 404 GRAPH_NOT_FOUND                      |
 * | POST   /v1/graphs/:id/schedule/resume     | 404 GRAPH_NOT_FOUND                      |
 * | POST   /v1/graphs/:id/runs                | 404 GRAPH_NOT_FOUND                      |
 * | GET    /v1/graphs/:id/deliveries          | 404 GRAPH_NOT_FOUND                      |
 * | GET    /v1/graphs/:id/deliveries/next     | 404 GRAPH_NOT_FOUND                      |
 * | GET    /v1/stats/daily                    | counts of their own runs only            |
 * | GET    /v1/runs                           | a list without Alice's runs              |
 * | GET    /v1/runs/:id                       | 404 RUN_NOT_FOUND                        |
 * | POST   /v1/runs/:id/cancel                | 404 RUN_NOT_FOUND                        |
 * | POST   /v1/runs/:id/resume                | 404 RUN_NOT_FOUND                        |
 * | GET    /v1/runs/:id/events                | 404 RUN_NOT_FOUND                        |
 * | GET    /v1/tasks/:id                      | 404 TASK_NOT_FOUND (attempts, ledger)    |
 * | GET    /v1/tasks/:id/logs                 | 404 TASK_NOT_FOUND                       |
 * | POST   /v1/tasks                          | 400 TASK_PROVIDER_NOT_INSTALLED          |
 * | GET    /v1/task-types                     | her private provider as not installed    |
 * | GET    /v1/runs/:id/artifacts             | 404 RUN_NOT_FOUND                        |
 * | GET    /v1/artifacts/:id                  | 404 ARTIFACT_NOT_FOUND                   |
 * | GET    /v1/artifacts/:id/meta             | 404 ARTIFACT_NOT_FOUND                   |
 * | GET    /v1/node-types                     | a list without her private node types    |
 * | GET    /v1/ws                             | RUN_NOT_FOUND, GRAPH_NOT_FOUND, no event |
 * | POST   /v1/plugins                        | 409 PLUGIN_NAME_TAKEN for her name       |
 * | POST   /v1/plugins/inspect                | 409 PLUGIN_NAME_TAKEN for her name       |
 * | GET    /v1/plugins                        | a list without her private plugin        |
 * | GET    /v1/plugins/:name                  | 404 PLUGIN_NOT_FOUND                     |
 * | GET    /v1/plugins/:name/:version         | 404 PLUGIN_NOT_FOUND                     |
 * | DELETE /v1/plugins/:name/:version         | 404 PLUGIN_NOT_FOUND                     |
 * | GET    /v1/trigger-types                  | a list without her private trigger types |
 * | GET    /v1/credential-types               | a list without her private types         |
 * | POST   /v1/credentials                    | 400 CREDENTIAL_TYPE_UNKNOWN              |
 * | GET    /v1/credentials                    | a list without Alice's credentials       |
 * | GET    /v1/credentials/:id                | 404 CREDENTIAL_NOT_FOUND                 |
 * | PATCH  /v1/credentials/:id                | 404 CREDENTIAL_NOT_FOUND                 |
 * | DELETE /v1/credentials/:id                | 404 CREDENTIAL_NOT_FOUND                 |
 * | POST   /v1/credentials/:id/test           | 404 CREDENTIAL_NOT_FOUND                 |
 * | POST   /v1/credentials/oauth2/start       | 404 CREDENTIAL_NOT_FOUND (credentialId)  |
 * | GET    /v1/credits                        | their own balance and ledger only        |
 * | GET    /v1/api-keys                       | a list without Alice's keys              |
 * | DELETE /v1/api-keys/:id                   | 404 API_KEY_NOT_FOUND                    |
 *
 * HEAD routes that Fastify adds for GET routes run the GET handler, so they share its row.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { GraphDocument } from '@gestorlead/sdk-plugin';
import type { PluginPackage } from '@gestorlead/sdk-plugin/plugin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestPackage } from './plugins/support/packages.js';
import { installProviderPlugins } from './tasks/support/provider-plugins.js';
import { createGraph, expectError, request, type JsonReply } from './support/http.js';
import {
  buildEdge,
  buildGraph,
  buildNode,
  registerTestUser,
  startTestStudio,
  waitForRun,
  type TestStudio,
  type TestUser,
} from './support/studio.js';
import { TestWsClient, type ServerMessage } from './support/ws-client.js';

/** A credential value of Alice's that no reply to another user may contain. */
const ALICE_SECRET = 'alice-secret-value-0042';
/** Credits one call of `test/log@1` costs in this studio. */
const LOG_NODE_COST = 2;

/** Everything Alice owns, by the placeholder that stands for it in MATRIX URLs. */
interface AliceResources {
  graphId: string;
  privateGraphId: string;
  runId: string;
  webhookRunId: string;
  taskId: string;
  /** The task of a playground run (`POST /v1/tasks`). */
  playgroundTaskId: string;
  artifactId: string;
  deliveryId: string;
  credentialId: string;
  apiKeyId: string;
  apiKey: string;
  ledgerIds: string[];
}

const PRIVATE_PLUGIN = 'alicekit';
const PRIVATE_VERSION = '1.0.0';
const PRIVATE_NODE_TYPE = `${PRIVATE_PLUGIN}/hello@1`;
const PRIVATE_CREDENTIAL_TYPE = `${PRIVATE_PLUGIN}/token`;
const PRIVATE_TRIGGER_TYPE = `${PRIVATE_PLUGIN}/inbound`;
const SHARED_PLUGIN = 'sharedkit';
/** A provider of the task API that Alice's private plugin provides. */
/** A provider plugin that Alice's own key configures; no platform key is set in these studios. */
const KEYED_PROVIDER = 'piapi';

/** What another user must get from one route. */
type Expected =
  | { kind: 'missing'; status: 404; code: string }
  | { kind: 'list' }
  | { kind: 'refused'; status: number; code: string };

/** One route of the matrix and the request that sends it Alice's ids. */
interface MatrixRow {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The URL pattern as Fastify registered it. */
  route: string;
  /** The URL to call, with Alice's ids in place. */
  url: (alice: AliceResources) => string;
  payload?: (alice: AliceResources) => object;
  expected: Expected;
  /** For list rows: a value Alice's own reply contains, which proves the list would show her items. */
  ownerSees?: (alice: AliceResources) => string;
  /** The URL that deletes what a wrongly accepted request created, so later rows start clean. */
  undo?: (reply: JsonReply) => string | null;
}

const missing = (code: string): Expected => ({ kind: 'missing', status: 404, code });
const list: Expected = { kind: 'list' };
const refused = (status: number, code: string): Expected => ({ kind: 'refused', status, code });

/** Builds a graph document that is valid only for a user who may use Alice's private node type. */
function privateTypeDocument(): GraphDocument {
  return buildGraph([buildNode('p', { type: PRIVATE_NODE_TYPE })], []);
}

const MATRIX: MatrixRow[] = [
  { method: 'GET', route: '/v1/graphs', url: () => '/v1/graphs', expected: list, ownerSees: (a) => a.graphId },
  { method: 'POST', route: '/v1/graphs', url: () => '/v1/graphs', payload: privateTypeDocument, expected: refused(400, 'GRAPH_INVALID') },
  {
    method: 'POST',
    route: '/v1/graphs/import',
    url: () => '/v1/graphs/import',
    payload: privateTypeDocument,
    expected: refused(400, 'GRAPH_INVALID'),
  },
  { method: 'GET', route: '/v1/graphs/:id', url: (a) => `/v1/graphs/${a.graphId}`, expected: missing('GRAPH_NOT_FOUND') },
  {
    method: 'PUT',
    route: '/v1/graphs/:id',
    url: (a) => `/v1/graphs/${a.graphId}`,
    payload: () => buildGraph([buildNode('taken')], []),
    expected: missing('GRAPH_NOT_FOUND'),
  },
  { method: 'DELETE', route: '/v1/graphs/:id', url: (a) => `/v1/graphs/${a.graphId}`, expected: missing('GRAPH_NOT_FOUND') },
  { method: 'GET', route: '/v1/graphs/:id/versions', url: (a) => `/v1/graphs/${a.graphId}/versions`, expected: missing('GRAPH_NOT_FOUND') },
  {
    method: 'POST',
    route: '/v1/graphs/:id/publish',
    url: (a) => `/v1/graphs/${a.graphId}/publish`,
    payload: () => ({ version: 2 }),
    expected: missing('GRAPH_NOT_FOUND'),
  },
  { method: 'GET', route: '/v1/graphs/:id/export', url: (a) => `/v1/graphs/${a.graphId}/export`, expected: missing('GRAPH_NOT_FOUND') },
  { method: 'GET', route: '/v1/graphs/:id/estimate', url: (a) => `/v1/graphs/${a.graphId}/estimate`, expected: missing('GRAPH_NOT_FOUND') },
  { method: 'GET', route: '/v1/graphs/:id/schedule', url: (a) => `/v1/graphs/${a.graphId}/schedule`, expected: missing('GRAPH_NOT_FOUND') },
  {
    method: 'GET',
    route: '/v1/graphs/:id/schedule/preview',
    url: (a) => `/v1/graphs/${a.graphId}/schedule/preview`,
    expected: missing('GRAPH_NOT_FOUND'),
  },
  {
    method: 'POST',
    route: '/v1/graphs/:id/schedule/pause',
    url: (a) => `/v1/graphs/${a.graphId}/schedule/pause`,
    expected: missing('GRAPH_NOT_FOUND'),
  },
  {
    method: 'POST',
    route: '/v1/graphs/:id/schedule/resume',
    url: (a) => `/v1/graphs/${a.graphId}/schedule/resume`,
    expected: missing('GRAPH_NOT_FOUND'),
  },
  {
    method: 'POST',
    route: '/v1/graphs/:id/runs',
    url: (a) => `/v1/graphs/${a.graphId}/runs`,
    payload: () => ({ input: { from: 'intruder' } }),
    expected: missing('GRAPH_NOT_FOUND'),
  },
  {
    method: 'GET',
    route: '/v1/graphs/:id/deliveries',
    url: (a) => `/v1/graphs/${a.graphId}/deliveries`,
    expected: missing('GRAPH_NOT_FOUND'),
  },
  {
    method: 'GET',
    route: '/v1/graphs/:id/deliveries/next',
    url: (a) => `/v1/graphs/${a.graphId}/deliveries/next?timeoutMs=0`,
    expected: missing('GRAPH_NOT_FOUND'),
  },
  // Alice's runs of today make her count of today at least 1; the test "daily stats show only the caller" checks Bob's.
  { method: 'GET', route: '/v1/stats/daily', url: () => '/v1/stats/daily?days=1', expected: list, ownerSees: () => '"succeeded":' },
  { method: 'GET', route: '/v1/runs', url: () => '/v1/runs', expected: list, ownerSees: (a) => a.webhookRunId },
  { method: 'GET', route: '/v1/runs', url: (a) => `/v1/runs?graphId=${a.graphId}`, expected: list, ownerSees: (a) => a.runId },
  { method: 'GET', route: '/v1/runs/:id', url: (a) => `/v1/runs/${a.runId}`, expected: missing('RUN_NOT_FOUND') },
  { method: 'POST', route: '/v1/runs/:id/cancel', url: (a) => `/v1/runs/${a.runId}/cancel`, expected: missing('RUN_NOT_FOUND') },
  { method: 'POST', route: '/v1/runs/:id/resume', url: (a) => `/v1/runs/${a.runId}/resume`, expected: missing('RUN_NOT_FOUND') },
  { method: 'GET', route: '/v1/runs/:id/events', url: (a) => `/v1/runs/${a.runId}/events`, expected: missing('RUN_NOT_FOUND') },
  { method: 'GET', route: '/v1/tasks/:id', url: (a) => `/v1/tasks/${a.taskId}`, expected: missing('TASK_NOT_FOUND') },
  { method: 'GET', route: '/v1/tasks/:id/logs', url: (a) => `/v1/tasks/${a.taskId}/logs`, expected: missing('TASK_NOT_FOUND') },
  { method: 'GET', route: '/v1/tasks/:id', url: (a) => `/v1/tasks/${a.playgroundTaskId}`, expected: missing('TASK_NOT_FOUND') },
  {
    method: 'POST',
    route: '/v1/tasks',
    url: () => '/v1/tasks',
    payload: () => ({ task_type: 'text_to_video', provider: KEYED_PROVIDER, model: 'kling', input: { prompt: 'intruder' } }),
    expected: refused(400, 'TASK_PROVIDER_NOT_CONFIGURED'),
  },
  {
    method: 'GET',
    route: '/v1/task-types',
    url: () => '/v1/task-types',
    expected: list,
    ownerSees: () => `"node_type":"${KEYED_PROVIDER}/generate-video@1","installed":true,"configured":true`,
  },
  { method: 'GET', route: '/v1/runs/:id/artifacts', url: (a) => `/v1/runs/${a.runId}/artifacts`, expected: missing('RUN_NOT_FOUND') },
  { method: 'GET', route: '/v1/artifacts/:id', url: (a) => `/v1/artifacts/${a.artifactId}`, expected: missing('ARTIFACT_NOT_FOUND') },
  { method: 'GET', route: '/v1/artifacts/:id/meta', url: (a) => `/v1/artifacts/${a.artifactId}/meta`, expected: missing('ARTIFACT_NOT_FOUND') },
  { method: 'GET', route: '/v1/node-types', url: () => '/v1/node-types', expected: list, ownerSees: () => PRIVATE_NODE_TYPE },
  {
    method: 'POST',
    route: '/v1/plugins',
    url: () => '/v1/plugins',
    payload: () => privatePlugin('2.0.0'),
    expected: refused(409, 'PLUGIN_NAME_TAKEN'),
  },
  {
    method: 'POST',
    route: '/v1/plugins/inspect',
    url: () => '/v1/plugins/inspect',
    payload: () => privatePlugin('2.0.0'),
    expected: refused(409, 'PLUGIN_NAME_TAKEN'),
  },
  { method: 'GET', route: '/v1/plugins', url: () => '/v1/plugins', expected: list, ownerSees: () => `"${PRIVATE_PLUGIN}"` },
  {
    method: 'GET',
    route: '/v1/plugins/:name',
    url: () => `/v1/plugins/${PRIVATE_PLUGIN}`,
    expected: missing('PLUGIN_NOT_FOUND'),
  },
  {
    method: 'GET',
    route: '/v1/plugins/:name/:version',
    url: () => `/v1/plugins/${PRIVATE_PLUGIN}/${PRIVATE_VERSION}`,
    expected: missing('PLUGIN_NOT_FOUND'),
  },
  {
    method: 'DELETE',
    route: '/v1/plugins/:name/:version',
    url: () => `/v1/plugins/${PRIVATE_PLUGIN}/${PRIVATE_VERSION}`,
    expected: missing('PLUGIN_NOT_FOUND'),
  },
  {
    method: 'GET',
    route: '/v1/trigger-types',
    url: () => '/v1/trigger-types',
    expected: list,
    ownerSees: () => PRIVATE_TRIGGER_TYPE,
  },
  {
    method: 'GET',
    route: '/v1/credential-types',
    url: () => '/v1/credential-types',
    expected: list,
    ownerSees: () => PRIVATE_CREDENTIAL_TYPE,
  },
  {
    method: 'POST',
    route: '/v1/credentials',
    url: () => '/v1/credentials',
    payload: () => ({ name: 'Guess', type: PRIVATE_CREDENTIAL_TYPE, values: { token: 'guess' } }),
    expected: refused(400, 'CREDENTIAL_TYPE_UNKNOWN'),
    undo: (reply) => (reply.status === 201 ? `/v1/credentials/${reply.body.id}` : null),
  },
  { method: 'GET', route: '/v1/credentials', url: () => '/v1/credentials', expected: list, ownerSees: (a) => a.credentialId },
  {
    method: 'GET',
    route: '/v1/credentials/:id',
    url: (a) => `/v1/credentials/${a.credentialId}`,
    expected: missing('CREDENTIAL_NOT_FOUND'),
  },
  {
    method: 'PATCH',
    route: '/v1/credentials/:id',
    url: (a) => `/v1/credentials/${a.credentialId}`,
    payload: () => ({ name: 'Taken', values: { key: 'replaced-by-intruder' } }),
    expected: missing('CREDENTIAL_NOT_FOUND'),
  },
  {
    method: 'DELETE',
    route: '/v1/credentials/:id',
    url: (a) => `/v1/credentials/${a.credentialId}`,
    expected: missing('CREDENTIAL_NOT_FOUND'),
  },
  {
    method: 'POST',
    route: '/v1/credentials/:id/test',
    url: (a) => `/v1/credentials/${a.credentialId}/test`,
    expected: missing('CREDENTIAL_NOT_FOUND'),
  },
  {
    method: 'POST',
    route: '/v1/credentials/oauth2/start',
    url: () => '/v1/credentials/oauth2/start',
    payload: (a) => ({ type: `${SHARED_PLUGIN}/oauth`, credentialId: a.credentialId }),
    expected: missing('CREDENTIAL_NOT_FOUND'),
  },
  { method: 'GET', route: '/v1/credits', url: () => '/v1/credits', expected: list, ownerSees: (a) => a.ledgerIds[0] },
  { method: 'GET', route: '/v1/api-keys', url: () => '/v1/api-keys', expected: list, ownerSees: (a) => a.apiKeyId },
  { method: 'DELETE', route: '/v1/api-keys/:id', url: (a) => `/v1/api-keys/${a.apiKeyId}`, expected: missing('API_KEY_NOT_FOUND') },
];

/** Routes the WebSocket test below covers. */
const WEBSOCKET_ROUTES = ['GET /v1/ws'];

/** Routes outside the matrix, each with the reason. */
const EXEMPT: Record<string, string> = {
  'GET /health': 'public liveness probe; returns no user data',
  'GET /metrics': 'public Prometheus counters; they carry no resource ids',
  'GET /v1/setup': 'public: tells a fresh install whether it needs its first account',
  'POST /v1/auth/register': "public sign-up; creates the caller's own account",
  'POST /v1/auth/login': 'public sign-in with a password',
  'POST /v1/auth/google': 'public sign-in with a Google ID token',
  'POST /v1/auth/refresh': 'public: the refresh token itself names its user',
  'POST /v1/auth/logout': 'public: revokes the refresh token it is given',
  'GET /v1/me': "the caller's own account; takes no id",
  'PATCH /v1/me': "the caller's own account; takes no id",
  'POST /v1/api-keys': 'creates a key of the caller; takes no id',
  'GET /v1/admin/users': 'admin powers by design; others get 403 FORBIDDEN whatever the id',
  'POST /v1/admin/users': 'admin powers by design; others get 403 FORBIDDEN whatever the id',
  'PATCH /v1/admin/users/:id': 'admin powers by design; others get 403 FORBIDDEN whatever the id',
  'POST /v1/admin/users/:id/credits': 'admin powers by design; others get 403 FORBIDDEN whatever the id',
  'GET /v1/credentials/oauth2/callback': 'public: the one-time OAuth2 state names the user who started the flow',
  'GET /': 'the builder app page; public and free of user data',
  'GET /graphs/*': 'the builder app page for its own paths; public and free of user data',
  'GET /runs/*': 'the builder app page for its own paths; public and free of user data',
  'GET /v1/billing/packages': "the operator's credit packages, the same for every user; takes no id",
  'POST /v1/billing/checkout': "charges the caller's own account; takes no id, and its run belongs to the billing admin",
  'GET /v1/templates': "the bundled example graphs, the same for every user; filtered by the caller's own node types",
  'GET /assets/*': "the builder app's scripts and styles; public",
  'GET /:file': "the builder app's top-level files; public",
};

/** Webhook routes are public because the sender is not a user; "webhook run belongs to the graph owner" checks them. */
const WEBHOOK_URLS = ['/hooks/:graphId', '/hooks/:graphId/test'];
/** The API documentation pages of @fastify/swagger-ui, public and free of user data. */
const DOCS_PREFIX = '/docs';

function privatePlugin(version = PRIVATE_VERSION): PluginPackage {
  return buildTestPackage({
    name: PRIVATE_PLUGIN,
    version,
    credentialTypes: [{ name: 'token', displayName: 'Alice token', schema: { type: 'object', properties: { token: { type: 'string' } } } }],
    actions: [{ name: 'hello', run: 'async () => ({ hello: "alice" })' }],
    triggers: [{ name: 'inbound', displayName: 'Alice inbound', kind: 'webhook' }],
  });
}

function sharedPlugin(): PluginPackage {
  return buildTestPackage({
    name: SHARED_PLUGIN,
    credentialTypes: [
      { name: 'apiKey', displayName: 'Shared key', schema: { type: 'object', required: ['key'], properties: { key: { type: 'string' } } } },
      {
        name: 'oauth',
        displayName: 'Shared account',
        schema: { type: 'object', properties: {} },
        oauth2: { authorizationUrl: 'https://auth.sharedkit.example/authorize', tokenUrl: 'https://auth.sharedkit.example/token' },
      },
    ],
    actions: [{ name: 'ping', run: 'async () => ({ pong: true })' }],
  });
}

/** Alice's graph: a log node (charged) feeding an echo node. */
function aliceDocument(name: string): GraphDocument {
  return buildGraph([buildNode('log', { type: 'test/log@1', config: { lines: 2 } }), buildNode('echo')], [buildEdge('log', 'echo')], {
    name,
    // A yearly schedule gives the schedule routes something of Alice's to guard.
    settings: { schedule: { cron: '0 0 1 1 *', timezone: 'UTC' } },
  });
}

/** Sends a request as `user` and fails the test unless the status is `status`. */
async function requireStatus(test: TestStudio, user: TestUser, status: number, options: Parameters<typeof request>[1]): Promise<JsonReply> {
  const reply = await request(test, { ...options, token: user.accessToken });
  if (reply.status !== status) throw new Error(`${options.method} ${options.url} as ${user.email}: ${reply.status} ${reply.raw.body}`);
  return reply;
}

/** Alice creates one of everything; returns the ids. */
async function createAliceResources(test: TestStudio, admin: TestUser, alice: TestUser): Promise<AliceResources> {
  await requireStatus(test, admin, 201, { method: 'POST', url: '/v1/plugins', payload: sharedPlugin() });
  await requireStatus(test, alice, 201, { method: 'POST', url: '/v1/plugins', payload: privatePlugin() });
  await installProviderPlugins(test, [KEYED_PROVIDER]);
  // The key's base URL is a closed loopback port that plugins may not reach, so Alice's task
  // fails without leaving the machine.
  await requireStatus(test, alice, 201, {
    method: 'POST',
    url: '/v1/credentials',
    payload: { name: 'Alice PiAPI key', type: `${KEYED_PROVIDER}/apiKey`, values: { apiKey: ALICE_SECRET, baseUrl: 'http://127.0.0.1:9/api/v1' } },
  });
  await requireStatus(test, admin, 201, {
    method: 'POST',
    url: `/v1/admin/users/${alice.id}/credits`,
    payload: { amount: 100, reason: 'ownership test', idempotencyKey: 'ownership-topup' },
  });

  const created = await requireStatus(test, alice, 201, { method: 'POST', url: '/v1/graphs', payload: aliceDocument('alice graph') });
  const graphId = created.body.id as string;
  await requireStatus(test, alice, 200, { method: 'POST', url: `/v1/graphs/${graphId}/publish` });
  // Version 1 is published and frozen, so this save adds version 2.
  await requireStatus(test, alice, 200, { method: 'PUT', url: `/v1/graphs/${graphId}`, payload: aliceDocument('alice graph v2') });
  const privateGraph = await requireStatus(test, alice, 201, { method: 'POST', url: '/v1/graphs', payload: privateTypeDocument() });

  const started = await requireStatus(test, alice, 202, { method: 'POST', url: `/v1/graphs/${graphId}/runs`, payload: { input: 1 } });
  const runId = started.body.runId as string;
  const { tasks } = await waitForRun(test, runId);
  const artifact = await test.studio.ctx.artifacts.store({
    runId,
    taskId: tasks.get('log')!.id,
    nodeId: 'log',
    plugin: 'test',
    prompt: ALICE_SECRET,
    name: 'alice.txt',
    contentType: 'text/plain',
    data: Buffer.from('alice artifact'),
  });
  const hook = await request(test, { method: 'POST', url: `/hooks/${graphId}`, payload: { lead: 'alice' }, token: null });
  if (hook.status !== 202) throw new Error(`webhook failed with ${hook.status}: ${hook.raw.body}`);
  const webhookRunId = hook.body.runId as string;
  await waitForRun(test, webhookRunId);
  const deliveries = await requireStatus(test, alice, 200, { method: 'GET', url: `/v1/graphs/${graphId}/deliveries` });

  const playground = await requireStatus(test, alice, 202, {
    method: 'POST',
    url: '/v1/tasks',
    payload: { task_type: 'text_to_video', provider: KEYED_PROVIDER, model: 'kling', input: { prompt: 'alice video' } },
  });
  const playgroundTaskId = playground.body.task_id as string;
  await waitForRun(test, (await test.storage.tasks.get(playgroundTaskId))!.runId);

  const credential = await requireStatus(test, alice, 201, {
    method: 'POST',
    url: '/v1/credentials',
    payload: { name: 'Alice key', type: `${SHARED_PLUGIN}/apiKey`, values: { key: ALICE_SECRET } },
  });
  const apiKey = await requireStatus(test, alice, 201, { method: 'POST', url: '/v1/api-keys', payload: { name: 'alice automation' } });
  const ledger = await test.storage.ledger.list(alice.id, { limit: 500 });

  return {
    graphId,
    privateGraphId: privateGraph.body.id,
    runId,
    webhookRunId,
    taskId: tasks.get('log')!.id,
    playgroundTaskId,
    artifactId: artifact.id,
    deliveryId: deliveries.body.items[0].id,
    credentialId: credential.body.id,
    apiKeyId: apiKey.body.id,
    apiKey: apiKey.body.key,
    ledgerIds: ledger.map((entry) => entry.id),
  };
}

/** Values that must not appear in any reply to another user. */
function aliceMarkers(alice: AliceResources, user: TestUser): string[] {
  return [
    alice.graphId,
    alice.privateGraphId,
    alice.runId,
    alice.webhookRunId,
    alice.taskId,
    alice.playgroundTaskId,
    alice.artifactId,
    alice.deliveryId,
    alice.credentialId,
    alice.apiKeyId,
    alice.apiKey,
    ...alice.ledgerIds,
    user.id,
    user.email,
    ALICE_SECRET,
    PRIVATE_PLUGIN,
  ];
}

/** Returns the `METHOD route` key of a row. Rows with a query string share the key of their route. */
function keyOf(row: Pick<MatrixRow, 'method' | 'route'>): string {
  return `${row.method} ${row.route}`;
}

describe('cross-user matrix', () => {
  let test: TestStudio;
  let admin: TestUser;
  let alice: TestUser;
  let bob: TestUser;
  let resources: AliceResources;
  let builderDir: string;

  beforeAll(async () => {
    builderDir = mkdtempSync(path.join(os.tmpdir(), 'gestorlead-builder-'));
    writeFileSync(path.join(builderDir, 'index.html'), '<!doctype html><title>builder</title>');
    test = await startTestStudio({
      BUILDER_DIR: builderDir,
      CREDITS_PRICING: JSON.stringify({ 'test/log@1': { fixed: LOG_NODE_COST } }),
      OAUTH2_CLIENTS: JSON.stringify({ [`${SHARED_PLUGIN}/oauth`]: { clientId: 'studio-client' } }),
    });
    await test.listen();
    admin = test.user!;
    alice = await registerTestUser(test);
    bob = await registerTestUser(test);
    resources = await createAliceResources(test, admin, alice);
  });

  afterAll(async () => {
    await test.close();
    rmSync(builderDir, { recursive: true, force: true });
  });

  it('alice owns what the matrix uses', async () => {
    const run = await request(test, { method: 'GET', url: `/v1/runs/${resources.runId}`, token: alice.accessToken });
    const webhookRun = await test.storage.runs.get(resources.webhookRunId);
    const task = await request(test, { method: 'GET', url: `/v1/tasks/${resources.taskId}`, token: alice.accessToken });
    const versions = await request(test, { method: 'GET', url: `/v1/graphs/${resources.graphId}/versions`, token: alice.accessToken });

    expect(run.body.status).toBe('succeeded');
    expect(run.body.ownerId).toBe(alice.id);
    expect(webhookRun?.ownerId).toBe(alice.id);
    expect(task.body.attemptHistory).toHaveLength(1);
    expect(task.body.ledger.map((entry: { kind: string }) => entry.kind)).toEqual(['reserve', 'capture']);
    expect(versions.body.items.map((item: { state: string }) => item.state)).toEqual(['draft', 'published']);
    expect(resources.ledgerIds.length).toBeGreaterThanOrEqual(5);
    expect((await test.storage.artifacts.get(resources.artifactId))?.ownerId).toBe(alice.id);
  });

  describe.each([
    ['bob', () => bob],
    ['the admin', () => admin],
  ])('as %s', (_name, intruder) => {
    for (const row of MATRIX) {
      const name = `${row.method} ${row.url(placeholderIds())}`;
      it(name, async () => {
        const user = intruder();
        const options = { method: row.method, url: row.url(resources), payload: row.payload?.(resources) };
        const reply = await request(test, { ...options, token: user.accessToken });
        const text = reply.raw.body;
        const undoUrl = row.undo?.(reply) ?? null;
        if (undoUrl !== null) await request(test, { method: 'DELETE', url: undoUrl, token: user.accessToken });

        // An error may repeat what the request sent, such as the id it did not find.
        const sent = options.url + JSON.stringify(options.payload ?? null);
        for (const marker of aliceMarkers(resources, alice)) {
          if (sent.includes(marker)) continue;
          expect(text, `reply contains ${marker}`).not.toContain(marker);
        }
        if (row.expected.kind === 'list') {
          expect(reply.status, text).toBe(200);
          const own = await request(test, { ...options, token: alice.accessToken });
          expect(own.raw.body, 'alice sees her own item').toContain(row.ownerSees!(resources));
          return;
        }
        expectError(reply, { status: row.expected.status, code: row.expected.code });
        if (row.method === 'GET') {
          const own = await request(test, { ...options, token: alice.accessToken });
          expect(own.status, own.raw.body).toBe(200);
        }
      });
    }
  });

  it('credits show only the caller', async () => {
    const reply = await request(test, { method: 'GET', url: '/v1/credits', token: bob.accessToken });

    expect(reply.body.balance).toBe(0);
    expect(reply.body.held).toBe(0);
    expect(reply.body.history.items).toEqual([]);
    expect(reply.body.daily.every((day: { credits: number }) => day.credits === 0)).toBe(true);
  });

  it('daily stats show only the caller', async () => {
    const bobReply = await request(test, { method: 'GET', url: '/v1/stats/daily?days=1', token: bob.accessToken });
    const aliceReply = await request(test, { method: 'GET', url: '/v1/stats/daily?days=1', token: alice.accessToken });

    expect(bobReply.body.items).toEqual([{ day: expect.any(String), runs: 0, succeeded: 0, failed: 0, credits: 0 }]);
    expect(aliceReply.body.items[0].runs).toBeGreaterThanOrEqual(1);
  });

  it('websocket refuses foreign runs and graphs', async () => {
    const bobSocket = await TestWsClient.connect(test.url, { token: bob.accessToken });
    const aliceSocket = await TestWsClient.connect(test.url, { token: alice.accessToken });
    try {
      const isError = (message: ServerMessage): message is Extract<ServerMessage, { type: 'error' }> => message.type === 'error';
      bobSocket.send({ type: 'subscribe', runId: resources.runId });
      const runError = await bobSocket.waitFor(isError);
      bobSocket.send({ type: 'subscribe', graphId: resources.graphId });
      const graphError = await bobSocket.waitFor((message) => isError(message) && message !== runError);
      aliceSocket.send({ type: 'subscribe', graphId: resources.graphId });
      await aliceSocket.waitFor((message) => message.type === 'subscribed');

      const started = await requireStatus(test, alice, 202, { method: 'POST', url: `/v1/graphs/${resources.graphId}/runs` });
      const runId = started.body.runId as string;
      await aliceSocket.waitForFinish(runId);
      bobSocket.send({ type: 'ping' });
      await bobSocket.waitFor((message) => message.type === 'pong');

      expect(runError).toMatchObject({ code: 'RUN_NOT_FOUND', pointer: '/runId' });
      expect(graphError).toMatchObject({ code: 'GRAPH_NOT_FOUND', pointer: '/graphId' });
      expect(aliceSocket.events(runId).length).toBeGreaterThan(0);
      expect(bobSocket.events()).toEqual([]);
      expect(bobSocket.messages.filter((message) => message.type === 'subscribed')).toEqual([]);
    } finally {
      await bobSocket.close();
      await aliceSocket.close();
    }
  });

  it("alice's resources survive the matrix", async () => {
    const graph = await request(test, { method: 'GET', url: `/v1/graphs/${resources.graphId}`, token: alice.accessToken });
    const run = await request(test, { method: 'GET', url: `/v1/runs/${resources.runId}`, token: alice.accessToken });
    const credential = await request(test, { method: 'GET', url: `/v1/credentials/${resources.credentialId}`, token: alice.accessToken });
    const plugin = await request(test, { method: 'GET', url: `/v1/plugins/${PRIVATE_PLUGIN}`, token: alice.accessToken });
    const viaKey = await request(test, { method: 'GET', url: '/v1/me', token: resources.apiKey });
    const stored = await test.storage.credentials.get(resources.credentialId);

    expect(graph.body.latestVersion).toBe(2);
    expect(graph.body.publishedVersion).toBe(1);
    expect(graph.body.document.name).toBe('alice graph v2');
    expect(run.body.status).toBe('succeeded');
    expect(credential.body.name).toBe('Alice key');
    expect(stored?.updatedAt).toBe(stored?.createdAt);
    expect(plugin.body.versions.map((version: { version: string }) => version.version)).toEqual([PRIVATE_VERSION]);
    expect(viaKey.status).toBe(200);
    expect(viaKey.body.id).toBe(alice.id);
  });

  it('webhook run belongs to the graph owner', async () => {
    const run = await request(test, { method: 'GET', url: `/v1/runs/${resources.webhookRunId}`, token: alice.accessToken });
    const ledger = await test.storage.ledger.list(alice.id, { kinds: ['capture'], limit: 500 });

    expect(run.body.trigger).toBe('webhook');
    expect(run.body.deliveryId).toBe(resources.deliveryId);
    expect(ledger.filter((entry) => entry.runId === resources.webhookRunId).map((entry) => entry.amount)).toEqual([LOG_NODE_COST]);
  });

  it('every route is in the matrix or exempt', () => {
    const registered = new Set(test.studio.routes.map((route) => `${route.method} ${route.url}`));
    const covered = new Set([...MATRIX.map(keyOf), ...WEBSOCKET_ROUTES]);
    const uncovered: string[] = [];
    for (const key of registered) {
      const [method, url] = key.split(' ');
      if (covered.has(key) || Object.hasOwn(EXEMPT, key)) continue;
      if (method === 'HEAD' && (registered.has(`GET ${url}`) || url.startsWith(DOCS_PREFIX))) continue;
      if (url === DOCS_PREFIX || url.startsWith(`${DOCS_PREFIX}/`)) continue;
      if (WEBHOOK_URLS.includes(url)) continue;
      uncovered.push(key);
    }
    const stale = [...covered, ...Object.keys(EXEMPT)].filter((key) => !registered.has(key));

    expect(uncovered, 'routes missing from MATRIX and EXEMPT').toEqual([]);
    expect(stale, 'MATRIX or EXEMPT rows for routes that do not exist').toEqual([]);
  });
});

describe('private plugins', () => {
  let test: TestStudio;
  let admin: TestUser;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    test = await startTestStudio({ SANDBOX_POOL_SIZE: '1' });
    admin = test.user!;
    alice = await registerTestUser(test);
    bob = await registerTestUser(test);
    await requireStatus(test, alice, 201, { method: 'POST', url: '/v1/plugins', payload: privatePlugin() });
  });

  afterAll(async () => {
    await test.close();
  });

  function install(user: TestUser, pluginPackage: PluginPackage, visibility?: string): Promise<JsonReply> {
    const query = visibility === undefined ? '' : `?visibility=${visibility}`;
    return request(test, { method: 'POST', url: `/v1/plugins${query}`, payload: pluginPackage, token: user.accessToken });
  }

  function pluginNamed(name: string, version = '1.0.0'): PluginPackage {
    return buildTestPackage({ name, version, actions: [{ name: 'ping', run: 'async () => ({ pong: true })' }] });
  }

  /** Stores a graph owned by `user` without validation, as a graph saved before a plugin changed would be. */
  async function storeOwnedGraph(user: TestUser, document: GraphDocument): Promise<string> {
    const id = `graph_${Math.random().toString(36).slice(2)}`;
    await test.storage.graphs.create(id, { ...document, id }, { ownerId: user.id });
    return id;
  }

  it('user install is private', async () => {
    const installed = await install(bob, pluginNamed('bobkit'));
    const own = await request(test, { method: 'GET', url: '/v1/plugins/bobkit', token: bob.accessToken });
    const fromAlice = await request(test, { method: 'GET', url: '/v1/plugins/bobkit', token: alice.accessToken });
    const fromAdmin = await request(test, { method: 'GET', url: '/v1/plugins/bobkit', token: admin.accessToken });
    const aliceTypes = await request(test, { method: 'GET', url: '/v1/node-types', token: alice.accessToken });

    expect(installed.status, installed.raw.body).toBe(201);
    expect(installed.body.visibility).toBe('private');
    expect(own.body.visibility).toBe('private');
    expect(own.body.versions[0].visibility).toBe('private');
    expectError(fromAlice, { status: 404, code: 'PLUGIN_NOT_FOUND', pointer: '/params/name' });
    expectError(fromAdmin, { status: 404, code: 'PLUGIN_NOT_FOUND', pointer: '/params/name' });
    expect(aliceTypes.body.items.map((item: { type: string }) => item.type)).not.toContain('bobkit/ping@1');
  });

  it('user may not install shared', async () => {
    const reply = await install(bob, pluginNamed('bobshared'), 'shared');
    const stored = await test.storage.plugins.get('bobshared', '1.0.0');

    expectError(reply, { status: 403, code: 'FORBIDDEN', pointer: '/querystring/visibility', message: /only an admin/ });
    expect(stored).toBeNull();
  });

  it('admin install is shared by default', async () => {
    const installed = await install(admin, pluginNamed('teamkit'));
    const listed = await request(test, { method: 'GET', url: '/v1/plugins', token: bob.accessToken });
    const types = await request(test, { method: 'GET', url: '/v1/node-types', token: bob.accessToken });
    const removal = await request(test, { method: 'DELETE', url: '/v1/plugins/teamkit/1.0.0', token: bob.accessToken });

    expect(installed.body.visibility).toBe('shared');
    expect(listed.body.items.find((item: { name: string }) => item.name === 'teamkit')?.visibility).toBe('shared');
    expect(types.body.items.map((item: { type: string }) => item.type)).toContain('teamkit/ping@1');
    expectError(removal, { status: 403, code: 'FORBIDDEN', pointer: '/params/name', message: /only an admin/ });
  });

  it('admin may install private', async () => {
    const installed = await install(admin, pluginNamed('adminkit'), 'private');
    const fromBob = await request(test, { method: 'GET', url: '/v1/plugins/adminkit', token: bob.accessToken });

    expect(installed.body.visibility).toBe('private');
    expectError(fromBob, { status: 404, code: 'PLUGIN_NOT_FOUND' });
  });

  it('private name is taken for others', async () => {
    const reply = await install(bob, privatePlugin('9.0.0'));

    expectError(reply, { status: 409, code: 'PLUGIN_NAME_TAKEN', pointer: '/manifest/name', message: /is taken; choose another name/ });
    expect(reply.raw.body).not.toContain(alice.id);
    expect(reply.raw.body).not.toContain(alice.email);
  });

  it('shared name needs an admin', async () => {
    await install(admin, pluginNamed('sharedname'));

    const reply = await install(bob, pluginNamed('sharedname', '2.0.0'));

    expectError(reply, { status: 409, code: 'PLUGIN_NAME_TAKEN', message: /shared with every user/ });
  });

  it('owner adds private versions', async () => {
    const reply = await install(alice, privatePlugin('1.1.0'));
    const plugin = await request(test, { method: 'GET', url: `/v1/plugins/${PRIVATE_PLUGIN}`, token: alice.accessToken });

    expect(reply.status, reply.raw.body).toBe(201);
    expect(plugin.body.versions.map((version: { version: string }) => version.version)).toEqual(['1.1.0', PRIVATE_VERSION]);
  });

  it('graph validation hides private types', async () => {
    const fromBob = await request(test, { method: 'POST', url: '/v1/graphs', payload: privateTypeDocument(), token: bob.accessToken });
    const fromAlice = await request(test, { method: 'POST', url: '/v1/graphs', payload: privateTypeDocument(), token: alice.accessToken });

    expectError(fromBob, { status: 400, code: 'GRAPH_INVALID', pointer: '/nodes/0/type' });
    expect(fromBob.body.errors[0].code).toBe('GRAPH_UNKNOWN_NODE_TYPE');
    expect(fromAlice.status, fromAlice.raw.body).toBe(201);
  });

  it('run start refuses foreign private types', async () => {
    const graphId = await storeOwnedGraph(bob, privateTypeDocument());

    const run = await request(test, { method: 'POST', url: `/v1/graphs/${graphId}/runs`, token: bob.accessToken });
    const publish = await request(test, { method: 'POST', url: `/v1/graphs/${graphId}/publish`, token: bob.accessToken });

    expectError(run, { status: 400, code: 'GRAPH_INVALID', pointer: '/nodes/0/type' });
    expect(run.body.errors[0].code).toBe('GRAPH_UNKNOWN_NODE_TYPE');
    expectError(publish, { status: 400, code: 'GRAPH_INVALID', pointer: '/nodes/0/type' });
    expect(await test.storage.runs.list({ graphId })).toEqual([]);
  });

  it('executor fails foreign private types', async () => {
    const bobGraph = await storeOwnedGraph(bob, privateTypeDocument());
    const aliceGraph = await storeOwnedGraph(alice, privateTypeDocument());

    const foreign = await test.studio.ctx.executor.createRun({ graphId: bobGraph, version: 1, input: null, trigger: 'manual' });
    const own = await test.studio.ctx.executor.createRun({ graphId: aliceGraph, version: 1, input: null, trigger: 'manual' });
    const foreignResult = await waitForRun(test, foreign.id);
    const ownResult = await waitForRun(test, own.id);

    expect(foreignResult.run.status).toBe('failed');
    expect(foreignResult.tasks.get('p')?.error).toMatchObject({ code: 'RUNTIME_NODE_TYPE_UNKNOWN', retryable: false });
    expect(ownResult.run.status, JSON.stringify(ownResult.run.error)).toBe('succeeded');
    expect(ownResult.tasks.get('p')?.output).toEqual({ out: { hello: 'alice' } });
  });

  it('in-use error names only own graphs', async () => {
    const aliceGraph = await createGraph(
      { ...test, token: alice.accessToken },
      buildGraph([buildNode('t', { type: 'teamkit/ping@1' })], []),
    );
    const ownGraph = await createGraph({ ...test, token: alice.accessToken }, privateTypeDocument());

    const shared = await request(test, { method: 'DELETE', url: '/v1/plugins/teamkit/1.0.0', token: admin.accessToken });
    // Version 1.1.0 provides the same node type, so only removing it would strand the graph.
    await requireStatus(test, alice, 204, { method: 'DELETE', url: `/v1/plugins/${PRIVATE_PLUGIN}/${PRIVATE_VERSION}` });
    const own = await request(test, { method: 'DELETE', url: `/v1/plugins/${PRIVATE_PLUGIN}/1.1.0`, token: alice.accessToken });

    expectError(shared, { status: 409, code: 'PLUGIN_IN_USE', pointer: '/params/version' });
    expect(shared.body.details).toEqual({ graphs: [], otherGraphs: 1 });
    expect(shared.raw.body).not.toContain(aliceGraph);
    expectError(own, { status: 409, code: 'PLUGIN_IN_USE', pointer: '/params/version' });
    expect(own.body.details.graphs.map((usage: { graphId: string }) => usage.graphId)).toContain(ownGraph);
  });

  it('owner uninstalls private version', async () => {
    await install(bob, pluginNamed('bobtemp'));

    const removal = await request(test, { method: 'DELETE', url: '/v1/plugins/bobtemp/1.0.0', token: bob.accessToken });
    const types = await request(test, { method: 'GET', url: '/v1/node-types', token: bob.accessToken });

    expect(removal.status, removal.raw.body).toBe(204);
    expect(types.body.items.map((item: { type: string }) => item.type)).not.toContain('bobtemp/ping@1');
  });
});

/** Readable stand-ins for ids in test names, which vitest fixes before `beforeAll` runs. */
function placeholderIds(): AliceResources {
  return {
    graphId: ':graphId',
    privateGraphId: ':privateGraphId',
    runId: ':runId',
    webhookRunId: ':webhookRunId',
    taskId: ':taskId',
    playgroundTaskId: ':playgroundTaskId',
    artifactId: ':artifactId',
    deliveryId: ':deliveryId',
    credentialId: ':credentialId',
    apiKeyId: ':apiKeyId',
    apiKey: ':apiKey',
    ledgerIds: [],
  };
}
