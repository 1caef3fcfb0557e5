import type { MongoStorage, MongoStorageOptions } from './index.js';

/**
 * Opens a MongoDB store (see `openMongoStorage` in `./index.ts`). The adapter, mongoose and the
 * driver are imported on the first call, so processes on the SQLite store never load them.
 */
export async function openMongoStorage(options: MongoStorageOptions): Promise<MongoStorage> {
  const adapter = await import('./index.js');
  return adapter.openMongoStorage(options);
}
