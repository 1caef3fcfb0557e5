/**
 * Streamed text of playground chat tasks: a `chat_completion` task runs `ai/chat@1`, which reads
 * the provider's SSE stream and publishes the text as `model output` task log lines on the task's
 * run. The run view and the playground both read these lines. The provider is a local server
 * that speaks the OpenAI Chat Completions SSE format on 127.0.0.1.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PLATFORM_KEY, TEST_PRICING, topUp } from '../ai/support/ai-studio.js';
import { startFakeOpenAi, type FakeOpenAi } from '../ai/support/fake-openai.js';
import { request } from '../support/http.js';
import { startTestStudio, type TestStudio } from '../support/studio.js';
import { TestWsClient } from '../support/ws-client.js';

/** The message of the task log lines that carry streamed text. */
const MODEL_OUTPUT = 'model output';
const REPLY =
  'The harbour wakes at dawn. Gulls circle the lighthouse, boats slip past the pier, ' +
  'and the fish market opens its shutters one by one. Olá, café ☕️ — مرحبا — שלום.';
const CHAT = { task_type: 'chat_completion', provider: 'openai', model: 'gpt-test' };

type StreamEvent = ReturnType<TestWsClient['events']>[number];

let fake: FakeOpenAi;
let test: TestStudio;
let client: TestWsClient | undefined;

beforeAll(async () => {
  fake = await startFakeOpenAi(PLATFORM_KEY);
});

afterAll(async () => {
  await fake.close();
});

afterEach(async () => {
  await client?.close();
  client = undefined;
  await test?.close();
  fake.requests.length = 0;
});

async function startStudio(): Promise<void> {
  test = await startTestStudio({
    OPENAI_API_KEY: PLATFORM_KEY,
    OPENAI_BASE_URL: fake.baseUrl,
    CREDITS_PRICING: TEST_PRICING,
    AI_CACHE_TTL_SECONDS: '0',
  });
  await topUp(test, 10_000);
  client = await TestWsClient.connect(await test.listen(), { token: test.token });
}

/** Starts a chat task and returns its task and run ids. */
async function startChatTask(prompt: string): Promise<{ taskId: string; runId: string }> {
  const started = await request(test, { method: 'POST', url: '/v1/tasks', payload: { ...CHAT, input: { prompt } } });
  expect(started.status, started.raw.body).toBe(202);
  const taskId = started.body.task_id as string;
  const task = await request(test, { method: 'GET', url: `/v1/tasks/${taskId}` });
  expect(task.status, task.raw.body).toBe(200);
  return { taskId, runId: task.body.runId as string };
}

async function taskState(taskId: string): Promise<Record<string, any>> {
  const reply = await request(test, { method: 'GET', url: `/v1/tasks/${taskId}` });
  expect(reply.status, reply.raw.body).toBe(200);
  return reply.body;
}

function isModelOutput(event: StreamEvent): boolean {
  return event.type === 'task.log' && (event.data as { message?: unknown } | null)?.message === MODEL_OUTPUT;
}

function textOf(event: StreamEvent): string {
  return (event.data as { data: { text: string } }).data.text;
}

async function waitForFirstToken(runId: string): Promise<void> {
  await client!.waitFor((message) => message.type === 'event' && message.event.runId === runId && isModelOutput(message.event), 20_000);
}

describe('chat task streaming', () => {
  it('publishes token events in order', async () => {
    await startStudio();
    // 54 chunks 40 ms apart: some 2.2 s, several 250 ms intervals of the task log batcher.
    fake.enqueue({ text: REPLY, chunkSize: 3, chunkDelayMs: 40, usage: { prompt_tokens: 12, completion_tokens: 30 } });
    const { taskId, runId } = await startChatTask('Describe the harbour at dawn.');
    client!.send({ type: 'subscribe', runId });

    await waitForFirstToken(runId);
    const whileStreaming = await taskState(taskId);
    expect(whileStreaming.status).toBe('IN_PROGRESS');
    expect(whileStreaming.result).toBeNull();

    await client!.waitForFinish(runId, 20_000);
    const events = client!.events(runId);
    const tokens = events.filter(isModelOutput);
    const text = tokens.map(textOf).join('');
    const done = await taskState(taskId);
    expect(done.status).toBe('COMPLETED');
    expect(done.result.output.text).toBe(REPLY);
    expect(text).toBe(REPLY);
    // The stream spans several log intervals, and the log batches it: fewer lines than chunks.
    expect(tokens.length).toBeGreaterThan(1);
    expect(tokens.length).toBeLessThan(Math.ceil(Array.from(REPLY).length / 3));
    for (const token of tokens) expect(token.taskId).toBe(taskId);
    for (const token of tokens) expect(token.nodeId).toBe('chat_completion');

    const sequence = events.map((event) => event.seq);
    expect(sequence).toEqual([...sequence].sort((a, b) => a - b));
    const completedAt = events.findIndex((event) => event.type === 'task.completed');
    expect(completedAt).toBeGreaterThan(events.indexOf(tokens[tokens.length - 1]));
    expect(done.credit_cost).toBe(21);
  });

  it('keeps stored token events equal to live ones', async () => {
    await startStudio();
    fake.enqueue({ text: REPLY, chunkSize: 5, chunkDelayMs: 20 });
    const { taskId, runId } = await startChatTask('Describe the harbour.');
    client!.send({ type: 'subscribe', runId });
    await client!.waitForFinish(runId, 20_000);

    const live = client!.events(runId).filter(isModelOutput);
    const logs = await request(test, { method: 'GET', url: `/v1/tasks/${taskId}/logs` });
    expect(logs.status, logs.raw.body).toBe(200);
    const stored = (logs.body.items as StreamEvent[]).filter(isModelOutput);
    expect(stored.map((event) => event.seq)).toEqual(live.map((event) => event.seq));
    expect(stored.map(textOf).join('')).toBe(REPLY);
  });

  it('keeps the text that arrived before a cancel', async () => {
    await startStudio();
    // 54 chunks 100 ms apart: some 5.4 s, so the cancel lands mid-stream.
    fake.enqueue({ text: REPLY, chunkSize: 3, chunkDelayMs: 100 });
    const { taskId, runId } = await startChatTask('Describe the harbour slowly.');
    client!.send({ type: 'subscribe', runId });
    await waitForFirstToken(runId);

    const cancelled = await request(test, { method: 'POST', url: `/v1/runs/${runId}/cancel`, payload: {} });
    expect(cancelled.status, cancelled.raw.body).toBe(200);
    await client!.waitForFinish(runId, 20_000);

    const text = client!.events(runId).filter(isModelOutput).map(textOf).join('');
    expect(text.length).toBeGreaterThan(0);
    expect(text.length).toBeLessThan(REPLY.length);
    expect(REPLY.startsWith(text)).toBe(true);
    const done = await taskState(taskId);
    expect(done.status).toBe('FAILED');
    expect(done.error.code).toBe('RUNTIME_TASK_CANCELLED');
    expect(done.result).toBeNull();
  });
});
