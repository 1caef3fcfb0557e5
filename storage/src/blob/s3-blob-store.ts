import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Client, type ClientOptions } from 'minio';
import { checkRange, ContentMeter, toReadable } from './content-meter.js';
import type {
  BlobMetadata,
  BlobPutOptions,
  BlobPutResult,
  BlobStat,
  BlobStore,
  ByteRange,
  PresignGetOptions,
  StoredBlob,
} from './types.js';

/** Smallest part S3 accepts for every part of a multipart upload but the last: 5 MiB. */
export const S3_MIN_PART_SIZE_BYTES = 5 * 1024 * 1024;
/** Largest part S3 accepts: 5 GiB. */
export const S3_MAX_PART_SIZE_BYTES = 5 * 1024 * 1024 * 1024;
/** Default part size of multipart uploads; a part is held in memory while it uploads. */
export const S3_DEFAULT_PART_SIZE_BYTES = 16 * 1024 * 1024;
/** Maximum number of parts in one multipart upload (an S3 limit). */
const S3_MAX_PARTS = 10_000;
/** S3 limits user metadata (`x-amz-meta-*` names and values) to 2 KB per object. */
const S3_MAX_USER_METADATA_BYTES = 2048;
/** The metadata header that carries `BlobMetadata.attributes` as base64url JSON. */
const ATTRIBUTES_HEADER = 'x-amz-meta-attributes';
/** Keys are 32 lowercase hex digits, as in the file store. */
const KEY_PATTERN = /^[0-9a-f]{32}$/;
/** Error codes minio reports for a missing object: `NotFound` for HEAD, `NoSuchKey` for GET. */
const MISSING_CODES = new Set(['NotFound', 'NoSuchKey']);

/** Connection and layout settings of an `S3BlobStore`. */
export interface S3BlobStoreOptions {
  /** Host name or IP address of the S3 server, without scheme or port. */
  endPoint: string;
  port?: number;
  useSSL: boolean;
  accessKey: string;
  secretKey: string;
  region: string;
  bucket: string;
  /** Path-style URLs (`host/bucket/key`), which MinIO and most S3-compatible servers need. */
  pathStyle?: boolean;
  /** Prefix of every object name, such as `blobs/`. */
  prefix?: string;
  /** Size of each multipart upload part, from 5 MiB to 5 GiB. */
  partSizeBytes?: number;
  /** Creates the bucket on first use when it is missing. */
  createBucket?: boolean;
  /** Receives a warning when an upload fails and its multipart upload cannot be aborted. */
  log?: { warn(data: object, message: string): void };
}

function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && MISSING_CODES.has(code);
}

function encodeAttributes(attributes: Record<string, string>): string {
  const encoded = Buffer.from(JSON.stringify(attributes), 'utf8').toString('base64url');
  if (ATTRIBUTES_HEADER.length + encoded.length > S3_MAX_USER_METADATA_BYTES) {
    throw new RangeError(
      `Blob attributes take ${encoded.length} bytes once encoded, more than the ${S3_MAX_USER_METADATA_BYTES} ` +
        'bytes of user metadata S3 allows per object. Shorten the file name or the attribute values.',
    );
  }
  return encoded;
}

function decodeAttributes(value: unknown): Record<string, string> {
  if (typeof value !== 'string' || value === '') return {};
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, string>) : {};
  } catch {
    return {};
  }
}

/**
 * Collects stream chunks into parts of exactly `partSize` bytes (the last one may be shorter),
 * so memory contains at most one part plus one chunk. Each chunk passes through `meter` first, so
 * a size limit stops the read as soon as it is passed.
 */
async function* partsOf(stream: Readable, partSize: number, meter: ContentMeter): AsyncGenerator<Buffer> {
  let buffered: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    let bytes: Buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    meter.add(bytes);
    while (length + bytes.length >= partSize) {
      const needed = partSize - length;
      buffered.push(bytes.subarray(0, needed));
      yield Buffer.concat(buffered, partSize);
      bytes = bytes.subarray(needed);
      buffered = [];
      length = 0;
    }
    if (bytes.length > 0) {
      buffered.push(bytes);
      length += bytes.length;
    }
  }
  if (length > 0) yield Buffer.concat(buffered, length);
}

/**
 * Blobs as objects in an S3 bucket (MinIO, AWS S3 or another S3-compatible server), through the
 * `minio` client. Content that fits in one part goes up in one PUT. Longer content, whatever its
 * length is known to be, goes up as a multipart upload of `partSizeBytes` parts, read from the
 * stream one part at a time. A failed upload is aborted, so no object appears.
 *
 * The store runs the multipart protocol itself instead of `client.putObject` for streams.
 * minio 8.0.7 gives a stream of unknown length parts of 528 MiB, because it sizes them for the
 * 5 TiB maximum object. It also first lists the bucket's incomplete uploads to resume one, which
 * some S3-compatible servers (s3rver 3.7.1) do not implement.
 */
export class S3BlobStore implements BlobStore {
  readonly kind = 's3';
  readonly client: Client;
  readonly bucket: string;
  readonly #prefix: string;
  readonly #partSize: number;
  readonly #region: string;
  readonly #createBucket: boolean;
  readonly #log: S3BlobStoreOptions['log'];
  #ready: Promise<void> | null = null;

  constructor(options: S3BlobStoreOptions) {
    const partSize = options.partSizeBytes ?? S3_DEFAULT_PART_SIZE_BYTES;
    if (!Number.isSafeInteger(partSize) || partSize < S3_MIN_PART_SIZE_BYTES || partSize > S3_MAX_PART_SIZE_BYTES) {
      throw new RangeError(`partSizeBytes must be from ${S3_MIN_PART_SIZE_BYTES} to ${S3_MAX_PART_SIZE_BYTES}, got ${partSize}`);
    }
    const clientOptions: ClientOptions = {
      endPoint: options.endPoint,
      useSSL: options.useSSL,
      accessKey: options.accessKey,
      secretKey: options.secretKey,
      region: options.region,
      pathStyle: options.pathStyle ?? true,
    };
    if (options.port !== undefined) clientOptions.port = options.port;
    this.client = new Client(clientOptions);
    this.bucket = options.bucket;
    this.#prefix = options.prefix ?? 'blobs/';
    this.#partSize = partSize;
    this.#region = options.region;
    this.#createBucket = options.createBucket ?? true;
    this.#log = options.log;
  }

  async put(data: Buffer | Readable, metadata: BlobMetadata, options: BlobPutOptions = {}): Promise<BlobPutResult> {
    const headers = {
      'Content-Type': metadata.contentType,
      [ATTRIBUTES_HEADER]: encodeAttributes(metadata.attributes),
    };
    await this.#ensureBucket();
    const key = randomBytes(16).toString('hex');
    const name = this.#objectName(key);
    const meter = new ContentMeter(options.maxBytes);
    const parts = partsOf(toReadable(data), this.#partSize, meter);

    const first = await parts.next();
    const firstPart = first.done === true ? Buffer.alloc(0) : first.value;
    const second = first.done === true ? first : await parts.next();
    if (second.done === true) {
      await this.client.putObject(this.bucket, name, firstPart, firstPart.length, headers);
      return { key, size: meter.size, sha256: meter.sha256() };
    }
    await this.#putMultipart(name, headers, [firstPart, second.value], parts);
    return { key, size: meter.size, sha256: meter.sha256() };
  }

  async stat(key: string): Promise<BlobStat | null> {
    if (!KEY_PATTERN.test(key)) return null;
    await this.#ensureBucket();
    try {
      const found = await this.client.statObject(this.bucket, this.#objectName(key));
      const contentType = found.metaData['content-type'];
      return {
        key,
        size: found.size,
        contentType: typeof contentType === 'string' ? contentType : 'application/octet-stream',
        attributes: decodeAttributes(found.metaData.attributes),
        createdAt: found.lastModified.toISOString(),
      };
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async open(key: string, range?: ByteRange): Promise<Readable | null> {
    if (!KEY_PATTERN.test(key)) return null;
    await this.#ensureBucket();
    const name = this.#objectName(key);
    try {
      if (range === undefined) return await this.client.getObject(this.bucket, name);
      // The size is needed to reject a range that does not lie inside the object.
      const found = await this.client.statObject(this.bucket, name);
      checkRange(range, found.size);
      return await this.client.getPartialObject(this.bucket, name, range.start, range.end - range.start + 1);
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async get(key: string): Promise<StoredBlob | null> {
    const found = await this.stat(key);
    if (found === null) return null;
    const stream = await this.open(key);
    if (stream === null) return null;
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const data = Buffer.concat(chunks);
    return { ...found, data, size: data.length };
  }

  async delete(key: string): Promise<boolean> {
    // S3 returns 204 to a delete of a missing object too, so the check comes first.
    if (!(await this.exists(key))) return false;
    await this.client.removeObject(this.bucket, this.#objectName(key));
    return true;
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== null;
  }

  async presignGet(key: string, options: PresignGetOptions): Promise<string | null> {
    await this.#ensureBucket();
    const responseHeaders: Record<string, string> = {};
    if (options.contentType !== undefined) responseHeaders['response-content-type'] = options.contentType;
    if (options.contentDisposition !== undefined) {
      responseHeaders['response-content-disposition'] = options.contentDisposition;
    }
    return this.client.presignedGetObject(this.bucket, this.#objectName(key), options.expiresInSeconds, responseHeaders);
  }

  /** Uploads `firstParts`, then the rest of `parts`, as one multipart upload; aborts it on failure. */
  async #putMultipart(
    name: string,
    headers: Record<string, string>,
    firstParts: Buffer[],
    parts: AsyncGenerator<Buffer>,
  ): Promise<void> {
    const uploadId = await this.client.initiateNewMultipartUpload(this.bucket, name, headers);
    const etags: { part: number; etag: string }[] = [];
    // One part uploads while the next one is read from the stream, so at most two are in memory.
    let pending: Promise<void> = Promise.resolve();
    const upload = (part: Buffer, partNumber: number): Promise<void> =>
      this.client
        .uploadPart({ bucketName: this.bucket, objectName: name, uploadID: uploadId, partNumber, headers: {} }, part)
        .then((result) => {
          etags.push({ part: partNumber, etag: result.etag });
        });
    try {
      let partNumber = 0;
      const queue = async (part: Buffer): Promise<void> => {
        partNumber += 1;
        if (partNumber > S3_MAX_PARTS) {
          throw new RangeError(`The content needs more than ${S3_MAX_PARTS} parts of ${this.#partSize} bytes; raise the part size.`);
        }
        await pending;
        pending = upload(part, partNumber);
        // A rejection is read by the next `await pending`; this handler keeps it from being
        // reported as unhandled while the next part is read.
        pending.catch(() => undefined);
      };
      for (const part of firstParts) await queue(part);
      for await (const part of parts) await queue(part);
      await pending;
      etags.sort((left, right) => left.part - right.part);
      await this.client.completeMultipartUpload(this.bucket, name, uploadId, etags);
    } catch (error) {
      await pending.catch(() => undefined);
      // The upload's error is the one to report. A failed abort leaves the uploaded parts on
      // the server, never an object, until a bucket lifecycle rule removes incomplete uploads.
      await this.client.abortMultipartUpload(this.bucket, name, uploadId).catch((abortError: unknown) => {
        this.#log?.warn({ err: abortError, bucket: this.bucket, objectName: name }, 'multipart upload not aborted');
      });
      throw error;
    }
  }

  #objectName(key: string): string {
    return `${this.#prefix}${key}`;
  }

  /** Checks once that the bucket exists, creating it when allowed; a failed check is retried next call. */
  #ensureBucket(): Promise<void> {
    this.#ready ??= (async () => {
      if (await this.client.bucketExists(this.bucket)) return;
      if (!this.#createBucket) throw new Error(`S3 bucket "${this.bucket}" does not exist.`);
      await this.client.makeBucket(this.bucket, this.#region);
    })().catch((error: unknown) => {
      this.#ready = null;
      throw error;
    });
    return this.#ready;
  }
}
