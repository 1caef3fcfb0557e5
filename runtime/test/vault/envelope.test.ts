import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EnvelopeError, envelopeKeyId, openEnvelope, sealEnvelope, type EncryptionKeyRing } from '../../src/vault/envelope.js';
import { Vault, type VaultBinding } from '../../src/vault/vault.js';

const OLD_KEY = { id: 'old-key', key: randomBytes(32) };
const NEW_KEY = { id: 'new-key', key: randomBytes(32) };
const RING: EncryptionKeyRing = { current: NEW_KEY, previous: [OLD_KEY] };
const BINDING: VaultBinding = { purpose: 'credential', credentialId: 'cred_1', ownerId: 'user_1' };

function openFailure(action: () => unknown): EnvelopeError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(EnvelopeError);
    return error as EnvelopeError;
  }
  throw new Error('the envelope opened');
}

/** Replaces field `index` (0-based) of an envelope. */
function withField(envelope: string, index: number, value: string): string {
  const fields = envelope.split('.');
  fields[index] = value;
  return fields.join('.');
}

describe('envelope', () => {
  it('opens what it sealed', () => {
    const envelope = sealEnvelope(NEW_KEY, Buffer.from('hello vault'), 'binding-a');

    const opened = openEnvelope(RING, envelope, 'binding-a');

    expect(opened.plaintext.toString()).toBe('hello vault');
    expect(opened.keyId).toBe('new-key');
    expect(envelopeKeyId(envelope)).toBe('new-key');
  });

  it('has the documented five fields', () => {
    const envelope = sealEnvelope(NEW_KEY, Buffer.from('x'), 'b');
    const fields = envelope.split('.');

    expect(fields).toHaveLength(5);
    expect(fields[0]).toBe('v1');
    expect(Buffer.from(fields[1], 'base64url').toString()).toBe('new-key');
    expect(Buffer.from(fields[2], 'base64url')).toHaveLength(12);
    expect(Buffer.from(fields[4], 'base64url')).toHaveLength(16);
  });

  it('uses a fresh IV per envelope', () => {
    const first = sealEnvelope(NEW_KEY, Buffer.from('same'), 'b');
    const second = sealEnvelope(NEW_KEY, Buffer.from('same'), 'b');

    expect(first.split('.')[2]).not.toBe(second.split('.')[2]);
    expect(first).not.toBe(second);
  });

  it('opens with a previous key', () => {
    const envelope = sealEnvelope(OLD_KEY, Buffer.from('retired'), 'b');

    const opened = openEnvelope(RING, envelope, 'b');

    expect(opened.plaintext.toString()).toBe('retired');
    expect(opened.keyId).toBe('old-key');
  });

  it('rejects another binding', () => {
    const envelope = sealEnvelope(NEW_KEY, Buffer.from('mine'), 'binding-a');

    const failure = openFailure(() => openEnvelope(RING, envelope, 'binding-b'));

    expect(failure.reason).toBe('authentication-failed');
    expect(failure.message).not.toContain('mine');
  });

  it('rejects a tampered ciphertext or tag', () => {
    const envelope = sealEnvelope(NEW_KEY, Buffer.from('integrity matters'), 'b');
    const ciphertext = Buffer.from(envelope.split('.')[3], 'base64url');
    ciphertext[0] ^= 1;
    const tag = Buffer.from(envelope.split('.')[4], 'base64url');
    tag[0] ^= 1;

    expect(openFailure(() => openEnvelope(RING, withField(envelope, 3, ciphertext.toString('base64url')), 'b')).reason).toBe(
      'authentication-failed',
    );
    expect(openFailure(() => openEnvelope(RING, withField(envelope, 4, tag.toString('base64url')), 'b')).reason).toBe(
      'authentication-failed',
    );
  });

  it('rejects a relabelled key id', () => {
    // Both keys are in the ring, so only the associated data can tell the label is wrong.
    const sameKeyRing: EncryptionKeyRing = { current: NEW_KEY, previous: [{ id: 'alias', key: NEW_KEY.key }] };
    const envelope = sealEnvelope(NEW_KEY, Buffer.from('labelled'), 'b');

    const relabelled = withField(envelope, 1, Buffer.from('alias').toString('base64url'));

    expect(openFailure(() => openEnvelope(sameKeyRing, relabelled, 'b')).reason).toBe('authentication-failed');
  });

  it('reports an unknown key', () => {
    const stranger = { id: 'stranger', key: randomBytes(32) };
    const envelope = sealEnvelope(stranger, Buffer.from('lost'), 'b');

    const failure = openFailure(() => openEnvelope(RING, envelope, 'b'));

    expect(failure.reason).toBe('key-unknown');
    expect(failure.keyId).toBe('stranger');
    expect(failure.message).toContain('ENCRYPTION_KEYS_PREVIOUS');
  });

  it('reports malformed envelopes', () => {
    for (const text of ['', 'v1.a.b.c', 'v2.a.b.c.d', 'v1.a.b.c.d!', 'v1..AAAAAAAAAAAAAAAA.AA.AAAAAAAAAAAAAAAAAAAAAA']) {
      expect(openFailure(() => openEnvelope(RING, text, 'b')).reason).toBe('malformed');
    }
  });
});

describe('vault', () => {
  it('round-trips JSON under a binding', () => {
    const vault = new Vault(RING);
    const sealed = vault.encrypt({ token: 'abc', nested: [1, { deep: true }] }, BINDING);

    const opened = vault.decrypt<{ token: string }>(sealed.secret, BINDING);

    expect(sealed.keyId).toBe('new-key');
    expect(sealed.secret).not.toContain('abc');
    expect(opened.value).toEqual({ token: 'abc', nested: [1, { deep: true }] });
  });

  it('refuses envelopes swapped between records', () => {
    const vault = new Vault(RING);
    const sealed = vault.encrypt({ token: 'for user 1' }, BINDING);

    expect(() => vault.decrypt(sealed.secret, { ...BINDING, ownerId: 'user_2' })).toThrow(EnvelopeError);
    expect(() => vault.decrypt(sealed.secret, { ...BINDING, credentialId: 'cred_2' })).toThrow(EnvelopeError);
    expect(() => vault.decrypt(sealed.secret, { purpose: 'oauth2-state', state: 'cred_1', userId: 'user_1' })).toThrow(EnvelopeError);
  });

  it('rejects keys of the wrong length', () => {
    expect(() => new Vault({ current: { id: 'short', key: randomBytes(16) }, previous: [] })).toThrow(/32/);
    expect(() => new Vault({ current: NEW_KEY, previous: [{ id: 'new-key', key: randomBytes(32) }] })).toThrow(/two encryption keys/);
  });
});
