import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BlobMetadata, BlobStore, StoredBlob } from './types.js';

/** Keys are 32 lowercase hex digits, so a key can never name a path outside the folder. */
const KEY_PATTERN = /^[0-9a-f]{32}$/;

interface MetadataFile extends BlobMetadata {
  size: number;
  createdAt: string;
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/**
 * Blobs as files under one folder: `<folder>/<first two key digits>/<key>.bin` with the bytes
 * and `<key>.json` with the metadata. Each file is written to a temporary name and renamed into
 * place, and the metadata file is written last, so a blob exists once its metadata exists.
 */
export class FileBlobStore implements BlobStore {
  readonly #folder: string;

  /** `folder` is created on the first `put` when it is missing. */
  constructor(folder: string) {
    this.#folder = path.resolve(folder);
  }

  async put(data: Buffer, metadata: BlobMetadata): Promise<string> {
    const key = randomBytes(16).toString('hex');
    const { dataPath, metadataPath } = this.#paths(key);
    await mkdir(path.dirname(dataPath), { recursive: true });
    const record: MetadataFile = {
      contentType: metadata.contentType,
      attributes: { ...metadata.attributes },
      size: data.length,
      createdAt: new Date().toISOString(),
    };
    await this.#writeAtomically(dataPath, data);
    await this.#writeAtomically(metadataPath, JSON.stringify(record));
    return key;
  }

  async get(key: string): Promise<StoredBlob | null> {
    if (!KEY_PATTERN.test(key)) return null;
    const { dataPath, metadataPath } = this.#paths(key);
    let record: MetadataFile;
    let data: Buffer;
    try {
      record = JSON.parse(await readFile(metadataPath, 'utf8')) as MetadataFile;
      data = await readFile(dataPath);
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
    return {
      key,
      data,
      size: data.length,
      contentType: record.contentType,
      attributes: record.attributes,
      createdAt: record.createdAt,
    };
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

  #paths(key: string): { dataPath: string; metadataPath: string } {
    const shard = path.join(this.#folder, key.slice(0, 2));
    return { dataPath: path.join(shard, `${key}.bin`), metadataPath: path.join(shard, `${key}.json`) };
  }

  async #writeAtomically(target: string, contents: Buffer | string): Promise<void> {
    const temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(temporary, contents, { flag: 'wx' });
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }
}
