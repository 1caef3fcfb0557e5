import {
  defineAction,
  invalidProviderResponse,
  joinUrl,
  p,
  renderPrompt,
  requestProvider,
  type ActionContext,
  type FileRefData,
} from '@gestorlead/sdk-plugin/plugin';
import { apiSlot, authHeaders, OPENAI_BASE_URL } from '../credential.js';

const PROVIDER = 'openai';
const CONTENT_TYPES: Record<string, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

/** One image of an Images API response. */
interface ImageData {
  b64_json?: unknown;
  url?: unknown;
  revised_prompt?: unknown;
}

/**
 * `openai/generate-image@1`: the Images API, `POST /v1/images/generations`. Each image of the
 * response, `b64_json` or a `url` the action downloads, is stored as an artifact with the model
 * and the prompt. DALL·E models are asked for `b64_json`; GPT image models always send it.
 */
export const generateImageAction = defineAction({
  name: 'generate-image',
  version: 1,
  displayName: 'Generate image',
  description: 'Generates images from a prompt with the OpenAI Images API and stores them as artifacts.',
  group: 'OpenAI',
  config: {
    prompt: p.text({
      displayName: 'Prompt',
      required: true,
      multiline: true,
      maxLength: 32_000,
      placeholder: 'A lighthouse at dawn, {{ input.style }}',
    }),
    model: p.text({ displayName: 'Model', default: 'gpt-image-1', maxLength: 100, placeholder: 'gpt-image-1, dall-e-3' }),
    size: p.select({
      displayName: 'Size',
      options: ['auto', '1024x1024', '1536x1024', '1024x1536', '1792x1024', '1024x1792', '512x512', '256x256'],
      default: '1024x1024',
    }),
    quality: p.select({
      displayName: 'Quality',
      description: 'low, medium, high or auto for GPT image models; standard or hd for dall-e-3.',
      options: ['auto', 'low', 'medium', 'high', 'standard', 'hd'],
    }),
    n: p.number({ displayName: 'Images', integer: true, minimum: 1, maximum: 10, default: 1 }),
    outputFormat: p.select({ displayName: 'Format (GPT image models)', options: ['png', 'jpeg', 'webp'] }),
    requestTimeoutMs: p.number({
      displayName: 'Request timeout (ms)',
      description: 'Capped by the studio\'s HTTP_TIMEOUT_MS.',
      integer: true,
      minimum: 1_000,
      maximum: 600_000,
      default: 240_000,
    }),
  },
  credentials: [apiSlot],
  outputs: [
    {
      name: 'out',
      schema: {
        type: 'object',
        properties: {
          images: { type: 'array', items: { type: 'object' } },
          model: { type: 'string' },
          prompt: { type: 'string' },
          revisedPrompts: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  ],
  credits: { perUnit: 4, unit: 'image', maxUnits: 10 },
  limits: { timeoutMs: 300_000, memoryMb: 256 },
  async run(ctx) {
    const { config } = ctx;
    const headers = authHeaders(ctx.credentials.api);
    const baseUrl = ctx.credentials.api?.baseUrl ?? OPENAI_BASE_URL;
    const prompt = renderPrompt(config.prompt, ctx.input);
    const isDallE = config.model.startsWith('dall-e');
    const body: Record<string, unknown> = { model: config.model, prompt, n: config.n, size: config.size };
    if (config.quality !== undefined) body.quality = config.quality;
    if (config.outputFormat !== undefined && !isDallE) body.output_format = config.outputFormat;
    if (isDallE) body.response_format = 'b64_json';

    ctx.log.info('image request', { model: config.model, size: config.size, n: config.n });
    const response = await requestProvider(ctx, PROVIDER, {
      method: 'POST',
      url: joinUrl(baseUrl, '/images/generations'),
      headers,
      body,
      responseType: 'json',
      timeoutMs: config.requestTimeoutMs,
    });
    const data = (response.body as { data?: unknown } | null)?.data;
    if (!Array.isArray(data) || data.length === 0) throw invalidProviderResponse(PROVIDER, 'a data array of images');

    const format = (response.body as { output_format?: unknown }).output_format;
    const fallbackType = CONTENT_TYPES[typeof format === 'string' ? format : (config.outputFormat ?? 'png')] ?? 'image/png';
    const images: FileRefData[] = [];
    const revisedPrompts: string[] = [];
    for (const [index, item] of (data as ImageData[]).entries()) {
      const { base64, contentType } = await imageContent(ctx, item, fallbackType, config.requestTimeoutMs);
      const extension = contentType.split('/')[1] ?? 'png';
      images.push(await ctx.files.put({ name: `image-${index + 1}.${extension}`, contentType, base64, model: config.model, prompt }));
      if (typeof item.revised_prompt === 'string') revisedPrompts.push(item.revised_prompt);
    }
    ctx.reportUsage(images.length);
    ctx.log.info('images stored', { count: images.length });
    return { images, model: config.model, prompt, revisedPrompts };
  },
});

/** Returns the base64 content of one image: its `b64_json`, or the download of its `url`. */
async function imageContent(
  ctx: Pick<ActionContext, 'http'>,
  item: ImageData,
  fallbackType: string,
  timeoutMs: number,
): Promise<{ base64: string; contentType: string }> {
  if (typeof item.b64_json === 'string' && item.b64_json !== '') return { base64: item.b64_json, contentType: fallbackType };
  if (typeof item.url !== 'string' || item.url === '') throw invalidProviderResponse(PROVIDER, 'b64_json or url for an image');
  // The image URL is signed, so no API key is sent with it.
  const download = await requestProvider(ctx, PROVIDER, { method: 'GET', url: item.url, responseType: 'base64', timeoutMs });
  const declared = download.headers['content-type']?.split(';')[0]?.trim();
  return { base64: String(download.body), contentType: declared?.startsWith('image/') === true ? declared : fallbackType };
}
