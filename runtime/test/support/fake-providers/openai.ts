/**
 * A fake of the OpenAI API's media endpoints on 127.0.0.1, in their wire format. It serves
 * `POST /v1/images/generations` (`{ created, data: [{ b64_json | url, revised_prompt }], usage }`)
 * and `POST /v1/audio/speech` (audio bytes), both with `Authorization: Bearer`. Errors are
 * bodies `{ error: { message, type, param, code } }`. A wrong key gets a 401 whose message
 * quotes the key, as a careless provider might. Images asked for as `url` are served from
 * `GET /files/<name>`.
 *
 * Start it with `startFakeOpenAiMedia(key)` and point `OPENAI_BASE_URL` (or a credential's
 * `baseUrl`) at its `baseUrl`.
 */
import { mediaBytes, pngBytes, startFakeServer, type FakeReply, type FakeRequest, type FakeServer } from './fake-server.js';

/** The running fake. */
export interface FakeOpenAiMedia extends FakeServer {
  /** `<origin>/v1` */
  baseUrl: string;
  /** Serves `bytes` at `GET /files/<name>` and returns that URL, for replies with image URLs. */
  serveFile(name: string, bytes: Buffer): string;
}

/** Returns an OpenAI error reply. */
export function openaiError(status: number, message: string, type = 'invalid_request_error', code: string | null = null, headers: Record<string, string> = {}): FakeReply {
  return { status, headers, json: { error: { message, type, param: null, code } } };
}

/** Returns the bytes of image `index` (1-based) generated for `prompt`. */
export function openaiImageBytes(prompt: string, index: number): Buffer {
  return pngBytes(`openai-${index}-${Buffer.from(prompt, 'utf8').toString('base64')}`);
}

/** Returns the audio bytes the fake speaks for `input`. */
export function openaiSpeechBytes(input: string): Buffer {
  return mediaBytes('mp3', `openai-speech:${input}`);
}

function imagesReply(request: FakeRequest, origin: string, files: Map<string, Buffer>): FakeReply {
  const { prompt, n = 1, model, response_format: format } = request.body ?? {};
  if (typeof prompt !== 'string' || prompt === '') return openaiError(400, "Missing required parameter: 'prompt'.");
  if (!String(model).startsWith('dall-e') && format !== undefined) {
    return openaiError(400, "Unknown parameter: 'response_format'.", 'invalid_request_error', 'unknown_parameter');
  }
  const data = Array.from({ length: Number(n) }, (_, offset) => {
    const bytes = openaiImageBytes(prompt, offset + 1);
    if (format === 'url') {
      const name = `image-${files.size + 1}.png`;
      files.set(name, bytes);
      return { url: `${origin}/files/${name}`, revised_prompt: prompt };
    }
    return model === 'dall-e-3' ? { b64_json: bytes.toString('base64'), revised_prompt: prompt } : { b64_json: bytes.toString('base64') };
  });
  return {
    json: {
      created: 1_700_000_000,
      data,
      ...(String(model).startsWith('gpt-image') ? { output_format: request.body.output_format ?? 'png', usage: { input_tokens: 12, output_tokens: 272, total_tokens: 284 } } : {}),
    },
  };
}

/**
 * Starts the fake. `apiKey` is the only key it accepts. Scripted replies (`enqueue`) go to the
 * next authorised images or speech requests before the default successes.
 */
export async function startFakeOpenAiMedia(apiKey: string): Promise<FakeOpenAiMedia> {
  const files = new Map<string, Buffer>();
  const server = await startFakeServer((request, fake) => {
    if (request.method === 'GET' && request.path.startsWith('/files/')) {
      const bytes = files.get(request.path.slice('/files/'.length));
      return bytes === undefined ? { status: 404, json: { error: 'not found' } } : { bytes, headers: { 'content-type': 'image/png' } };
    }
    const bearer = String(request.headers.authorization ?? '').replace(/^Bearer /, '');
    if (bearer !== apiKey) {
      return openaiError(401, `Incorrect API key provided: ${bearer}. You can find your API key at https://platform.openai.com/account/api-keys.`, 'invalid_request_error', 'invalid_api_key');
    }
    const route = `${request.method} ${request.path}`;
    if (route !== 'POST /v1/images/generations' && route !== 'POST /v1/audio/speech') {
      return openaiError(404, `Invalid URL (${route})`);
    }
    const scripted = fake.next();
    if (scripted !== undefined) return scripted;
    if (route === 'POST /v1/images/generations') return imagesReply(request, fake.origin, files);
    const { input, voice, model } = request.body ?? {};
    if (typeof input !== 'string' || typeof voice !== 'string' || typeof model !== 'string') {
      return openaiError(400, "Missing required parameter: 'input', 'voice' or 'model'.");
    }
    const types: Record<string, string> = { mp3: 'audio/mpeg', opus: 'audio/ogg', aac: 'audio/aac', flac: 'audio/flac', wav: 'audio/wav', pcm: 'audio/pcm' };
    return { bytes: openaiSpeechBytes(input), headers: { 'content-type': types[request.body.response_format ?? 'mp3'] ?? 'audio/mpeg' } };
  });
  const serveFile = (name: string, bytes: Buffer): string => {
    files.set(name, bytes);
    return `${server.origin}/files/${name}`;
  };
  return Object.assign(server, { baseUrl: `${server.origin}/v1`, serveFile });
}
