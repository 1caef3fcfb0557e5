import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { S3BlobStore, S3_MIN_PART_SIZE_BYTES } from '../../src/blob/index.js';
import { defineBlobStoreContract, patternBytes } from './blob-contract.js';
import { startS3rver, type TestS3Server } from './s3rver-server.js';

let server: TestS3Server;
let store: S3BlobStore;
let bucketCounter = 0;

beforeAll(async () => {
  server = await startS3rver();
});

afterAll(async () => {
  await server.close();
});

afterEach(() => {
  vi.restoreAllMocks();
});

beforeEach(() => {
  bucketCounter += 1;
  store = new S3BlobStore({ ...server.options(`blobs-${bucketCounter}`), partSizeBytes: S3_MIN_PART_SIZE_BYTES });
});

/** Names of the complete objects in the test's bucket, as S3 lists them. */
async function listObjectNames(): Promise<string[]> {
  const names: string[] = [];
  for await (const item of store.client.listObjectsV2(store.bucket, '', true)) {
    if (typeof item.name === 'string') names.push(item.name);
  }
  return names;
}

defineBlobStoreContract('S3', {
  store: () => store,
  partSizeBytes: S3_MIN_PART_SIZE_BYTES,
  listKeys: async () => {
    if (!(await store.client.bucketExists(store.bucket))) return [];
    return (await listObjectNames()).map((name) => name.replace(/^blobs\//, ''));
  },
});

describe('S3 blob store', () => {
  it('creates the bucket on first use', async () => {
    expect(await store.client.bucketExists(store.bucket)).toBe(false);

    await store.put(Buffer.from('x'), { contentType: 'text/plain', attributes: {} });

    expect(await store.client.bucketExists(store.bucket)).toBe(true);
  });

  it('names objects under the prefix', async () => {
    const { key } = await store.put(Buffer.from('x'), { contentType: 'text/plain', attributes: {} });

    expect(await listObjectNames()).toEqual([`blobs/${key}`]);
  });

  it('unknown length goes up in parts', async () => {
    const data = patternBytes(S3_MIN_PART_SIZE_BYTES * 2 + 1);
    // The spies record each call and pass it on to the real client.
    const initiate = vi.spyOn(store.client, 'initiateNewMultipartUpload');
    const uploadPart = vi.spyOn(store.client, 'uploadPart');
    const putObject = vi.spyOn(store.client, 'putObject');

    const { key } = await store.put(Readable.from([data.subarray(0, 1000), data.subarray(1000)]), {
      contentType: 'image/png',
      attributes: {},
    });
    const stat = await store.client.statObject(store.bucket, `blobs/${key}`);

    expect(initiate).toHaveBeenCalledTimes(1);
    expect(uploadPart.mock.calls.map(([part, payload]) => [part.partNumber, (payload as Buffer).length])).toEqual([
      [1, S3_MIN_PART_SIZE_BYTES],
      [2, S3_MIN_PART_SIZE_BYTES],
      [3, 1],
    ]);
    expect(putObject).not.toHaveBeenCalled();
    expect(stat.size).toBe(data.length);
    expect(stat.metaData['content-type']).toBe('image/png');
  });

  it('content of one part goes up in one PUT', async () => {
    const putObject = vi.spyOn(store.client, 'putObject');
    const initiate = vi.spyOn(store.client, 'initiateNewMultipartUpload');

    await store.put(Readable.from([patternBytes(S3_MIN_PART_SIZE_BYTES)]), { contentType: 'image/png', attributes: {} });

    expect(putObject).toHaveBeenCalledTimes(1);
    expect(initiate).not.toHaveBeenCalled();
  });

  it('presigned URL serves the blob', async () => {
    const data = Buffer.from('presigned content ✓');
    const { key } = await store.put(data, { contentType: 'text/plain; charset=utf-8', attributes: {} });

    const url = await store.presignGet(key, {
      expiresInSeconds: 60,
      contentDisposition: 'attachment; filename="report.txt"',
    });
    const response = await fetch(url!);

    expect(new URL(url!).host).toBe(`127.0.0.1:${server.port}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="report.txt"');
    expect(Buffer.from(await response.arrayBuffer()).equals(data)).toBe(true);
  });

  it('rejects part size below the S3 minimum', () => {
    expect(() => new S3BlobStore({ ...server.options('blobs-small'), partSizeBytes: S3_MIN_PART_SIZE_BYTES - 1 })).toThrow(RangeError);
  });

  it('rejects attributes beyond S3 metadata limit', async () => {
    const put = store.put(Buffer.from('x'), { contentType: 'text/plain', attributes: { name: 'n'.repeat(2000) } });

    await expect(put).rejects.toThrow(/2048 bytes of user metadata/);
  });
});
