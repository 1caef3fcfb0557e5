/**
 * Helpers of the provider plugin tests: a studio with the real sandbox and one bundled provider
 * plugin, one-node graphs run through the API, artifacts read back through the API, and task
 * logs.
 */
import type { GraphNode } from '@gestorlead/sdk-plugin';
import type { RunEventRecord } from '@gestorlead/storage';
import { expect } from 'vitest';
import { request, startRun } from '../support/http.js';
import { buildGraph, buildNode, waitForRun } from '../support/studio.js';
import { startPluginStudio, type PluginTestStudio } from '../plugins/support/plugin-studio.js';
import { allowPrivatePorts, installProviderPlugins, type ProviderPluginName } from '../tasks/support/provider-plugins.js';

/** Generous bound of one run on a busy machine, in milliseconds. */
export const RUN_TIMEOUT_MS = 30_000;

/**
 * A prompt with accents, emoji (outside the Basic Multilingual Plane, so UTF-16 surrogate
 * pairs), a combining mark, right-to-left Arabic and Hebrew, and CJK text.
 */
export const UNICODE_PROMPT = 'Café à l’aube ☕️ 👩🏽‍🚀🚀, naïve e\u0301 — مرحبا بالعالم · שלום עולם · 東京の夜景';

/**
 * Starts a studio with the real sandbox pool and the bundled plugin `name` installed. Plugins
 * may reach the fakes on `fakePorts` of 127.0.0.1 (`HTTP_ALLOW_PRIVATE`).
 */
export async function startProviderStudio(name: ProviderPluginName, fakePorts: number[], env: Record<string, string> = {}): Promise<PluginTestStudio> {
  const test = await startPluginStudio({ env: { HTTP_ALLOW_PRIVATE: allowPrivatePorts(fakePorts), ...env } });
  await installProviderPlugins(test, [name]);
  await test.studio.ctx.credits.topUp(test.user!.id, 100_000, `payment-${Math.random()}`, 'test top-up');
  return test;
}

/** Stores a one-node graph with `node` through the API, runs it with `input` and waits for the end. */
export async function runNode(test: PluginTestStudio, node: Partial<GraphNode> & { type: string }, input: unknown = null) {
  const document = buildGraph([buildNode('n', node)], []);
  const created = await request<{ id: string }>(test, { method: 'POST', url: '/v1/graphs', payload: document });
  expect(created.status, created.raw.body).toBe(201);
  const runId = await startRun(test, created.body.id, input);
  const { run, tasks } = await waitForRun(test, runId, RUN_TIMEOUT_MS);
  const task = tasks.get('n')!;
  return { run, task, output: task.output?.out as any };
}

/** Returns the content of an artifact as `GET /v1/artifacts/:id` sends it, with its headers. */
export async function downloadArtifact(test: PluginTestStudio, id: string): Promise<{ bytes: Buffer; contentType: string }> {
  const reply = await request(test, { method: 'GET', url: `/v1/artifacts/${id}` });
  expect(reply.status, reply.raw.body).toBe(200);
  return { bytes: reply.raw.rawPayload, contentType: String(reply.headers['content-type']) };
}

/** Returns the metadata of an artifact: `GET /v1/artifacts/:id/meta`. */
export async function artifactMeta(test: PluginTestStudio, id: string): Promise<{ model: string | null; prompt: string | null; contentType: string; size: number }> {
  const reply = await request(test, { method: 'GET', url: `/v1/artifacts/${id}/meta` });
  expect(reply.status, reply.raw.body).toBe(200);
  return reply.body;
}

/** Returns the task log of a task through `GET /v1/tasks/:id/logs`, as its raw JSON text and events. */
export async function taskLog(test: PluginTestStudio, taskId: string): Promise<{ text: string; events: RunEventRecord[] }> {
  const reply = await request<{ items: RunEventRecord[] }>(test, { method: 'GET', url: `/v1/tasks/${taskId}/logs` });
  expect(reply.status, reply.raw.body).toBe(200);
  return { text: reply.raw.body, events: reply.body.items };
}

/** Returns the `task.log` lines of a task log with the given message. */
export function linesOf(events: RunEventRecord[], message: string): Array<{ level: string; message: string; data: any }> {
  return events
    .filter((event) => event.type === 'task.log')
    .map((event) => event.data as { level: string; message: string; data: any })
    .filter((line) => line.message === message);
}

/** Stores a credential through `POST /v1/credentials` and returns its id. */
export async function storeCredential(test: PluginTestStudio, type: string, values: Record<string, unknown>): Promise<string> {
  const reply = await request<{ id: string }>(test, { method: 'POST', url: '/v1/credentials', payload: { name: `${type} key`, type, values } });
  expect(reply.status, reply.raw.body).toBe(201);
  return reply.body.id;
}

/** Returns the descriptor of a node type from `GET /v1/node-types`. */
export async function nodeTypeOf(test: PluginTestStudio, type: string): Promise<any> {
  const reply = await request<{ items: Array<{ type: string }> }>(test, { method: 'GET', url: '/v1/node-types' });
  expect(reply.status).toBe(200);
  return reply.body.items.find((item) => item.type === type);
}

/** Asserts that `secret` appears in none of the task's records: output, error and log. */
export async function expectNoSecret(test: PluginTestStudio, taskId: string, secret: string): Promise<void> {
  const task = await request(test, { method: 'GET', url: `/v1/tasks/${taskId}` });
  const log = await taskLog(test, taskId);
  expect(task.raw.body).not.toContain(secret);
  expect(log.text).not.toContain(secret);
}
