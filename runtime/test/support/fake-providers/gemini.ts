/**
 * A fake of the Gemini API (v1beta) on 127.0.0.1, in its wire format. It serves
 * `POST /v1beta/models/{model}:generateContent` and `:streamGenerateContent?alt=sse` with the
 * `x-goog-api-key` header and `GenerateContentResponse` bodies with `usageMetadata`. Image output
 * comes as `inlineData` parts when `generationConfig.responseModalities` has `IMAGE`. Errors are
 * Google error bodies `{ error: { code, message, status, details } }`, and a 429 carries a
 * `google.rpc.RetryInfo` among its details. A wrong key gets a 400 `API_KEY_INVALID` whose message quotes the key.
 *
 * Start it with `startFakeGemini(key)` and point `GOOGLE_BASE_URL` (or a credential's `baseUrl`)
 * at its `baseUrl`. By default it replies `Echo: <prompt>`, in three chunks when streaming.
 */
import { pngBytes, startFakeServer, type FakeReply, type FakeRequest, type FakeServer } from './fake-server.js';

/** The running fake. */
export interface FakeGemini extends FakeServer {
  /** `<origin>/v1beta` */
  baseUrl: string;
}

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

/** Returns a Google API error reply; `details` go into `error.details`. */
export function geminiError(status: number, message: string, details: unknown[] = [], headers: Record<string, string> = {}): FakeReply {
  return { status, headers, json: { error: { code: status, message, status: STATUS_NAMES[status] ?? 'UNKNOWN', details } } };
}

/** Returns a 429 with the `RetryInfo` detail that the Gemini API sends, asking for `seconds`. */
export function geminiRateLimited(seconds: number): FakeReply {
  return geminiError(429, 'You exceeded your current quota, please check your plan and billing details.', [
    { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests' }] },
    { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${seconds}s` },
  ]);
}

/** Returns the text the fake replies to `prompt` by default. */
export function geminiEchoText(prompt: string): string {
  return `Echo: ${prompt}`;
}

/** Returns the bytes of the image the fake draws for `prompt`. */
export function geminiImageBytes(prompt: string): Buffer {
  return pngBytes(`gemini-${Buffer.from(prompt, 'utf8').toString('base64')}`);
}

/** Returns the token counts the fake reports for a prompt and an answer. */
export function geminiUsage(prompt: string, answer: string): { promptTokenCount: number; candidatesTokenCount: number; totalTokenCount: number } {
  const promptTokenCount = Array.from(prompt).length;
  const candidatesTokenCount = Array.from(answer).length;
  return { promptTokenCount, candidatesTokenCount, totalTokenCount: promptTokenCount + candidatesTokenCount };
}

/** Returns a streamed text reply: `text` split into `pieces` chunks, usage on the last one. */
export function geminiStream(model: string, prompt: string, text: string, pieces = 3): FakeReply {
  const points = Array.from(text);
  const size = Math.max(1, Math.ceil(points.length / pieces));
  const events: unknown[] = [];
  for (let start = 0; start < points.length; start += size) {
    const last = start + size >= points.length;
    events.push({
      candidates: [{ content: { role: 'model', parts: [{ text: points.slice(start, start + size).join('') }] }, index: 0, ...(last ? { finishReason: 'STOP' } : {}) }],
      ...(last ? { usageMetadata: geminiUsage(prompt, text) } : {}),
      modelVersion: model,
      responseId: 'fake-response',
    });
  }
  return { sse: events };
}

function promptOf(request: FakeRequest): string {
  const parts = request.body?.contents?.[0]?.parts;
  return Array.isArray(parts) ? parts.map((part: { text?: string }) => part.text ?? '').join('') : '';
}

function defaultReply(request: FakeRequest, model: string, stream: boolean): FakeReply {
  const prompt = promptOf(request);
  if (prompt === '') return geminiError(400, '* GenerateContentRequest.contents: contents is not specified');
  const modalities: unknown = request.body?.generationConfig?.responseModalities;
  if (Array.isArray(modalities) && modalities.includes('IMAGE')) {
    const parts = [{ text: 'Here is your image.' }, { inlineData: { mimeType: 'image/png', data: geminiImageBytes(prompt).toString('base64') } }];
    return {
      json: {
        candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
        usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 1290, totalTokenCount: 1299 },
        modelVersion: model,
      },
    };
  }
  const text = geminiEchoText(prompt);
  if (stream) return geminiStream(model, prompt, text);
  return {
    json: {
      candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason: 'STOP', index: 0 }],
      usageMetadata: geminiUsage(prompt, text),
      modelVersion: model,
    },
  };
}

/**
 * Starts the fake. `apiKey` is the only key it accepts. Scripted replies (`enqueue`) go to the
 * next authorised model requests before the default echo.
 */
export async function startFakeGemini(apiKey: string): Promise<FakeGemini> {
  const server = await startFakeServer((request, fake) => {
    const match = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent)$/.exec(request.path);
    if (request.method !== 'POST' || match === null) return geminiError(404, `Method not found: ${request.method} ${request.path}`);
    const key = String(request.headers['x-goog-api-key'] ?? '');
    if (key !== apiKey) {
      return geminiError(400, `API key not valid. Please pass a valid API key. (key: ${key})`, [
        { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' },
      ]);
    }
    const stream = match[2] === 'streamGenerateContent';
    if (stream && request.query.get('alt') !== 'sse') return geminiError(400, 'this fake streams only with alt=sse');
    return fake.next() ?? defaultReply(request, decodeURIComponent(match[1]), stream);
  });
  return Object.assign(server, { baseUrl: `${server.origin}/v1beta` });
}
