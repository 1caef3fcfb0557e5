import type Database from 'better-sqlite3';
import { applyMigrations, type Migration } from '../sqlite/migrations.js';

/**
 * Table that records the applied Agenda migrations. It is separate from the studio's
 * `schema_migrations`, so the job store can live in the studio's file or in a file of its own,
 * and neither sequence of version numbers depends on the other.
 */
export const AGENDA_VERSION_TABLE = 'agenda_schema_migrations';

/** Schema changes of the Agenda job store, in the order they apply. Append new ones at the end. */
export const AGENDA_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'create-agenda-jobs',
    sql: `
      -- One row per Agenda job. Dates are epoch milliseconds. data, repeat_interval (a string
      -- or a number) and skip_days are JSON text. disabled and fork are 0 or 1.
      create table agenda_jobs (
        id text primary key,
        name text not null,
        type text,
        priority real,
        next_run_at integer,
        locked_at integer,
        last_run_at integer,
        last_finished_at integer,
        failed_at integer,
        fail_count integer,
        fail_reason text,
        repeat_interval text,
        repeat_timezone text,
        repeat_at text,
        data text,
        disabled integer,
        progress real,
        debounce_started_at integer,
        last_modified_by text,
        fork integer,
        start_date integer,
        end_date integer,
        skip_days text
      ) strict;
      -- Serves the unlocked branch of getNextJobToRun in its sort order. Locked rows are left
      -- out, so the scan stops at the first due job.
      create index agenda_jobs_due on agenda_jobs (name, next_run_at, priority desc)
        where locked_at is null;
      -- Serves the expired-lock branch of getNextJobToRun.
      create index agenda_jobs_locked on agenda_jobs (name, locked_at) where locked_at is not null;
      create index agenda_jobs_next_run_at on agenda_jobs (next_run_at);
      -- every() saves a job of type 'single'; there is at most one per name.
      create unique index agenda_jobs_single on agenda_jobs (name) where type = 'single';

      -- Cross-process wake-up signals: each saved job that a process publishes adds a row, and
      -- every other process polls for rows with a higher seq. autoincrement keeps seq growing
      -- after old rows are deleted.
      create table agenda_notifications (
        seq integer primary key autoincrement,
        channel_id text not null,
        job_id text not null,
        job_name text not null,
        next_run_at integer,
        priority real,
        source text,
        created_at integer not null
      ) strict;
    `,
  },
  {
    version: 2,
    name: 'index-agenda-jobs-data-run-id',
    sql: `
      -- The runtime stores one job per run, unique by data.runId, and looks it up on every
      -- enqueue. Without this index each lookup scans every job of the name.
      create index agenda_jobs_data_run_id on agenda_jobs (json_extract(data, '$."runId"'));
    `,
  },
];

/**
 * Applies the pending Agenda migrations to `db` in one BEGIN IMMEDIATE transaction. Throws
 * StorageSchemaTooNewError when newer code migrated the file. `location` names the database in
 * that error.
 */
export function applyAgendaMigrations(db: Database.Database, location: string): void {
  applyMigrations(db, location, AGENDA_MIGRATIONS, AGENDA_VERSION_TABLE);
}
