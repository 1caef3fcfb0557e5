/**
 * SHA-256 (FIPS 180-4), HMAC-SHA256 (RFC 2104) and the byte conversions a webhook trigger needs
 * to check a signature. They are plain ECMAScript, because the sandbox has no `crypto`,
 * `TextEncoder`, `atob` or `Buffer`. Outside the sandbox, prefer `node:crypto`.
 */

/** SHA-256 round constants: the first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
const ROUND_CONSTANTS = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** SHA-256 initial hash value: the first 32 bits of the fractional parts of the square roots of the first 8 primes. */
const INITIAL_HASH = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

const BLOCK_BYTES = 64;
const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** The value of each base64 character by character code, and -1 for other characters below 128. */
const BASE64_VALUES = new Int8Array(128).fill(-1);
for (let index = 0; index < BASE64_ALPHABET.length; index += 1) {
  BASE64_VALUES[BASE64_ALPHABET.charCodeAt(index)] = index;
}

/** Text or bytes. Text is encoded as UTF-8. */
export type BytesInput = string | Uint8Array;

/** Encodes text as UTF-8, replacing unpaired surrogates with U+FFFD as `TextEncoder` does. */
export function utf8Bytes(text: string): Uint8Array {
  const bytes: number[] = [];
  for (let index = 0; index < text.length; index += 1) {
    let code = text.charCodeAt(index);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = index + 1 < text.length ? text.charCodeAt(index + 1) : 0;
      if (next >= 0xdc00 && next <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
        index += 1;
      } else {
        code = 0xfffd;
      }
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      code = 0xfffd;
    }
    if (code < 0x80) {
      bytes.push(code);
    } else if (code < 0x800) {
      bytes.push(0xc0 | (code >> 6), 0x80 | (code & 0x3f));
    } else if (code < 0x10000) {
      bytes.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
    } else {
      bytes.push(
        0xf0 | (code >> 18),
        0x80 | ((code >> 12) & 0x3f),
        0x80 | ((code >> 6) & 0x3f),
        0x80 | (code & 0x3f),
      );
    }
  }
  return new Uint8Array(bytes);
}

/**
 * Decodes standard base64 (RFC 4648 section 4), such as `ctx.request.rawBodyBase64`. Padding is
 * optional. Throws a `TypeError` on any other character.
 */
export function base64ToBytes(base64: string): Uint8Array {
  const text = base64.replace(/=+$/, '');
  if (text.length % 4 === 1) {
    throw new TypeError(`invalid base64: ${text.length} characters without padding cannot encode whole bytes`);
  }
  const bytes = new Uint8Array(Math.floor((text.length * 3) / 4));
  let buffer = 0;
  let bits = 0;
  let written = 0;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    const value = code < 128 ? BASE64_VALUES[code] : -1;
    if (value === -1) {
      throw new TypeError(`invalid base64: unexpected character at index ${index}`);
    }
    buffer = ((buffer << 6) | value) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[written] = (buffer >> bits) & 0xff;
      written += 1;
    }
  }
  return bytes;
}

/** Formats bytes as lowercase hexadecimal. */
export function bytesToHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) {
    hex += (byte < 16 ? '0' : '') + byte.toString(16);
  }
  return hex;
}

function toBytes(input: BytesInput): Uint8Array {
  return typeof input === 'string' ? utf8Bytes(input) : input;
}

function rotateRight(value: number, bits: number): number {
  return (value >>> bits) | (value << (32 - bits));
}

function compressBlock(state: Uint32Array, block: Uint8Array, offset: number, words: Uint32Array): void {
  for (let index = 0; index < 16; index += 1) {
    const at = offset + index * 4;
    words[index] = (block[at] << 24) | (block[at + 1] << 16) | (block[at + 2] << 8) | block[at + 3];
  }
  for (let index = 16; index < 64; index += 1) {
    const w15 = words[index - 15];
    const w2 = words[index - 2];
    const sigma0 = rotateRight(w15, 7) ^ rotateRight(w15, 18) ^ (w15 >>> 3);
    const sigma1 = rotateRight(w2, 17) ^ rotateRight(w2, 19) ^ (w2 >>> 10);
    words[index] = (words[index - 16] + sigma0 + words[index - 7] + sigma1) | 0;
  }

  let [a, b, c, d, e, f, g, h] = state;
  for (let index = 0; index < 64; index += 1) {
    const sum1 = rotateRight(e, 6) ^ rotateRight(e, 11) ^ rotateRight(e, 25);
    const choice = (e & f) ^ (~e & g);
    const temp1 = (h + sum1 + choice + ROUND_CONSTANTS[index] + words[index]) | 0;
    const sum0 = rotateRight(a, 2) ^ rotateRight(a, 13) ^ rotateRight(a, 22);
    const majority = (a & b) ^ (a & c) ^ (b & c);
    const temp2 = (sum0 + majority) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + temp1) | 0;
    d = c;
    c = b;
    b = a;
    a = (temp1 + temp2) | 0;
  }
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
  state[4] += e;
  state[5] += f;
  state[6] += g;
  state[7] += h;
}

/** Returns the SHA-256 digest (32 bytes) of `data`. */
export function sha256(data: BytesInput): Uint8Array {
  const message = toBytes(data);
  const state = new Uint32Array(INITIAL_HASH);
  const words = new Uint32Array(64);
  const fullBlocks = Math.floor(message.length / BLOCK_BYTES);
  for (let block = 0; block < fullBlocks; block += 1) {
    compressBlock(state, message, block * BLOCK_BYTES, words);
  }

  // The padding: a 1 bit, zeros, then the message length in bits as a 64-bit big-endian number.
  const remaining = message.length - fullBlocks * BLOCK_BYTES;
  const tail = new Uint8Array(remaining < 56 ? BLOCK_BYTES : BLOCK_BYTES * 2);
  tail.set(message.subarray(fullBlocks * BLOCK_BYTES));
  tail[remaining] = 0x80;
  const bitLength = message.length * 8;
  const high = Math.floor(bitLength / 0x100000000);
  const low = bitLength >>> 0;
  const end = tail.length;
  tail[end - 8] = high >>> 24;
  tail[end - 7] = (high >>> 16) & 0xff;
  tail[end - 6] = (high >>> 8) & 0xff;
  tail[end - 5] = high & 0xff;
  tail[end - 4] = low >>> 24;
  tail[end - 3] = (low >>> 16) & 0xff;
  tail[end - 2] = (low >>> 8) & 0xff;
  tail[end - 1] = low & 0xff;
  for (let offset = 0; offset < tail.length; offset += BLOCK_BYTES) {
    compressBlock(state, tail, offset, words);
  }

  const digest = new Uint8Array(32);
  state.forEach((word, index) => {
    digest[index * 4] = word >>> 24;
    digest[index * 4 + 1] = (word >>> 16) & 0xff;
    digest[index * 4 + 2] = (word >>> 8) & 0xff;
    digest[index * 4 + 3] = word & 0xff;
  });
  return digest;
}

/** Returns the HMAC-SHA256 (32 bytes) of `message` under `key`. */
export function hmacSha256(key: BytesInput, message: BytesInput): Uint8Array {
  let keyBytes = toBytes(key);
  if (keyBytes.length > BLOCK_BYTES) {
    keyBytes = sha256(keyBytes);
  }
  const messageBytes = toBytes(message);
  const inner = new Uint8Array(BLOCK_BYTES + messageBytes.length);
  const outer = new Uint8Array(BLOCK_BYTES + 32);
  for (let index = 0; index < BLOCK_BYTES; index += 1) {
    const byte = index < keyBytes.length ? keyBytes[index] : 0;
    inner[index] = byte ^ 0x36;
    outer[index] = byte ^ 0x5c;
  }
  inner.set(messageBytes, BLOCK_BYTES);
  outer.set(sha256(inner), BLOCK_BYTES);
  return sha256(outer);
}

/** Returns the HMAC-SHA256 of `message` under `key` as lowercase hexadecimal. */
export function hmacSha256Hex(key: BytesInput, message: BytesInput): string {
  return bytesToHex(hmacSha256(key, message));
}

/**
 * Compares two strings in time that depends only on their lengths, so a signature check does
 * not reveal how many leading characters of a guess were right. Strings of different lengths
 * are unequal.
 */
export function timingSafeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) {
    return false;
  }
  let difference = 0;
  for (let index = 0; index < a.length; index += 1) {
    difference |= a.charCodeAt(index) ^ b.charCodeAt(index);
  }
  return difference === 0;
}
