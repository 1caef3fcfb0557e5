/**
 * Password hashing with argon2id through @node-rs/argon2. The parameters are the minimum the
 * OWASP Password Storage Cheat Sheet recommends: 19 MiB of memory, 2 iterations, parallelism 1.
 */
import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

/** Memory of one hash, in KiB. */
const ARGON2_MEMORY_KIB = 19_456;
const ARGON2_PASSES = 2;
const ARGON2_LANES = 1;
/** Shortest password accepted, in characters. */
export const MIN_PASSWORD_LENGTH = 8;
/** Maximum password length, in characters; longer ones would only cost hashing time. */
export const MAX_PASSWORD_LENGTH = 256;

/**
 * A hash of a random password, verified when an email has no account, so that a login
 * takes about as long whether or not the email exists.
 */
let decoyHash: Promise<string> | null = null;

/** Hashes a password into a PHC string (`$argon2id$v=19$m=…`). */
export function hashPassword(password: string): Promise<string> {
  return hash(password, { memoryCost: ARGON2_MEMORY_KIB, timeCost: ARGON2_PASSES, parallelism: ARGON2_LANES });
}

/**
 * Checks a password against a stored hash. A hash this code cannot read (another algorithm, a
 * damaged value) never matches.
 */
export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  try {
    return await verify(storedHash, password);
  } catch {
    return false;
  }
}

/** Spends the time of one verification without any account, then returns false. */
export async function verifyDecoy(password: string): Promise<false> {
  decoyHash ??= hashPassword(randomBytes(16).toString('hex'));
  await verifyPassword(await decoyHash, password);
  return false;
}
