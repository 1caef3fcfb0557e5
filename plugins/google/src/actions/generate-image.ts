import { defineAction, invalidProviderResponse, p, renderPrompt, requestProvider, type FileRefData } from '@gestorlead/sdk-plugin/plugin';
import { apiSlot, MODEL_PATTERN, modelRequest } from '../credential.js';
import { partsOf, usageOf, type GeminiResponse } from '../gemini.js';

const EXTENSIONS: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp' };

/**
 * `google/generate-image@1`: Gemini native image output, `models/{model}:generateContent` with
 * `generationConfig.responseModalities` `["TEXT", "IMAGE"]`. Each `inlineData` part is stored
 * as an artifact with the model and the prompt; text parts become `text`. It uses the same key
 * and endpoint as `generate-text`, which Imagen's `:predict` does not on every account.
 */
export const generateImageAction = defineAction({
  name: 'generate-image',
  version: 1,
  displayName: 'Generate image',
  description: 'Generates images with a Gemini image model and stores them as artifacts.',
  group: 'Google',
  config: {
    prompt: p.text({ displayName: 'Prompt', required: true, multiline: true, maxLength: 32_000, placeholder: 'A lighthouse at dawn, {{ input.style }}' }),
    model: p.text({ displayName: 'Model', default: 'gemini-2.5-flash-image', pattern: MODEL_PATTERN }),
    aspectRatio: p.select({ displayName: 'Aspect ratio', options: ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'] }),
    requestTimeoutMs: p.number({ displayName: 'Request timeout (ms)', integer: true, minimum: 1_000, maximum: 600_000, default: 120_000 }),
  },
  credentials: [apiSlot],
  credits: { perUnit: 4, unit: 'image', maxUnits: 4 },
  limits: { timeoutMs: 180_000, memoryMb: 256 },
  async run(ctx) {
    const { config } = ctx;
    const { url, headers } = modelRequest(ctx.credentials.api, config.model, 'generateContent');
    const prompt = renderPrompt(config.prompt, ctx.input);
    const generationConfig: Record<string, unknown> = { responseModalities: ['TEXT', 'IMAGE'] };
    if (config.aspectRatio !== undefined) generationConfig.imageConfig = { aspectRatio: config.aspectRatio };

    ctx.log.info('image request', { model: config.model });
    const response = await requestProvider(ctx, 'google', {
      method: 'POST',
      url,
      headers,
      body: { contents: [{ role: 'user', parts: [{ text: prompt }] }], generationConfig },
      responseType: 'json',
      timeoutMs: config.requestTimeoutMs,
    });
    const reply = response.body as GeminiResponse;
    const parts = partsOf(reply);
    const images: FileRefData[] = [];
    let text = '';
    for (const part of parts) {
      if (typeof part.text === 'string' && part.thought !== true) text += part.text;
      const data = part.inlineData?.data;
      if (typeof data !== 'string' || data === '' || part.thought === true) continue;
      const contentType = part.inlineData?.mimeType ?? 'image/png';
      const name = `image-${images.length + 1}.${EXTENSIONS[contentType] ?? 'bin'}`;
      images.push(await ctx.files.put({ name, contentType, base64: data, model: config.model, prompt }));
    }
    if (images.length === 0) throw invalidProviderResponse('google', `an image (finish reason ${reply.candidates?.[0]?.finishReason ?? 'none'})`);
    ctx.reportUsage(images.length);
    return { images, text, model: reply.modelVersion ?? config.model, prompt, usage: usageOf(reply) };
  },
});
