/**
 * The task API through a real studio and SQLite: chat tasks against a local server that speaks
 * the OpenAI Chat Completions wire format, media tasks with the bundled provider plugins in the
 * real sandbox against local servers that speak the OpenAI, PiAPI and ElevenLabs wire formats.
 * No request leaves 127.0.0.1.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PLATFORM_KEY, TEST_PRICING, topUp, balanceOf } from '../ai/support/ai-studio.js';
import { startFakeOpenAi, type FakeOpenAi } from '../ai/support/fake-openai.js';
import { elevenlabsSpeechBytes, startFakeElevenLabs, type FakeElevenLabs } from '../support/fake-providers/elevenlabs.js';
import { openaiError, openaiImageBytes, openaiSpeechBytes, startFakeOpenAiMedia, type FakeOpenAiMedia } from '../support/fake-providers/openai.js';
import { piapiVideoBytes, startFakePiApi, type FakePiApi } from '../support/fake-providers/piapi.js';
import { expectError, request, type JsonReply } from '../support/http.js';
import { registerTestUser, startTestStudio, type TestStudio } from '../support/studio.js';
import { allowPrivatePorts, installProviderPlugins, startOpenAiRouter, type OpenAiRouter, type ProviderPluginName } from './support/provider-plugins.js';

const PIAPI_KEY = 'piapi-platform-key-0123456789';
const ELEVENLABS_KEY = 'xi-platform-key-0123456789';
const ELEVENLABS_USER_KEY = 'xi-user-own-key-9876543210';
/** A voice id of the form ElevenLabs uses: `^[A-Za-z0-9]{1,64}$`. */
const VOICE_ID = 'JBFqnCBsd6RMkjVDRZzb';

let fake: FakeOpenAi;
let media: FakeOpenAiMedia;
let router: OpenAiRouter;
let piapi: FakePiApi;
let elevenlabs: FakeElevenLabs;
let elevenlabsUser: FakeElevenLabs;
let test: TestStudio;

beforeAll(async () => {
  fake = await startFakeOpenAi(PLATFORM_KEY);
  media = await startFakeOpenAiMedia(PLATFORM_KEY);
  router = await startOpenAiRouter(fake.origin, media.origin);
  piapi = await startFakePiApi(PIAPI_KEY);
  elevenlabs = await startFakeElevenLabs(ELEVENLABS_KEY);
  elevenlabsUser = await startFakeElevenLabs(ELEVENLABS_USER_KEY);
});

afterAll(async () => {
  await router.close();
  await fake.close();
  await media.close();
  await piapi.close();
  await elevenlabs.close();
  await elevenlabsUser.close();
});

afterEach(async () => {
  await test?.close();
  fake.requests.length = 0;
  media.reset();
  piapi.reset();
  elevenlabs.reset();
  elevenlabsUser.reset();
});

/** Platform keys and base URLs of the media providers, as an operator sets them. */
function providerEnv(): Record<string, string> {
  return { PIAPI_API_KEY: PIAPI_KEY, PIAPI_BASE_URL: piapi.baseUrl, ELEVENLABS_API_KEY: ELEVENLABS_KEY, ELEVENLABS_BASE_URL: elevenlabs.baseUrl };
}

/**
 * Starts a studio whose OpenAI base URL serves both the chat and the media fake, installs the
 * bundled provider `plugins` and lets them reach the fakes on 127.0.0.1. `env` adds to or
 * overrides the OpenAI settings; the other providers get only the variables `env` sets.
 */
async function startStudio(env: Record<string, string> = {}, plugins: ProviderPluginName[] = []): Promise<TestStudio> {
  test = await startTestStudio({
    OPENAI_API_KEY: PLATFORM_KEY,
    OPENAI_BASE_URL: router.baseUrl,
    CREDITS_PRICING: TEST_PRICING,
    HTTP_ALLOW_PRIVATE: allowPrivatePorts([router.port, piapi.port, elevenlabs.port, elevenlabsUser.port]),
    ...env,
  });
  await installProviderPlugins(test, plugins);
  await topUp(test, 10_000);
  return test;
}

/** Returns the bytes and content type of an artifact as `GET /v1/artifacts/:id` sends it. */
async function downloadArtifact(id: string): Promise<{ bytes: Buffer; contentType: string }> {
  const reply = await request(test, { method: 'GET', url: `/v1/artifacts/${id}` });
  expect(reply.status, reply.raw.body).toBe(200);
  return { bytes: reply.raw.rawPayload, contentType: String(reply.headers['content-type']) };
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
    await startStudio({}, ['openai']);
    const before = await balanceOf(test);
    const prompt = 'Um farol ao entardecer 🌅 — منارة — מגדלור, {{ input.input.prompt }} e {{ nada }} como digitados';

    const taskId = await startTask({ task_type: 'text_to_image', provider: 'openai', model: 'gpt-image-1', input: { prompt, size: '1024x1024', n: 1 } });
    const done = await waitForEnd(taskId);

    expect(done.status, JSON.stringify(done.error)).toBe('COMPLETED');
    expect(media.requests).toHaveLength(1);
    expect(media.requests[0].path).toBe('/v1/images/generations');
    expect(media.requests[0].body).toEqual({ model: 'gpt-image-1', prompt, n: 1, size: '1024x1024' });
    // openai/generate-image@1 costs 4 credits per image.
    expect(done.credit_cost).toBe(4);
    expect(await balanceOf(test)).toBe(before - 4);
    expect(done.result?.output.prompt).toBe(prompt);
    expect(done.result?.output.model).toBe('gpt-image-1');
    expect(done.result?.output.images).toHaveLength(1);
    const [artifact] = done.result!.artifacts;
    expect(done.result?.output.images[0].id).toBe(artifact.id);
    expect(artifact.content_type).toBe('image/png');
    expect(artifact.url).toBe(`/v1/artifacts/${artifact.id}`);
    const download = await downloadArtifact(artifact.id);
    expect(download.contentType).toBe('image/png');
    expect(download.bytes.equals(openaiImageBytes(prompt, 1))).toBe(true);
    const meta = await request(test, { method: 'GET', url: `${artifact.url}/meta` });
    expect(meta.body.prompt).toBe(prompt);
    expect(meta.body.model).toBe('gpt-image-1');
    expect(meta.body.taskId).toBe(taskId);
  });

  it('text_to_video polls piapi and stores the video', async () => {
    await startStudio(providerEnv(), ['piapi']);
    // The fake completes the task at the first poll, so the action does not sleep between polls.
    piapi.plan({ pollsUntilDone: 0 });

    const done = await waitForEnd(
      await startTask({ task_type: 'text_to_video', provider: 'piapi', model: 'kling', input: { prompt: 'waves 🌊', duration_seconds: 5, aspect_ratio: '16:9' } }),
    );

    expect(done.status, JSON.stringify(done.error)).toBe('COMPLETED');
    const created = piapi.requests.find((received) => received.method === 'POST');
    expect(created?.body).toEqual({ model: 'kling', task_type: 'video_generation', input: { prompt: 'waves 🌊', duration: 5, aspect_ratio: '16:9' } });
    expect(created?.headers['x-api-key']).toBe(PIAPI_KEY);
    const output = done.result?.output;
    expect(output.polls).toBe(1);
    expect(output.model).toBe('kling');
    // piapi/generate-video@1 costs 10 credits per second of video.
    expect(done.credit_cost).toBe(50);
    const [artifact] = done.result!.artifacts;
    expect(artifact.id).toBe(output.video.id);
    expect(artifact.content_type).toBe('video/mp4');
    const download = await downloadArtifact(artifact.id);
    expect(download.contentType).toBe('video/mp4');
    expect(download.bytes.equals(piapiVideoBytes(output.taskId, 'waves 🌊'))).toBe(true);
  });

  it('text_to_speech stores audio of both providers', async () => {
    await startStudio(providerEnv(), ['openai', 'elevenlabs']);

    const openai = await waitForEnd(
      await startTask({ task_type: 'text_to_speech', provider: 'openai', model: 'gpt-4o-mini-tts', input: { text: 'Olá, mundo', voice: 'alloy', format: 'wav' } }),
    );
    const eleven = await waitForEnd(
      await startTask({ task_type: 'text_to_speech', provider: 'elevenlabs', model: 'eleven_multilingual_v2', input: { text: 'Olá, mundo', voice: VOICE_ID, format: 'mp3' } }),
    );

    expect(openai.status, JSON.stringify(openai.error)).toBe('COMPLETED');
    expect(media.requests[0].path).toBe('/v1/audio/speech');
    expect(media.requests[0].body).toMatchObject({ model: 'gpt-4o-mini-tts', input: 'Olá, mundo', voice: 'alloy', response_format: 'wav' });
    const openaiAudio = openai.result!.artifacts[0];
    expect(openaiAudio.content_type).toBe('audio/wav');
    expect((await downloadArtifact(openaiAudio.id)).bytes.equals(openaiSpeechBytes('Olá, mundo'))).toBe(true);

    expect(eleven.status, JSON.stringify(eleven.error)).toBe('COMPLETED');
    const sent = elevenlabs.requests[0];
    expect(sent.path).toBe(`/v1/text-to-speech/${VOICE_ID}`);
    // The task's `format: "mp3"` is ElevenLabs' `mp3_44100_128`.
    expect(sent.query.get('output_format')).toBe('mp3_44100_128');
    expect(sent.body).toEqual({ text: 'Olá, mundo', model_id: 'eleven_multilingual_v2' });
    expect(eleven.result?.output.voiceId).toBe(VOICE_ID);
    const elevenAudio = eleven.result!.artifacts[0];
    expect(elevenAudio.content_type).toBe('audio/mpeg');
    expect((await downloadArtifact(elevenAudio.id)).bytes.equals(elevenlabsSpeechBytes(VOICE_ID, 'Olá, mundo'))).toBe(true);
  });

  it('fails with the provider error code', async () => {
    await startStudio({}, ['openai']);
    media.enqueue(openaiError(400, 'Your request was rejected as a result of our safety system.', 'invalid_request_error', 'moderation_blocked'));

    const done = await waitForEnd(await startTask({ task_type: 'text_to_image', provider: 'openai', model: 'gpt-image-1', input: { prompt: 'something forbidden' } }));

    expect(done.status).toBe('FAILED');
    expect(done.error?.code).toBe('AI_PROVIDER_BAD_REQUEST');
    expect(done.error?.message).toContain('rejected as a result of our safety system');
    expect(done.credit_cost).toBe(0);
    expect(done.result).toBeNull();
  });

  it('picks the credential a provider requires', async () => {
    // No ELEVENLABS_API_KEY: each user needs a credential of their own.
    await startStudio({}, ['elevenlabs']);
    const body = { task_type: 'text_to_speech', provider: 'elevenlabs', model: 'eleven_multilingual_v2', input: { text: 'hello', voice: VOICE_ID } };

    const rejected = await postTask(body);
    expectError(rejected, { status: 400, code: 'TASK_PROVIDER_NOT_CONFIGURED', pointer: '/body/provider' });
    expect(rejected.body.details.missingCredentialTypes).toEqual(['elevenlabs/apiKey']);

    const credential = await request(test, {
      method: 'POST',
      url: '/v1/credentials',
      payload: { name: 'ElevenLabs', type: 'elevenlabs/apiKey', values: { apiKey: ELEVENLABS_USER_KEY, baseUrl: elevenlabsUser.baseUrl } },
    });
    expect(credential.status, credential.raw.body).toBe(201);
    const done = await waitForEnd(await startTask(body));

    expect(done.status, JSON.stringify(done.error)).toBe('COMPLETED');
    expect(elevenlabsUser.requests).toHaveLength(1);
    expect(elevenlabsUser.requests[0].headers['xi-api-key']).toBe(ELEVENLABS_USER_KEY);
    expect(elevenlabs.requests).toHaveLength(0);
    expect(done.result?.artifacts[0].content_type).toBe('audio/mpeg');
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
    await startStudio(providerEnv(), ['openai', 'piapi', 'elevenlabs']);
    // Each input passes the task type's schema and breaks the action's config schema.
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ task_type: 'text_to_image', provider: 'openai', model: 'gpt-image-1', input: { prompt: 'x', size: '100x100' } }, '/body/input/size'],
      [{ task_type: 'text_to_image', provider: 'openai', model: 'm'.repeat(101), input: { prompt: 'x' } }, '/body/model'],
      [{ task_type: 'text_to_video', provider: 'piapi', model: 'kling', input: { prompt: 'x', duration_seconds: 30 } }, '/body/input/duration_seconds'],
      [{ task_type: 'text_to_speech', provider: 'elevenlabs', model: 'eleven_multilingual_v2', input: { text: 'x', voice: 'Rachel (warm)' } }, '/body/input/voice'],
      [{ task_type: 'text_to_speech', provider: 'elevenlabs', model: 'eleven_multilingual_v2', input: { text: 'x' } }, '/body/input/voice'],
    ];
    for (const [body, pointer] of cases) {
      const reply = await postTask(body);
      expectError(reply, { status: 400, code: 'REQUEST_INVALID', pointer });
    }
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
    // PiAPI has a platform key, ElevenLabs none, and the Google plugin is not installed.
    await startStudio({ PIAPI_API_KEY: PIAPI_KEY, PIAPI_BASE_URL: piapi.baseUrl }, ['openai', 'piapi', 'elevenlabs']);
    const other = await registerTestUser(test);
    const credential = await request(test, {
      method: 'POST',
      url: '/v1/credentials',
      payload: { name: 'ElevenLabs', type: 'elevenlabs/apiKey', values: { apiKey: ELEVENLABS_USER_KEY } },
      token: other.accessToken,
    });
    expect(credential.status, credential.raw.body).toBe(201);

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
    const [openaiImage, googleImage] = byType.get('text_to_image').providers;
    expect(openaiImage).toMatchObject({ provider: 'openai', node_type: 'openai/generate-image@1', installed: true, configured: true, available: true, models: ['gpt-image-1'] });
    expect(googleImage).toMatchObject({ provider: 'google', installed: false, configured: false, available: false });
    const video = byType.get('text_to_video').providers[0];
    expect(video).toMatchObject({ provider: 'piapi', installed: true, configured: true, available: true, models: ['kling'] });
    const speech = byType.get('text_to_speech').providers[0];
    expect(speech).toMatchObject({ provider: 'elevenlabs', installed: true, configured: false, available: false, missing_credential_types: ['elevenlabs/apiKey'] });
    // A credential of the user's own configures the provider for that user only.
    const theirSpeech = theirs.body.items.find((item: any) => item.task_type === 'text_to_speech').providers[0];
    expect(theirSpeech).toMatchObject({ provider: 'elevenlabs', installed: true, configured: true, available: true, missing_credential_types: [] });
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
