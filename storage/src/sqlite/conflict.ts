import { StorageConflictError } from '../types.js';

/** Extended result codes of a violated PRIMARY KEY or UNIQUE constraint. */
const UNIQUE_VIOLATION_CODES = new Set(['SQLITE_CONSTRAINT_PRIMARYKEY', 'SQLITE_CONSTRAINT_UNIQUE']);

/** Returns true when `error` is a SqliteError raised by a PRIMARY KEY or UNIQUE constraint. */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Error) || !('code' in error)) {
    return false;
  }
  return typeof error.code === 'string' && UNIQUE_VIOLATION_CODES.has(error.code);
}

/**
 * Runs `write` and rethrows a uniqueness violation as StorageConflictError, with the SQLite error
 * as `cause`. `subject` names what was written, for example `run "r1"`. Other errors pass through.
 */
export function translateConflict<T>(subject: string, write: () => T): T {
  try {
    return write();
  } catch (error) {
    if (isUniqueViolation(error)) {
      const detail = (error as Error).message;
      const message = `Cannot insert ${subject}: a record with the same key exists (${detail}).`;
      throw new StorageConflictError(message, { cause: error });
    }
    throw error;
  }
}
