import type Database from 'better-sqlite3';
import type { AgendaBackend } from 'agenda';
import { SqliteJobRepository } from './sqlite-job-repository.js';
import {
  SqliteNotificationChannel,
  type SqliteNotificationOptions,
} from './sqlite-notification-channel.js';

/** Options of `createSqliteAgendaBackend`: exactly one of `path` and `db`. */
export interface SqliteAgendaBackendOptions {
  /**
   * Database file that the backend opens, with WAL and a busy timeout, and closes when Agenda
   * stops. It may be the studio's own file: the job tables have their own migrations.
   */
  path?: string;
  /**
   * An open better-sqlite3 connection that the backend borrows and never closes. For several
   * processes on one file, it needs `journal_mode = WAL` and a `busy_timeout`.
   */
  db?: Database.Database;
  /**
   * Cross-process notification channel, so that a job saved in one process starts promptly in
   * another instead of at the next `processEvery` scan. `true` (the default) uses the default
   * poll interval, an object sets it, `false` leaves Agenda to poll every `processEvery`.
   */
  notifications?: boolean | SqliteNotificationOptions;
}

/** Agenda 6 backend that keeps jobs in SQLite. Create it with `createSqliteAgendaBackend`. */
export class SqliteAgendaBackend implements AgendaBackend {
  readonly name = 'SQLite';
  readonly repository: SqliteJobRepository;
  readonly notificationChannel: SqliteNotificationChannel | undefined;

  constructor(options: SqliteAgendaBackendOptions) {
    if ((options.path === undefined) === (options.db === undefined)) {
      throw new TypeError(
        'Invalid options for createSqliteAgendaBackend: pass exactly one of `path` and `db`.',
      );
    }
    this.repository = new SqliteJobRepository(
      options.db !== undefined ? { db: options.db } : { path: options.path! },
    );

    const notifications = options.notifications ?? true;
    this.notificationChannel =
      notifications === false
        ? undefined
        : new SqliteNotificationChannel(
            () => this.repository.db,
            notifications === true ? {} : notifications,
          );
  }

  /** True when the backend opened the connection itself, so Agenda's stop() closes it. */
  get ownsConnection(): boolean {
    return this.repository.ownsConnection;
  }

  /**
   * Opens the job store and connects the notification channel. Agenda connects the channel
   * only in start(), so without this a process that saves jobs but never starts processing
   * would not wake the workers.
   */
  async connect(): Promise<void> {
    await this.repository.connect();
    await this.notificationChannel?.connect();
  }

  async disconnect(): Promise<void> {
    await this.notificationChannel?.disconnect();
    await this.repository.disconnect();
  }
}

/**
 * Creates an Agenda 6 backend over SQLite and opens its job store at once, so a bad path or a
 * schema written by newer code throws here. (Agenda calls `connect()` from its constructor
 * without handling a rejection.)
 *
 * ```ts
 * const agenda = new Agenda({ backend: createSqliteAgendaBackend({ path: 'data/studio.db' }) });
 * ```
 */
export function createSqliteAgendaBackend(
  options: SqliteAgendaBackendOptions,
): SqliteAgendaBackend {
  const backend = new SqliteAgendaBackend(options);
  backend.repository.open();
  return backend;
}
