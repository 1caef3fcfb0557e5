/**
 * A fake of the ElevenLabs text-to-speech API on 127.0.0.1, in its wire format:
 * `POST /v1/text-to-speech/{voice_id}?output_format=…` with the `xi-api-key` header and a JSON
 * body `{ text, model_id, voice_settings, language_code }`, audio bytes in reply, and error
 * bodies `{ detail: { status, message } }` (422 validation errors carry a `detail` list). A wrong
 * key gets a 401 whose message quotes the key.
 *
 * Start it with `startFakeElevenLabs(key)` and point `ELEVENLABS_BASE_URL` (or a credential's
 * `baseUrl`) at its `baseUrl`.
 */
import { mediaBytes, startFakeServer, type FakeReply, type FakeServer } from './fake-server.js';

/** The running fake. */
export interface FakeElevenLabs extends FakeServer {
  /** `<origin>/v1` */
  baseUrl: string;
}

/** Returns an ElevenLabs error reply. */
export function elevenlabsError(status: number, code: string, message: string, headers: Record<string, string> = {}): FakeReply {
  return { status, headers, json: { detail: { status: code, message } } };
}

/** Returns the audio bytes the fake speaks for `text` with `voiceId`. */
export function elevenlabsSpeechBytes(voiceId: string, text: string): Buffer {
  return mediaBytes('mp3', `elevenlabs:${voiceId}:${text}`);
}

/** Starts the fake. `apiKey` is the only key it accepts. */
export async function startFakeElevenLabs(apiKey: string): Promise<FakeElevenLabs> {
  const server = await startFakeServer((request, fake) => {
    const match = /^\/v1\/text-to-speech\/([A-Za-z0-9]+)$/.exec(request.path);
    if (request.method !== 'POST' || match === null) return elevenlabsError(404, 'not_found', `no route ${request.method} ${request.path}`);
    const key = String(request.headers['xi-api-key'] ?? '');
    if (key !== apiKey) return elevenlabsError(401, 'invalid_api_key', `Invalid API key: ${key}`);
    const scripted = fake.next();
    if (scripted !== undefined) return scripted;
    const { text, model_id: modelId } = request.body ?? {};
    if (typeof text !== 'string' || text === '') {
      return { status: 422, json: { detail: [{ loc: ['body', 'text'], msg: 'field required', type: 'value_error.missing' }] } };
    }
    const format = request.query.get('output_format') ?? 'mp3_44100_128';
    const contentType = format.startsWith('mp3') ? 'audio/mpeg' : 'application/octet-stream';
    return {
      bytes: elevenlabsSpeechBytes(match[1], text),
      headers: { 'content-type': contentType, 'request-id': 'fake-request-1', 'x-character-count': String(Array.from(text).length), 'x-model-id': String(modelId) },
    };
  });
  return Object.assign(server, { baseUrl: `${server.origin}/v1` });
}
