export { FileBlobStore } from './file-blob-store.js';
export type { BlobMetadata, BlobStore, StoredBlob } from './types.js';
