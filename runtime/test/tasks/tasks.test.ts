/**
 * The task API through a real studio and SQLite: chat tasks against a local server that speaks
 * the OpenAI Chat Completions wire format, media tasks with stand-in provider plugins that store
 * artifacts. No request leaves 127.0.0.1.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PLATFORM_KEY, TEST_PRICING, topUp, balanceOf } from '../ai/support/ai-studio.js';
import { startFakeOpenAi, type FakeOpenAi } from '../ai/support/fake-openai.js';
import { expectError, request, type JsonReply } from '../support/http.js';
import { registerTestUser, startTestStudio, type TestStudio } from '../support/studio.js';
import { gradientPng, MEDIA_ACTION_CREDITS, mediaPluginPackage } from './support/media-plugin.js';

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

/** The body of `GET /v1/tasks/:id` that these tests read. */
interface TaskReply {
  task_id: string;
  status: string;
  credit_cost: number;
  result: { output: any; artifacts: Array<{ id: string; name: string; content_type: string; size: number; url: string }> } | null;
  error: { code: string; message: string } | null;
  runId: string;
  attemptHistory: unknown[];
  ledger: unknown[];
}

async function postTask(body: Record<string, unknown>, token?: string): Promise<JsonReply> {
  return request(test, { method: 'POST', url: '/v1/tasks', payload: body, ...(token === undefined ? {} : { token }) });
}

async function startTask(body: Record<string, unknown>): Promise<string> {
  const reply = await postTask(body);
  expect(reply.status, reply.raw.body).toBe(202);
  expect(reply.body.status).toBe('PENDING');
  return reply.body.task_id as string;
}

async function getTask(taskId: string): Promise<TaskReply> {
  const reply = await request<TaskReply>(test, { method: 'GET', url: `/v1/tasks/${taskId}` });
  expect(reply.status, reply.raw.body).toBe(200);
  return reply.body;
}

/** Polls the task until its status is one of `statuses`. */
async function waitForStatus(taskId: string, statuses: string[], timeoutMs = 20_000): Promise<TaskReply> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const task = await getTask(taskId);
    if (statuses.includes(task.status)) return task;
    if (Date.now() > deadline) throw new Error(`task ${taskId} is ${task.status}, expected ${statuses.join(' or ')}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Waits for the task's final status and for its run to end, so its charges are settled. */
async function waitForEnd(taskId: string): Promise<TaskReply> {
  const task = await waitForStatus(taskId, ['COMPLETED', 'FAILED']);
  const deadline = Date.now() + 20_000;
  while (test.studio.ctx.executor.isExecuting(task.runId) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  return getTask(taskId);
}

async function installPlugin(pluginPackage: object, token?: string): Promise<void> {
  const reply = await request(test, { method: 'POST', url: '/v1/plugins', payload: pluginPackage, ...(token === undefined ? {} : { token }) });
  expect(reply.status, reply.raw.body).toBe(201);
}

const CHAT = { task_type: 'chat_completion', provider: 'openai', model: 'gpt-test' };

describe('chat_completion', () => {
  it('moves PENDING, IN_PROGRESS, COMPLETED', async () => {
    // One run at a time, so the second task waits while the first streams its delayed reply.
    await startStudio({ RUN_CONCURRENCY: '1' });
    fake.enqueue({ text: 'first reply', delayMs: 1500 }, { text: 'A caption about the harbour.', usage: { prompt_tokens: 21, completion_tokens: 14 } });
    const before = await balanceOf(test);

    const first = await startTask({ ...CHAT, input: { prompt: 'warm up' } });
    const second = await startTask({ ...CHAT, input: { prompt: 'Write a caption.', system: 'You write captions.', temperature: 0.2, max_tokens: 100 } });

    const running = await waitForStatus(first, ['IN_PROGRESS']);
    expect(running.status).toBe('IN_PROGRESS');
    expect(running.result).toBeNull();
    const waiting = await getTask(second);
    expect(waiting.status).toBe('PENDING');
    expect(waiting.credit_cost).toBe(0);

    await waitForEnd(first);
    const done = await waitForEnd(second);
    expect(done.status).toBe('COMPLETED');
    expect(done.error).toBeNull();
    expect(done.result?.output.text).toBe('A caption about the harbour.');
    expect(done.result?.output.usage).toEqual({ inputTokens: 21, outputTokens: 14 });
    expect(done.result?.artifacts).toEqual([]);
    // 35 tokens at 0.5 credits each, rounded up to whole credits.
    expect(done.credit_cost).toBe(18);
    expect(done.task_id).toBe(second);

    const sent = fake.requests[1].body;
    expect(sent.model).toBe('gpt-test');
    expect(sent.temperature).toBe(0.2);
    expect(sent.messages).toEqual([
      { role: 'system', content: 'You write captions.' },
      { role: 'user', content: 'Write a caption.' },
    ]);
    const firstCost = (await getTask(first)).credit_cost;
    expect(await balanceOf(test)).toBe(before - firstCost - 18);
  });

  it('charges nothing on a cache hit', async () => {
    await startStudio();
    fake.enqueue({ text: 'cached caption', usage: { prompt_tokens: 8, completion_tokens: 4 } });
    const body = { ...CHAT, input: { prompt: 'Same prompt twice' } };

    const first = await waitForEnd(await startTask(body));
    const balance = await balanceOf(test);
    const second = await waitForEnd(await startTask(body));

    expect(first.credit_cost).toBe(6);
    expect(first.result?.output.cached).toBe(false);
    expect(second.status).toBe('COMPLETED');
    expect(second.result?.output.cached).toBe(true);
    expect(second.result?.output.text).toBe('cached caption');
    expect(second.credit_cost).toBe(0);
    expect(await balanceOf(test)).toBe(balance);
    expect(fake.requests).toHaveLength(1);
  });

  it('keeps Unicode byte for byte', async () => {
    await startStudio();
    const prompt = 'Olá, café à beira-mar — naïve façade 🚀👩‍👩‍👧 مرحبا بالعالم שלום עולם {{ not.a.placeholder }}';
    const replyText = 'Legenda: café ☕️ ao amanhecer 🌅 — مرحبا — שלום — 𝔘𝔫𝔦𝔠𝔬𝔡𝔢';
    fake.enqueue({ text: replyText, chunkSize: 1 });

    const done = await waitForEnd(await startTask({ ...CHAT, input: { prompt } }));

    expect(done.result?.output.text).toBe(replyText);
    expect(Buffer.from(done.result?.output.text, 'utf8').equals(Buffer.from(replyText, 'utf8'))).toBe(true);
    const sent = fake.requests[0];
    expect(sent.body.messages).toEqual([{ role: 'user', content: prompt }]);
    expect(sent.raw.includes(Buffer.from(JSON.stringify(prompt).slice(1, -1), 'utf8'))).toBe(true);
  });

  it('fails with the provider error code', async () => {
    await startStudio();
    fake.enqueue({ status: 400, error: { message: 'model not found', type: 'invalid_request_error', code: 'model_not_found' } });

    const done = await waitForEnd(await startTask({ ...CHAT, model: 'gpt-missing', input: { prompt: 'hello' } }));

    expect(done.status).toBe('FAILED');
    expect(done.error?.code).toBe('AI_PROVIDER_BAD_REQUEST');
    expect(done.result).toBeNull();
    expect(done.credit_cost).toBe(0);
  });
});

describe('media tasks', () => {
  it('text_to_image stores an artifact', async () => {
    await startStudio();
    await installPlugin(mediaPluginPackage('openai', ['generate-image', 'text-to-speech']));
    const before = await balanceOf(test);
    const prompt = 'Um farol ao entardecer 🌅 — منارة — מגדלור';

    const taskId = await startTask({ task_type: 'text_to_image', provider: 'openai', model: 'test-model-1', input: { prompt, size: '1024x1024', n: 1 } });
    const done = await waitForEnd(taskId);

    expect(done.status).toBe('COMPLETED');
    expect(done.credit_cost).toBe(MEDIA_ACTION_CREDITS);
    expect(await balanceOf(test)).toBe(before - MEDIA_ACTION_CREDITS);
    expect(done.result?.output.config).toEqual({ model: 'test-model-1', prompt, size: '1024x1024', n: 1 });
    const [artifact] = done.result!.artifacts;
    expect(artifact.content_type).toBe('image/png');
    expect(artifact.url).toBe(`/v1/artifacts/${artifact.id}`);
    const download = await request(test, { method: 'GET', url: artifact.url });
    expect(download.status).toBe(200);
    expect(download.raw.rawPayload.equals(gradientPng(96))).toBe(true);
    const meta = await request(test, { method: 'GET', url: `${artifact.url}/meta` });
    expect(meta.body.prompt).toBe(prompt);
    expect(meta.body.taskId).toBe(taskId);
  });

  it('text_to_video and text_to_speech store artifacts', async () => {
    await startStudio();
    await installPlugin(mediaPluginPackage('openai', ['generate-image', 'text-to-speech']));
    await installPlugin(mediaPluginPackage('piapi', ['generate-video']));

    const video = await waitForEnd(
      await startTask({ task_type: 'text_to_video', provider: 'piapi', model: 'test-model-2', input: { prompt: 'waves', duration_seconds: 5, aspect_ratio: '16:9' } }),
    );
    const speech = await waitForEnd(
      await startTask({ task_type: 'text_to_speech', provider: 'openai', model: 'test-model-1', input: { text: 'Olá, mundo', voice: 'alloy', format: 'wav' } }),
    );

    expect(video.status).toBe('COMPLETED');
    expect(video.result?.output.config).toEqual({ model: 'test-model-2', prompt: 'waves', durationSeconds: 5, aspectRatio: '16:9' });
    expect(video.result?.artifacts[0].content_type).toBe('video/mp4');
    expect(speech.status).toBe('COMPLETED');
    expect(speech.result?.output.config).toEqual({ model: 'test-model-1', text: 'Olá, mundo', voice: 'alloy', format: 'wav' });
    expect(speech.result?.artifacts[0].content_type).toBe('audio/wav');
  });

  it('fails with the action error code', async () => {
    await startStudio();
    await installPlugin(mediaPluginPackage('openai', ['generate-image']));

    const done = await waitForEnd(await startTask({ task_type: 'text_to_image', provider: 'openai', model: 'test-model-1', input: { prompt: 'something forbidden' } }));

    expect(done.status).toBe('FAILED');
    expect(done.error?.code).toBe('PROVIDER_CONTENT_REJECTED');
    expect(done.error?.message).toBe('the provider rejected the prompt');
    expect(done.credit_cost).toBe(0);
    expect(done.result).toBeNull();
  });

  it('picks the credential a provider requires', async () => {
    await startStudio();
    await installPlugin(mediaPluginPackage('elevenlabs', ['text-to-speech'], { credentialType: 'apiKey' }));
    const body = { task_type: 'text_to_speech', provider: 'elevenlabs', model: 'test-model-1', input: { text: 'hello' } };

    const rejected = await postTask(body);
    expectError(rejected, { status: 400, code: 'TASK_PROVIDER_NOT_CONFIGURED', pointer: '/body/provider' });
    expect(rejected.body.details.missingCredentialTypes).toEqual(['elevenlabs/apiKey']);

    const credential = await request(test, {
      method: 'POST',
      url: '/v1/credentials',
      payload: { name: 'ElevenLabs', type: 'elevenlabs/apiKey', values: { apiKey: 'el-key-0123456789' } },
    });
    expect(credential.status, credential.raw.body).toBe(201);
    const done = await waitForEnd(await startTask(body));

    expect(done.status).toBe('COMPLETED');
    expect(done.result?.output.credentialSlots).toEqual(['api']);
  });
});

describe('POST /v1/tasks', () => {
  it('rejects invalid input with pointers', async () => {
    await startStudio();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...CHAT, input: {} }, '/body/input/prompt'],
      [{ ...CHAT, input: { prompt: 'x', temperature: 'hot' } }, '/body/input/temperature'],
      [{ ...CHAT, input: { prompt: 'x', extra: true } }, '/body/input/extra'],
      [{ ...CHAT, input: { prompt: '' } }, '/body/input/prompt'],
      [{ task_type: 'text_to_image', provider: 'openai', model: 'm', input: { prompt: 'x', size: 'big' } }, '/body/input/size'],
      [{ task_type: 'text_to_speech', provider: 'openai', model: 'm', input: { prompt: 'x' } }, '/body/input/text'],
      [{ ...CHAT, task_type: 'text_to_music', input: { prompt: 'x' } }, '/body/task_type'],
      [{ task_type: 'chat_completion', provider: 'openai', input: { prompt: 'x' } }, '/body/model'],
      [{ ...CHAT, input: 'a prompt' }, '/body/input'],
    ];
    for (const [body, pointer] of cases) {
      const reply = await postTask(body);
      expectError(reply, { status: 400, code: 'REQUEST_INVALID', pointer });
    }
  });

  it('lists providers for an unknown one', async () => {
    await startStudio();

    const reply = await postTask({ task_type: 'text_to_speech', provider: 'acme', model: 'm', input: { text: 'hi' } });

    expectError(reply, { status: 400, code: 'TASK_PROVIDER_UNKNOWN', pointer: '/body/provider', message: 'elevenlabs, openai' });
    expect(reply.body.details.providers).toEqual(['elevenlabs', 'openai']);
  });

  it('rejects providers not installed or not configured', async () => {
    await startStudio();

    const video = await postTask({ task_type: 'text_to_video', provider: 'piapi', model: 'm', input: { prompt: 'waves' } });
    const gemini = await postTask({ ...CHAT, provider: 'gemini', input: { prompt: 'hi' } });

    expectError(video, { status: 400, code: 'TASK_PROVIDER_NOT_INSTALLED', pointer: '/body/provider', message: 'piapi/generate-video@1' });
    expectError(gemini, { status: 400, code: 'TASK_PROVIDER_NOT_CONFIGURED', pointer: '/body/provider' });
    expect(gemini.body.details.missingCredentialTypes).toEqual(['ai/gemini']);
  });

  it('maps action config problems to input fields', async () => {
    await startStudio();
    await installPlugin(mediaPluginPackage('openai', ['generate-image']));

    const reply = await postTask({ task_type: 'text_to_image', provider: 'openai', model: 'dall-e-9', input: { prompt: 'x' } });

    expectError(reply, { status: 400, code: 'REQUEST_INVALID', pointer: '/body/model' });
  });
});

describe('task ownership and types', () => {
  it('hides a task from another user', async () => {
    await startStudio();
    fake.enqueue({ text: 'mine' });
    const taskId = await startTask({ ...CHAT, input: { prompt: 'private' } });
    const other = await registerTestUser(test);

    const reply = await request(test, { method: 'GET', url: `/v1/tasks/${taskId}`, token: other.accessToken });
    const logs = await request(test, { method: 'GET', url: `/v1/tasks/${taskId}/logs`, token: other.accessToken });

    expectError(reply, { status: 404, code: 'TASK_NOT_FOUND', pointer: '/params/id' });
    expectError(logs, { status: 404, code: 'TASK_NOT_FOUND', pointer: '/params/id' });
    expect((await waitForEnd(taskId)).status).toBe('COMPLETED');
  });

  it('lists task types with availability', async () => {
    await startStudio();
    const other = await registerTestUser(test);
    // A private plugin of another user provides nothing to the first account.
    await installPlugin(mediaPluginPackage('piapi', ['generate-video']), other.accessToken);

    const reply = await request(test, { method: 'GET', url: '/v1/task-types' });
    const theirs = await request(test, { method: 'GET', url: '/v1/task-types', token: other.accessToken });

    expect(reply.status).toBe(200);
    const byType = new Map<string, any>(reply.body.items.map((item: any) => [item.task_type, item]));
    expect([...byType.keys()]).toEqual(['chat_completion', 'text_to_image', 'text_to_video', 'text_to_speech']);
    const chat = byType.get('chat_completion').providers;
    expect(chat.map((provider: any) => [provider.provider, provider.available])).toEqual([
      ['openai', true],
      ['gemini', false],
      ['openai-compatible', false],
    ]);
    expect(chat[0].node_type).toBe('ai/chat@1');
    expect(chat[0].models.length).toBeGreaterThan(0);
    expect(byType.get('chat_completion').input_schema.required).toEqual(['prompt']);
    const video = byType.get('text_to_video').providers[0];
    expect(video).toMatchObject({ provider: 'piapi', installed: false, available: false });
    const theirVideo = theirs.body.items.find((item: any) => item.task_type === 'text_to_video').providers[0];
    expect(theirVideo).toMatchObject({ provider: 'piapi', installed: true, configured: true, available: true, models: ['test-model-1', 'test-model-2'] });
  });

  it('keeps graph task fields', async () => {
    await startStudio();
    fake.enqueue({ text: 'graph-free' });
    const taskId = await startTask({ ...CHAT, input: { prompt: 'fields' } });
    const done = await waitForEnd(taskId);

    expect(done.runId).toMatch(/^run_/);
    expect(done.attemptHistory).toHaveLength(1);
    expect(done.ledger.length).toBeGreaterThan(0);
    const run = await request(test, { method: 'GET', url: `/v1/runs/${done.runId}` });
    expect(run.body.trigger).toBe('playground');
    expect(run.body.graphId).toBe('playground');
    expect(run.body.status).toBe('succeeded');
    expect(run.body.tasks.map((task: any) => task.id)).toEqual([taskId]);
    expect(run.body.input.input).toEqual({ prompt: 'fields' });
  });
});
