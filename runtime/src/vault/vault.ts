/**
 * The vault: JSON values encrypted into envelopes (see `envelope.ts`), each bound to the record
 * it belongs to. Keys come from `ENCRYPTION_KEY` (current) and `ENCRYPTION_KEYS_PREVIOUS`
 * (retired keys that still decrypt).
 */
import { checkKeyRing, openEnvelope, sealEnvelope, type EncryptionKeyRing } from './envelope.js';

/** What an encrypted value belongs to. Its envelope opens only under the same binding. */
export type VaultBinding =
  | { purpose: 'credential'; credentialId: string; ownerId: string }
  | { purpose: 'oauth2-state'; state: string; userId: string };

/** An encrypted value as storage keeps it. */
export interface SealedValue {
  secret: string;
  keyId: string;
}

function bindingText(binding: VaultBinding): string {
  return binding.purpose === 'credential'
    ? JSON.stringify([binding.purpose, binding.credentialId, binding.ownerId])
    : JSON.stringify([binding.purpose, binding.state, binding.userId]);
}

/** Encrypts and decrypts JSON values with the studio's key ring. */
export class Vault {
  readonly #ring: EncryptionKeyRing;

  /** Throws when a key is not 32 bytes long or two keys share an id. */
  constructor(ring: EncryptionKeyRing) {
    checkKeyRing(ring);
    this.#ring = ring;
  }

  /** The id of the key new envelopes are sealed with. */
  get currentKeyId(): string {
    return this.#ring.current.id;
  }

  /** Encrypts `value` as JSON under the current key. */
  encrypt(value: unknown, binding: VaultBinding): SealedValue {
    const plaintext = Buffer.from(JSON.stringify(value), 'utf8');
    try {
      return { secret: sealEnvelope(this.#ring.current, plaintext, bindingText(binding)), keyId: this.#ring.current.id };
    } finally {
      plaintext.fill(0);
    }
  }

  /** Decrypts a value sealed by `encrypt` under the same binding; throws `EnvelopeError`. */
  decrypt<T>(secret: string, binding: VaultBinding): { value: T; keyId: string } {
    const { plaintext, keyId } = openEnvelope(this.#ring, secret, bindingText(binding));
    try {
      return { value: JSON.parse(plaintext.toString('utf8')) as T, keyId };
    } finally {
      plaintext.fill(0);
    }
  }
}
