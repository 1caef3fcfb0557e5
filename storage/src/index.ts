export * from './types.js';
export { normalizeEmail } from './normalize-email.js';
export { openSqliteStorage, type SqliteStorageOptions } from './sqlite/index.js';
export {
  AGENDA_JOBS_COLLECTION,
  MongoChangeStreamNotificationChannel,
  MongoStorage,
  createMongoAgendaBackend,
  MongoTransactionsUnsupportedError,
  openMongoStorage,
  redactUrl,
  type MongoStorageOptions,
} from './mongo/index.js';
export * from './blob/index.js';
export * from './agenda/index.js';
