import { MongoBackend, MongoChangeStreamNotificationChannel } from '@agendajs/mongo-backend';
import type { MongoStorage } from './index.js';

export { MongoChangeStreamNotificationChannel };

/** The collection of Agenda jobs in a MongoDB studio (@agendajs/mongo-backend's default). */
export const AGENDA_JOBS_COLLECTION = 'agendaJobs';

/**
 * Returns an Agenda backend that keeps jobs in the `agendaJobs` collection of `storage`'s
 * database, on the store's connection, with the backend's indexes created at connect.
 * Disconnecting the backend leaves the connection open, and closing the store closes it.
 */
export function createMongoAgendaBackend(storage: MongoStorage): MongoBackend {
  return new MongoBackend({ mongo: storage.database, collection: AGENDA_JOBS_COLLECTION, ensureIndex: true });
}
