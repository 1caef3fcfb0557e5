/**
 * Personal API keys for automation. A key is `glk_` plus 32 random bytes in base64url. It is
 * returned once, at creation; storage keeps its SHA-256 and its first characters for listings.
 */
import type { ApiKeyRecord, Storage } from '@gestorlead/storage';
import type { Logger } from 'pino';
import { StudioError } from '../errors.js';
import { newId } from '../ids.js';
import { API_KEY_PREFIX, hashOpaqueToken, newOpaqueToken } from './tokens.js';

/** Characters of a key kept in listings: the prefix and 8 random characters. */
const DISPLAY_PREFIX_LENGTH = API_KEY_PREFIX.length + 8;
/** A use of a key is recorded at most this often, so that reads do not each cost a write. */
const TOUCH_INTERVAL_MS = 60_000;
const DAY_MS = 86_400_000;

/** An API key as listings show it: never the key or its hash. */
export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** JSON Schema of `ApiKeyView`. */
export const API_KEY_VIEW_PROPERTIES = {
  id: { type: 'string' },
  name: { type: 'string' },
  prefix: { type: 'string' },
  createdAt: { type: 'string' },
  expiresAt: { type: ['string', 'null'] },
  lastUsedAt: { type: ['string', 'null'] },
  revokedAt: { type: ['string', 'null'] },
} as const;

export function describeApiKey(record: ApiKeyRecord): ApiKeyView {
  const { id, name, prefix, createdAt, expiresAt, lastUsedAt, revokedAt } = record;
  return { id, name, prefix, createdAt, expiresAt, lastUsedAt, revokedAt };
}

/** Creates, lists, revokes and resolves API keys. */
export class ApiKeys {
  readonly #storage: Storage;
  readonly #log: Logger;

  constructor(options: { storage: Storage; log: Logger }) {
    this.#storage = options.storage;
    this.#log = options.log;
  }

  /** Creates a key for `userId`; the returned `key` is the only time the key itself is visible. */
  async create(userId: string, name: string, expiresInDays: number | null): Promise<{ view: ApiKeyView; key: string }> {
    const key = newOpaqueToken(API_KEY_PREFIX);
    const createdAt = new Date();
    const record: ApiKeyRecord = {
      id: newId('key'),
      userId,
      name,
      prefix: key.slice(0, DISPLAY_PREFIX_LENGTH),
      keyHash: hashOpaqueToken(key),
      createdAt: createdAt.toISOString(),
      expiresAt: expiresInDays === null ? null : new Date(createdAt.getTime() + expiresInDays * DAY_MS).toISOString(),
      lastUsedAt: null,
      revokedAt: null,
    };
    await this.#storage.apiKeys.create(record);
    this.#log.info({ userId, keyId: record.id }, 'api key created');
    return { view: describeApiKey(record), key };
  }

  async list(userId: string): Promise<ApiKeyView[]> {
    return (await this.#storage.apiKeys.listByUser(userId)).map(describeApiKey);
  }

  /** Revokes the user's key `id`; throws `API_KEY_NOT_FOUND` when there is no such active key. */
  async revoke(userId: string, id: string): Promise<void> {
    if (!(await this.#storage.apiKeys.revoke(userId, id, new Date().toISOString()))) {
      throw new StudioError('API_KEY_NOT_FOUND', `you have no active API key "${id}"`, {
        problems: [{ pointer: '/params/id', message: 'matches no active API key of yours' }],
      });
    }
    this.#log.info({ userId, keyId: id }, 'api key revoked');
  }

  /**
   * Returns the record of a presented key. Throws `AUTH_API_KEY_INVALID` for an unknown key,
   * `AUTH_API_KEY_REVOKED` or `AUTH_API_KEY_EXPIRED`.
   */
  async resolve(key: string): Promise<ApiKeyRecord> {
    const record = await this.#storage.apiKeys.findByHash(hashOpaqueToken(key));
    if (record === null) throw new StudioError('AUTH_API_KEY_INVALID', 'API key is not valid');
    if (record.revokedAt !== null) throw new StudioError('AUTH_API_KEY_REVOKED', 'API key was revoked; create a new one');
    const now = new Date();
    if (record.expiresAt !== null && record.expiresAt <= now.toISOString()) {
      throw new StudioError('AUTH_API_KEY_EXPIRED', 'API key has expired; create a new one');
    }
    if (record.lastUsedAt === null || now.getTime() - Date.parse(record.lastUsedAt) >= TOUCH_INTERVAL_MS) {
      this.#storage.apiKeys.touch(record.id, now.toISOString()).catch((error: unknown) => {
        this.#log.warn({ err: error, keyId: record.id }, 'recording an api key use failed');
      });
    }
    return record;
  }
}
