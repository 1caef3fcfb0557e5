import {
  countCharacters,
  defineAction,
  defineProviderKey,
  invalidProviderResponse,
  joinUrl,
  p,
  renderPrompt,
  requestProvider,
  requireConnection,
} from '@gestorlead/sdk-plugin/plugin';

/** Base URL of the ElevenLabs API v1. */
export const ELEVENLABS_BASE_URL = 'https://api.elevenlabs.io/v1';

/** Maximum text of one request, in characters: the limit of `eleven_multilingual_v2`. */
const MAX_TEXT_CHARS = 10_000;

/** Content type of each offered `output_format`. */
const AUDIO_TYPES = {
  mp3_22050_32: 'audio/mpeg',
  mp3_44100_64: 'audio/mpeg',
  mp3_44100_128: 'audio/mpeg',
  mp3_44100_192: 'audio/mpeg',
  pcm_16000: 'audio/pcm',
  pcm_22050: 'audio/pcm',
  pcm_24000: 'audio/pcm',
  pcm_44100: 'audio/pcm',
  ulaw_8000: 'audio/basic',
} as const;

/** An ElevenLabs API key. A node that picks none uses the operator's `ELEVENLABS_API_KEY`. */
export const elevenlabsKey = defineProviderKey({
  displayName: 'ElevenLabs API key',
  description: 'A key of elevenlabs.io, sent as the xi-api-key header.',
  defaultBaseUrl: ELEVENLABS_BASE_URL,
  env: { apiKey: 'ELEVENLABS_API_KEY', baseUrl: 'ELEVENLABS_BASE_URL' },
});

/**
 * `elevenlabs/text-to-speech@1`: `POST /v1/text-to-speech/{voice_id}` with `model_id`,
 * `voice_settings` and the `output_format` query parameter. The audio is stored as an
 * artifact with the model and the text as its prompt.
 */
export const textToSpeechAction = defineAction({
  name: 'text-to-speech',
  version: 1,
  displayName: 'Text to speech',
  description: 'Speaks a text with an ElevenLabs voice and stores the audio as an artifact.',
  group: 'ElevenLabs',
  config: {
    text: p.text({ displayName: 'Text', required: true, multiline: true, maxLength: 40_000, placeholder: '{{ input.text }}' }),
    voiceId: p.text({ displayName: 'Voice id', required: true, pattern: '^[A-Za-z0-9]{1,64}$', placeholder: 'JBFqnCBsd6RMkjVDRZzb' }),
    modelId: p.text({ displayName: 'Model', default: 'eleven_multilingual_v2', maxLength: 100 }),
    outputFormat: p.select({ displayName: 'Format', options: Object.keys(AUDIO_TYPES) as (keyof typeof AUDIO_TYPES)[], default: 'mp3_44100_128' }),
    languageCode: p.text({ displayName: 'Language (ISO 639-1)', pattern: '^[a-z]{2,3}$' }),
    stability: p.number({ displayName: 'Stability', minimum: 0, maximum: 1 }),
    similarityBoost: p.number({ displayName: 'Similarity boost', minimum: 0, maximum: 1 }),
    style: p.number({ displayName: 'Style', minimum: 0, maximum: 1 }),
    speed: p.number({ displayName: 'Speed', minimum: 0.7, maximum: 1.2 }),
    useSpeakerBoost: p.boolean({ displayName: 'Speaker boost' }),
    requestTimeoutMs: p.number({ displayName: 'Request timeout (ms)', integer: true, minimum: 1_000, maximum: 600_000, default: 120_000 }),
  },
  credentials: [{ slot: 'api', type: elevenlabsKey }],
  credits: { perUnit: 0.003, unit: 'character', maxUnits: MAX_TEXT_CHARS },
  limits: { timeoutMs: 180_000, memoryMb: 256 },
  async run(ctx) {
    const { config } = ctx;
    const connection = requireConnection(ctx.credentials.api, 'elevenlabs', 'ELEVENLABS_API_KEY');
    const text = renderPrompt(config.text, ctx.input);
    const characters = countCharacters(text, MAX_TEXT_CHARS, 'elevenlabs');
    const body: Record<string, unknown> = { text, model_id: config.modelId };
    const voiceSettings = voiceSettingsOf(config);
    if (voiceSettings !== undefined) body.voice_settings = voiceSettings;
    if (config.languageCode !== undefined) body.language_code = config.languageCode;

    ctx.log.info('speech request', { model: config.modelId, voiceId: config.voiceId, characters });
    const response = await requestProvider(ctx, 'elevenlabs', {
      method: 'POST',
      url: joinUrl(connection.baseUrl ?? ELEVENLABS_BASE_URL, `/text-to-speech/${encodeURIComponent(config.voiceId)}`),
      query: { output_format: config.outputFormat },
      headers: { 'xi-api-key': connection.apiKey, accept: AUDIO_TYPES[config.outputFormat] },
      body,
      responseType: 'base64',
      timeoutMs: config.requestTimeoutMs,
    });
    if (typeof response.body !== 'string' || response.body === '') throw invalidProviderResponse('elevenlabs', 'audio');

    const extension = config.outputFormat.split('_')[0];
    const audio = await ctx.files.put({
      name: `speech.${extension}`,
      contentType: AUDIO_TYPES[config.outputFormat],
      base64: response.body,
      model: config.modelId,
      prompt: text,
    });
    ctx.reportUsage(characters);
    return { audio, model: config.modelId, voiceId: config.voiceId, text, requestId: response.headers['request-id'] ?? null };
  },
});

function voiceSettingsOf(config: {
  stability?: number;
  similarityBoost?: number;
  style?: number;
  speed?: number;
  useSpeakerBoost?: boolean;
}): Record<string, unknown> | undefined {
  const settings: Record<string, unknown> = {};
  if (config.stability !== undefined) settings.stability = config.stability;
  if (config.similarityBoost !== undefined) settings.similarity_boost = config.similarityBoost;
  if (config.style !== undefined) settings.style = config.style;
  if (config.speed !== undefined) settings.speed = config.speed;
  if (config.useSpeakerBoost !== undefined) settings.use_speaker_boost = config.useSpeakerBoost;
  return Object.keys(settings).length === 0 ? undefined : settings;
}
