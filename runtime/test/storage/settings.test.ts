import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { loadStorageSettings } from '../../src/storage/settings.js';

const URL = 'mongodb://127.0.0.1:27017/gestorlead?replicaSet=rs0';

describe('storage settings', () => {
  it('SQLite without Mongo settings', () => {
    expect(loadConfig({}).storage).toEqual({ kind: 'sqlite', mongo: null });
  });

  it('MONGO_URL alone selects MongoDB', () => {
    expect(loadStorageSettings({ MONGO_URL: URL })).toEqual({
      kind: 'mongo',
      mongo: { url: URL, dbName: undefined, logRetentionDays: 30 },
    });
  });

  it('STORAGE=sqlite wins over MONGO_URL', () => {
    expect(loadStorageSettings({ STORAGE: 'sqlite', MONGO_URL: URL }).kind).toBe('sqlite');
  });

  it('STORAGE=mongo reads database and retention', () => {
    const settings = loadStorageSettings({ STORAGE: 'mongo', MONGO_URL: URL, MONGO_DB: 'studio', LOG_RETENTION_DAYS: '0' });

    expect(settings.mongo).toEqual({ url: URL, dbName: 'studio', logRetentionDays: 0 });
  });

  it('STORAGE=mongo without MONGO_URL fails', () => {
    expect(() => loadStorageSettings({ STORAGE: 'mongo' })).toThrow(/STORAGE=mongo needs MONGO_URL/);
  });

  it('unknown STORAGE fails', () => {
    expect(() => loadStorageSettings({ STORAGE: 'postgres' })).toThrow(/STORAGE must be one of sqlite, mongo, got "postgres"/);
  });

  it('MONGO_URL of another scheme fails', () => {
    expect(() => loadStorageSettings({ MONGO_URL: 'http://127.0.0.1:27017' })).toThrow(/MONGO_URL must start with mongodb:\/\//);
  });

  it('invalid LOG_RETENTION_DAYS fails', () => {
    expect(() => loadStorageSettings({ MONGO_URL: URL, LOG_RETENTION_DAYS: '-1' })).toThrow(/LOG_RETENTION_DAYS must be an integer from 0/);
  });
});
