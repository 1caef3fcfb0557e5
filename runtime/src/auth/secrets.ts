/**
 * The studio's two secrets: `SECRET_KEY` signs access tokens, `ENCRYPTION_KEY` encrypts
 * credentials, and retired keys from `ENCRYPTION_KEYS_PREVIOUS` still decrypt.
 *
 * In production (`NODE_ENV=production`) both must come from the environment, and a missing,
 * short or placeholder value stops the start-up. In embedded mode a missing value is generated
 * once into `DATA_DIR/secrets.json` (file mode 600) and read back on every later start.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { RuntimeConfig } from '../config.js';

/** An encryption key and its id: the first 12 hex characters of the key's SHA-256. */
export interface EncryptionKey {
  id: string;
  key: Uint8Array;
}

/** Decoded secrets. The credential vault encrypts with `current` and decrypts with any of them. */
export interface StudioSecrets {
  /** HS256 key of access tokens, at least 32 bytes. */
  secretKey: Uint8Array;
  encryptionKeys: { current: EncryptionKey; previous: EncryptionKey[] };
}

/** Bytes of an AES-256 key. */
export const ENCRYPTION_KEY_BYTES = 32;
/** Minimum bytes of `SECRET_KEY`: the output size of SHA-256, as RFC 7518 requires for HS256. */
export const MIN_SECRET_KEY_BYTES = 32;
/** File, under `DATA_DIR`, that keeps generated secrets of an embedded studio. */
export const SECRETS_FILE = 'secrets.json';

/**
 * Placeholder values found in sample configuration files. A value containing one of them, in
 * any case, is rejected in production whatever its length.
 */
const PLACEHOLDER_FRAGMENTS = ['changeme', 'change-me', 'change_me', 'replace-me', 'replaceme', 'placeholder', 'example', 'default', 'secret-key', 'your-'];

const GENERATE_HINT = 'generate one with `openssl rand -base64 32`';

interface SecretsFile {
  secretKey?: string;
  encryptionKey?: string;
}

/** Returns the key id: the first 12 hex characters of the SHA-256 of `key`. */
export function encryptionKeyId(key: Uint8Array): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 12);
}

/** Decodes hex (an even number of hex digits) or base64/base64url text; null when it is neither. */
function decodeKeyText(text: string): Buffer | null {
  if (/^(?:[0-9a-fA-F]{2})+$/.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) {
    return Buffer.from(text.replaceAll('-', '+').replaceAll('_', '/'), 'base64');
  }
  return null;
}

/** True when every byte equals the first, such as an all-zero key. */
function isDegenerate(bytes: Uint8Array): boolean {
  return bytes.every((byte) => byte === bytes[0]);
}

function isPlaceholder(text: string): boolean {
  const lower = text.toLowerCase();
  return PLACEHOLDER_FRAGMENTS.some((fragment) => lower.includes(fragment));
}

/**
 * Decodes one secret value and checks its size. `exactBytes` demands that size; otherwise
 * `MIN_SECRET_KEY_BYTES` is the minimum. `production` also rejects placeholder values.
 */
function decodeSecret(name: string, text: string, options: { exactBytes?: number; production: boolean }): Uint8Array {
  const bytes = decodeKeyText(text);
  if (bytes === null) {
    throw new Error(`${name} must be hex or base64 text; ${GENERATE_HINT}`);
  }
  if (options.exactBytes !== undefined && bytes.length !== options.exactBytes) {
    throw new Error(`${name} must decode to exactly ${options.exactBytes} bytes, got ${bytes.length}; ${GENERATE_HINT}`);
  }
  if (bytes.length < MIN_SECRET_KEY_BYTES) {
    throw new Error(`${name} must decode to at least ${MIN_SECRET_KEY_BYTES} bytes, got ${bytes.length}; ${GENERATE_HINT}`);
  }
  if (isDegenerate(bytes)) {
    throw new Error(`${name} repeats one byte value, which is a known default and not a secret; ${GENERATE_HINT}`);
  }
  if (options.production && isPlaceholder(text)) {
    throw new Error(`${name} contains a placeholder from a sample configuration; ${GENERATE_HINT}`);
  }
  return new Uint8Array(bytes);
}

function toEncryptionKey(key: Uint8Array): EncryptionKey {
  return { id: encryptionKeyId(key), key };
}

/** Reads the secrets file, tightening its mode to 600 when it is readable by others. */
function readSecretsFile(file: string, log: Logger): SecretsFile {
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    log.warn({ file, mode: mode.toString(8) }, 'secrets file was readable by other users; setting its mode to 600');
    chmodSync(file, 0o600);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file} is not valid JSON; restore it from a backup, or delete it to generate new secrets (credentials encrypted with the old key are then lost)`, { cause: error });
  }
  if (parsed === null || typeof parsed !== 'object') {
    throw new Error(`${file} must contain a JSON object with secretKey and encryptionKey`);
  }
  return parsed as SecretsFile;
}

/**
 * Creates the secrets file with mode 600 unless it exists. The content is written to a temporary
 * file first and hard-linked into place, so a concurrent start never reads a half-written file
 * and the first writer wins.
 */
function createSecretsFile(file: string, log: Logger): void {
  const content: SecretsFile = {
    secretKey: randomBytes(MIN_SECRET_KEY_BYTES).toString('base64'),
    encryptionKey: randomBytes(ENCRYPTION_KEY_BYTES).toString('base64'),
  };
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(temporary, 0o600);
  try {
    linkSync(temporary, file);
    log.info({ file }, 'generated secrets for this embedded studio');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temporary);
  }
}

/** Returns the path of the secrets file, or null when it does not exist. */
function existingSecretsFile(dataDir: string): string | null {
  const file = path.join(dataDir, SECRETS_FILE);
  try {
    statSync(file);
    return file;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Reads the generated secrets of an embedded studio, creating them first when `create` is set. */
function loadGeneratedSecrets(
  dataDir: string,
  log: Logger,
  create: boolean,
): { secretKey: Uint8Array; encryptionKey: Uint8Array } | null {
  let file = existingSecretsFile(dataDir);
  if (file === null) {
    if (!create) return null;
    mkdirSync(dataDir, { recursive: true });
    file = path.join(dataDir, SECRETS_FILE);
    createSecretsFile(file, log);
  }
  const stored = readSecretsFile(file, log);
  if (typeof stored.secretKey !== 'string' || typeof stored.encryptionKey !== 'string') {
    throw new Error(`${file} must contain the strings secretKey and encryptionKey`);
  }
  return {
    secretKey: decodeSecret(`secretKey in ${file}`, stored.secretKey, { production: false }),
    encryptionKey: decodeSecret(`encryptionKey in ${file}`, stored.encryptionKey, { exactBytes: ENCRYPTION_KEY_BYTES, production: false }),
  };
}

function requireInProduction(name: string, value: string | null): string {
  if (value === null) {
    throw new Error(`${name} is required when NODE_ENV=production; ${GENERATE_HINT} and set it in the environment`);
  }
  return value;
}

/**
 * Returns the decoded secrets. Throws an error naming the variable when a value is missing (in
 * production), malformed, too short or a known default. In embedded mode a value the environment
 * does not set comes from `DATA_DIR/secrets.json`, which is created on the first start. When the
 * environment replaces a generated encryption key, the generated one is kept as a previous key,
 * so credentials encrypted before the change still decrypt.
 */
export function resolveSecrets(config: Pick<RuntimeConfig, 'dataDir' | 'secrets'>, log: Logger): StudioSecrets {
  const { production, secretKey, encryptionKey, previousEncryptionKeys } = config.secrets;
  const previous = previousEncryptionKeys.map((text, index) =>
    toEncryptionKey(decodeSecret(`ENCRYPTION_KEYS_PREVIOUS entry ${index + 1}`, text, { exactBytes: ENCRYPTION_KEY_BYTES, production })),
  );

  let signingKey: Uint8Array;
  let currentKey: Uint8Array;
  if (production) {
    signingKey = decodeSecret('SECRET_KEY', requireInProduction('SECRET_KEY', secretKey), { production });
    currentKey = decodeSecret('ENCRYPTION_KEY', requireInProduction('ENCRYPTION_KEY', encryptionKey), { exactBytes: ENCRYPTION_KEY_BYTES, production });
  } else {
    const fromEnv = {
      secretKey: secretKey === null ? null : decodeSecret('SECRET_KEY', secretKey, { production }),
      encryptionKey: encryptionKey === null ? null : decodeSecret('ENCRYPTION_KEY', encryptionKey, { exactBytes: ENCRYPTION_KEY_BYTES, production }),
    };
    // With both values in the environment, an existing file is still read for its old key.
    const generated = loadGeneratedSecrets(config.dataDir, log, !(fromEnv.secretKey && fromEnv.encryptionKey));
    signingKey = fromEnv.secretKey ?? generated!.secretKey;
    currentKey = fromEnv.encryptionKey ?? generated!.encryptionKey;
    if (fromEnv.encryptionKey && generated) previous.push(toEncryptionKey(generated.encryptionKey));
  }

  const current = toEncryptionKey(currentKey);
  const seen = new Set([current.id]);
  const retired = previous.filter((entry) => {
    if (seen.has(entry.id)) return false;
    seen.add(entry.id);
    return true;
  });
  return { secretKey: signingKey, encryptionKeys: { current, previous: retired } };
}
