/**
 * Secrets: generated once into DATA_DIR/secrets.json (mode 600) and reused in embedded mode,
 * taken from the environment and checked, and refused in production when missing or weak.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStorage } from '@gestorlead/storage';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createStudio } from '../../src/app.js';
import { resolveSecrets, SECRETS_FILE } from '../../src/auth/secrets.js';
import { loadConfig } from '../../src/config.js';
import { request } from '../support/http.js';
import { freePort, startServerProcess, stopServerProcess, type ServerProcess } from '../support/server-process.js';
import { startTestStudio, TEST_RATE_LIMITS } from '../support/studio.js';

const silent = pino({ level: 'silent' });
const folders: string[] = [];
let server: ServerProcess | null = null;

afterEach(async () => {
  if (server) await stopServerProcess(server, 'SIGKILL');
  server = null;
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function tempDir(): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'gestorlead-secrets-'));
  folders.push(folder);
  return folder;
}

function resolve(dataDir: string, env: Record<string, string> = {}) {
  return resolveSecrets(loadConfig({ DATA_DIR: dataDir, ...env }), silent);
}

const keyHex = () => randomBytes(32).toString('hex');
const keyBase64 = () => randomBytes(32).toString('base64');
const keyId = (key: Uint8Array) => createHash('sha256').update(key).digest('hex').slice(0, 12);

describe('embedded mode', () => {
  it('generates secrets with mode 600', () => {
    const dataDir = tempDir();
    const secrets = resolve(dataDir);
    const file = path.join(dataDir, SECRETS_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(secrets.secretKey).toHaveLength(32);
    expect(secrets.encryptionKeys.current.key).toHaveLength(32);
    expect(secrets.encryptionKeys.current.id).toBe(keyId(secrets.encryptionKeys.current.key));
    expect(secrets.encryptionKeys.previous).toEqual([]);
  });

  it('reuses the generated secrets', () => {
    const dataDir = tempDir();
    const first = resolve(dataDir);
    const content = readFileSync(path.join(dataDir, SECRETS_FILE), 'utf8');
    const second = resolve(dataDir);
    expect(Buffer.from(second.secretKey).equals(Buffer.from(first.secretKey))).toBe(true);
    expect(second.encryptionKeys.current.id).toBe(first.encryptionKeys.current.id);
    expect(readFileSync(path.join(dataDir, SECRETS_FILE), 'utf8')).toBe(content);
  });

  it('tightens a file readable by others', () => {
    const dataDir = tempDir();
    resolve(dataDir);
    chmodSync(path.join(dataDir, SECRETS_FILE), 0o644);
    resolve(dataDir);
    expect(statSync(path.join(dataDir, SECRETS_FILE)).mode & 0o777).toBe(0o600);
  });

  it('restarted studio accepts earlier tokens', async () => {
    const test = await startTestStudio();
    folders.push(test.dataDir);
    const token = test.token!;
    await test.studio.close();

    const config = loadConfig({ DATA_DIR: test.dataDir, LOG_LEVEL: 'silent', ...TEST_RATE_LIMITS });
    const storage = openSqliteStorage({ path: path.join(test.dataDir, 'studio.db') });
    const restarted = await createStudio({ config, storage, log: silent });
    try {
      const me = await request({ studio: restarted, token }, { method: 'GET', url: '/v1/me' });
      expect(me.status).toBe(200);
      expect(me.body.email).toBe('owner@studio.test');
    } finally {
      await restarted.close();
    }
  });

  it('uses values from the environment', () => {
    const dataDir = tempDir();
    const secretKey = keyHex();
    const encryptionKey = keyBase64();
    const previous = [keyBase64(), keyHex()];
    const secrets = resolve(dataDir, { SECRET_KEY: secretKey, ENCRYPTION_KEY: encryptionKey, ENCRYPTION_KEYS_PREVIOUS: previous.join(' , ') });
    expect(Buffer.from(secrets.secretKey).toString('hex')).toBe(secretKey);
    expect(Buffer.from(secrets.encryptionKeys.current.key).toString('base64')).toBe(encryptionKey);
    expect(secrets.encryptionKeys.previous.map((entry) => entry.id)).toEqual([
      keyId(Buffer.from(previous[0], 'base64')),
      keyId(Buffer.from(previous[1], 'hex')),
    ]);
    expect(existsSync(path.join(dataDir, SECRETS_FILE))).toBe(false);
  });

  it('keeps a replaced generated key for decryption', () => {
    const dataDir = tempDir();
    const generated = resolve(dataDir);
    const secrets = resolve(dataDir, { ENCRYPTION_KEY: keyBase64() });
    expect(secrets.encryptionKeys.current.id).not.toBe(generated.encryptionKeys.current.id);
    expect(secrets.encryptionKeys.previous.map((entry) => entry.id)).toEqual([generated.encryptionKeys.current.id]);
    expect(Buffer.from(secrets.secretKey).equals(Buffer.from(generated.secretKey))).toBe(true);
  });

  it('rejects malformed values with the variable name', () => {
    const dataDir = tempDir();
    expect(() => resolve(dataDir, { ENCRYPTION_KEY: randomBytes(16).toString('base64') })).toThrow(/ENCRYPTION_KEY must decode to exactly 32 bytes, got 16/);
    expect(() => resolve(dataDir, { SECRET_KEY: 'too-short' })).toThrow(/SECRET_KEY must decode to at least 32 bytes/);
    expect(() => resolve(dataDir, { SECRET_KEY: 'not base64 or hex!' })).toThrow(/SECRET_KEY must be hex or base64/);
    expect(() => resolve(dataDir, { SECRET_KEY: '00'.repeat(32) })).toThrow(/SECRET_KEY repeats one byte value/);
    expect(() => resolve(dataDir, { ENCRYPTION_KEYS_PREVIOUS: `${keyBase64()},abc` })).toThrow(/ENCRYPTION_KEYS_PREVIOUS entry 2/);
  });

  it('damaged secrets file stops the start', () => {
    const dataDir = tempDir();
    writeFileSync(path.join(dataDir, SECRETS_FILE), '{not json', { mode: 0o600 });
    expect(() => resolve(dataDir)).toThrow(/secrets\.json is not valid JSON/);
  });
});

describe('production mode', () => {
  const production = (env: Record<string, string>) => ({ NODE_ENV: 'production', ...env });

  it('requires SECRET_KEY', () => {
    const dataDir = tempDir();
    expect(() => resolve(dataDir, production({ ENCRYPTION_KEY: keyBase64() }))).toThrow(/SECRET_KEY is required when NODE_ENV=production/);
    expect(existsSync(path.join(dataDir, SECRETS_FILE))).toBe(false);
  });

  it('requires ENCRYPTION_KEY', () => {
    const dataDir = tempDir();
    expect(() => resolve(dataDir, production({ SECRET_KEY: keyBase64() }))).toThrow(/ENCRYPTION_KEY is required when NODE_ENV=production/);
  });

  it('ignores a generated secrets file', () => {
    const dataDir = tempDir();
    resolve(dataDir);
    expect(() => resolve(dataDir, production({}))).toThrow(/SECRET_KEY is required/);
  });

  it('rejects short and placeholder values', () => {
    const dataDir = tempDir();
    expect(() => resolve(dataDir, production({ SECRET_KEY: 'secret', ENCRYPTION_KEY: keyBase64() }))).toThrow(/SECRET_KEY must decode to at least 32 bytes/);
    const placeholder = 'changemechangemechangemechangemechangemechangeme';
    expect(() => resolve(dataDir, production({ SECRET_KEY: placeholder, ENCRYPTION_KEY: keyBase64() }))).toThrow(/SECRET_KEY contains a placeholder/);
  });

  it('accepts strong values', () => {
    const dataDir = tempDir();
    const secrets = resolve(dataDir, production({ SECRET_KEY: keyBase64(), ENCRYPTION_KEY: keyHex() }));
    expect(secrets.secretKey).toHaveLength(32);
    expect(existsSync(path.join(dataDir, SECRETS_FILE))).toBe(false);
  });

  it('server process refuses to start', async () => {
    const dataDir = tempDir();
    const started = startServerProcess({ DATA_DIR: dataDir, NODE_ENV: 'production', SECRET_KEY: '', ENCRYPTION_KEY: keyBase64() }, await freePort(), 60_000);
    await expect(started).rejects.toThrow(/exited early \(code 1[\s\S]*SECRET_KEY is required when NODE_ENV=production/);
  }, 90_000);
});
