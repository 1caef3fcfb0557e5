/**
 * The `google` plugin through a real studio against a local server that speaks the Gemini API
 * (v1beta) wire format: generateContent, streamGenerateContent with SSE, and image output.
 */
import { describe, expect, it } from 'vitest';
import { geminiEchoText, geminiError, geminiImageBytes, geminiRateLimited, geminiUsage, startFakeGemini } from '../support/fake-providers/gemini.js';
import { artifactMeta, downloadArtifact, expectNoSecret, linesOf, nodeTypeOf, runNode, taskLog, UNICODE_PROMPT } from './support.js';
import { useProviderStudio } from '../tasks/support/provider-studio.js';

const PLATFORM_KEY = 'AIza-platform-google-key-0123';

const provider = useProviderStudio({
  plugin: 'google',
  startFakes: async () => ({ fake: await startFakeGemini(PLATFORM_KEY) }),
  platformEnv: ({ fake }) => ({ GOOGLE_API_KEY: PLATFORM_KEY, GOOGLE_BASE_URL: fake.baseUrl }),
});

describe('google/generate-text', () => {
  it('generates unicode text', async () => {
    const test = await provider.start();

    const { run, task, output } = await runNode(test, {
      type: 'google/generate-text@1',
      config: { prompt: '{{ input.question }}', system: 'Réponds en une phrase.', temperature: 0.2, maxOutputTokens: 256 },
    }, { question: UNICODE_PROMPT });

    expect(run.status, JSON.stringify(task.error)).toBe('succeeded');
    const sent = provider.fake.requests[0];
    expect(sent.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(sent.headers['x-goog-api-key']).toBe(PLATFORM_KEY);
    expect(sent.query.get('key')).toBeNull();
    expect(sent.body).toEqual({
      contents: [{ role: 'user', parts: [{ text: UNICODE_PROMPT }] }],
      systemInstruction: { parts: [{ text: 'Réponds en une phrase.' }] },
      generationConfig: { temperature: 0.2, maxOutputTokens: 256 },
    });
    const answer = geminiEchoText(UNICODE_PROMPT);
    const usage = geminiUsage(UNICODE_PROMPT, answer);
    expect(output).toEqual({
      text: answer,
      model: 'gemini-2.5-flash',
      usage: { inputTokens: usage.promptTokenCount, outputTokens: usage.candidatesTokenCount },
      finishReason: 'STOP',
    });
    const charged = (await taskLog(test, task.id)).events.find((event) => event.type === 'task.charged')?.data as { units: number };
    expect(charged.units).toBe(usage.totalTokenCount);
    await expectNoSecret(test, task.id, PLATFORM_KEY);
  });

  it('streams with server-sent events', async () => {
    const test = await provider.start();

    const { run, task, output } = await runNode(test, { type: 'google/generate-text@1', config: { prompt: UNICODE_PROMPT, stream: true, model: 'gemini-2.5-pro' } });

    expect(run.status, JSON.stringify(task.error)).toBe('succeeded');
    expect(provider.fake.requests[0].path).toBe('/v1beta/models/gemini-2.5-pro:streamGenerateContent');
    expect(provider.fake.requests[0].query.get('alt')).toBe('sse');
    expect(output.text).toBe(geminiEchoText(UNICODE_PROMPT));
    const chunks = linesOf((await taskLog(test, task.id)).events, 'model output');
    expect(chunks.length).toBe(3);
    expect(chunks.map((line) => line.data.text).join('')).toBe(geminiEchoText(UNICODE_PROMPT));
  });

  it('retries 429 after retry info', async () => {
    const test = await provider.start();
    provider.fake.enqueue(geminiRateLimited(1));

    const { run, task } = await runNode(test, {
      type: 'google/generate-text@1',
      config: { prompt: 'hello' },
      retry: { maxAttempts: 2, backoff: 'fixed', delayMs: 10, retryOn: ['429'] },
    });

    expect(run.status, JSON.stringify(task.error)).toBe('succeeded');
    expect(task.attempts).toBe(2);
    expect(provider.fake.requests[1].receivedAt - provider.fake.requests[0].receivedAt).toBeGreaterThanOrEqual(1_000);
  });

  it('keeps retry delay on the error', async () => {
    const test = await provider.start();
    provider.fake.enqueue(geminiRateLimited(7));

    const { task } = await runNode(test, { type: 'google/generate-text@1', config: { prompt: 'hello' } });

    expect(task.error).toMatchObject({ code: 'AI_PROVIDER_RATE_LIMITED', retryable: true, details: { provider: 'google', status: 429, retryAfterMs: 7_000 } });
    expect(task.error?.message).toContain('You exceeded your current quota');
  });

  it('rejects an unknown model', async () => {
    const test = await provider.start();
    provider.fake.enqueue(geminiError(404, 'models/gemini-9 is not found for API version v1beta, or is not supported for generateContent.'));

    const { task } = await runNode(test, { type: 'google/generate-text@1', config: { prompt: 'hello', model: 'gemini-9' } });

    expect(task.error).toMatchObject({ code: 'AI_PROVIDER_BAD_REQUEST', retryable: false, details: { status: 404 } });
    expect(task.error?.message).toContain('models/gemini-9 is not found');
  });

  it('reports a blocked prompt', async () => {
    const test = await provider.start();
    provider.fake.enqueue({ json: { promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 4, totalTokenCount: 4 } } });

    const { task } = await runNode(test, { type: 'google/generate-text@1', config: { prompt: 'hello' } });

    expect(task.error).toMatchObject({ code: 'AI_PROVIDER_BAD_REQUEST', details: { blockReason: 'SAFETY' } });
  });

  it('fails a slow reply at the node timeout', async () => {
    const test = await provider.start();
    provider.fake.enqueue({ delayMs: 8_000, json: {} });

    const { task } = await runNode(test, { type: 'google/generate-text@1', config: { prompt: 'hello' }, timeoutMs: 2_500 });

    expect(task.status).toBe('FAILED');
    expect(task.error?.code).toBe('RUNTIME_TASK_TIMEOUT');
  });

  it('scrubs a key the provider echoes', async () => {
    const test = await provider.start({ GOOGLE_API_KEY: 'AIza-wrong-key-echoed-back' });

    const { task } = await runNode(test, { type: 'google/generate-text@1', config: { prompt: 'hello' } });

    expect(task.error?.code).toBe('AI_PROVIDER_BAD_REQUEST');
    expect(task.error?.message).toContain('(key: [redacted])');
    await expectNoSecret(test, task.id, 'AIza-wrong-key-echoed-back');
  });

  it('reports missing key as not configured', async () => {
    const test = await provider.startWithoutPlatformKey();

    const nodeType = await nodeTypeOf(test, 'google/generate-text@1');
    const { task } = await runNode(test, { type: 'google/generate-text@1', config: { prompt: 'hello' } });

    expect(nodeType.platformCredentials).toEqual([{ slot: 'api', type: 'google/apiKey', configured: false }]);
    expect(task.error?.code).toBe('AI_PROVIDER_NOT_CONFIGURED');
  });
});

describe('google/generate-image', () => {
  it('stores inline image data', async () => {
    const test = await provider.start();

    const { run, task, output } = await runNode(test, { type: 'google/generate-image@1', config: { prompt: UNICODE_PROMPT, aspectRatio: '16:9' } });

    expect(run.status, JSON.stringify(task.error)).toBe('succeeded');
    expect(provider.fake.requests[0].path).toBe('/v1beta/models/gemini-2.5-flash-image:generateContent');
    expect(provider.fake.requests[0].body.generationConfig).toEqual({ responseModalities: ['TEXT', 'IMAGE'], imageConfig: { aspectRatio: '16:9' } });
    expect(output.text).toBe('Here is your image.');
    expect(output.prompt).toBe(UNICODE_PROMPT);
    const { bytes, contentType } = await downloadArtifact(test, output.images[0].id);
    expect(contentType).toBe('image/png');
    expect(bytes.equals(geminiImageBytes(UNICODE_PROMPT))).toBe(true);
    expect(await artifactMeta(test, output.images[0].id)).toMatchObject({ prompt: UNICODE_PROMPT, model: 'gemini-2.5-flash-image' });
  });

  it('fails when no image comes back', async () => {
    const test = await provider.start();
    provider.fake.enqueue({ json: { candidates: [{ content: { role: 'model', parts: [{ text: 'I cannot draw that.' }] }, finishReason: 'STOP' }] } });

    const { task } = await runNode(test, { type: 'google/generate-image@1', config: { prompt: 'a kite' } });

    expect(task.error).toMatchObject({ code: 'AI_PROVIDER_RESPONSE_INVALID', retryable: false });
  });
});
