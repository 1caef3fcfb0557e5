/**
 * Credentials at rest: records whose contents the vault encrypts, bound to the credential's id
 * and owner. Reading a record sealed with a retired key re-encrypts it under the current key
 * (lazy rotation), with a compare-and-set on `updatedAt` so that a concurrent change wins.
 */
import type { CredentialRecord, CredentialRepository } from '@gestorlead/storage';
import type { Logger } from 'pino';
import { StudioError } from '../errors.js';
import { newId } from '../ids.js';
import type { CredentialContents } from './credential-contents.js';
import { EnvelopeError } from './envelope.js';
import type { Vault, VaultBinding } from './vault.js';

/** A credential to store. */
export interface NewCredential {
  ownerId: string;
  name: string;
  /** `<plugin>/<type>`. */
  type: string;
  contents: CredentialContents;
  meta?: Record<string, unknown>;
}

/** Changes to a stored credential; `contents` is encrypted anew under the current key. */
export interface CredentialChanges {
  name?: string;
  contents?: CredentialContents;
  meta?: Record<string, unknown>;
}

/** The outcome of re-encrypting one record. */
export type ReencryptOutcome = 'reencrypted' | 'current' | 'changed' | 'failed';

function bindingOf(record: Pick<CredentialRecord, 'id' | 'ownerId'>): VaultBinding {
  return { purpose: 'credential', credentialId: record.id, ownerId: record.ownerId };
}

/** Stores, reads and re-encrypts credentials. */
export class CredentialStore {
  readonly #repository: CredentialRepository;
  readonly #vault: Vault;
  readonly #log: Logger;

  constructor(options: { repository: CredentialRepository; vault: Vault; log: Logger }) {
    this.#repository = options.repository;
    this.#vault = options.vault;
    this.#log = options.log;
  }

  /** The id of the key that new envelopes are sealed with. */
  get currentKeyId(): string {
    return this.#vault.currentKeyId;
  }

  /** Encrypts and inserts a new credential. */
  async create(input: NewCredential): Promise<CredentialRecord> {
    const id = newId('cred');
    const sealed = this.#vault.encrypt(input.contents, { purpose: 'credential', credentialId: id, ownerId: input.ownerId });
    const at = new Date().toISOString();
    const record: CredentialRecord = {
      id,
      ownerId: input.ownerId,
      name: input.name,
      type: input.type,
      secret: sealed.secret,
      keyId: sealed.keyId,
      meta: input.meta ?? {},
      createdAt: at,
      updatedAt: at,
    };
    await this.#repository.create(record);
    return record;
  }

  /** Returns the credential when it exists and belongs to `ownerId`, otherwise null. */
  async getOwned(ownerId: string, id: string): Promise<CredentialRecord | null> {
    const record = await this.#repository.get(id);
    return record !== null && record.ownerId === ownerId ? record : null;
  }

  /** Lists the owner's credentials, newest first. */
  listOwned(ownerId: string, type?: string): Promise<CredentialRecord[]> {
    return this.#repository.listByOwner(ownerId, type === undefined ? {} : { type });
  }

  /** Re-reads a credential, for callers that lost a compare-and-set. */
  get(id: string): Promise<CredentialRecord | null> {
    return this.#repository.get(id);
  }

  /**
   * Decrypts a credential's contents. A record sealed with a retired key is re-encrypted under
   * the current key; the returned record is the stored one after that. Throws
   * `CREDENTIAL_DECRYPT_FAILED` when no configured key opens the envelope.
   */
  async open(record: CredentialRecord): Promise<{ record: CredentialRecord; contents: CredentialContents }> {
    const { value, keyId } = this.#decrypt(record);
    if (keyId === this.#vault.currentKeyId) return { record, contents: value };

    const sealed = this.#vault.encrypt(value, bindingOf(record));
    try {
      const updated = await this.#repository.update(record.id, sealed, { expectedUpdatedAt: record.updatedAt });
      if (updated !== null) {
        this.#log.info({ credentialId: record.id, fromKeyId: keyId, toKeyId: sealed.keyId }, 'credential re-encrypted under the current key');
        return { record: updated, contents: value };
      }
    } catch (error) {
      // The values were read; the next read or the background pass tries again.
      this.#log.warn({ err: error, credentialId: record.id }, 'credential re-encryption failed');
    }
    return { record, contents: value };
  }

  /**
   * Applies changes, encrypting new contents under the current key. With `expectedUpdatedAt`,
   * only when the stored record was not changed since. Returns null when the record is gone or
   * the expectation failed.
   */
  async update(record: CredentialRecord, changes: CredentialChanges, options: { expectedUpdatedAt?: string } = {}): Promise<CredentialRecord | null> {
    const sealed = changes.contents === undefined ? {} : this.#vault.encrypt(changes.contents, bindingOf(record));
    const patch = {
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.meta !== undefined ? { meta: changes.meta } : {}),
      ...sealed,
    };
    return this.#repository.update(record.id, patch, options);
  }

  /** Deletes the owner's credential; false when it does not exist or belongs to someone else. */
  async delete(ownerId: string, id: string): Promise<boolean> {
    const record = await this.getOwned(ownerId, id);
    if (record === null) return false;
    return this.#repository.delete(id);
  }

  /** Re-encrypts one record under the current key, for the background pass. */
  async reencrypt(record: CredentialRecord): Promise<ReencryptOutcome> {
    let opened: { value: CredentialContents; keyId: string };
    try {
      opened = this.#decrypt(record);
    } catch {
      // `#decrypt` logged the reason.
      return 'failed';
    }
    if (opened.keyId === this.#vault.currentKeyId && record.keyId === this.#vault.currentKeyId) return 'current';
    const sealed = this.#vault.encrypt(opened.value, bindingOf(record));
    const updated = await this.#repository.update(record.id, sealed, { expectedUpdatedAt: record.updatedAt });
    return updated === null ? 'changed' : 'reencrypted';
  }

  /** Credentials whose `keyId` is not the current key, for the background pass. */
  listStale(limit: number): Promise<CredentialRecord[]> {
    return this.#repository.listNotEncryptedWith(this.#vault.currentKeyId, limit);
  }

  #decrypt(record: CredentialRecord): { value: CredentialContents; keyId: string } {
    try {
      return this.#vault.decrypt<CredentialContents>(record.secret, bindingOf(record));
    } catch (error) {
      if (!(error instanceof EnvelopeError)) throw error;
      this.#log.error({ credentialId: record.id, keyId: error.keyId ?? record.keyId, reason: error.reason }, 'credential decryption failed');
      throw new StudioError(
        'CREDENTIAL_DECRYPT_FAILED',
        `credential "${record.id}" could not be decrypted: ${error.message}. Restore the key in ENCRYPTION_KEY or ENCRYPTION_KEYS_PREVIOUS, or store the credential again`,
        { details: { credentialId: record.id, reason: error.reason } },
      );
    }
  }
}
