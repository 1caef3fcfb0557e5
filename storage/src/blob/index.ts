export { FileBlobStore } from './file-blob-store.js';
export {
  S3BlobStore,
  S3_DEFAULT_PART_SIZE_BYTES,
  S3_MAX_PART_SIZE_BYTES,
  S3_MIN_PART_SIZE_BYTES,
  type S3BlobStoreOptions,
} from './s3-blob-store.js';
export {
  BlobTooLargeError,
  type BlobMetadata,
  type BlobPutOptions,
  type BlobPutResult,
  type BlobStat,
  type BlobStore,
  type ByteRange,
  type PresignGetOptions,
  type StoredBlob,
} from './types.js';
