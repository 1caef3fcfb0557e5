export * from './types.js';
export { normalizeEmail } from './normalize-email.js';
export { openSqliteStorage, type SqliteStorageOptions } from './sqlite/index.js';
export { openMongoStorage } from './mongo/open-lazily.js';
export { redactUrl } from './mongo/url.js';
export type { MongoStorage, MongoStorageOptions } from './mongo/index.js';
export * from './blob/index.js';
export * from './agenda/index.js';
