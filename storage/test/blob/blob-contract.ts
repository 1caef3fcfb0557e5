/**
 * The blob store contract: behaviour every `BlobStore` must show, through the interface only.
 * `test/blob/file-blob-store.test.ts` runs it on the file system and `s3-blob-store.test.ts` on
 * an s3rver on 127.0.0.1.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BlobTooLargeError, type BlobMetadata, type BlobStore } from '../../src/blob/index.js';

/** What a store's test file passes to `defineBlobStoreContract`. */
export interface BlobContractOptions {
  /** Returns the store of the running test. */
  store(): BlobStore;
  /** The size of one multipart part, or null for a store without parts; content twice as long goes up in parts. */
  partSizeBytes: number | null;
  /** Lists the keys of every complete blob in the store, read past the interface. */
  listKeys(): Promise<string[]>;
}

const METADATA: BlobMetadata = {
  contentType: 'text/plain; charset=utf-8',
  attributes: { name: 'relatório 📄 تقرير.txt', runId: 'run-1', nodeId: 'caption' },
};

/** Returns `length` bytes that differ from position to position, so a misplaced part shows. */
export function patternBytes(length: number, seed = 7): Buffer {
  const bytes = Buffer.alloc(length);
  let state = seed;
  for (let index = 0; index < length; index += 1) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    bytes[index] = state >>> 16;
  }
  return bytes;
}

/** Returns a stream of `data` in chunks of `chunkSize` bytes, with no length attached. */
export function streamOf(data: Buffer, chunkSize = 64 * 1024): Readable {
  let offset = 0;
  return new Readable({
    read() {
      if (offset >= data.length) {
        this.push(null);
        return;
      }
      this.push(data.subarray(offset, offset + chunkSize));
      offset += chunkSize;
    },
  });
}

/** Returns a stream that yields `before` and then fails with `error`. */
function failingStream(before: Buffer, error: Error): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push(before);
        return;
      }
      this.destroy(error);
    },
  });
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function defineBlobStoreContract(name: string, options: BlobContractOptions): void {
  const { store } = options;

  describe(`${name} blob store contract`, () => {
    it('put buffer returns key size and hash', async () => {
      const data = Buffer.from('olá, mundo 🌍');

      const result = await store().put(data, METADATA);

      expect(result.key).toMatch(/^[0-9a-f]{32}$/);
      expect(result.size).toBe(data.length);
      expect(result.sha256).toBe(sha256(data));
    });

    it('get returns bytes and metadata', async () => {
      const data = Buffer.from('olá, mundo 🌍');
      const { key } = await store().put(data, METADATA);

      const blob = await store().get(key);

      expect(blob?.data.equals(data)).toBe(true);
      expect(blob?.size).toBe(data.length);
      expect(blob?.contentType).toBe(METADATA.contentType);
      expect(blob?.attributes).toEqual(METADATA.attributes);
      expect(Number.isNaN(Date.parse(blob?.createdAt ?? ''))).toBe(false);
    });

    it('stat returns metadata without bytes', async () => {
      const { key } = await store().put(Buffer.from('abc'), METADATA);

      const found = await store().stat(key);

      expect(found).toMatchObject({ key, size: 3, contentType: METADATA.contentType, attributes: METADATA.attributes });
      expect(found).not.toHaveProperty('data');
    });

    it('put stores an empty blob', async () => {
      const { key, size, sha256: hash } = await store().put(streamOf(Buffer.alloc(0)), METADATA);

      expect(size).toBe(0);
      expect(hash).toBe(sha256(Buffer.alloc(0)));
      expect((await store().get(key))?.data.length).toBe(0);
    });

    it('put stream of unknown length', async () => {
      const data = patternBytes(300_000);

      const result = await store().put(streamOf(data, 10_000), METADATA);

      expect(result.size).toBe(data.length);
      expect(result.sha256).toBe(sha256(data));
      expect((await store().get(result.key))?.data.equals(data)).toBe(true);
    });

    it('open streams the whole blob', async () => {
      const data = patternBytes(100_000);
      const { key } = await store().put(data, METADATA);

      const stream = await store().open(key);

      expect(stream).not.toBeNull();
      expect((await readAll(stream!)).equals(data)).toBe(true);
    });

    it('open streams a byte range', async () => {
      const data = patternBytes(10_000);
      const { key } = await store().put(data, METADATA);

      const middle = await readAll((await store().open(key, { start: 100, end: 199 }))!);
      const last = await readAll((await store().open(key, { start: 9_999, end: 9_999 }))!);

      expect(middle.equals(data.subarray(100, 200))).toBe(true);
      expect(last.equals(data.subarray(9_999))).toBe(true);
    });

    it('open rejects range outside blob', async () => {
      const { key } = await store().put(Buffer.from('0123456789'), METADATA);

      await expect(store().open(key, { start: 5, end: 10 })).rejects.toThrow(RangeError);
      await expect(store().open(key, { start: 6, end: 5 })).rejects.toThrow(RangeError);
    });

    it('missing and malformed keys read as null', async () => {
      const missing = '0'.repeat(32);

      expect(await store().get(missing)).toBeNull();
      expect(await store().stat(missing)).toBeNull();
      expect(await store().open(missing)).toBeNull();
      expect(await store().exists(missing)).toBe(false);
      expect(await store().get('../../etc/passwd')).toBeNull();
      expect(await store().open('../x')).toBeNull();
      expect(await store().exists('../x')).toBe(false);
      expect(await store().delete('../x')).toBe(false);
    });

    it('delete removes a blob once', async () => {
      const { key } = await store().put(Buffer.from('gone soon'), METADATA);
      const { key: other } = await store().put(Buffer.from('stays'), METADATA);

      expect(await store().delete(key)).toBe(true);

      expect(await store().exists(key)).toBe(false);
      expect(await store().get(key)).toBeNull();
      expect(await store().delete(key)).toBe(false);
      expect((await store().get(other))?.data.toString()).toBe('stays');
    });

    it('put gives each blob a new key', async () => {
      const first = await store().put(Buffer.from('same'), METADATA);
      const second = await store().put(Buffer.from('same'), METADATA);

      expect(first.key).not.toBe(second.key);
      expect(first.sha256).toBe(second.sha256);
    });

    it('put over maxBytes stores nothing', async () => {
      const before = await store().put(Buffer.from('marker'), METADATA);

      const buffer = await store().put(Buffer.from('0123456789'), METADATA, { maxBytes: 9 }).catch((error: unknown) => error);
      const stream = await store()
        .put(streamOf(patternBytes(50_000), 1_000), METADATA, { maxBytes: 20_000 })
        .catch((error: unknown) => error);

      expect(buffer).toBeInstanceOf(BlobTooLargeError);
      expect(stream).toBeInstanceOf(BlobTooLargeError);
      expect((stream as BlobTooLargeError).maxBytes).toBe(20_000);
      expect(await options.listKeys()).toEqual([before.key]);
    });

    it('put at exactly maxBytes succeeds', async () => {
      const result = await store().put(Buffer.from('0123456789'), METADATA, { maxBytes: 10 });

      expect(result.size).toBe(10);
    });

    it('failed stream rejects with its error', async () => {
      const failure = new Error('source went away');

      const outcome = await store()
        .put(failingStream(Buffer.from('partial'), failure), METADATA)
        .catch((error: unknown) => error);

      expect(outcome).toBe(failure);
      expect(await options.listKeys()).toEqual([]);
    });

    if (options.partSizeBytes !== null) {
      const partSize = options.partSizeBytes;

      it('put unknown length above part size', async () => {
        // Two full parts and a short third one, from a stream that states no length.
        const data = patternBytes(partSize * 2 + 123_457, 11);

        const result = await store().put(streamOf(data, 256 * 1024), METADATA);
        const back = await store().get(result.key);
        const tail = await readAll((await store().open(result.key, { start: partSize - 10, end: partSize + 9 }))!);

        expect(result.size).toBe(data.length);
        expect(result.sha256).toBe(sha256(data));
        expect(back?.size).toBe(data.length);
        expect(back?.data.equals(data)).toBe(true);
        expect(back?.attributes).toEqual(METADATA.attributes);
        expect(back?.contentType).toBe(METADATA.contentType);
        expect(tail.equals(data.subarray(partSize - 10, partSize + 10))).toBe(true);
      });

      it('put of exactly one part', async () => {
        const data = patternBytes(partSize, 13);

        const result = await store().put(streamOf(data, 300_000), METADATA);

        expect(result.size).toBe(partSize);
        expect((await store().get(result.key))?.data.equals(data)).toBe(true);
      });

      it('multipart over maxBytes stores nothing', async () => {
        const data = patternBytes(partSize * 2 + 10, 17);

        const outcome = await store()
          .put(streamOf(data, 256 * 1024), METADATA, { maxBytes: partSize + 5 })
          .catch((error: unknown) => error);

        expect(outcome).toBeInstanceOf(BlobTooLargeError);
        expect(await options.listKeys()).toEqual([]);
      });

      it('failed multipart stream stores nothing', async () => {
        const failure = new Error('source went away after two parts');

        const outcome = await store()
          .put(failingStream(patternBytes(partSize * 2 + 1, 19), failure), METADATA)
          .catch((error: unknown) => error);

        expect(outcome).toBe(failure);
        expect(await options.listKeys()).toEqual([]);
      });
    }
  });
}
