import {
  defineAction,
  joinUrl,
  p,
  PluginError,
  PROVIDER_ERROR_CODES,
  renderPrompt,
  requestProvider,
  requireConnection,
  type ActionContext,
} from '@gestorlead/sdk-plugin/plugin';
import { PIAPI_BASE_URL, piapiKey } from './credential.js';
import { jobFailure, phaseOf, progressOf, taskOf, videoUrlOf, type PiTask } from './task.js';

const PROVIDER = 'piapi';

/** Settings of the polling loop, from the node's config. */
interface PollSettings {
  pollIntervalMs: number;
  backoffFactor: number;
  maxPollIntervalMs: number;
  maxWaitMs: number;
  requestTimeoutMs: number;
}

/**
 * `piapi/generate-video@1`: creates a video task with `POST /api/v1/task`, polls
 * `GET /api/v1/task/{task_id}` with backoff (pausing with `ctx.sleep`) until it is completed or
 * failed or `maxWaitMs` has passed, logs each poll's status, then downloads the video and
 * stores it as an artifact.
 */
export const generateVideoAction = defineAction({
  name: 'generate-video',
  version: 1,
  displayName: 'Generate video',
  description: 'Generates a video with a PiAPI model (Kling by default) and stores it as an artifact.',
  group: 'PiAPI',
  config: {
    prompt: p.text({ displayName: 'Prompt', required: true, multiline: true, maxLength: 2_500, placeholder: 'A drone shot over {{ input.place }}' }),
    negativePrompt: p.text({ displayName: 'Negative prompt', multiline: true, maxLength: 2_500 }),
    model: p.text({ displayName: 'Model', default: 'kling', maxLength: 100, placeholder: 'kling, hailuo, luma, wanx' }),
    taskType: p.text({ displayName: 'Task type', default: 'video_generation', maxLength: 100 }),
    duration: p.number({ displayName: 'Duration (s)', integer: true, minimum: 1, maximum: 10, default: 5 }),
    aspectRatio: p.select({ displayName: 'Aspect ratio', options: ['16:9', '9:16', '1:1'], default: '16:9' }),
    extraInput: p.json({
      displayName: 'Model input',
      description: 'Further fields of the task input, such as { "mode": "pro", "version": "2.1" }.',
      schema: { type: 'object' },
    }),
    pollIntervalMs: p.number({ displayName: 'First poll pause (ms)', integer: true, minimum: 10, maximum: 60_000, default: 5_000 }),
    backoffFactor: p.number({ displayName: 'Backoff factor', minimum: 1, maximum: 4, default: 1.5 }),
    maxPollIntervalMs: p.number({ displayName: 'Longest poll pause (ms)', integer: true, minimum: 10, maximum: 120_000, default: 30_000 }),
    maxWaitMs: p.number({ displayName: 'Give up after (ms)', integer: true, minimum: 100, maximum: 900_000, default: 280_000 }),
    requestTimeoutMs: p.number({ displayName: 'Request timeout (ms)', integer: true, minimum: 1_000, maximum: 300_000, default: 60_000 }),
  },
  credentials: [{ slot: 'api', type: piapiKey }],
  outputs: [
    {
      name: 'out',
      schema: {
        type: 'object',
        properties: { video: { type: 'object' }, taskId: { type: 'string' }, model: { type: 'string' }, prompt: { type: 'string' }, polls: { type: 'integer' } },
      },
    },
  ],
  credits: { perUnit: 10, unit: 'second', maxUnits: 10 },
  limits: { timeoutMs: 900_000, memoryMb: 256 },
  async run(ctx) {
    const { config } = ctx;
    const connection = requireConnection(ctx.credentials.api, PROVIDER, 'PIAPI_API_KEY');
    const baseUrl = connection.baseUrl ?? PIAPI_BASE_URL;
    const headers = { 'x-api-key': connection.apiKey };
    const prompt = renderPrompt(config.prompt, ctx.input);
    const input: Record<string, unknown> = { prompt, duration: config.duration, aspect_ratio: config.aspectRatio, ...(config.extraInput as object | undefined) };
    if (config.negativePrompt !== undefined && config.negativePrompt !== '') input.negative_prompt = config.negativePrompt;

    const created = await requestProvider(ctx, PROVIDER, {
      method: 'POST',
      url: joinUrl(baseUrl, '/task'),
      headers,
      body: { model: config.model, task_type: config.taskType, input },
      responseType: 'json',
      timeoutMs: config.requestTimeoutMs,
    });
    const taskId = taskOf(created.body).task_id as string;
    ctx.log.info('video task created', { taskId, model: config.model });

    const { task, polls } = await pollTask(ctx, joinUrl(baseUrl, `/task/${encodeURIComponent(taskId)}`), headers, config);
    const videoUrl = videoUrlOf(task);
    // The result URL is a public file link, so the API key is not sent with it.
    const download = await requestProvider(ctx, PROVIDER, { method: 'GET', url: videoUrl, responseType: 'base64', timeoutMs: config.requestTimeoutMs });
    const declared = download.headers['content-type']?.split(';')[0]?.trim();
    const contentType = declared?.startsWith('video/') === true ? declared : 'video/mp4';
    const video = await ctx.files.put({
      name: `video-${taskId.slice(0, 40)}.${contentType === 'video/webm' ? 'webm' : 'mp4'}`,
      contentType,
      base64: String(download.body),
      model: config.model,
      prompt,
    });
    ctx.reportUsage(config.duration);
    ctx.log.info('video stored', { taskId, size: video.size });
    return { video, taskId, model: config.model, prompt, polls };
  },
});

/**
 * Polls a task until it is completed, and returns it with the number of polls. Throws the
 * task's failure, or `AI_PROVIDER_JOB_TIMEOUT` once `maxWaitMs` has passed since the first
 * poll. A 429 or 5xx while polling is logged and polled again after the next pause, or after
 * the wait the provider asked for.
 */
async function pollTask(
  ctx: Pick<ActionContext, 'http' | 'log' | 'sleep' | 'signal'>,
  url: string,
  headers: Record<string, string>,
  settings: PollSettings,
): Promise<{ task: PiTask; polls: number }> {
  const started = Date.now();
  let pause = settings.pollIntervalMs;
  for (let poll = 1; ; poll += 1) {
    ctx.signal.throwIfAborted();
    let wait = pause;
    try {
      const response = await requestProvider(ctx, PROVIDER, { method: 'GET', url, headers, responseType: 'json', timeoutMs: settings.requestTimeoutMs });
      const task = taskOf(response.body);
      const phase = phaseOf(task);
      ctx.log.info('video task progress', { taskId: task.task_id, status: task.status, progress: progressOf(task), poll, elapsedMs: Date.now() - started });
      if (phase === 'completed') return { task, polls: poll };
      if (phase === 'failed') throw jobFailure(task);
    } catch (error) {
      if (!isTransient(error)) throw error;
      const requestedWait = (error as { details?: { retryAfterMs?: unknown } }).details?.retryAfterMs;
      if (typeof requestedWait === 'number') wait = Math.max(wait, requestedWait);
      ctx.log.warn('video task poll failed; polling again', { poll, code: (error as { code: string }).code, retryInMs: wait });
    }

    const remaining = settings.maxWaitMs - (Date.now() - started);
    if (remaining <= 0) {
      throw new PluginError(PROVIDER_ERROR_CODES.jobTimeout, `the piapi task did not finish within ${settings.maxWaitMs} ms (${poll} polls)`, {
        retryable: true,
        details: { provider: PROVIDER, url, polls: poll, maxWaitMs: settings.maxWaitMs },
      });
    }
    await ctx.sleep(Math.min(wait, remaining));
    pause = Math.min(pause * settings.backoffFactor, settings.maxPollIntervalMs);
  }
}

function isTransient(error: unknown): boolean {
  return (error as { retryable?: unknown } | null)?.retryable === true && (error as { code?: unknown }).code !== PROVIDER_ERROR_CODES.jobTimeout;
}
