import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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

/** Keys are 32 lowercase hex digits, so a key can never name a path outside the folder. */
const KEY_PATTERN = /^[0-9a-f]{32}$/;

interface MetadataFile extends BlobMetadata {
  size: number;
  createdAt: string;
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

function temporaryName(target: string): string {
  return `${target}.${randomBytes(6).toString('hex')}.tmp`;
}

/**
 * Blobs as files under one folder: `<folder>/<first two key digits>/<key>.bin` with the bytes
 * and `<key>.json` with the metadata. Each file is written to a temporary name and renamed into
 * place, and the metadata file is written last, so a blob exists once its metadata exists.
 */
export class FileBlobStore implements BlobStore {
  readonly kind = 'file';
  readonly #folder: string;

  /** `folder` is created on the first `put` when it is missing. */
  constructor(folder: string) {
    this.#folder = path.resolve(folder);
  }

  async put(data: Buffer | Readable, metadata: BlobMetadata, options: BlobPutOptions = {}): Promise<BlobPutResult> {
    const key = randomBytes(16).toString('hex');
    const { dataPath, metadataPath } = this.#paths(key);
    await mkdir(path.dirname(dataPath), { recursive: true });
    const meter = new ContentMeter(options.maxBytes);
    const temporary = temporaryName(dataPath);
    try {
      await pipeline(toReadable(data), meter.transform(), createWriteStream(temporary, { flags: 'wx' }));
      await rename(temporary, dataPath);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    const record: MetadataFile = {
      contentType: metadata.contentType,
      attributes: { ...metadata.attributes },
      size: meter.size,
      createdAt: new Date().toISOString(),
    };
    try {
      await this.#writeAtomically(metadataPath, JSON.stringify(record));
    } catch (error) {
      await rm(dataPath, { force: true });
      throw error;
    }
    return { key, size: meter.size, sha256: meter.sha256() };
  }

  async stat(key: string): Promise<BlobStat | null> {
    if (!KEY_PATTERN.test(key)) return null;
    let record: MetadataFile;
    try {
      record = JSON.parse(await readFile(this.#paths(key).metadataPath, 'utf8')) as MetadataFile;
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
    return {
      key,
      size: record.size,
      contentType: record.contentType,
      attributes: record.attributes,
      createdAt: record.createdAt,
    };
  }

  async open(key: string, range?: ByteRange): Promise<Readable | null> {
    const found = await this.stat(key);
    if (found === null) return null;
    if (range === undefined) return createReadStream(this.#paths(key).dataPath);
    checkRange(range, found.size);
    return createReadStream(this.#paths(key).dataPath, { start: range.start, end: range.end });
  }

  async get(key: string): Promise<StoredBlob | null> {
    const found = await this.stat(key);
    if (found === null) return null;
    let data: Buffer;
    try {
      data = await readFile(this.#paths(key).dataPath);
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
    return { ...found, data, size: data.length };
  }

  async delete(key: string): Promise<boolean> {
    if (!(await this.exists(key))) return false;
    const { dataPath, metadataPath } = this.#paths(key);
    // The metadata goes first, so a crash in between leaves an orphan data file, not a blob
    // whose bytes are missing.
    await rm(metadataPath, { force: true });
    await rm(dataPath, { force: true });
    return true;
  }

  async exists(key: string): Promise<boolean> {
    if (!KEY_PATTERN.test(key)) return false;
    try {
      await stat(this.#paths(key).metadataPath);
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  /** Files have no URLs of their own, so the API serves them. */
  async presignGet(_key: string, _options: PresignGetOptions): Promise<string | null> {
    return null;
  }

  #paths(key: string): { dataPath: string; metadataPath: string } {
    const shard = path.join(this.#folder, key.slice(0, 2));
    return { dataPath: path.join(shard, `${key}.bin`), metadataPath: path.join(shard, `${key}.json`) };
  }

  async #writeAtomically(target: string, contents: string): Promise<void> {
    const temporary = temporaryName(target);
    try {
      await writeFile(temporary, contents, { flag: 'wx' });
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }
}
