/** Binary artifacts that runs produce, stored outside the database. */
import type { Readable } from 'node:stream';

/** Metadata a blob store keeps next to the bytes. */
export interface BlobMetadata {
  contentType: string;
  /** Free-form string values, such as the file name and the run that stored it. */
  attributes: Record<string, string>;
}

/** Options of `BlobStore.put`. */
export interface BlobPutOptions {
  /**
   * Largest content accepted, in bytes. Longer content rejects with `BlobTooLargeError` as soon
   * as the limit is passed, and nothing is stored.
   */
  maxBytes?: number;
}

/** Result of `put`: the new key, and the size and SHA-256 it measured while storing. */
export interface BlobPutResult {
  key: string;
  /** Length of the content in bytes. */
  size: number;
  /** SHA-256 of the content, in lowercase hex. */
  sha256: string;
}

/** A stored blob's metadata, without the bytes. */
export interface BlobStat extends BlobMetadata {
  key: string;
  /** Length of the content in bytes. */
  size: number;
  createdAt: string;
}

/** A stored blob with its bytes in memory. */
export interface StoredBlob extends BlobStat {
  data: Buffer;
}

/** Bytes `start` to `end` of a blob, both inclusive, as in an HTTP `Range` header. */
export interface ByteRange {
  start: number;
  end: number;
}

/** Options of `BlobStore.presignGet`. */
export interface PresignGetOptions {
  /** How long the URL stays valid, in seconds (1 to 604800, the S3 maximum). */
  expiresInSeconds: number;
  /** `Content-Type` the URL's response carries, in place of the stored one. */
  contentType?: string;
  /** `Content-Disposition` the URL's response carries. */
  contentDisposition?: string;
}

/**
 * A store of immutable blobs addressed by keys it generates. A blob is visible to `stat`, `open`,
 * `get` and `exists` only once `put` has resolved, never half-written.
 */
export interface BlobStore {
  /** `file` or `s3`, for logs and for routes that redirect to presigned URLs. */
  readonly kind: string;
  /**
   * Stores a Buffer, or a stream of any length read to its end, and returns the new key with the
   * size and SHA-256 it measured. When the stream fails, the store keeps nothing and rejects
   * with the stream's error.
   */
  put(data: Buffer | Readable, metadata: BlobMetadata, options?: BlobPutOptions): Promise<BlobPutResult>;
  /** Metadata of a blob, or null when no blob has `key` (a malformed key included). */
  stat(key: string): Promise<BlobStat | null>;
  /**
   * Opens a stream of the bytes, or of `range` only. Returns null when no blob has `key`. Throws
   * RangeError when `range` does not lie inside the blob.
   */
  open(key: string, range?: ByteRange): Promise<Readable | null>;
  /** The blob with its bytes read into memory, or null when no blob has `key`. */
  get(key: string): Promise<StoredBlob | null>;
  /** Deletes a blob. Returns false when it did not exist. */
  delete(key: string): Promise<boolean>;
  exists(key: string): Promise<boolean>;
  /**
   * Returns a URL that serves the blob to anyone who has it until it expires, or null when the
   * store has no URLs of its own (the file system). It does not check that the blob exists.
   */
  presignGet(key: string, options: PresignGetOptions): Promise<string | null>;
}

/** Content longer than `BlobPutOptions.maxBytes`. */
export class BlobTooLargeError extends Error {
  readonly code = 'BLOB_TOO_LARGE';
  readonly maxBytes: number;

  constructor(maxBytes: number) {
    super(`The content is larger than the limit of ${maxBytes} bytes, so it was not stored.`);
    this.name = 'BlobTooLargeError';
    this.maxBytes = maxBytes;
  }
}
