/**
 * Copies an embedded studio (studio.db and, when given, the Agenda job store jobs.db) into
 * MongoDB. Rows are read in rowid order in batches and upserted by their key, so a copy that
 * stopped half-way, or a second copy, ends with one document per row. After each table the copy
 * counts the documents that have the copied keys and reports any table whose count differs.
 */
import type Database from 'better-sqlite3';
import type { AnyBulkWriteOperation, Db, Document } from 'mongodb';
import { AGENDA_MIGRATIONS, AGENDA_VERSION_TABLE } from '../agenda/schema.js';
import { LATEST_SCHEMA_VERSION } from '../sqlite/migrations.js';
import type { SqliteRow } from './row-values.js';
import { ROWID_COLUMN, TABLE_MAPPINGS, documentKey, type SourceDatabase, type TableMapping } from './table-mappings.js';

/** The outcome of copying one table. */
export interface TableReport {
  table: string;
  collection: string;
  /** Rows in the SQLite table; 0 when the file has no such table. */
  rows: number;
  /** Rows written; 0 in a dry run. */
  written: number;
  /** Documents in MongoDB with the keys of the copied rows; null in a dry run. */
  found: number | null;
}

/** The SQLite files to copy from, opened read-only. */
export interface CopySources {
  studio: Database.Database;
  /** The Agenda job store; null copies no jobs. */
  jobs: Database.Database | null;
}

/** Options of `copyStudio`. */
export interface CopyOptions {
  /** Rows per read and per bulk write. */
  batchSize: number;
  /** Called after each table. */
  onTable?: (report: TableReport) => void;
}

function databaseOf(sources: CopySources, database: SourceDatabase): Database.Database | null {
  return database === 'studio' ? sources.studio : sources.jobs;
}

function hasTable(db: Database.Database, table: string): boolean {
  return db.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get(table) !== undefined;
}

function schemaVersion(db: Database.Database, versionTable: string): number {
  if (!hasTable(db, versionTable)) return 0;
  const row = db.prepare(`select max(version) as version from ${versionTable}`).get() as { version: number | null };
  return row.version ?? 0;
}

/**
 * Throws unless each source has the schema this release writes: an older file must first be
 * opened once by this release (which migrates it), and a newer one by the release that wrote it.
 */
export function checkSourceSchemas(sources: CopySources): void {
  const checks: Array<[Database.Database | null, string, number, string]> = [
    [sources.studio, 'schema_migrations', LATEST_SCHEMA_VERSION, 'studio database'],
    [sources.jobs, AGENDA_VERSION_TABLE, AGENDA_MIGRATIONS[AGENDA_MIGRATIONS.length - 1].version, 'job store'],
  ];
  for (const [db, table, expected, label] of checks) {
    if (db === null) continue;
    const stored = schemaVersion(db, table);
    if (stored === expected) continue;
    const remedy =
      stored < expected
        ? 'Start the studio once with this release (npm start), which migrates the file, then copy it.'
        : 'Copy it with the newer release that wrote it.';
    throw new Error(`The ${label} ${db.name} has schema version ${stored}, but this release copies version ${expected}. ${remedy}`);
  }
}

/** Counts the rows of the table `mapping` copies; 0 when its file or table is absent. */
export function countRows(sources: CopySources, mapping: TableMapping): number {
  const db = databaseOf(sources, mapping.database);
  if (db === null || !hasTable(db, mapping.table)) return 0;
  return (db.prepare(`select count(*) as count from ${mapping.table}`).get() as { count: number }).count;
}

/** Yields the documents of `mapping`'s table in rowid order, `batchSize` at a time. */
export function* readDocuments(sources: CopySources, mapping: TableMapping, batchSize: number): Generator<object[]> {
  const db = databaseOf(sources, mapping.database);
  if (db === null || !hasTable(db, mapping.table)) return;
  const extra = mapping.extraColumns === undefined ? '' : `, ${mapping.extraColumns}`;
  const select = db.prepare(
    `select rowid as ${ROWID_COLUMN}, *${extra} from ${mapping.table} where rowid > ? order by rowid limit ?`,
  );
  let after = 0;
  for (;;) {
    const rows = select.all(after, batchSize) as SqliteRow[];
    if (rows.length === 0) return;
    after = rows[rows.length - 1][ROWID_COLUMN] as number;
    yield rows.map((row) => mapping.toDocument(row));
  }
}

/** Returns a filter that matches the documents with any of `keys`. */
function keysFilter(keys: Array<Record<string, unknown>>): Document {
  const single = keys.every((key) => Object.keys(key).length === 1 && '_id' in key);
  if (single) return { _id: { $in: keys.map((key) => key._id) } };
  return { $or: keys };
}

/** Upserts one batch and returns how many documents with its keys the collection holds. */
async function writeBatch(target: Db, mapping: TableMapping, documents: object[]): Promise<number> {
  const collection = target.collection(mapping.collection);
  const keys = documents.map((document) => documentKey(mapping, document));
  const operations: AnyBulkWriteOperation[] = documents.map((document, index) => ({
    replaceOne: { filter: keys[index], replacement: document as Document, upsert: true },
  }));
  await collection.bulkWrite(operations, { ordered: false });
  return collection.countDocuments(keysFilter(keys));
}

/**
 * Copies every table of TABLE_MAPPINGS from `sources` to `target`, or with `target` null only
 * counts the rows (a dry run). Returns one report per table, in copy order.
 */
export async function copyStudio(sources: CopySources, target: Db | null, options: CopyOptions): Promise<TableReport[]> {
  checkSourceSchemas(sources);
  const reports: TableReport[] = [];
  for (const mapping of TABLE_MAPPINGS) {
    const report: TableReport = {
      table: mapping.table,
      collection: mapping.collection,
      rows: countRows(sources, mapping),
      written: 0,
      found: target === null ? null : 0,
    };
    if (target !== null) {
      for (const documents of readDocuments(sources, mapping, options.batchSize)) {
        report.found! += await writeBatch(target, mapping, documents);
        report.written += documents.length;
      }
    }
    reports.push(report);
    options.onTable?.(report);
  }
  return reports;
}

/** Returns the reports whose MongoDB count differs from the SQLite row count. */
export function mismatchedTables(reports: readonly TableReport[]): TableReport[] {
  return reports.filter((report) => report.found !== null && report.found !== report.rows);
}
