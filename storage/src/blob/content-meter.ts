import { createHash, type Hash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { BlobTooLargeError, type ByteRange } from './types.js';

/** Counts the bytes and computes the SHA-256 of content as it passes, and enforces a size limit. */
export class ContentMeter {
  size = 0;
  readonly #hash: Hash = createHash('sha256');
  readonly #maxBytes: number;

  constructor(maxBytes = Number.POSITIVE_INFINITY) {
    this.#maxBytes = maxBytes;
  }

  /** Adds a chunk; throws BlobTooLargeError once the total passes the limit. */
  add(chunk: Buffer): void {
    this.size += chunk.length;
    if (this.size > this.#maxBytes) throw new BlobTooLargeError(this.#maxBytes);
    this.#hash.update(chunk);
  }

  /** Returns the SHA-256 in lowercase hex. Call it once, after the last chunk. */
  sha256(): string {
    return this.#hash.digest('hex');
  }

  /** Returns a pass-through stream that feeds this meter. */
  transform(): Transform {
    return new Transform({
      transform: (chunk: Buffer | string, _encoding, callback: TransformCallback) => {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        try {
          this.add(bytes);
        } catch (error) {
          callback(error as Error);
          return;
        }
        callback(null, bytes);
      },
    });
  }
}

/** Returns `data` as a stream; a Buffer becomes a stream of one chunk. */
export function toReadable(data: Buffer | Readable): Readable {
  return Buffer.isBuffer(data) ? Readable.from([data]) : data;
}

/** Throws RangeError unless `range` lies inside content of `size` bytes. */
export function checkRange(range: ByteRange, size: number): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || start > end || end >= size) {
    throw new RangeError(`Byte range ${start}-${end} is outside a blob of ${size} bytes.`);
  }
}
