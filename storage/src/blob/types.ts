/** Binary artifacts that runs produce, stored outside the database. */

/** Metadata a blob store keeps next to the bytes. */
export interface BlobMetadata {
  contentType: string;
  /** Free-form string values, such as the file name and the run that stored it. */
  attributes: Record<string, string>;
}

/** A stored blob: its bytes and metadata. */
export interface StoredBlob extends BlobMetadata {
  key: string;
  data: Buffer;
  /** Length of `data` in bytes. */
  size: number;
  createdAt: string;
}

/**
 * A store of immutable blobs addressed by keys it generates. A blob is visible to `get` and
 * `exists` only once `put` has resolved, never half-written.
 */
export interface BlobStore {
  /** Stores `data` and returns its new key. */
  put(data: Buffer, metadata: BlobMetadata): Promise<string>;
  /** The blob, or null when no blob has `key` (a malformed key included). */
  get(key: string): Promise<StoredBlob | null>;
  /** Deletes a blob. Returns false when it did not exist. */
  delete(key: string): Promise<boolean>;
  exists(key: string): Promise<boolean>;
}
