import { ActionFailedError, runAction } from '@gestorlead/sdk-plugin/testing';
import { describe, expect, it } from 'vitest';
import plugin from '../src/index.js';
import { phaseOf, videoUrlOf } from '../src/task.js';

const KEY = { api: { apiKey: 'piapi-test-key-0123' } };
const TASK = 'https://api.piapi.ai/api/v1/task';

function task(status: string, output: unknown = null) {
  return { body: { code: 200, data: { task_id: 't-1', status, output, error: { code: 0, message: '' } }, message: 'success' } };
}

describe('piapi plugin', () => {
  it('polls with backoff until completed', async () => {
    const result = await runAction(plugin, 'generate-video', {
      config: { prompt: 'waves', pollIntervalMs: 10, backoffFactor: 2, maxPollIntervalMs: 30 },
      credentials: KEY,
      http: {
        [`POST ${TASK}`]: task('pending'),
        [`GET ${TASK}/t-1`]: [task('Processing'), task('processing'), task('Completed', { video_url: 'https://storage.theapi.app/v/t-1.mp4' })],
        'GET https://storage.theapi.app/v/t-1.mp4': { bodyBase64: Buffer.from('mp4').toString('base64'), headers: { 'content-type': 'video/mp4' } },
      },
    });

    expect(result.sleeps).toEqual([10, 20]);
    expect(result.outputs.out).toMatchObject({ taskId: 't-1', polls: 3 });
    expect(result.files[0].ref.contentType).toBe('video/mp4');
    expect(result.units).toBe(5);
  });

  it('rejects an unknown status', async () => {
    const failure = await runAction(plugin, 'generate-video', {
      config: { prompt: 'waves', pollIntervalMs: 10 },
      credentials: KEY,
      http: { [`POST ${TASK}`]: task('pending'), [`GET ${TASK}/t-1`]: task('exploded') },
    }).catch((error: unknown) => error);

    expect((failure as ActionFailedError).error.code).toBe('AI_PROVIDER_RESPONSE_INVALID');
  });

  it('prefers video without watermark', () => {
    const works = [{ video: { resource: 'https://x/marked.mp4', resource_without_watermark: 'https://x/clean.mp4' } }];

    expect(videoUrlOf({ task_id: 't', output: { works } })).toBe('https://x/clean.mp4');
    expect(phaseOf({ task_id: 't', status: 'Staged' })).toBe('running');
  });
});
