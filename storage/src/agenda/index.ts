export {
  SqliteAgendaBackend,
  createSqliteAgendaBackend,
  type SqliteAgendaBackendOptions,
} from './sqlite-agenda-backend.js';
export { SqliteJobRepository, type SqliteJobStoreLocation } from './sqlite-job-repository.js';
export {
  NOTIFICATION_POLL_INTERVAL_MS,
  NOTIFICATION_RETENTION_MS,
  SqliteNotificationChannel,
  type SqliteNotificationOptions,
} from './sqlite-notification-channel.js';
export { AGENDA_MIGRATIONS, AGENDA_VERSION_TABLE, applyAgendaMigrations } from './schema.js';
export { WakingSqliteNotificationChannel, withWake, type WakingNotificationChannel } from './waking-channel.js';
export {
  type ClaimDueJobsOptions,
  type ClaimedJob,
  type JobBatchRepository,
  type JobRelease,
} from './claim-jobs.js';
export { countSqliteAgendaJobs, type AgendaJobCounts } from './job-counts.js';
