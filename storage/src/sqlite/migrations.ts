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
  {
    version: 5,
    name: 'create-accounts',
    sql: `
      -- Rows stored before accounts existed keep a null owner until the first account claims them.
      alter table graphs add column owner_id text;
      create index graphs_owner_updated_at on graphs (owner_id, updated_at desc, id desc);
      alter table runs add column owner_id text;
      create index runs_owner_created_at on runs (owner_id, created_at desc, id desc);
      -- A null owner marks a plugin version that every user sees.
      alter table plugins add column owner_id text;
      create index plugins_owner on plugins (owner_id, name);

      -- email is lowercased and trimmed by the adapter. full_name_lower is
      -- full_name.toLowerCase(), computed in JavaScript like graphs.name_lower, for users.list.
      create table users (
        id text primary key,
        email text not null,
        full_name text not null,
        full_name_lower text not null,
        avatar_url text,
        google_id text,
        password_hash text,
        active integer not null,
        admin integer not null,
        tier text not null,
        created_at text not null,
        updated_at text not null
      ) strict;
      create unique index users_email on users (email);
      create unique index users_google_id on users (google_id) where google_id is not null;
      create index users_created_at on users (created_at, id);

      create table refresh_tokens (
        id text primary key,
        user_id text not null,
        family_id text not null,
        token_hash text not null,
        expires_at text not null,
        created_at text not null,
        used_at text,
        revoked_at text
      ) strict;
      create unique index refresh_tokens_token_hash on refresh_tokens (token_hash);
      create index refresh_tokens_family on refresh_tokens (family_id);
      create index refresh_tokens_user on refresh_tokens (user_id);
      create index refresh_tokens_expires_at on refresh_tokens (expires_at);

      create table api_keys (
        id text primary key,
        user_id text not null,
        name text not null,
        prefix text not null,
        key_hash text not null,
        created_at text not null,
        expires_at text,
        last_used_at text,
        revoked_at text
      ) strict;
      create unique index api_keys_key_hash on api_keys (key_hash);
      create index api_keys_user_created_at on api_keys (user_id, created_at desc, id desc);

      create table credentials (
        id text primary key,
        owner_id text not null,
        name text not null,
        type text not null,
        secret text not null,
        key_id text not null,
        meta text not null,
        created_at text not null,
        updated_at text not null
      ) strict;
      create index credentials_owner_created_at on credentials (owner_id, created_at desc, id desc);
      create index credentials_owner_type_created_at
        on credentials (owner_id, type, created_at desc, id desc);
      create index credentials_key_id on credentials (key_id, id);

      create table oauth_states (
        state text primary key,
        user_id text not null,
        secret text not null,
        key_id text not null,
        data text not null,
        created_at text not null,
        expires_at text not null
      ) strict;
      create index oauth_states_expires_at on oauth_states (expires_at);

      -- settled_at is set on a reserve row when the first capture or release with its key is
      -- appended, so open reservations are found through a partial index instead of a scan of
      -- every reserve. It is bookkeeping of the adapter and no field of LedgerEntry.
      create table ledger_entries (
        id text primary key,
        user_id text not null,
        kind text not null,
        delta integer not null,
        amount integer not null,
        idempotency_key text not null,
        run_id text,
        task_id text,
        reservation_key text,
        reason text,
        actor_id text,
        created_at text not null,
        settled_at text
      ) strict;
      create unique index ledger_entries_idempotency_key on ledger_entries (idempotency_key);
      create index ledger_entries_user_created_at on ledger_entries (user_id, created_at desc, id desc);
      create index ledger_entries_task on ledger_entries (task_id, created_at, id)
        where task_id is not null;
      create index ledger_entries_reservation_key on ledger_entries (reservation_key, kind)
        where reservation_key is not null;
      create index ledger_entries_open_reserves on ledger_entries (created_at, id)
        where kind = 'reserve' and settled_at is null;
      create index ledger_entries_open_reserves_run on ledger_entries (run_id, created_at, id)
        where kind = 'reserve' and settled_at is null;

      -- The sum of ledger_entries.delta per user, updated in the transaction of each append.
      create table credit_balances (
        user_id text primary key,
        balance integer not null,
        updated_at text not null
      ) strict;
    `,
  },
  {
    version: 6,
    name: 'index-open-reserves-by-user',
    sql: `
      -- Serves ledger.heldBalance: the sum of a user's open reserve amounts, read from the index alone.
      create index ledger_entries_open_reserves_user on ledger_entries (user_id, amount)
        where kind = 'reserve' and settled_at is null;
    `,
  },
  {
    version: 7,
    name: 'ai-cache-and-agent-memory',
    sql: `
      -- Results of ai/chat by the SHA-256 of their normalised request, until expires_at.
      create table ai_cache (
        key text primary key,
        provider text not null,
        model text not null,
        result text not null,
        usage text not null,
        created_at text not null,
        expires_at text not null
      ) strict;
      create index ai_cache_expires on ai_cache (expires_at);

      -- The conversation of each ai/agent node in a run, so a resumed run continues it.
      create table agent_memory (
        run_id text not null,
        node_id text not null,
        messages text not null,
        updated_at text not null,
        primary key (run_id, node_id)
      ) strict;
    `,
  },
  {
    version: 8,
    name: 'create-artifacts',
    sql: `
      -- Records of the files runs produced. The bytes are in the blob store under storage_key.
      create table artifacts (
        id text primary key,
        owner_id text,
        run_id text not null,
        task_id text,
        node_id text,
        plugin text,
        model text,
        prompt text,
        name text not null,
        content_type text not null,
        size integer not null,
        sha256 text not null,
        storage_key text not null,
        created_at text not null,
        expires_at text
      ) strict;
      create index artifacts_run_created_at on artifacts (run_id, created_at, id);
      create index artifacts_expires_at on artifacts (expires_at, id) where expires_at is not null;
    `,
  },
  {
    version: 9,
    name: 'run-leases',
    sql: `
      -- Fencing token of the execution that owns the run, and a cancel request for that process.
      alter table runs add column lease_token integer not null default 0;
      alter table runs add column cancel_requested_at text;
    `,
  },
  {
    version: 10,
    name: 'record-version-publisher',
    sql: `
      -- The user id of who last published a version; versions published before stay null.
      alter table graph_versions add column published_by text;
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
