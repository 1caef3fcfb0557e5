import path from 'node:path';
import { FileBlobStore, S3BlobStore, type BlobStore } from '@gestorlead/storage';
import type { Logger } from 'pino';
import type { ArtifactSettings } from './settings.js';

/** Builds the blob store the settings choose: the S3 bucket, or files under `<dataDir>/blobs`. */
export function createBlobStore(settings: ArtifactSettings, dataDir: string, log: Logger): BlobStore {
  if (settings.s3 === null) return new FileBlobStore(path.join(dataDir, 'blobs'));
  const { s3 } = settings;
  return new S3BlobStore({
    endPoint: s3.endPoint,
    port: s3.port,
    useSSL: s3.useSSL,
    accessKey: s3.accessKey,
    secretKey: s3.secretKey,
    region: s3.region,
    bucket: s3.bucket,
    pathStyle: s3.pathStyle,
    partSizeBytes: s3.partSizeBytes,
    log: log.child({ component: 'blob-store' }),
  });
}
