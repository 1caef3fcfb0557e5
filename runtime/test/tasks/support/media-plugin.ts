/**
 * A stand-in for the provider plugins of the task API: a plugin named like a provider (`openai`,
 * `piapi`, `elevenlabs`) whose actions store a generated file as an artifact with
 * `ctx.files.put`, without calling any provider. A prompt or text containing `forbidden` makes
 * the action throw the coded error `PROVIDER_CONTENT_REJECTED`, as a provider's content policy would.
 */
import { deflateSync, crc32 } from 'node:zlib';
import { createPackage } from '@gestorlead/sdk-plugin/cli';
import type { ActionManifest, PluginManifest, PluginPackage } from '@gestorlead/sdk-plugin/plugin';

/** Credits one call of each media action costs, from its manifest. */
export const MEDIA_ACTION_CREDITS = 3;

/** The media actions a test plugin can offer, by action name. */
export type MediaActionName = 'generate-image' | 'generate-video' | 'text-to-speech';

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

/** Encodes an RGB PNG of `size` × `size` pixels: a diagonal gradient, so a screenshot shows it. */
export function gradientPng(size: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows: Buffer[] = [];
  for (let y = 0; y < size; y += 1) {
    const row = Buffer.alloc(1 + size * 3);
    for (let x = 0; x < size; x += 1) row.set([Math.round((255 * x) / size), 90, Math.round((255 * y) / size)], 1 + x * 3);
    rows.push(row);
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, pngChunk('IHDR', header), pngChunk('IDAT', deflateSync(Buffer.concat(rows))), pngChunk('IEND', Buffer.alloc(0))]);
}

/** Encodes a WAV file of a 440 Hz tone: 8-bit mono PCM at 8 kHz. */
export function toneWav(seconds: number): Buffer {
  const rate = 8000;
  const samples = Math.round(rate * seconds);
  const wav = Buffer.alloc(44 + samples);
  wav.write('RIFF', 0, 'ascii');
  wav.writeUInt32LE(36 + samples, 4);
  wav.write('WAVEfmt ', 8, 'ascii');
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20);
  wav.writeUInt16LE(1, 22);
  wav.writeUInt32LE(rate, 24);
  wav.writeUInt32LE(rate, 28);
  wav.writeUInt16LE(1, 32);
  wav.writeUInt16LE(8, 34);
  wav.write('data', 36, 'ascii');
  wav.writeUInt32LE(samples, 40);
  for (let index = 0; index < samples; index += 1) wav[44 + index] = 128 + Math.round(100 * Math.sin((2 * Math.PI * 440 * index) / rate));
  return wav;
}

/** The file each action stores, and the config field that contains its text. */
const MEDIA: Record<MediaActionName, { name: string; contentType: string; content: () => Buffer; textField: string; fields: string[] }> = {
  'generate-image': { name: 'image.png', contentType: 'image/png', content: () => gradientPng(96), textField: 'prompt', fields: ['prompt', 'size', 'n'] },
  // NOTE: the bytes are a label, not a playable video; the tests check storage and delivery only.
  'generate-video': {
    name: 'video.mp4',
    contentType: 'video/mp4',
    content: () => Buffer.from('not a real video'),
    textField: 'prompt',
    fields: ['prompt', 'durationSeconds', 'aspectRatio'],
  },
  'text-to-speech': { name: 'speech.wav', contentType: 'audio/wav', content: () => toneWav(0.5), textField: 'text', fields: ['text', 'voice', 'format'] },
};

/** The source of one action's `run`: stores the file and returns its reference and config. */
function actionSource(action: MediaActionName): string {
  const media = MEDIA[action];
  const file = { name: media.name, contentType: media.contentType, base64: media.content().toString('base64') };
  return `async (ctx) => {
    const text = ctx.config[${JSON.stringify(media.textField)}];
    if (String(text).includes('forbidden')) {
      throw { code: 'PROVIDER_CONTENT_REJECTED', message: 'the provider rejected the prompt', retryable: false };
    }
    const file = ${JSON.stringify(file)};
    const ref = await ctx.files.put({ ...file, model: ctx.config.model, prompt: text });
    return { file: ref, config: ctx.config, credentialSlots: Object.keys(ctx.credentials) };
  }`;
}

function actionManifest(action: MediaActionName, credentialSlot: string | null): ActionManifest {
  const properties: Record<string, unknown> = { model: { type: 'string', enum: ['test-model-1', 'test-model-2'] } };
  for (const field of MEDIA[action].fields) properties[field] = field === 'n' || field === 'durationSeconds' ? { type: 'integer' } : { type: 'string' };
  return {
    name: action,
    version: 1,
    displayName: action,
    description: `Stores a ${MEDIA[action].contentType} file.`,
    configSchema: { type: 'object', required: ['model', MEDIA[action].textField], additionalProperties: false, properties },
    inputs: [{ name: 'in' }],
    outputs: [{ name: 'out' }],
    credits: { fixed: MEDIA_ACTION_CREDITS },
    ...(credentialSlot === null ? {} : { credentialSlots: [{ slot: 'api', type: credentialSlot, required: true }] }),
  };
}

/**
 * Packs a plugin named `name` with the given media actions. With `credentialType`, the plugin
 * declares that credential type and each action requires a credential of it in slot `api`.
 */
export function mediaPluginPackage(name: string, actions: MediaActionName[], options: { credentialType?: string } = {}): PluginPackage {
  const credentialType = options.credentialType ?? null;
  const manifest: PluginManifest = {
    name,
    version: '1.0.0',
    runtime: '^0.1.0',
    displayName: `Test ${name}`,
    description: 'A stand-in provider plugin that stores generated files.',
    permissions: { hosts: [] },
    credentialTypes:
      credentialType === null
        ? []
        : [{ name: credentialType, displayName: 'API key', schema: { type: 'object', required: ['apiKey'], properties: { apiKey: { type: 'string' } } } }],
    actions: actions.map((action) => actionManifest(action, credentialType)),
    triggers: [],
  };
  const entries = actions.map((action) => `{ name: ${JSON.stringify(action)}, version: 1, run: ${actionSource(action)} }`).join(',\n');
  const code = `(() => {\n  globalThis["__gestorleadPlugin"] = { manifest: ${JSON.stringify(manifest)}, actions: [${entries}], triggers: [] };\n})();\n`;
  return createPackage(manifest, code);
}
