import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/** Time in ms that a statement waits for another connection's write lock before SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5000;

/** The path that opens a private in-memory database. */
export const IN_MEMORY_PATH = ':memory:';

/**
 * Opens a better-sqlite3 connection to `path`, creating the file and its parent directory when
 * missing, and sets the connection pragmas. An empty path opens a private temporary database.
 */
export function openConnection(path: string): Database.Database {
  if (path !== IN_MEMORY_PATH && path !== '') {
    mkdirSync(dirname(path), { recursive: true });
  }

  const db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // WAL lets readers in other connections run while one connection writes. An in-memory
    // database cannot use WAL and stays in journal mode `memory`.
    db.pragma('journal_mode = WAL');
    // In WAL mode, NORMAL syncs the WAL at checkpoints only. A power loss may roll back the last
    // commits, but the file stays consistent (SQLite documentation of PRAGMA synchronous).
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}
