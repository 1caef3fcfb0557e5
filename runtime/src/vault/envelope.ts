/**
 * AES-256-GCM envelopes for values encrypted at rest. An envelope is one ASCII string of five
 * dot-separated fields:
 *
 *   v1.<key id>.<iv>.<ciphertext>.<tag>
 *
 * The key id, the 12-byte IV (random per envelope, as NIST SP 800-38D recommends for GCM) and
 * the 16-byte authentication tag are base64url without padding. The associated data authenticates
 * the format version and the key id together with a caller's binding (what the value belongs
 * to), so an envelope copied into another record, or relabelled with another key id, fails to
 * open instead of decrypting.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** One AES-256 key and its id, the shape `resolveSecrets` returns. */
export interface EncryptionKey {
  id: string;
  /** 32 bytes. */
  key: Uint8Array;
}

/** The key that encrypts, and retired keys that still decrypt. */
export interface EncryptionKeyRing {
  current: EncryptionKey;
  previous: EncryptionKey[];
}

const FORMAT_VERSION = 'v1';
const CIPHER = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Why an envelope did not open. */
export type EnvelopeFailure = 'malformed' | 'key-unknown' | 'authentication-failed';

/** An envelope that did not open. The message never contains key or plaintext material. */
export class EnvelopeError extends Error {
  readonly reason: EnvelopeFailure;
  /** The key id the envelope names, when it could be read. */
  readonly keyId: string | undefined;

  constructor(reason: EnvelopeFailure, message: string, keyId?: string) {
    super(message);
    this.name = 'EnvelopeError';
    this.reason = reason;
    this.keyId = keyId;
  }
}

/** Throws when a key ring has a key of the wrong length or two keys with one id. */
export function checkKeyRing(ring: EncryptionKeyRing): void {
  const seen = new Set<string>();
  for (const entry of [ring.current, ...ring.previous]) {
    if (entry.id === '') throw new Error('an encryption key has an empty id');
    if (entry.key.byteLength !== KEY_BYTES) {
      throw new Error(`encryption key "${entry.id}" has ${entry.key.byteLength} bytes; AES-256 needs ${KEY_BYTES}`);
    }
    if (seen.has(entry.id)) throw new Error(`two encryption keys have the id "${entry.id}"`);
    seen.add(entry.id);
  }
}

function associatedData(keyId: string, binding: string): Buffer {
  // A JSON array keeps the fields apart whatever characters they contain.
  return Buffer.from(JSON.stringify(['gestorlead-vault', FORMAT_VERSION, keyId, binding]), 'utf8');
}

/** Encrypts `plaintext` under `key`, bound to `binding`. */
export function sealEnvelope(key: EncryptionKey, plaintext: Uint8Array, binding: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(CIPHER, key.key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(associatedData(key.id, binding));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [
    FORMAT_VERSION,
    Buffer.from(key.id, 'utf8').toString('base64url'),
    iv.toString('base64url'),
    ciphertext.toString('base64url'),
    tag.toString('base64url'),
  ].join('.');
}

/** Returns the id of the key that sealed `envelope`, or throws `EnvelopeError` (malformed). */
export function envelopeKeyId(envelope: string): string {
  return parseEnvelope(envelope).keyId;
}

interface ParsedEnvelope {
  keyId: string;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

function parseEnvelope(envelope: string): ParsedEnvelope {
  const fields = typeof envelope === 'string' ? envelope.split('.') : [];
  if (fields.length !== 5 || fields[0] !== FORMAT_VERSION || !fields.slice(1).every((field) => BASE64URL.test(field))) {
    throw new EnvelopeError('malformed', `the stored value is not a ${FORMAT_VERSION} vault envelope`);
  }
  const keyId = Buffer.from(fields[1], 'base64url').toString('utf8');
  const iv = Buffer.from(fields[2], 'base64url');
  const ciphertext = Buffer.from(fields[3], 'base64url');
  const tag = Buffer.from(fields[4], 'base64url');
  if (keyId === '' || iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new EnvelopeError('malformed', 'the vault envelope has an empty key id or an IV or tag of the wrong length');
  }
  return { keyId, iv, ciphertext, tag };
}

/**
 * Decrypts an envelope with the ring's key of the same id. Throws `EnvelopeError` when the
 * envelope is malformed, names a key the ring lacks, or fails authentication (wrong key,
 * tampered bytes, or another binding).
 */
export function openEnvelope(ring: EncryptionKeyRing, envelope: string, binding: string): { plaintext: Buffer; keyId: string } {
  const parsed = parseEnvelope(envelope);
  const key = [ring.current, ...ring.previous].find((candidate) => candidate.id === parsed.keyId);
  if (key === undefined) {
    throw new EnvelopeError(
      'key-unknown',
      `the value was encrypted with key "${parsed.keyId}", which is neither ENCRYPTION_KEY nor in ENCRYPTION_KEYS_PREVIOUS`,
      parsed.keyId,
    );
  }
  const decipher = createDecipheriv(CIPHER, key.key, parsed.iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(associatedData(parsed.keyId, binding));
  decipher.setAuthTag(parsed.tag);
  try {
    const plaintext = Buffer.concat([decipher.update(parsed.ciphertext), decipher.final()]);
    return { plaintext, keyId: parsed.keyId };
  } catch {
    throw new EnvelopeError(
      'authentication-failed',
      `the value failed authentication under key "${parsed.keyId}": it was changed, or it belongs to another record`,
      parsed.keyId,
    );
  }
}
