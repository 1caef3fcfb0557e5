/**
 * Settings of the studio's store, read from the environment: the embedded SQLite file
 * `<DATA_DIR>/studio.db` by default, or MongoDB when `STORAGE=mongo` or `MONGO_URL` is set.
 */

/** Store kinds. */
export const STORAGE_KINDS = ['sqlite', 'mongo'] as const;
/** Store kinds. */
export type StorageKind = (typeof STORAGE_KINDS)[number];

/** Connection and retention settings of the MongoDB store. */
export interface MongoSettings {
  /** The connection string (`MONGO_URL`); it must reach a replica set. */
  url: string;
  /** The database (`MONGO_DB`); undefined uses the one the URL names. */
  dbName: string | undefined;
  /** Days a task's log lines are kept before the TTL index deletes them; 0 keeps them (`LOG_RETENTION_DAYS`). */
  logRetentionDays: number;
}

/** The studio's store. */
export interface StorageSettings {
  kind: StorageKind;
  /** Set when `kind` is `mongo`. */
  mongo: MongoSettings | null;
}

const DEFAULT_LOG_RETENTION_DAYS = 30;

function readLogRetentionDays(env: NodeJS.ProcessEnv): number {
  const raw = env.LOG_RETENTION_DAYS;
  if (raw === undefined || raw === '') return DEFAULT_LOG_RETENTION_DAYS;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 36_500) {
    throw new Error(`LOG_RETENTION_DAYS must be an integer from 0 to 36500, got "${raw}"`);
  }
  return value;
}

/**
 * Reads the store settings from `env`; throws with the variable's name on an invalid value.
 * `STORAGE` wins when set; without it, a non-empty `MONGO_URL` selects MongoDB.
 */
export function loadStorageSettings(env: NodeJS.ProcessEnv): StorageSettings {
  const url = env.MONGO_URL?.trim() ?? '';
  const requested = env.STORAGE ?? '';
  if (requested !== '' && !(STORAGE_KINDS as readonly string[]).includes(requested)) {
    throw new Error(`STORAGE must be one of ${STORAGE_KINDS.join(', ')}, got "${requested}"`);
  }
  let kind: StorageKind = url === '' ? 'sqlite' : 'mongo';
  if (requested !== '') kind = requested as StorageKind;
  if (kind === 'sqlite') return { kind, mongo: null };

  if (url === '') throw new Error('STORAGE=mongo needs MONGO_URL, a MongoDB connection string such as mongodb://127.0.0.1:27017/gestorlead?replicaSet=rs0');
  if (!/^mongodb(\+srv)?:\/\//.test(url)) {
    throw new Error('MONGO_URL must start with mongodb:// or mongodb+srv://');
  }
  const dbName = env.MONGO_DB === undefined || env.MONGO_DB === '' ? undefined : env.MONGO_DB;
  return { kind, mongo: { url, dbName, logRetentionDays: readLogRetentionDays(env) } };
}
