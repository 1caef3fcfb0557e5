import path from 'node:path';
import { openMongoStorage, openSqliteStorage, redactUrl, type Storage } from '@gestorlead/storage';
import type { Logger } from 'pino';
import type { RuntimeConfig } from '../config.js';

/**
 * Opens the store the configuration selects: MongoDB (creating missing collections and
 * indexes) or the SQLite file `<DATA_DIR>/studio.db` (applying pending migrations).
 */
export async function openStudioStorage(config: Pick<RuntimeConfig, 'storage' | 'dataDir'>, log: Logger): Promise<Storage> {
  const { mongo } = config.storage;
  if (mongo === null) {
    return openSqliteStorage({ path: path.join(config.dataDir, 'studio.db') });
  }
  const storage = await openMongoStorage({
    url: mongo.url,
    dbName: mongo.dbName,
    logRetentionDays: mongo.logRetentionDays,
  });
  log.info({ mongo: redactUrl(mongo.url), database: storage.connection.name }, 'MongoDB store open');
  return storage;
}
