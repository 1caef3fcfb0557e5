import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { conflictError, isDuplicateKey, translateConflict } from '../../src/mongo/conflict.js';
import { beforeClause, escapeRegex } from '../../src/mongo/filters.js';
import { databaseInUrl, openMongoStorage, redactUrl } from '../../src/mongo/index.js';
import { definedSet } from '../../src/mongo/patch.js';
import { StorageConflictError } from '../../src/types.js';

/** Returns a loopback port that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('MongoDB conflict translation', () => {
  it('duplicate key code is a conflict', () => {
    expect(isDuplicateKey(Object.assign(new Error('E11000'), { code: 11000 }))).toBe(true);
  });

  it('bulk duplicate key is a conflict', () => {
    const error = Object.assign(new Error('bulk'), { writeErrors: [{ index: 0, code: 11000 }] });

    expect(isDuplicateKey(error)).toBe(true);
  });

  it('other codes pass through', async () => {
    const error = Object.assign(new Error('not primary'), { code: 10107 });

    expect(isDuplicateKey(error)).toBe(false);
    await expect(translateConflict('run "r1"', () => Promise.reject(error))).rejects.toBe(error);
  });

  it('conflict names the record and keeps cause', async () => {
    const cause = Object.assign(new Error('E11000 duplicate key'), { code: 11000 });

    const error = await translateConflict('run "r1"', () => Promise.reject(cause)).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(StorageConflictError);
    expect((error as Error).message).toBe('Cannot insert run "r1": a record with the same key exists (E11000 duplicate key).');
    expect((error as Error).cause).toBe(cause);
    expect(conflictError('x', cause).code).toBe('STORAGE_CONFLICT');
  });
});

describe('MongoDB query filters', () => {
  it('escapeRegex matches wildcards literally', () => {
    const pattern = new RegExp(escapeRegex('50% off (a.b)*[x]?'));

    expect(pattern.test('get 50% off (a.b)*[x]? now')).toBe(true);
    expect(pattern.test('50% off (aXb)')).toBe(false);
  });

  it('beforeClause without before is empty', () => {
    expect(beforeClause('createdAt', undefined, 'run-9')).toEqual({});
  });

  it('beforeClause pages by instant', () => {
    expect(beforeClause('createdAt', 't1', undefined)).toEqual({ createdAt: { $lt: 't1' } });
  });

  it('beforeClause breaks ties by id', () => {
    expect(beforeClause('createdAt', 't1', 'run-9')).toEqual({
      $or: [{ createdAt: { $lt: 't1' } }, { createdAt: 't1', _id: { $lt: 'run-9' } }],
    });
  });

  it('definedSet skips undefined and writes null', () => {
    const set = definedSet<{ a?: number; b?: string | null; c?: number }>(
      { a: 2, b: null, c: undefined },
      { a: (value) => value * 10, b: (value) => value, c: (value) => value },
    );

    expect(set).toEqual({ a: 20, b: null });
  });
});

describe('MongoDB store opening', () => {
  it('redactUrl hides the password', () => {
    expect(redactUrl('mongodb://app:s3cret@db1:27017,db2/studio?replicaSet=rs0')).toBe(
      'mongodb://app:***@db1:27017,db2/studio?replicaSet=rs0',
    );
    expect(redactUrl('mongodb://127.0.0.1:27017/studio')).toBe('mongodb://127.0.0.1:27017/studio');
  });

  it('unreachable server fails after selection timeout', async () => {
    const port = await closedPort();
    const error = await openMongoStorage({ url: `mongodb://127.0.0.1:${port}/studio`, serverSelectionTimeoutMs: 300 }).catch(
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toMatch(/ServerSelectionError/);
  });
});

describe('MongoDB database name', () => {
  it.each([
    ['mongodb://127.0.0.1:27017/studio?replicaSet=rs0', 'studio'],
    ['mongodb+srv://app:p%2Fw@cluster.example.net/prod', 'prod'],
    ['mongodb://db1,db2:27018/?replicaSet=rs0', undefined],
    ['mongodb://127.0.0.1:27017', undefined],
  ])('databaseInUrl of %s', (url, expected) => {
    expect(databaseInUrl(url)).toBe(expected);
  });
});
