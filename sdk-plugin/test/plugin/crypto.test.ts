import { createHash, createHmac, randomBytes } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import {
  base64ToBytes,
  bytesToHex,
  hmacSha256,
  hmacSha256Hex,
  sha256,
  timingSafeEqual,
  utf8Bytes,
} from '../../src/plugin/index.js';

describe('sha256', () => {
  it('matches known digests', () => {
    expect(bytesToHex(sha256('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(bytesToHex(sha256(''))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(bytesToHex(sha256('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
  });

  it('matches node:crypto at every padding length', () => {
    for (let length = 0; length < 200; length += 1) {
      const data = randomBytes(length);
      expect(bytesToHex(sha256(data)), `length ${length}`).toBe(createHash('sha256').update(data).digest('hex'));
    }
  });

  it('hashes a megabyte', () => {
    const data = randomBytes(1024 * 1024);

    expect(bytesToHex(sha256(data))).toBe(createHash('sha256').update(data).digest('hex'));
  });
});

describe('hmacSha256', () => {
  it('matches the Jefe test vector', () => {
    expect(hmacSha256Hex('Jefe', 'what do ya want for nothing?')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('matches node:crypto for short and long keys', () => {
    for (const keyLength of [0, 1, 32, 64, 65, 131]) {
      const key = randomBytes(keyLength);
      const message = randomBytes(100 + keyLength);
      const expected = createHmac('sha256', key).update(message).digest('hex');

      expect(bytesToHex(hmacSha256(key, message)), `key length ${keyLength}`).toBe(expected);
    }
  });

  it('encodes string keys and messages as UTF-8', () => {
    const expected = createHmac('sha256', 'clé 🔑').update('corps ünïcødé').digest('hex');

    expect(hmacSha256Hex('clé 🔑', 'corps ünïcødé')).toBe(expected);
  });
});

describe('byte helpers', () => {
  it('encodes UTF-8 as TextEncoder does', () => {
    for (const text of ['', 'ascii', 'ünïcødé', '🚀 rocket', 'lone \uD800 high', 'lone \uDC00 low', 'end \uD83D']) {
      expect([...utf8Bytes(text)], JSON.stringify(text)).toEqual([...new TextEncoder().encode(text)]);
    }
  });

  it('decodes base64 with and without padding', () => {
    for (let length = 0; length < 40; length += 1) {
      const data = randomBytes(length);
      const base64 = data.toString('base64');

      expect(bytesToHex(base64ToBytes(base64)), base64).toBe(data.toString('hex'));
      expect(bytesToHex(base64ToBytes(base64.replace(/=+$/, ''))), base64).toBe(data.toString('hex'));
    }
  });

  it('rejects characters outside base64', () => {
    expect(() => base64ToBytes('ab$d')).toThrow(/unexpected character at index 2/);
    expect(() => base64ToBytes('abcde')).toThrow(TypeError);
  });

  it('timingSafeEqual compares strings', () => {
    expect(timingSafeEqual('sha256=ab', 'sha256=ab')).toBe(true);
    expect(timingSafeEqual('sha256=ab', 'sha256=ac')).toBe(false);
    expect(timingSafeEqual('sha256=ab', 'sha256=abc')).toBe(false);
    expect(timingSafeEqual('', '')).toBe(true);
  });
});
