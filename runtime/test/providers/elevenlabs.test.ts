/**
 * The `elevenlabs` plugin through a real studio against a local server that speaks the
 * ElevenLabs text-to-speech wire format.
 */
import { describe, expect, it } from 'vitest';
import { elevenlabsError, elevenlabsSpeechBytes, startFakeElevenLabs } from '../support/fake-providers/elevenlabs.js';
import { artifactMeta, downloadArtifact, expectNoSecret, nodeTypeOf, runNode, storeCredential, taskLog, UNICODE_PROMPT } from './support.js';
import { useProviderStudio } from '../tasks/support/provider-studio.js';

const PLATFORM_KEY = 'xi-platform-key-0123456789';
const USER_KEY = 'xi-user-own-key-9876543210';
const VOICE = 'JBFqnCBsd6RMkjVDRZzb';

const provider = useProviderStudio({
  plugin: 'elevenlabs',
  startFakes: async () => ({ fake: await startFakeElevenLabs(PLATFORM_KEY), userFake: await startFakeElevenLabs(USER_KEY) }),
  platformEnv: ({ fake }) => ({ ELEVENLABS_API_KEY: PLATFORM_KEY, ELEVENLABS_BASE_URL: fake.baseUrl }),
});

describe('elevenlabs/text-to-speech', () => {
  it('stores speech of unicode text', async () => {
    const test = await provider.start();

    const { run, task, output } = await runNode(test, {
      type: 'elevenlabs/text-to-speech@1',
      config: { text: '{{ input.text }}', voiceId: VOICE, stability: 0.4, similarityBoost: 0.8, speed: 1.1, useSpeakerBoost: true, languageCode: 'fr' },
    }, { text: UNICODE_PROMPT });

    expect(run.status, JSON.stringify(task.error)).toBe('succeeded');
    const sent = provider.fake.requests[0];
    expect(sent.path).toBe(`/v1/text-to-speech/${VOICE}`);
    expect(sent.query.get('output_format')).toBe('mp3_44100_128');
    expect(sent.headers['xi-api-key']).toBe(PLATFORM_KEY);
    expect(sent.body).toEqual({
      text: UNICODE_PROMPT,
      model_id: 'eleven_multilingual_v2',
      voice_settings: { stability: 0.4, similarity_boost: 0.8, speed: 1.1, use_speaker_boost: true },
      language_code: 'fr',
    });
    expect(sent.raw.includes(Buffer.from(UNICODE_PROMPT, 'utf8'))).toBe(true);

    expect(output).toMatchObject({ text: UNICODE_PROMPT, voiceId: VOICE, model: 'eleven_multilingual_v2', requestId: 'fake-request-1' });
    const { bytes, contentType } = await downloadArtifact(test, output.audio.id);
    expect(contentType).toBe('audio/mpeg');
    expect(bytes.equals(elevenlabsSpeechBytes(VOICE, UNICODE_PROMPT))).toBe(true);
    expect(await artifactMeta(test, output.audio.id)).toMatchObject({ prompt: UNICODE_PROMPT, model: 'eleven_multilingual_v2' });
    const charged = (await taskLog(test, task.id)).events.find((event) => event.type === 'task.charged')?.data as { units: number };
    expect(charged.units).toBe(Array.from(UNICODE_PROMPT).length);
    await expectNoSecret(test, task.id, PLATFORM_KEY);
  });

  it('sends pcm output format', async () => {
    const test = await provider.start();

    const { run, output } = await runNode(test, { type: 'elevenlabs/text-to-speech@1', config: { text: 'olá', voiceId: VOICE, outputFormat: 'pcm_24000', modelId: 'eleven_flash_v2_5' } });

    expect(run.status).toBe('succeeded');
    expect(provider.fake.requests[0].query.get('output_format')).toBe('pcm_24000');
    expect(provider.fake.requests[0].body).toEqual({ text: 'olá', model_id: 'eleven_flash_v2_5' });
    expect(output.audio.contentType).toBe('audio/pcm');
  });

  it('retries 429 after retry-after', async () => {
    const test = await provider.start();
    provider.fake.enqueue(elevenlabsError(429, 'too_many_concurrent_requests', 'Too many concurrent requests.', { 'retry-after': '1' }));

    const { run, task } = await runNode(test, {
      type: 'elevenlabs/text-to-speech@1',
      config: { text: 'hello', voiceId: VOICE },
      retry: { maxAttempts: 2, backoff: 'fixed', delayMs: 10, retryOn: ['AI_PROVIDER_RATE_LIMITED'] },
    });

    expect(run.status, JSON.stringify(task.error)).toBe('succeeded');
    expect(task.attempts).toBe(2);
    expect(provider.fake.requests[1].receivedAt - provider.fake.requests[0].receivedAt).toBeGreaterThanOrEqual(1_000);
  });

  it('reads a validation error', async () => {
    const test = await provider.start();
    provider.fake.enqueue({ status: 422, json: { detail: [{ loc: ['body', 'voice_settings', 'stability'], msg: 'ensure this value is less than or equal to 1.0', type: 'value_error' }] } });

    const { task } = await runNode(test, { type: 'elevenlabs/text-to-speech@1', config: { text: 'hello', voiceId: VOICE } });

    expect(task.error).toMatchObject({ code: 'AI_PROVIDER_BAD_REQUEST', retryable: false, details: { status: 422 } });
    expect(task.error?.message).toContain('ensure this value is less than or equal to 1.0');
  });

  it('times out a slow reply', async () => {
    const test = await provider.start();
    provider.fake.enqueue({ delayMs: 3_000, bytes: Buffer.from('late') });

    const { task } = await runNode(test, { type: 'elevenlabs/text-to-speech@1', config: { text: 'hello', voiceId: VOICE, requestTimeoutMs: 1_000 } });

    expect(task.error).toMatchObject({ code: 'AI_PROVIDER_TIMEOUT', retryable: true });
  });

  it('scrubs a key the provider echoes', async () => {
    const test = await provider.start({ ELEVENLABS_API_KEY: 'xi-wrong-key-echoed-back' });

    const { task } = await runNode(test, { type: 'elevenlabs/text-to-speech@1', config: { text: 'hello', voiceId: VOICE } });

    expect(task.error?.code).toBe('AI_PROVIDER_AUTH_FAILED');
    expect(task.error?.message).toContain('Invalid API key: [redacted]');
    await expectNoSecret(test, task.id, 'xi-wrong-key-echoed-back');
  });

  it('uses the user credential without platform key', async () => {
    const test = await provider.startWithoutPlatformKey();
    const credentialId = await storeCredential(test, 'elevenlabs/apiKey', { apiKey: USER_KEY, baseUrl: provider.userFake.baseUrl });

    const nodeType = await nodeTypeOf(test, 'elevenlabs/text-to-speech@1');
    const withoutKey = await runNode(test, { type: 'elevenlabs/text-to-speech@1', config: { text: 'hello', voiceId: VOICE } });
    const withKey = await runNode(test, { type: 'elevenlabs/text-to-speech@1', config: { text: 'hello', voiceId: VOICE }, credentials: { api: credentialId } });

    expect(nodeType.platformCredentials).toEqual([{ slot: 'api', type: 'elevenlabs/apiKey', configured: false }]);
    expect(withoutKey.task.error?.code).toBe('AI_PROVIDER_NOT_CONFIGURED');
    expect(withKey.run.status, JSON.stringify(withKey.task.error)).toBe('succeeded');
    expect(provider.userFake.requests.at(-1)?.headers['xi-api-key']).toBe(USER_KEY);
    await expectNoSecret(test, withKey.task.id, USER_KEY);
  });
});
