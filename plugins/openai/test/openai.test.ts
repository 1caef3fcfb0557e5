import { ActionFailedError, runAction } from '@gestorlead/sdk-plugin/testing';
import { describe, expect, it } from 'vitest';
import plugin from '../src/index.js';

const KEY = { api: { apiKey: 'sk-test-key-0123456789' } };
const PNG_BASE64 = Buffer.from('png-bytes').toString('base64');

describe('openai plugin', () => {
  it('generates an image from b64_json', async () => {
    const result = await runAction(plugin, 'generate-image', {
      config: { prompt: 'a kite over {{ input.place }}', model: 'gpt-image-1', outputFormat: 'webp' },
      input: { in: { place: 'Lisboa' } },
      credentials: KEY,
      http: { 'POST https://api.openai.com/v1/images/generations': { body: { created: 1, data: [{ b64_json: PNG_BASE64 }], output_format: 'webp' } } },
    });

    expect(result.requests[0].headers.authorization).toBe('Bearer sk-test-key-0123456789');
    expect(result.requests[0].body).toEqual({ model: 'gpt-image-1', prompt: 'a kite over Lisboa', n: 1, size: '1024x1024', output_format: 'webp' });
    expect(result.files[0].ref).toMatchObject({ name: 'image-1.webp', contentType: 'image/webp' });
    expect(result.units).toBe(1);
  });

  it('fails without images in the reply', async () => {
    const failure = await runAction(plugin, 'generate-image', {
      config: { prompt: 'a kite' },
      credentials: KEY,
      http: { 'POST https://api.openai.com/v1/images/generations': { body: { created: 1, data: [] } } },
    }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ActionFailedError);
    expect((failure as ActionFailedError).error.code).toBe('AI_PROVIDER_RESPONSE_INVALID');
  });

  it('sends the organization header', async () => {
    const result = await runAction(plugin, 'text-to-speech', {
      config: { input: 'olá' },
      credentials: { api: { apiKey: 'sk-test-key-0123456789', organization: 'org-42' } },
      http: { 'POST https://api.openai.com/v1/audio/speech': { bodyBase64: PNG_BASE64, headers: { 'content-type': 'audio/mpeg' } } },
    });

    expect(result.requests[0].headers['openai-organization']).toBe('org-42');
    expect(result.files[0].base64).toBe(PNG_BASE64);
    expect(result.units).toBe(3);
  });
});
