import { ActionFailedError, runAction } from '@gestorlead/sdk-plugin/testing';
import { describe, expect, it } from 'vitest';
import plugin from '../src/index.js';

const KEY = { api: { apiKey: 'xi-test-key-0123' } };
const URL = 'https://api.elevenlabs.io/v1/text-to-speech/voice1';

describe('elevenlabs plugin', () => {
  it('sends only the voice settings that are set', async () => {
    const result = await runAction(plugin, 'text-to-speech', {
      config: { text: 'שלום', voiceId: 'voice1', style: 0.3 },
      credentials: KEY,
      http: { [`POST ${URL}?output_format=mp3_44100_128`]: { bodyBase64: 'SUQz', headers: { 'content-type': 'audio/mpeg' } } },
    });

    expect(result.requests[0].body).toEqual({ text: 'שלום', model_id: 'eleven_multilingual_v2', voice_settings: { style: 0.3 } });
    expect(result.requests[0].headers['xi-api-key']).toBe('xi-test-key-0123');
    expect(result.files[0].ref).toMatchObject({ name: 'speech.mp3', contentType: 'audio/mpeg' });
    expect(result.units).toBe(4);
  });

  it('reads a json error sent for audio', async () => {
    const body = Buffer.from(JSON.stringify({ detail: { status: 'voice_not_found', message: 'A voice with the voice_id voice1 was not found.' } })).toString('base64');
    const failure = await runAction(plugin, 'text-to-speech', {
      config: { text: 'hi', voiceId: 'voice1' },
      credentials: KEY,
      http: { [`POST ${URL}`]: { status: 404, bodyBase64: body, headers: { 'content-type': 'application/json' } } },
    }).catch((error: unknown) => error);

    expect((failure as ActionFailedError).error).toMatchObject({ code: 'AI_PROVIDER_BAD_REQUEST', message: expect.stringContaining('voice1 was not found') });
  });
});
