/**
 * The `piapi` plugin through a real studio against a local server that speaks PiAPI's unified
 * task API: the action creates a task, polls it with `ctx.sleep` between polls, and stores the
 * video.
 */
import { describe, expect, it } from 'vitest';
import { piapiError, piapiVideoBytes, startFakePiApi } from '../support/fake-providers/piapi.js';
import { artifactMeta, downloadArtifact, expectNoSecret, linesOf, nodeTypeOf, runNode, taskLog, UNICODE_PROMPT } from './support.js';
import { useProviderStudio } from '../tasks/support/provider-studio.js';

const PLATFORM_KEY = 'piapi-platform-key-0123456789';

/** Fast polling for tests: 50 ms, then 100 ms, at most 200 ms apart. */
const FAST_POLLING = { pollIntervalMs: 50, backoffFactor: 2, maxPollIntervalMs: 200 };

const provider = useProviderStudio({
  plugin: 'piapi',
  startFakes: async () => ({ fake: await startFakePiApi(PLATFORM_KEY) }),
  platformEnv: ({ fake }) => ({ PIAPI_API_KEY: PLATFORM_KEY, PIAPI_BASE_URL: fake.baseUrl }),
});

describe('piapi/generate-video', () => {
  it('polls the task and stores the video', async () => {
    const test = await provider.start();
    provider.fake.plan({ pollsUntilDone: 2 });

    const { run, task, output } = await runNode(test, {
      type: 'piapi/generate-video@1',
      config: { prompt: '{{ input.scene }}', negativePrompt: 'blur', extraInput: { mode: 'std', version: '1.6' }, ...FAST_POLLING },
    }, { scene: UNICODE_PROMPT });

    expect(run.status, JSON.stringify(task.error)).toBe('succeeded');
    const [create, ...rest] = provider.fake.requests;
    expect(create.method).toBe('POST');
    expect(create.path).toBe('/api/v1/task');
    expect(create.headers['x-api-key']).toBe(PLATFORM_KEY);
    expect(create.body).toEqual({
      model: 'kling',
      task_type: 'video_generation',
      input: { prompt: UNICODE_PROMPT, duration: 5, aspect_ratio: '16:9', mode: 'std', version: '1.6', negative_prompt: 'blur' },
    });
    const polls = rest.filter((request) => request.path.startsWith('/api/v1/task/'));
    expect(polls).toHaveLength(3);
    expect(polls.every((request) => request.headers['x-api-key'] === PLATFORM_KEY)).toBe(true);
    // ctx.sleep paused between polls: 50 ms, then 100 ms.
    expect(polls[1].receivedAt - polls[0].receivedAt).toBeGreaterThanOrEqual(45);
    expect(polls[2].receivedAt - polls[1].receivedAt).toBeGreaterThanOrEqual(95);
    const download = provider.fake.requests.at(-1)!;
    expect(download.path).toBe(`/files/${output.taskId}.mp4`);
    expect(download.headers['x-api-key']).toBeUndefined();

    expect(output).toMatchObject({ taskId: expect.stringMatching(/^fake-task-/), model: 'kling', prompt: UNICODE_PROMPT, polls: 3 });
    const { bytes, contentType } = await downloadArtifact(test, output.video.id);
    expect(contentType).toBe('video/mp4');
    expect(bytes.equals(piapiVideoBytes(output.taskId, UNICODE_PROMPT))).toBe(true);
    expect(await artifactMeta(test, output.video.id)).toMatchObject({ prompt: UNICODE_PROMPT, model: 'kling' });

    const { events } = await taskLog(test, task.id);
    const progress = linesOf(events, 'video task progress').map((line) => line.data.status);
    expect(progress).toEqual(['processing', 'processing', 'completed']);
    const charged = events.find((event) => event.type === 'task.charged')?.data as { units: number; captured: number };
    expect(charged).toMatchObject({ units: 5, captured: 50 });
    await expectNoSecret(test, task.id, PLATFORM_KEY);
  });

  it('fails with the task error', async () => {
    const test = await provider.start();
    provider.fake.plan({ pollsUntilDone: 1, outcome: 'failed', errorMessage: 'Le contenu a été refusé 🚫' });

    const { task } = await runNode(test, { type: 'piapi/generate-video@1', config: { prompt: 'a storm', ...FAST_POLLING } });

    expect(task.error).toMatchObject({ code: 'AI_PROVIDER_JOB_FAILED', retryable: false, details: { provider: 'piapi', providerCode: 10000 } });
    expect(task.error?.message).toContain('Le contenu a été refusé 🚫');
  });

  it('gives up after the polling budget', async () => {
    const test = await provider.start();
    provider.fake.plan({ pollsUntilDone: 1_000 });

    const { task } = await runNode(test, { type: 'piapi/generate-video@1', config: { prompt: 'a storm', ...FAST_POLLING, maxWaitMs: 600 } });

    expect(task.error).toMatchObject({ code: 'AI_PROVIDER_JOB_TIMEOUT', retryable: true, details: { maxWaitMs: 600 } });
    const polls = provider.fake.requests.filter((request) => request.method === 'GET').length;
    expect(polls).toBeGreaterThanOrEqual(3);
    expect(polls).toBeLessThan(12);
  });

  it('waits out a 429 while polling', async () => {
    const test = await provider.start();
    provider.fake.plan({ pollsUntilDone: 0 });
    provider.fake.enqueuePoll(piapiError(429, 'too many requests', { 'retry-after': '1' }));

    const { run, task } = await runNode(test, { type: 'piapi/generate-video@1', config: { prompt: 'a storm', ...FAST_POLLING } });

    expect(run.status, JSON.stringify(task.error)).toBe('succeeded');
    const polls = provider.fake.requests.filter((request) => request.path.startsWith('/api/v1/task/'));
    expect(polls).toHaveLength(2);
    expect(polls[1].receivedAt - polls[0].receivedAt).toBeGreaterThanOrEqual(1_000);
    expect(linesOf((await taskLog(test, task.id)).events, 'video task poll failed; polling again')[0]?.data).toMatchObject({ code: 'AI_PROVIDER_RATE_LIMITED', retryInMs: 1_000 });
  });

  it('retries a rate-limited creation', async () => {
    const test = await provider.start();
    provider.fake.enqueue(piapiError(429, 'too many requests', { 'retry-after': '1' }));

    const { run, task } = await runNode(test, {
      type: 'piapi/generate-video@1',
      config: { prompt: 'a storm', ...FAST_POLLING },
      retry: { maxAttempts: 2, backoff: 'fixed', delayMs: 10, retryOn: ['AI_PROVIDER_RATE_LIMITED'] },
    });

    expect(run.status, JSON.stringify(task.error)).toBe('succeeded');
    expect(task.attempts).toBe(2);
    const creates = provider.fake.requests.filter((request) => request.method === 'POST');
    expect(creates[1].receivedAt - creates[0].receivedAt).toBeGreaterThanOrEqual(1_000);
  });

  it('stops polling when the task times out', async () => {
    const test = await provider.start();
    provider.fake.plan({ pollsUntilDone: 1_000 });

    const { task } = await runNode(test, {
      type: 'piapi/generate-video@1',
      config: { prompt: 'a storm', pollIntervalMs: 400, backoffFactor: 1, maxWaitMs: 60_000 },
      timeoutMs: 1_000,
    });
    const pollsAtEnd = provider.fake.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    expect(task.error?.code).toBe('RUNTIME_TASK_TIMEOUT');
    // The sleep ended with the call, so no poll follows the timeout.
    expect(provider.fake.requests.length).toBe(pollsAtEnd);
  });

  it('scrubs a key the provider echoes', async () => {
    const test = await provider.start({ PIAPI_API_KEY: 'piapi-wrong-key-echoed-back' });

    const { task } = await runNode(test, { type: 'piapi/generate-video@1', config: { prompt: 'a storm' } });

    expect(task.error?.code).toBe('AI_PROVIDER_AUTH_FAILED');
    expect(task.error?.message).toContain('the api key [redacted] is invalid');
    await expectNoSecret(test, task.id, 'piapi-wrong-key-echoed-back');
  });

  it('reports missing key as not configured', async () => {
    const test = await provider.startWithoutPlatformKey();

    const nodeType = await nodeTypeOf(test, 'piapi/generate-video@1');
    const { task } = await runNode(test, { type: 'piapi/generate-video@1', config: { prompt: 'a storm' } });

    expect(nodeType.platformCredentials).toEqual([{ slot: 'api', type: 'piapi/apiKey', configured: false }]);
    expect(task.error?.code).toBe('AI_PROVIDER_NOT_CONFIGURED');
    expect(task.error?.message).toContain('PIAPI_API_KEY');
  });
});
