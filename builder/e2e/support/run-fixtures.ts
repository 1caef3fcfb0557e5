/** Graphs and a plugin for the run view specs. */
import { buildTestPackage } from '../../../runtime/test/plugins/support/packages';

/** A 2×2 red PNG. */
export const RED_PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==';

/** Returns a mono 8 kHz 8-bit WAV file of `samples` bytes of silence, base64 encoded. */
export function silentWavBase64(samples = 800): string {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + samples, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(8000, 28);
  header.writeUInt16LE(1, 32);
  header.writeUInt16LE(8, 34);
  header.write('data', 36);
  header.writeUInt32LE(samples, 40);
  return Buffer.concat([header, Buffer.alloc(samples, 128)]).toString('base64');
}

/** Builds a plugin whose `render` action stores a PNG and a WAV file as artifacts. */
export function mediaPlugin() {
  return buildTestPackage({
    name: 'media',
    actions: [
      {
        name: 'render',
        displayName: 'Render media',
        run: `async (ctx) => {
          const image = await ctx.files.put({ name: 'red-square.png', contentType: 'image/png', base64: ${JSON.stringify(RED_PNG_BASE64)}, prompt: 'a red square' });
          const sound = await ctx.files.put({ name: 'silence.wav', contentType: 'audio/wav', base64: ${JSON.stringify(silentWavBase64())} });
          return { image, sound };
        }`,
      },
    ],
  });
}

/** Returns a graph document of one node. */
export function oneNodeGraph(name: string, node: { id: string; type: string; config?: Record<string, unknown> }) {
  return { name, nodes: [{ position: { x: 0, y: 0 }, config: {}, ...node }], edges: [] };
}
