import { defineAction, invalidProviderResponse, p, renderPrompt, requestProvider } from '@gestorlead/sdk-plugin/plugin';
import { apiSlot, MODEL_PATTERN, modelRequest } from '../credential.js';
import { parseSseChunks, partsOf, usageOf, type GeminiResponse, type TokenUsage } from '../gemini.js';

/**
 * `google/generate-text@1`: Gemini `models/{model}:generateContent`, or
 * `:streamGenerateContent?alt=sse` when `stream` is set. With streaming, each chunk's text is
 * written to the task log as a `model output` line. `ctx.http` returns a body once it is
 * complete, so those lines appear when the reply has ended, not while it arrives.
 */
export const generateTextAction = defineAction({
  name: 'generate-text',
  version: 1,
  displayName: 'Generate text',
  description: 'Generates text with a Gemini model.',
  group: 'Google',
  config: {
    prompt: p.text({ displayName: 'Prompt', required: true, multiline: true, maxLength: 100_000, placeholder: 'Summarise {{ input.text }}' }),
    system: p.text({ displayName: 'System instruction', multiline: true, maxLength: 20_000 }),
    model: p.text({ displayName: 'Model', default: 'gemini-2.5-flash', pattern: MODEL_PATTERN }),
    temperature: p.number({ displayName: 'Temperature', minimum: 0, maximum: 2 }),
    maxOutputTokens: p.number({ displayName: 'Max output tokens', integer: true, minimum: 1, maximum: 65_536 }),
    stream: p.boolean({ displayName: 'Stream', description: 'Use streamGenerateContent and log each chunk.', default: false }),
    requestTimeoutMs: p.number({ displayName: 'Request timeout (ms)', integer: true, minimum: 1_000, maximum: 600_000, default: 120_000 }),
  },
  credentials: [apiSlot],
  outputs: [
    {
      name: 'out',
      schema: {
        type: 'object',
        properties: { text: { type: 'string' }, model: { type: 'string' }, usage: { type: 'object' }, finishReason: { type: ['string', 'null'] } },
      },
    },
  ],
  credits: { perUnit: 0.002, unit: 'token', maxUnits: 70_000 },
  limits: { timeoutMs: 180_000 },
  async run(ctx) {
    const { config } = ctx;
    const method = config.stream ? 'streamGenerateContent' : 'generateContent';
    const { url, headers } = modelRequest(ctx.credentials.api, config.model, method);
    const prompt = renderPrompt(config.prompt, ctx.input);
    const body: Record<string, unknown> = { contents: [{ role: 'user', parts: [{ text: prompt }] }] };
    if (config.system !== undefined && config.system !== '') body.systemInstruction = { parts: [{ text: config.system }] };
    const generationConfig: Record<string, unknown> = {};
    if (config.temperature !== undefined) generationConfig.temperature = config.temperature;
    if (config.maxOutputTokens !== undefined) generationConfig.maxOutputTokens = config.maxOutputTokens;
    if (Object.keys(generationConfig).length > 0) body.generationConfig = generationConfig;

    ctx.log.info('model request', { model: config.model, stream: config.stream });
    const response = await requestProvider(ctx, 'google', {
      method: 'POST',
      url,
      headers,
      body,
      ...(config.stream ? { query: { alt: 'sse' }, responseType: 'text' as const } : { responseType: 'json' as const }),
      timeoutMs: config.requestTimeoutMs,
    });

    const chunks = config.stream ? parseSseChunks(String(response.body)) : [response.body as GeminiResponse];
    if (chunks.length === 0) throw invalidProviderResponse('google', 'any stream event');
    let text = '';
    for (const chunk of chunks) {
      const piece = textOf(chunk);
      if (config.stream && piece !== '') ctx.log.debug('model output', { text: piece });
      text += piece;
    }
    const last = chunks[chunks.length - 1];
    const usage: TokenUsage = usageOf(last);
    ctx.log.info('model usage', usage);
    ctx.reportUsage(usage.totalTokens);
    const finishReason = last.candidates?.[0]?.finishReason ?? null;
    return { text, model: last.modelVersion ?? config.model, usage: { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens }, finishReason };
  },
});

/** Returns the reply text of one response, leaving out thought summaries. */
function textOf(response: GeminiResponse): string {
  // A stream's last chunk may carry only usage and a finish reason, without parts.
  if (response.candidates?.[0]?.content?.parts === undefined && response.promptFeedback === undefined) return '';
  return partsOf(response)
    .filter((part) => typeof part.text === 'string' && part.thought !== true)
    .map((part) => part.text)
    .join('');
}
