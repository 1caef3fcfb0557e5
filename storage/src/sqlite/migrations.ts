import type Database from 'better-sqlite3';
import { StorageSchemaTooNewError } from '../types.js';

/** One schema change. Versions start at 1 and grow by 1. A released migration is never edited. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Schema changes in the order they apply. Append new ones at the end. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'create-tables',
    sql: `
      -- name_lower is name.toLowerCase(), computed in JavaScript because SQLite's lower()
      -- folds ASCII letters only. It serves the case-insensitive search of graphs.list.
      create table graphs (
        id text primary key,
        name text not null,
        name_lower text not null,
        description text,
        latest_version integer not null,
        published_version integer,
        created_at text not null,
        updated_at text not null
      ) strict;
      create index graphs_updated_at on graphs (updated_at desc, id desc);

      create table graph_versions (
        graph_id text not null references graphs (id) on delete cascade,
        version integer not null,
        document text not null,
        created_at text not null,
        updated_at text not null,
        published_at text,
        primary key (graph_id, version)
      ) strict;

      create table runs (
        id text primary key,
        graph_id text not null,
        graph_version integer not null,
        status text not null,
        trigger_kind text not null,
        input text,
        output text,
        error text,
        response text,
        delivery_id text,
        created_at text not null,
        updated_at text not null,
        started_at text,
        finished_at text
      ) strict;
      create index runs_created_at on runs (created_at desc, id desc);
      create index runs_graph_created_at on runs (graph_id, created_at desc, id desc);
      create index runs_status_created_at on runs (status, created_at, id);

      create table tasks (
        id text primary key,
        run_id text not null,
        node_id text not null,
        node_type text not null,
        status text not null,
        attempts integer not null,
        input text,
        output text,
        error text,
        created_at text not null,
        updated_at text not null,
        started_at text,
        finished_at text
      ) strict;
      create unique index tasks_run_node on tasks (run_id, node_id);
      create index tasks_run_created_at on tasks (run_id, created_at, id);

      create table task_attempts (
        task_id text not null,
        attempt integer not null,
        run_id text not null,
        status text not null,
        error text,
        started_at text not null,
        finished_at text,
        primary key (task_id, attempt)
      ) strict;

      create table run_events (
        run_id text not null,
        seq integer not null,
        type text not null,
        at text not null,
        task_id text,
        node_id text,
        data text,
        primary key (run_id, seq)
      ) strict;
      create index run_events_task on run_events (task_id, run_id, seq) where task_id is not null;

      create table deliveries (
        id text primary key,
        graph_id text not null,
        event_id text,
        run_id text not null,
        test integer not null,
        method text not null,
        headers text not null,
        query text not null,
        content_type text,
        body text not null,
        body_encoding text not null,
        received_at text not null
      ) strict;
      create unique index deliveries_graph_event on deliveries (graph_id, event_id)
        where event_id is not null;
      create index deliveries_graph_received_at on deliveries (graph_id, received_at desc, id desc);
    `,
  },
  {
    version: 2,
    name: 'separate-test-event-ids',
    sql: `
      -- A sample event sent to the test URL must not make a live delivery with the same event id
      -- look like a duplicate, so test and live deliveries have separate event-id namespaces.
      drop index deliveries_graph_event;
      create unique index deliveries_graph_test_event on deliveries (graph_id, test, event_id)
        where event_id is not null;
    `,
  },
  {
    version: 3,
    name: 'freeze-versions-that-ran',
    sql: `
      -- A version is frozen once it is published or a run uses it, so a run and its resume
      -- always execute the same document. Saving after that adds a new version.
      alter table graph_versions add column frozen_at text;
      update graph_versions set frozen_at = published_at where published_at is not null;
    `,
  },
  {
    version: 4,
    name: 'create-plugins',
    sql: `
      -- One row per installed plugin version; several versions of a plugin live side by side.
      create table plugins (
        name text not null,
        version text not null,
        manifest text not null,
        code text not null,
        sha256 text not null,
        installed_at text not null,
        primary key (name, version)
      ) strict;
    `,
  },
];

/** The version of the last entry in MIGRATIONS, the newest schema this code can create. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/**
 * Applies the migrations newer than the schema recorded in `versionTable`, in one transaction,
 * and records each one. Throws StorageSchemaTooNewError when the database was migrated by newer
 * code. `location` names the database in that error message. A separate `versionTable` gives a
 * component its own migration sequence in the same file (the Agenda job store uses
 * `agenda_schema_migrations`).
 */
export function applyMigrations(
  db: Database.Database,
  location: string,
  migrations: readonly Migration[] = MIGRATIONS,
  versionTable = 'schema_migrations',
): void {
  const supportedVersion = migrations.length === 0 ? 0 : migrations[migrations.length - 1].version;

  // BEGIN IMMEDIATE takes the write lock before the version is read, so two processes that open
  // a new file at once apply each migration only once. The second waits for the lock, then finds
  // the migrations applied.
  const migrate = db.transaction(() => {
    db.exec(`
      create table if not exists ${versionTable} (
        version integer primary key,
        name text not null,
        applied_at text not null
      ) strict
    `);
    const row = db.prepare(`select max(version) as version from ${versionTable}`).get() as {
      version: number | null;
    };
    const storedVersion = row.version ?? 0;

    if (storedVersion > supportedVersion) {
      throw new StorageSchemaTooNewError(
        `Database ${location} has schema version ${storedVersion}, but this code supports versions ` +
          `up to ${supportedVersion}. Open it with the newer release of GestorLead Studio that wrote it.`,
        { storedVersion, supportedVersion },
      );
    }

    const record = db.prepare(
      `insert into ${versionTable} (version, name, applied_at) values (?, ?, ?)`,
    );
    for (const migration of migrations) {
      if (migration.version <= storedVersion) {
        continue;
      }
      db.exec(migration.sql);
      record.run(migration.version, migration.name, new Date().toISOString());
    }
  });

  migrate.immediate();
}
