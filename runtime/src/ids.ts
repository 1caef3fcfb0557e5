import { randomBytes } from 'node:crypto';

/**
 * Makes a new id: a prefix, then 48 bits of time in milliseconds and 80 random bits, in
 * base64url. Ids of one prefix sort roughly by creation time.
 */
export function newId(prefix: string): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(Date.now(), 0, 6);
  return `${prefix}_${bytes.toString('base64url')}`;
}
