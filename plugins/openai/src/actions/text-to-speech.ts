import { countCharacters, defineAction, invalidProviderResponse, joinUrl, p, renderPrompt, requestProvider } from '@gestorlead/sdk-plugin/plugin';
import { apiSlot, authHeaders, OPENAI_BASE_URL } from '../credential.js';

/** Content type of each `response_format` of the speech endpoint. */
const AUDIO_TYPES = {
  mp3: 'audio/mpeg',
  opus: 'audio/ogg',
  aac: 'audio/aac',
  flac: 'audio/flac',
  wav: 'audio/wav',
  pcm: 'audio/pcm',
} as const;

/** Longest `input` the speech endpoint accepts, in characters. */
const MAX_INPUT_CHARS = 4_096;

/**
 * `openai/text-to-speech@1`: `POST /v1/audio/speech`. The audio is stored as an artifact with
 * the model and the input text as its prompt; the output holds the file reference.
 */
export const textToSpeechAction = defineAction({
  name: 'text-to-speech',
  version: 1,
  displayName: 'Text to speech',
  description: 'Speaks a text with an OpenAI voice and stores the audio as an artifact.',
  group: 'OpenAI',
  config: {
    input: p.text({ displayName: 'Text', required: true, multiline: true, maxLength: 16_000, placeholder: '{{ input.text }}' }),
    model: p.text({ displayName: 'Model', default: 'gpt-4o-mini-tts', maxLength: 100, placeholder: 'gpt-4o-mini-tts, tts-1, tts-1-hd' }),
    voice: p.text({ displayName: 'Voice', default: 'alloy', maxLength: 100, placeholder: 'alloy, ash, coral, echo, nova, sage, shimmer' }),
    responseFormat: p.select({ displayName: 'Format', options: Object.keys(AUDIO_TYPES) as (keyof typeof AUDIO_TYPES)[], default: 'mp3' }),
    speed: p.number({ displayName: 'Speed', minimum: 0.25, maximum: 4 }),
    instructions: p.text({ displayName: 'Instructions', description: 'Tone and style; not for tts-1 and tts-1-hd.', multiline: true, maxLength: 4_000 }),
    requestTimeoutMs: p.number({ displayName: 'Request timeout (ms)', integer: true, minimum: 1_000, maximum: 600_000, default: 120_000 }),
  },
  credentials: [apiSlot],
  credits: { perUnit: 0.003, unit: 'character', maxUnits: MAX_INPUT_CHARS },
  limits: { timeoutMs: 180_000, memoryMb: 256 },
  async run(ctx) {
    const { config } = ctx;
    const headers = authHeaders(ctx.credentials.api);
    const text = renderPrompt(config.input, ctx.input);
    const characters = countCharacters(text, MAX_INPUT_CHARS, 'openai');
    const body: Record<string, unknown> = { model: config.model, input: text, voice: config.voice, response_format: config.responseFormat };
    if (config.speed !== undefined) body.speed = config.speed;
    if (config.instructions !== undefined && config.instructions !== '') body.instructions = config.instructions;

    ctx.log.info('speech request', { model: config.model, voice: config.voice, characters });
    const response = await requestProvider(ctx, 'openai', {
      method: 'POST',
      url: joinUrl(ctx.credentials.api?.baseUrl ?? OPENAI_BASE_URL, '/audio/speech'),
      headers,
      body,
      responseType: 'base64',
      timeoutMs: config.requestTimeoutMs,
    });
    if (typeof response.body !== 'string' || response.body === '') throw invalidProviderResponse('openai', 'audio');

    const contentType = AUDIO_TYPES[config.responseFormat];
    const audio = await ctx.files.put({ name: `speech.${config.responseFormat}`, contentType, base64: response.body, model: config.model, prompt: text });
    ctx.reportUsage(characters);
    return { audio, model: config.model, voice: config.voice, text };
  },
});

