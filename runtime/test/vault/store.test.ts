import { randomBytes } from 'node:crypto';
import type { CredentialPatch, CredentialRecord, CredentialRepository } from '@gestorlead/storage';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { CredentialStore } from '../../src/vault/credential-store.js';
import { reencryptStaleCredentials } from '../../src/vault/rotation.js';
import { Vault } from '../../src/vault/vault.js';

const log = createLogger('silent');
const OLD_KEY = { id: 'key-old', key: randomBytes(32) };
const NEW_KEY = { id: 'key-new', key: randomBytes(32) };

/** Credentials in a map, with the compare-and-set of the repository contract. */
class MemoryCredentials implements CredentialRepository {
  readonly records = new Map<string, CredentialRecord>();
  #clock = 0;

  async create(record: CredentialRecord): Promise<void> {
    this.records.set(record.id, { ...record });
  }

  async get(id: string): Promise<CredentialRecord | null> {
    const record = this.records.get(id);
    return record === undefined ? null : { ...record };
  }

  async listByOwner(ownerId: string): Promise<CredentialRecord[]> {
    return [...this.records.values()].filter((record) => record.ownerId === ownerId);
  }

  async update(id: string, patch: CredentialPatch, options: { expectedUpdatedAt?: string } = {}): Promise<CredentialRecord | null> {
    const record = this.records.get(id);
    if (record === undefined) return null;
    if (options.expectedUpdatedAt !== undefined && options.expectedUpdatedAt !== record.updatedAt) return null;
    this.#clock += 1;
    const updated = { ...record, ...patch, updatedAt: new Date(Date.UTC(2030, 0, 1) + this.#clock).toISOString() };
    this.records.set(id, updated);
    return { ...updated };
  }

  async delete(id: string): Promise<boolean> {
    return this.records.delete(id);
  }

  async listNotEncryptedWith(keyId: string, limit: number): Promise<CredentialRecord[]> {
    return [...this.records.values()].filter((record) => record.keyId !== keyId).slice(0, limit);
  }
}

function storeWith(repository: CredentialRepository, current: typeof OLD_KEY, previous: (typeof OLD_KEY)[] = []): CredentialStore {
  return new CredentialStore({ repository, vault: new Vault({ current, previous }), log });
}

describe('credential store', () => {
  it('re-encrypts a record read under a retired key', async () => {
    const repository = new MemoryCredentials();
    const created = await storeWith(repository, OLD_KEY).create({ ownerId: 'u1', name: 'n', type: 'p/t', contents: { values: { key: 'v1' } } });
    const store = storeWith(repository, NEW_KEY, [OLD_KEY]);

    const opened = await store.open(created);

    expect(opened.contents).toEqual({ values: { key: 'v1' } });
    expect(opened.record.keyId).toBe('key-new');
    expect(repository.records.get(created.id)?.keyId).toBe('key-new');
    expect((await store.open(opened.record)).contents).toEqual({ values: { key: 'v1' } });
  });

  it('lets a concurrent change win over lazy re-encryption', async () => {
    const repository = new MemoryCredentials();
    const created = await storeWith(repository, OLD_KEY).create({ ownerId: 'u1', name: 'n', type: 'p/t', contents: { values: { key: 'v1' } } });
    const renamed = await repository.update(created.id, { name: 'renamed' });
    const store = storeWith(repository, NEW_KEY, [OLD_KEY]);

    // `created` is the stale copy a reader held before the rename.
    const opened = await store.open(created);

    expect(opened.contents.values).toEqual({ key: 'v1' });
    expect(repository.records.get(created.id)?.name).toBe('renamed');
    expect(repository.records.get(created.id)?.updatedAt).toBe(renamed?.updatedAt);
    expect(repository.records.get(created.id)?.keyId).toBe('key-old');
  });

  it('binds contents to the owner', async () => {
    const repository = new MemoryCredentials();
    const store = storeWith(repository, NEW_KEY);
    const first = await store.create({ ownerId: 'u1', name: 'a', type: 'p/t', contents: { values: { key: 'one' } } });
    const second = await store.create({ ownerId: 'u2', name: 'b', type: 'p/t', contents: { values: { key: 'two' } } });

    // Copying one record's envelope into another must not reveal the first record's values.
    await repository.update(second.id, { secret: first.secret });

    await expect(store.open((await repository.get(second.id))!)).rejects.toMatchObject({ code: 'CREDENTIAL_DECRYPT_FAILED' });
    expect(await store.getOwned('u2', first.id)).toBeNull();
  });
});

describe('background re-encryption', () => {
  it('re-encrypts every stale record and skips unreadable ones', async () => {
    const repository = new MemoryCredentials();
    const oldStore = storeWith(repository, OLD_KEY);
    for (let index = 0; index < 7; index += 1) {
      await oldStore.create({ ownerId: 'u1', name: `c${index}`, type: 'p/t', contents: { values: { index } } });
    }
    const lostKey = { id: 'key-lost', key: randomBytes(32) };
    await storeWith(repository, lostKey).create({ ownerId: 'u1', name: 'lost', type: 'p/t', contents: { values: {} } });
    const store = storeWith(repository, NEW_KEY, [OLD_KEY]);

    const result = await reencryptStaleCredentials(store, log, { batchSize: 2 });

    expect(result).toEqual({ reencrypted: 7, failed: 1 });
    const keyIds = [...repository.records.values()].map((record) => record.keyId).sort();
    expect(keyIds).toEqual([...Array(7).fill('key-new'), 'key-lost'].sort());
    for (const record of repository.records.values()) {
      if (record.keyId === 'key-new') expect((await store.open(record)).contents.values).toHaveProperty('index');
    }
  });

  it('stops when aborted', async () => {
    const repository = new MemoryCredentials();
    await storeWith(repository, OLD_KEY).create({ ownerId: 'u1', name: 'c', type: 'p/t', contents: { values: {} } });
    const controller = new AbortController();
    controller.abort();

    const result = await reencryptStaleCredentials(storeWith(repository, NEW_KEY, [OLD_KEY]), log, { signal: controller.signal });

    expect(result).toEqual({ reencrypted: 0, failed: 0 });
  });
});
