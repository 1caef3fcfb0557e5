import type { GraphDocument } from '@gestorlead/sdk-plugin';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { TestStudio } from './studio.js';

/** An injected reply with its body parsed as JSON (undefined for an empty body). */
export interface JsonReply<T = any> {
  status: number;
  headers: LightMyRequestResponse['headers'];
  body: T;
  raw: LightMyRequestResponse;
}

/** `app.inject` options, plus the bearer token to send. */
export interface TestRequestOptions extends InjectOptions {
  /**
   * Token for `Authorization: Bearer`: by default the studio's first account's (`test.token`),
   * null for an anonymous request. An `authorization` header in `headers` wins over both.
   */
  token?: string | null;
}

/** Sends a request through `app.inject` and parses the reply body as JSON when there is one. */
export async function request<T = any>(test: Pick<TestStudio, 'studio' | 'token'>, options: TestRequestOptions): Promise<JsonReply<T>> {
  const { token, ...inject } = options;
  const bearer = token === undefined ? test.token : token;
  const headers: Record<string, unknown> = { ...(inject.headers ?? {}) };
  const hasAuthorization = Object.keys(headers).some((name) => name.toLowerCase() === 'authorization');
  if (bearer && !hasAuthorization) headers.authorization = `Bearer ${bearer}`;
  const response = await test.studio.app.inject({ ...inject, headers: headers as InjectOptions['headers'] });
  const body = response.body === '' ? undefined : parseJson(response.body);
  return { status: response.statusCode, headers: response.headers, body: body as T, raw: response };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Creates a graph through the API and returns its id. */
export async function createGraph(test: TestStudio, document: GraphDocument): Promise<string> {
  const reply = await request<{ id: string }>(test, { method: 'POST', url: '/v1/graphs', payload: document });
  if (reply.status !== 201) throw new Error(`graph creation failed with ${reply.status}: ${reply.raw.body}`);
  return reply.body.id;
}

/** Publishes the latest version of a graph through the API. */
export async function publishGraph(test: TestStudio, graphId: string): Promise<void> {
  const reply = await request(test, { method: 'POST', url: `/v1/graphs/${graphId}/publish` });
  if (reply.status !== 200) throw new Error(`publishing failed with ${reply.status}: ${reply.raw.body}`);
}

/** Starts a manual run through the API and returns its id. */
export async function startRun(test: TestStudio, graphId: string, input: unknown = null): Promise<string> {
  const reply = await request<{ runId: string }>(test, {
    method: 'POST',
    url: `/v1/graphs/${graphId}/runs`,
    payload: { input },
  });
  if (reply.status !== 202) throw new Error(`run start failed with ${reply.status}: ${reply.raw.body}`);
  return reply.body.runId;
}

/** Fields an error reply must carry. `message` and `problemMessage` match as a substring or a pattern. */
export interface ExpectedError {
  status: number;
  code: string;
  pointer?: string;
  message?: string | RegExp;
  problemMessage?: string | RegExp;
}

/**
 * Checks the error body shape `{ statusCode, code, message, errors: [{ pointer, message }] }`,
 * one assertion per field, and that a problem has the expected pointer and message.
 */
export function expectError(reply: JsonReply, expected: ExpectedError): void {
  expect(reply.status, `status of ${reply.raw.body}`).toBe(expected.status);
  expect(reply.headers['content-type']).toMatch(/^application\/json/);
  expect(reply.body.statusCode).toBe(expected.status);
  expect(reply.body.code).toBe(expected.code);
  expect(typeof reply.body.message).toBe('string');
  expect(Array.isArray(reply.body.errors)).toBe(true);
  if (expected.message !== undefined) expect(reply.body.message).toMatch(expected.message);
  if (expected.pointer !== undefined) {
    expect(reply.body.errors.map((problem: { pointer: string }) => problem.pointer)).toContain(expected.pointer);
  }
  if (expected.problemMessage !== undefined) {
    const problem = reply.body.errors.find((entry: { pointer: string }) => entry.pointer === expected.pointer);
    expect(problem?.message).toMatch(expected.problemMessage);
  }
}

/** Checks that the studio still serves requests after a rejected one. */
export async function expectStillServing(test: TestStudio): Promise<void> {
  const reply = await request(test, { method: 'GET', url: '/health' });
  expect(reply.status).toBe(200);
}
