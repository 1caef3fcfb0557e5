/**
 * Starts an s3rver (an S3 protocol server over the file system) on 127.0.0.1 for tests, with
 * its files in a new temporary folder that `close` removes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import type { S3BlobStoreOptions } from '../../src/blob/index.js';

/** The fixed credentials s3rver accepts. */
const S3RVER_KEY = 'S3RVER';

/** A running s3rver and the connection settings of a store that uses it. */
export interface TestS3Server {
  port: number;
  /** Connection settings for `new S3BlobStore`, with `bucket` to fill in. */
  options(bucket: string): S3BlobStoreOptions;
  close(): Promise<void>;
}

export async function startS3rver(): Promise<TestS3Server> {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'gestorlead-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true });
  const { port } = await server.run();
  return {
    port,
    options: (bucket) => ({
      endPoint: '127.0.0.1',
      port,
      useSSL: false,
      accessKey: S3RVER_KEY,
      secretKey: S3RVER_KEY,
      region: 'us-east-1',
      bucket,
    }),
    async close() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
