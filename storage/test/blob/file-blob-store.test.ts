import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileBlobStore } from '../../src/blob/index.js';
import { defineBlobStoreContract, streamOf } from './blob-contract.js';

let folder = '';
let store: FileBlobStore;

beforeEach(() => {
  folder = mkdtempSync(path.join(os.tmpdir(), 'gestorlead-blobs-'));
  store = new FileBlobStore(folder);
});

afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

/** Lists every file under the store's folder, relative to it. */
async function listFiles(): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.relative(folder, path.join(entry.parentPath, entry.name)));
}

defineBlobStoreContract('file', {
  store: () => store,
  partSizeBytes: null,
  listKeys: async () => (await listFiles()).filter((file) => file.endsWith('.json')).map((file) => path.basename(file, '.json')),
});

describe('file blob store', () => {
  it('lays blobs out by key prefix', async () => {
    const { key } = await store.put(Buffer.from('data'), { contentType: 'text/plain', attributes: {} });

    expect(readdirSync(path.join(folder, key.slice(0, 2))).sort()).toEqual([`${key}.bin`, `${key}.json`]);
  });

  it('failed put leaves no temporary files', async () => {
    const tooLong = store.put(streamOf(Buffer.alloc(10_000), 100), { contentType: 'text/plain', attributes: {} }, { maxBytes: 500 });

    await expect(tooLong).rejects.toThrow(/500 bytes/);
    expect(await listFiles()).toEqual([]);
  });

  it('presignGet returns null', async () => {
    const { key } = await store.put(Buffer.from('data'), { contentType: 'text/plain', attributes: {} });

    expect(await store.presignGet(key, { expiresInSeconds: 60 })).toBeNull();
  });
});
