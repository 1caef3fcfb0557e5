/**
 * `ai/chat@1` through a real studio and SQLite against a local server that speaks the OpenAI
 * Chat Completions wire format. No request leaves 127.0.0.1.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../support/http.js';
import { startTestStudio, type TestStudio } from '../support/studio.js';
import {
  balanceOf,
  chatNode,
  createOneNodeGraph,
  logLines,
  PLATFORM_KEY,
  runToEnd,
  sumOf,
  taskEvents,
  taskLedger,
  TEST_PRICE_PER_TOKEN,
  TEST_PRICING,
  topUp,
} from './support/ai-studio.js';
import { startFakeOpenAi, type FakeOpenAi } from './support/fake-openai.js';

let fake: FakeOpenAi;
let test: TestStudio;

beforeAll(async () => {
  fake = await startFakeOpenAi(PLATFORM_KEY);
});

afterAll(async () => {
  await fake.close();
});

afterEach(async () => {
  await test?.close();
  fake.requests.length = 0;
});

async function startStudio(env: Record<string, string> = {}): Promise<TestStudio> {
  test = await startTestStudio({ OPENAI_API_KEY: PLATFORM_KEY, OPENAI_BASE_URL: fake.baseUrl, CREDITS_PRICING: TEST_PRICING, ...env });
  await topUp(test, 10_000);
  return test;
}

const REPLY_TEXT = 'Here is a caption for your post about the harbour at dawn, with gulls and fishing boats.';

describe('ai/chat', () => {
  it('streams tokens into task log and charges usage', async () => {
    await startStudio();
    fake.enqueue({ text: REPLY_TEXT, usage: { prompt_tokens: 21, completion_tokens: 14 }, chunkSize: 2 });
    const graphId = await createOneNodeGraph(
      test,
      chatNode({ system: 'You write captions.', prompt: 'Write a caption about {{ input.topic }}.', temperature: 0.3, maxTokens: 200 }),
    );

    const { run, tasks } = await runToEnd(test, graphId, { topic: 'the harbour' });

    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
    const task = tasks.get('chat')!;
    expect(task.output?.out).toEqual({
      text: REPLY_TEXT,
      data: null,
      usage: { inputTokens: 21, outputTokens: 14 },
      provider: 'openai',
      model: 'gpt-test',
      cached: false,
    });

    expect(fake.requests).toHaveLength(1);
    const sent = fake.requests[0];
    expect(sent.headers.authorization).toBe(`Bearer ${PLATFORM_KEY}`);
    expect(sent.body.stream).toBe(true);
    expect(sent.body.stream_options).toEqual({ include_usage: true });
    expect(sent.body.model).toBe('gpt-test');
    expect(sent.body.temperature).toBe(0.3);
    expect(sent.body.max_tokens ?? sent.body.max_completion_tokens).toBe(200);
    expect(sent.body.messages).toEqual([
      { role: 'system', content: 'You write captions.' },
      { role: 'user', content: 'Write a caption about the harbour.' },
    ]);

    const events = await taskEvents(test, task.id);
    const output = logLines(events, 'model output');
    expect(output.map((line) => line.data.text).join('')).toBe(REPLY_TEXT);
    // 44 content chunks arrive within one batching interval, so far fewer lines are written.
    expect(output.length).toBeGreaterThanOrEqual(1);
    expect(output.length).toBeLessThan(Array.from(REPLY_TEXT).length / 2);
    expect(logLines(events, 'model usage')[0]?.data).toEqual({ inputTokens: 21, outputTokens: 14 });

    const ledger = await taskLedger(test, task.id);
    expect(sumOf(ledger, 'capture')).toBe(Math.ceil(35 * TEST_PRICE_PER_TOKEN));
    const charged = events.find((event) => event.type === 'task.charged')?.data as { captured: number; units: number };
    expect(charged.units).toBe(35);
    expect(charged.captured).toBe(18);

    const metrics = await test.studio.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/ai_provider_request_duration_seconds_count\{provider="openai",model="gpt-test"\} 1/);
  });

  it('returns valid structured output', async () => {
    await startStudio();
    const schema = { type: 'object', required: ['title', 'tags'], properties: { title: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } } };
    fake.enqueue({ text: '{"title":"Amanhecer no porto","tags":["mar","barcos"]}' });
    const graphId = await createOneNodeGraph(test, chatNode({ prompt: 'Describe the post as JSON.', outputSchema: schema }));

    const { run, tasks } = await runToEnd(test, graphId);

    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
    expect((tasks.get('chat')!.output?.out as { data: unknown }).data).toEqual({ title: 'Amanhecer no porto', tags: ['mar', 'barcos'] });
    expect(fake.requests[0].body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'output', schema, strict: false },
    });
  });

  it('rejects structured output mismatch', async () => {
    await startStudio();
    fake.enqueue({ text: '{"title":42}' }, { text: 'not json at all' });
    const schema = { type: 'object', required: ['title'], properties: { title: { type: 'string' } } };
    const graphId = await createOneNodeGraph(test, chatNode({ prompt: 'JSON please', outputSchema: schema, cache: false }));

    const mismatch = await runToEnd(test, graphId);
    const notJson = await runToEnd(test, graphId);

    const mismatchError = mismatch.tasks.get('chat')!.error;
    expect(mismatchError?.code).toBe('AI_OUTPUT_INVALID');
    expect(mismatchError?.message).toContain('/title');
    const notJsonError = notJson.tasks.get('chat')!.error;
    expect(notJsonError?.code).toBe('AI_OUTPUT_INVALID');
    expect(notJsonError?.message).toContain('not JSON');
  });

  it('keeps Unicode byte for byte', async () => {
    await startStudio();
    const topic = 'Olá, café à beira-mar — naïve façade 🚀👩‍👩‍👧 مرحبا بالعالم שלום עולם';
    const replyText = 'Legenda: café ☕️ ao amanhecer 🌅 — مرحبا — שלום — 𝔘𝔫𝔦𝔠𝔬𝔡𝔢';
    fake.enqueue({ text: replyText, chunkSize: 1 });
    const graphId = await createOneNodeGraph(test, chatNode({ prompt: 'Topic: {{ input.topic }}' }));

    const { runId, run, tasks } = await runToEnd(test, graphId, { topic });

    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
    const sent = fake.requests[0];
    expect(sent.body.messages[0].content).toBe(`Topic: ${topic}`);
    expect(sent.raw.includes(Buffer.from(`Topic: ${topic}`, 'utf8'))).toBe(true);
    expect((tasks.get('chat')!.output?.out as { text: string }).text).toBe(replyText);

    const reply = await request(test, { method: 'GET', url: `/v1/runs/${runId}` });
    expect(reply.raw.rawPayload.includes(Buffer.from(replyText, 'utf8'))).toBe(true);
    const apiTask = (reply.body.tasks as Array<{ nodeId: string; output: { out: { text: string } } }>).find((item) => item.nodeId === 'chat');
    expect(apiTask?.output.out.text).toBe(replyText);
  });

  it('retries 429 after retry-after', async () => {
    await startStudio();
    fake.enqueue(
      { status: 429, headers: { 'retry-after': '1' }, error: { message: 'Rate limit reached for requests', type: 'requests', code: 'rate_limit_exceeded' } },
      { text: 'second time lucky' },
    );
    const graphId = await createOneNodeGraph(
      test,
      chatNode({ prompt: 'hello' }, { retry: { maxAttempts: 2, backoff: 'fixed', delayMs: 10 } }),
    );

    const { run, tasks } = await runToEnd(test, graphId);

    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
    const task = tasks.get('chat')!;
    expect(task.attempts).toBe(2);
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[1].receivedAt - fake.requests[0].receivedAt).toBeGreaterThanOrEqual(950);
    const retrying = (await taskEvents(test, task.id)).find((event) => event.type === 'task.retrying')?.data as {
      delayMs: number;
      error: { code: string; retryable: boolean };
    };
    expect(retrying.error.code).toBe('AI_PROVIDER_RATE_LIMITED');
    expect(retrying.error.retryable).toBe(true);
    expect(retrying.delayMs).toBeGreaterThanOrEqual(1000);
  });

  it('codes auth failure without leaking key', async () => {
    const wrongKey = 'sk-wrong-secret-key-ABCDEF123456';
    await startStudio({ OPENAI_API_KEY: wrongKey });
    const graphId = await createOneNodeGraph(test, chatNode({ prompt: 'hello' }));

    const { runId, run, tasks } = await runToEnd(test, graphId);

    expect(run.status).toBe('failed');
    const task = tasks.get('chat')!;
    expect(task.error?.code).toBe('AI_PROVIDER_AUTH_FAILED');
    expect(task.error?.retryable).toBe(false);
    expect(task.error?.message).toContain('Incorrect API key provided');
    expect(fake.requests[0].headers.authorization).toBe(`Bearer ${wrongKey}`);
    for (const url of [`/v1/runs/${runId}`, `/v1/runs/${runId}/events`, `/v1/tasks/${task.id}`, `/v1/tasks/${task.id}/logs`]) {
      const reply = await request(test, { method: 'GET', url });
      expect(reply.status, url).toBe(200);
      expect(reply.raw.body, url).not.toContain(wrongKey);
    }
  });

  it('times out slow provider', async () => {
    await startStudio({ AI_REQUEST_TIMEOUT_MS: '500' });
    fake.enqueue({ text: 'too late', delayMs: 5000 });
    const graphId = await createOneNodeGraph(test, chatNode({ prompt: 'hello' }));

    const { tasks } = await runToEnd(test, graphId);

    const error = tasks.get('chat')!.error;
    expect(error?.code).toBe('AI_PROVIDER_TIMEOUT');
    expect(error?.retryable).toBe(true);
  });

  it('reports unconfigured provider', async () => {
    test = await startTestStudio({ OPENAI_BASE_URL: fake.baseUrl });
    await topUp(test, 100);

    const types = await request<{ items: Array<{ type: string; providers?: Array<{ name: string; configured: boolean; models: string[] }> }> }>(test, {
      method: 'GET',
      url: '/v1/node-types',
    });
    const chat = types.body.items.find((item) => item.type === 'ai/chat@1');
    expect(chat?.providers?.find((provider) => provider.name === 'openai')?.configured).toBe(false);
    expect(chat?.providers?.find((provider) => provider.name === 'openai')?.models.length).toBeGreaterThan(0);
    expect(types.raw.body).not.toContain(PLATFORM_KEY);

    const graphId = await createOneNodeGraph(test, chatNode({ prompt: 'hello' }));
    const { tasks } = await runToEnd(test, graphId);

    expect(tasks.get('chat')!.error?.code).toBe('AI_PROVIDER_NOT_CONFIGURED');
    expect(fake.requests).toHaveLength(0);
  });

  it('lists configured provider', async () => {
    await startStudio();

    const types = await request<{ items: Array<{ type: string; configSchema: object; providers?: Array<{ name: string; configured: boolean }> }> }>(test, {
      method: 'GET',
      url: '/v1/node-types',
    });

    const chat = types.body.items.find((item) => item.type === 'ai/chat@1');
    expect(chat?.configSchema).toMatchObject({ required: ['model', 'prompt'] });
    expect(chat?.providers?.find((provider) => provider.name === 'openai')?.configured).toBe(true);
    expect(chat?.providers?.find((provider) => provider.name === 'gemini')?.configured).toBe(false);
    expect(types.raw.body).not.toContain(PLATFORM_KEY);
  });

  it('serves identical request from cache', async () => {
    await startStudio();
    fake.enqueue({ text: 'cached caption', usage: { prompt_tokens: 8, completion_tokens: 4 } });
    const graphId = await createOneNodeGraph(test, chatNode({ prompt: 'Caption for {{ input.topic }}', temperature: 0 }));

    const first = await runToEnd(test, graphId, { topic: 'boats' });
    const balanceAfterFirst = await balanceOf(test);
    const second = await runToEnd(test, graphId, { topic: 'boats' });

    expect(second.run.status, JSON.stringify(second.run.error)).toBe('succeeded');
    expect(fake.requests).toHaveLength(1);
    const firstTask = first.tasks.get('chat')!;
    const secondTask = second.tasks.get('chat')!;
    expect(secondTask.output?.out).toEqual({ ...(firstTask.output?.out as object), cached: true });
    expect(logLines(await taskEvents(test, secondTask.id), 'cache hit: stored result returned without a provider request')).toHaveLength(1);
    expect(sumOf(await taskLedger(test, firstTask.id), 'capture')).toBe(6);
    expect(sumOf(await taskLedger(test, secondTask.id), 'capture')).toBe(0);
    expect(await balanceOf(test)).toBe(balanceAfterFirst);
  });

  it('calls provider again for other input', async () => {
    await startStudio();
    fake.enqueue({ text: 'one' }, { text: 'two' });
    const graphId = await createOneNodeGraph(test, chatNode({ prompt: 'Caption for {{ input.topic }}' }));

    await runToEnd(test, graphId, { topic: 'boats' });
    const other = await runToEnd(test, graphId, { topic: 'gulls' });

    expect(fake.requests).toHaveLength(2);
    expect((other.tasks.get('chat')!.output?.out as { text: string; cached: boolean })).toMatchObject({ text: 'two', cached: false });
  });

  it('skips cache when node opts out', async () => {
    await startStudio();
    fake.enqueue({ text: 'first' }, { text: 'second' });
    const graphId = await createOneNodeGraph(test, chatNode({ prompt: 'same prompt', cache: false }));

    const first = await runToEnd(test, graphId);
    const second = await runToEnd(test, graphId);

    expect(fake.requests).toHaveLength(2);
    expect((first.tasks.get('chat')!.output?.out as { text: string }).text).toBe('first');
    expect((second.tasks.get('chat')!.output?.out as { text: string; cached: boolean })).toMatchObject({ text: 'second', cached: false });
    expect(sumOf(await taskLedger(test, second.tasks.get('chat')!.id), 'capture')).toBeGreaterThan(0);
  });

  it('maps server error to unavailable', async () => {
    await startStudio();
    fake.enqueue({ status: 503, error: { message: 'The server is overloaded', type: 'server_error', code: null } });
    const graphId = await createOneNodeGraph(test, chatNode({ prompt: 'hello' }));

    const { tasks } = await runToEnd(test, graphId);

    const error = tasks.get('chat')!.error;
    expect(error?.code).toBe('AI_PROVIDER_UNAVAILABLE');
    expect(error?.retryable).toBe(true);
    expect(error?.message).toContain('overloaded');
  });

  it('maps bad request error', async () => {
    await startStudio();
    fake.enqueue({ status: 400, error: { message: "The model 'gpt-test' does not exist", type: 'invalid_request_error', code: 'model_not_found' } });
    const graphId = await createOneNodeGraph(test, chatNode({ prompt: 'hello' }));

    const { tasks } = await runToEnd(test, graphId);

    const error = tasks.get('chat')!.error;
    expect(error?.code).toBe('AI_PROVIDER_BAD_REQUEST');
    expect(error?.retryable).toBe(false);
  });

  it('uses own credential at own price', async () => {
    const ownKey = 'sk-own-user-key-9876543210zyx';
    const ownFake = await startFakeOpenAi(ownKey);
    try {
      const pricing = JSON.stringify({ 'ai/chat@1': { perUnit: TEST_PRICE_PER_TOKEN, ownCredential: { perUnit: 0.25 } } });
      await startStudio({ CREDITS_PRICING: pricing });
      const stored = await request<{ id: string }>(test, {
        method: 'POST',
        url: '/v1/credentials',
        payload: { name: 'my key', type: 'ai/openai', values: { apiKey: ownKey, baseUrl: ownFake.baseUrl } },
      });
      expect(stored.status, stored.raw.body).toBe(201);
      ownFake.enqueue({ text: `echo ${ownKey}`, usage: { prompt_tokens: 10, completion_tokens: 10 } });
      const graphId = await createOneNodeGraph(test, chatNode({ prompt: 'hello', cache: false }, { credentials: { model: stored.body.id } }));

      const { runId, run, tasks } = await runToEnd(test, graphId);

      expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
      expect(fake.requests).toHaveLength(0);
      expect(ownFake.requests[0].headers.authorization).toBe(`Bearer ${ownKey}`);
      const task = tasks.get('chat')!;
      expect((task.output?.out as { text: string }).text).toBe('echo [redacted]');
      expect(sumOf(await taskLedger(test, task.id), 'capture')).toBe(5);
      const reply = await request(test, { method: 'GET', url: `/v1/runs/${runId}/events` });
      expect(reply.raw.body).not.toContain(ownKey);
    } finally {
      await ownFake.close();
    }
  });

  it('rejects credential of other provider', async () => {
    await startStudio();
    const stored = await request<{ id: string }>(test, {
      method: 'POST',
      url: '/v1/credentials',
      payload: { name: 'gemini key', type: 'ai/gemini', values: { apiKey: 'gm-key-1234567890' } },
    });
    expect(stored.status, stored.raw.body).toBe(201);
    const graphId = await createOneNodeGraph(test, chatNode({ prompt: 'hello' }, { credentials: { model: stored.body.id } }));

    const { tasks } = await runToEnd(test, graphId);

    expect(tasks.get('chat')!.error?.code).toBe('PLUGIN_CREDENTIAL_TYPE_MISMATCH');
    expect(fake.requests).toHaveLength(0);
  });

  it('estimates per-token price', async () => {
    await startStudio();
    const graphId = await createOneNodeGraph(test, chatNode({ prompt: 'hello' }));

    const reply = await request<{ nodes: Array<{ nodeId: string; perUnit: number; unit: string; maxUnits: number; min: number; max: number }> }>(test, {
      method: 'GET',
      url: `/v1/graphs/${graphId}/estimate`,
    });

    expect(reply.status, reply.raw.body).toBe(200);
    expect(reply.body.nodes[0]).toMatchObject({ nodeId: 'chat', perUnit: TEST_PRICE_PER_TOKEN, unit: 'token', maxUnits: 10_000, min: 0, max: 5000 });
  });

  it.each([
    ['gemini', { GOOGLE_API_KEY: PLATFORM_KEY, GEMINI_BASE_URL: 'BASE' }],
    ['openai-compatible', { OPENAI_COMPATIBLE_BASE_URL: 'BASE', OPENAI_COMPATIBLE_API_KEY: PLATFORM_KEY, OPENAI_COMPATIBLE_MODELS: 'llama3' }],
  ])('reaches %s provider', async (provider, env) => {
    const resolved = Object.fromEntries(Object.entries(env).map(([name, value]) => [name, value === 'BASE' ? fake.baseUrl : value]));
    test = await startTestStudio({ OPENAI_BASE_URL: fake.baseUrl, CREDITS_PRICING: TEST_PRICING, ...resolved });
    await topUp(test, 10_000);
    fake.enqueue({ text: `hello from ${provider}` });
    const graphId = await createOneNodeGraph(test, chatNode({ provider, model: 'model-x', prompt: 'hi' }));

    const { run, tasks } = await runToEnd(test, graphId);

    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
    expect(tasks.get('chat')!.output?.out).toMatchObject({ text: `hello from ${provider}`, provider, model: 'model-x' });
    expect(fake.requests[0].headers.authorization).toBe(`Bearer ${PLATFORM_KEY}`);
    expect(fake.requests[0].body.model).toBe('model-x');
  });
});
