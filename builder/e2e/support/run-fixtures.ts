/** Graphs and a plugin for the run view specs. */
import { crc32, deflateSync } from 'node:zlib';
import { buildTestPackage } from '../../../runtime/test/plugins/support/packages';

/** Returns a PNG of one colour, base64 encoded (RFC 2083: 8-bit RGB, no interlace). */
export function solidPngBase64(width: number, height: number, rgb: [number, number, number]): string {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, 'ascii'), data])));
    return Buffer.concat([length, Buffer.from(type, 'ascii'), data, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(8, 8);
  header.writeUInt8(2, 9);
  // Each row starts with filter type 0, then the pixels.
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => rgb).flat())]);
  const pixels = deflateSync(Buffer.concat(Array.from({ length: height }, () => row)));
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', pixels), chunk('IEND', Buffer.alloc(0))]).toString('base64');
}

/** Width and height of the PNG that the `render` action stores, in pixels. */
export const SQUARE_PX = 96;

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
          const image = await ctx.files.put({ name: 'red-square.png', contentType: 'image/png', base64: ${JSON.stringify(solidPngBase64(SQUARE_PX, SQUARE_PX, [200, 30, 40]))}, prompt: 'a red square' });
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
