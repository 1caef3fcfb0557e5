/**
 * The `openai` plugin through a real studio (SQLite, the sandbox pool, the HTTP gateway)
 * against a local server that speaks the OpenAI Images and Audio wire format.
 */
import { describe, expect, it } from 'vitest';
import { openaiError, openaiImageBytes, openaiSpeechBytes, startFakeOpenAiMedia } from '../support/fake-providers/openai.js';
import { pngBytes } from '../support/fake-providers/fake-server.js';
import {
  artifactMeta,
  downloadArtifact,
  expectNoSecret,
  linesOf,
  nodeTypeOf,
  runNode,
  storeCredential,
  taskLog,
  UNICODE_PROMPT,
} from './support.js';
import { useProviderStudio } from '../tasks/support/provider-studio.js';

const PLATFORM_KEY = 'sk-platform-openai-0123456789';
const USER_KEY = 'sk-user-own-key-9876543210';

const provider = useProviderStudio({
  plugin: 'openai',
  startFakes: async () => ({ fake: await startFakeOpenAiMedia(PLATFORM_KEY), userFake: await startFakeOpenAiMedia(USER_KEY) }),
  platformEnv: ({ fake }) => ({ OPENAI_API_KEY: PLATFORM_KEY, OPENAI_BASE_URL: fake.baseUrl }),
});

describe('openai/generate-image', () => {
  it('stores images with unicode prompt', async () => {
    const test = await provider.start();

    const { run, task, output } = await runNode(test, { type: 'openai/generate-image@1', config: { prompt: '{{ input.prompt }}', model: 'gpt-image-1', n: 2, quality: 'low' } }, { prompt: UNICODE_PROMPT });

    expect(run.status, JSON.stringify(task.error)).toBe('succeeded');
    const sent = provider.fake.requests[0];
    expect(sent.method).toBe('POST');
    expect(sent.path).toBe('/v1/images/generations');
    expect(sent.headers.authorization).toBe(`Bearer ${PLATFORM_KEY}`);
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.body).toEqual({ model: 'gpt-image-1', prompt: UNICODE_PROMPT, n: 2, size: '1024x1024', quality: 'low' });
    expect(sent.raw.includes(Buffer.from(UNICODE_PROMPT, 'utf8'))).toBe(true);

    expect(output.prompt).toBe(UNICODE_PROMPT);
    expect(output.images).toHaveLength(2);
    for (const [index, image] of output.images.entries()) {
      const { bytes, contentType } = await downloadArtifact(test, image.id);
      expect(contentType).toBe('image/png');
      expect(bytes.equals(openaiImageBytes(UNICODE_PROMPT, index + 1))).toBe(true);
      const meta = await artifactMeta(test, image.id);
      expect(meta.prompt).toBe(UNICODE_PROMPT);
      expect(meta.model).toBe('gpt-image-1');
    }
    const charged = (await taskLog(test, task.id)).events.find((event) => event.type === 'task.charged')?.data as { units: number; captured: number };
    expect(charged.units).toBe(2);
    expect(charged.captured).toBe(8);
    await expectNoSecret(test, task.id, PLATFORM_KEY);
  });

  it('asks dall-e for b64_json', async () => {
    const test = await provider.start();

    const { run, output } = await runNode(test, { type: 'openai/generate-image@1', config: { prompt: 'a red kite', model: 'dall-e-3', quality: 'hd', size: '1792x1024' } });

    expect(run.status).toBe('succeeded');
    expect(provider.fake.requests[0].body.response_format).toBe('b64_json');
    expect(output.revisedPrompts).toEqual(['a red kite']);
  });

  it('downloads images sent as url', async () => {
    const test = await provider.start();
    const bytes = pngBytes('served-by-url');
    provider.fake.enqueue({ json: { created: 1, data: [{ url: provider.fake.serveFile('remote.png', bytes) }] } });

    const { run, output } = await runNode(test, { type: 'openai/generate-image@1', config: { prompt: 'a kite' } });

    expect(run.status).toBe('succeeded');
    expect(provider.fake.requests[1].path).toBe('/files/remote.png');
    expect(provider.fake.requests[1].headers.authorization).toBeUndefined();
    expect((await downloadArtifact(test, output.images[0].id)).bytes.equals(bytes)).toBe(true);
  });

  it('retries 429 after retry-after', async () => {
    const test = await provider.start();
    provider.fake.enqueue(openaiError(429, 'Rate limit reached for images per minute.', 'requests', 'rate_limit_exceeded', { 'retry-after': '1' }));

    const { run, task } = await runNode(test, {
      type: 'openai/generate-image@1',
      config: { prompt: 'a kite' },
      retry: { maxAttempts: 2, backoff: 'fixed', delayMs: 10, retryOn: ['AI_PROVIDER_RATE_LIMITED'] },
    });

    expect(run.status, JSON.stringify(task.error)).toBe('succeeded');
    expect(task.attempts).toBe(2);
    expect(provider.fake.requests).toHaveLength(2);
    expect(provider.fake.requests[1].receivedAt - provider.fake.requests[0].receivedAt).toBeGreaterThanOrEqual(1_000);
  });

  it('fails rate limited with retry delay', async () => {
    const test = await provider.start();
    provider.fake.enqueue(openaiError(429, 'Rate limit reached.', 'requests', 'rate_limit_exceeded', { 'retry-after-ms': '2500' }));

    const { task } = await runNode(test, { type: 'openai/generate-image@1', config: { prompt: 'a kite' } });

    expect(task.error).toMatchObject({
      code: 'AI_PROVIDER_RATE_LIMITED',
      retryable: true,
      details: { provider: 'openai', status: 429, retryAfterMs: 2500 },
    });
    expect(task.error?.message).toContain('Rate limit reached.');
  });

  it('maps server errors to unavailable', async () => {
    const test = await provider.start();
    provider.fake.enqueue(openaiError(503, 'The engine is currently overloaded.', 'server_error'));

    const { task } = await runNode(test, { type: 'openai/generate-image@1', config: { prompt: 'a kite' } });

    expect(task.error).toMatchObject({ code: 'AI_PROVIDER_UNAVAILABLE', retryable: true, details: { status: 503 } });
  });

  it('rejects bad request without retry', async () => {
    const test = await provider.start();
    provider.fake.enqueue(openaiError(400, 'Your request was rejected as a result of our safety system.', 'invalid_request_error', 'moderation_blocked'));

    const { task } = await runNode(test, {
      type: 'openai/generate-image@1',
      config: { prompt: 'a kite' },
      retry: { maxAttempts: 3, backoff: 'fixed', delayMs: 10 },
    });

    expect(task.error).toMatchObject({ code: 'AI_PROVIDER_BAD_REQUEST', retryable: false, details: { status: 400 } });
    expect(task.attempts).toBe(1);
  });

  it('times out a slow reply', async () => {
    const test = await provider.start();
    provider.fake.enqueue({ delayMs: 3_000, json: { created: 1, data: [] } });

    const { task } = await runNode(test, { type: 'openai/generate-image@1', config: { prompt: 'a kite', requestTimeoutMs: 1_000 } });

    expect(task.error).toMatchObject({ code: 'AI_PROVIDER_TIMEOUT', retryable: true, details: { provider: 'openai' } });
  });

  it('scrubs a key the provider echoes', async () => {
    const test = await provider.start({ OPENAI_API_KEY: 'sk-wrong-platform-key-123456' });

    const { task } = await runNode(test, { type: 'openai/generate-image@1', config: { prompt: 'a kite' } });

    expect(task.error?.code).toBe('AI_PROVIDER_AUTH_FAILED');
    expect(task.error?.message).toContain('Incorrect API key provided: [redacted]');
    await expectNoSecret(test, task.id, 'sk-wrong-platform-key-123456');
  });
});

describe('openai platform key', () => {
  it('reports missing key as not configured', async () => {
    const test = await provider.startWithoutPlatformKey();

    const nodeType = await nodeTypeOf(test, 'openai/generate-image@1');
    const { task } = await runNode(test, { type: 'openai/generate-image@1', config: { prompt: 'a kite' } });

    expect(nodeType.platformCredentials).toEqual([{ slot: 'api', type: 'openai/apiKey', configured: false }]);
    expect(nodeType.credits).toEqual({ perUnit: 4, unit: 'image', maxUnits: 10 });
    expect(task.error?.code).toBe('AI_PROVIDER_NOT_CONFIGURED');
    expect(task.error?.message).toContain('OPENAI_API_KEY');
    expect(provider.fake.requests).toHaveLength(0);
  });

  it('reports platform key as configured', async () => {
    const test = await provider.start();

    const nodeType = await nodeTypeOf(test, 'openai/text-to-speech@1');

    expect(nodeType.platformCredentials).toEqual([{ slot: 'api', type: 'openai/apiKey', configured: true }]);
    expect(JSON.stringify(nodeType)).not.toContain(PLATFORM_KEY);
  });

  it('uses the user credential instead', async () => {
    const test = await provider.start();
    const credentialId = await storeCredential(test, 'openai/apiKey', { apiKey: USER_KEY, baseUrl: provider.userFake.baseUrl });

    const { run, task } = await runNode(test, { type: 'openai/generate-image@1', config: { prompt: 'a kite' }, credentials: { api: credentialId } });

    expect(run.status, JSON.stringify(task.error)).toBe('succeeded');
    expect(provider.fake.requests).toHaveLength(0);
    expect(provider.userFake.requests.at(-1)?.headers.authorization).toBe(`Bearer ${USER_KEY}`);
    await expectNoSecret(test, task.id, USER_KEY);
  });
});

describe('openai/text-to-speech', () => {
  it('stores speech of unicode text', async () => {
    const test = await provider.start();

    const { run, task, output } = await runNode(test, {
      type: 'openai/text-to-speech@1',
      config: { input: UNICODE_PROMPT, voice: 'coral', responseFormat: 'mp3', instructions: 'Speak warmly.' },
    });

    expect(run.status, JSON.stringify(task.error)).toBe('succeeded');
    const sent = provider.fake.requests[0];
    expect(sent.path).toBe('/v1/audio/speech');
    expect(sent.body).toEqual({ model: 'gpt-4o-mini-tts', input: UNICODE_PROMPT, voice: 'coral', response_format: 'mp3', instructions: 'Speak warmly.' });
    expect(output.text).toBe(UNICODE_PROMPT);
    const { bytes, contentType } = await downloadArtifact(test, output.audio.id);
    expect(contentType).toBe('audio/mpeg');
    expect(bytes.equals(openaiSpeechBytes(UNICODE_PROMPT))).toBe(true);
    expect((await artifactMeta(test, output.audio.id)).prompt).toBe(UNICODE_PROMPT);
    const charged = (await taskLog(test, task.id)).events.find((event) => event.type === 'task.charged')?.data as { units: number };
    expect(charged.units).toBe(Array.from(UNICODE_PROMPT).length);
    expect(linesOf((await taskLog(test, task.id)).events, 'speech request')[0]?.data).toMatchObject({ voice: 'coral' });
  });

  it('reads a json error of binary request', async () => {
    const test = await provider.start();
    provider.fake.enqueue(openaiError(400, "Invalid value for 'voice': 'nobody'.", 'invalid_request_error', 'invalid_value'));

    const { task } = await runNode(test, { type: 'openai/text-to-speech@1', config: { input: 'hello', voice: 'nobody' } });

    expect(task.error?.code).toBe('AI_PROVIDER_BAD_REQUEST');
    expect(task.error?.message).toContain("Invalid value for 'voice': 'nobody'.");
  });

  it('rejects text over 4096 characters', async () => {
    const test = await provider.start();

    const { task } = await runNode(test, { type: 'openai/text-to-speech@1', config: { input: 'é'.repeat(4_097) } });

    expect(task.error).toMatchObject({ code: 'AI_PROMPT_TOO_LONG', retryable: false, details: { characters: 4_097, maxCharacters: 4_096 } });
    expect(provider.fake.requests).toHaveLength(0);
  });
});
