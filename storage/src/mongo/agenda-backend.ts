import { MongoBackend, MongoChangeStreamNotificationChannel } from '@agendajs/mongo-backend';
import type { Db } from 'mongodb';
import { withWake } from '../agenda/waking-channel.js';

/** The collection of Agenda jobs in a MongoDB studio (@agendajs/mongo-backend's default). */
export const AGENDA_JOBS_COLLECTION = 'agendaJobs';

/** Wake-ups between processes through a change stream on the jobs collection. */
export class WakingMongoNotificationChannel extends withWake(MongoChangeStreamNotificationChannel) {}

/**
 * Returns an Agenda backend that keeps jobs in the `agendaJobs` collection of `database`, with
 * the backend's indexes created at connect. Disconnecting the backend leaves the connection
 * open, and closing the store closes it.
 */
export function createMongoAgendaBackend(database: Db): MongoBackend {
  return new MongoBackend({ mongo: database, collection: AGENDA_JOBS_COLLECTION, ensureIndex: true });
}

/**
 * Returns a notification channel that watches the jobs collection of `database` with a change
 * stream, which needs a replica set (the store already requires one).
 */
export function createMongoNotificationChannel(database: Db): WakingMongoNotificationChannel {
  return new WakingMongoNotificationChannel({ db: database, collection: AGENDA_JOBS_COLLECTION });
}
