import Database from 'better-sqlite3';
import mongoose from 'mongoose';
import { describe, expect, it } from 'vitest';
import { AGENDA_MIGRATIONS, AGENDA_VERSION_TABLE } from '../../src/agenda/schema.js';
import {
  ROWID_COLUMN,
  SKIPPED_TABLES,
  TABLE_MAPPINGS,
  documentKey,
  type TableMapping,
} from '../../src/migrate/table-mappings.js';
import { createModels } from '../../src/mongo/models.js';
import { applyMigrations } from '../../src/sqlite/migrations.js';

/** Opens in-memory databases with the studio's and the job store's full schema. */
function migratedDatabases(): { studio: Database.Database; jobs: Database.Database } {
  const studio = new Database(':memory:');
  applyMigrations(studio, ':memory:');
  const jobs = new Database(':memory:');
  applyMigrations(jobs, ':memory:', AGENDA_MIGRATIONS, AGENDA_VERSION_TABLE);
  return { studio, jobs };
}

function tableNames(db: Database.Database): string[] {
  const rows = db.prepare("select name from sqlite_master where type = 'table' order by name").all() as Array<{ name: string }>;
  return rows.map((row) => row.name);
}

function columnNames(db: Database.Database, table: string): string[] {
  return (db.prepare(`pragma table_info(${table})`).all() as Array<{ name: string }>).map((row) => row.name);
}

/** Returns a row of `table` with a plausible value in every column, typed by the column's declared type. */
function sampleRow(db: Database.Database, table: string): Record<string, unknown> {
  const columns = db.prepare(`pragma table_info(${table})`).all() as Array<{ name: string; type: string }>;
  const row: Record<string, unknown> = { [ROWID_COLUMN]: 7 };
  for (const column of columns) {
    row[column.name] = column.type === 'INTEGER' ? 1 : '{"sample":1}';
  }
  return row;
}

/** Runs `mapping.toDocument` on a row that records which columns it read. */
function readColumns(mapping: TableMapping, row: Record<string, unknown>): Set<string> {
  const read = new Set<string>();
  const recording = new Proxy(row, {
    get(target, property) {
      if (typeof property === 'string') read.add(property);
      return target[property as string];
    },
  });
  mapping.toDocument(recording);
  return read;
}

describe('migration table mappings', () => {
  const databases = migratedDatabases();

  it.each([
    ['studio', databases.studio],
    ['jobs', databases.jobs],
  ] as const)('every %s table is mapped or skipped', (database, db) => {
    const mapped = new Set(TABLE_MAPPINGS.filter((mapping) => mapping.database === database).map((mapping) => mapping.table));

    const unmapped = tableNames(db).filter((table) => !mapped.has(table) && !(table in SKIPPED_TABLES));

    expect(unmapped).toEqual([]);
  });

  it('every mapping names an existing table', () => {
    const missing = TABLE_MAPPINGS.filter((mapping) => {
      const db = mapping.database === 'studio' ? databases.studio : databases.jobs;
      return !tableNames(db).includes(mapping.table);
    });

    expect(missing.map((mapping) => mapping.table)).toEqual([]);
  });

  it.each(TABLE_MAPPINGS.map((mapping) => [mapping.table, mapping] as const))('%s mapping reads every column', (_table, mapping) => {
    const db = mapping.database === 'studio' ? databases.studio : databases.jobs;
    const row = sampleRow(db, mapping.table);
    if (mapping.table === 'credit_balances') row.last_seq = 3;

    const read = readColumns(mapping, row);

    expect(columnNames(db, mapping.table).filter((column) => !read.has(column))).toEqual([]);
  });

  it.each(TABLE_MAPPINGS.map((mapping) => [mapping.table, mapping] as const))('%s key fields exist in its documents', (_table, mapping) => {
    const db = mapping.database === 'studio' ? databases.studio : databases.jobs;
    const row = sampleRow(db, mapping.table);
    if (mapping.table === 'credit_balances') row.last_seq = 3;

    const key = documentKey(mapping, mapping.toDocument(row));

    for (const field of mapping.keyFields) {
      expect(key[field], field).not.toBeUndefined();
    }
  });

  it('every studio collection has a mongoose model', () => {
    const connection = mongoose.createConnection();
    const models = createModels(connection);
    const collections = new Set(Object.values(models).map((model) => model.collection.collectionName));

    const studioCollections = TABLE_MAPPINGS.filter((mapping) => mapping.database === 'studio').map((mapping) => mapping.collection);

    expect(studioCollections.filter((collection) => !collections.has(collection))).toEqual([]);
  });

  it('skipped tables give a reason', () => {
    for (const [table, reason] of Object.entries(SKIPPED_TABLES)) {
      expect(reason.length, table).toBeGreaterThan(10);
    }
  });
});
