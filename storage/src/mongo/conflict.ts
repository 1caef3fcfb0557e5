import { StorageConflictError } from '../types.js';

/** MongoDB's error code of a write that breaks a unique index (E11000 duplicate key). */
export const DUPLICATE_KEY_CODE = 11000;

/** Returns true when `error` is a MongoDB duplicate-key error, alone or as the first of a bulk write. */
export function isDuplicateKey(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code, writeErrors } = error as { code?: unknown; writeErrors?: Array<{ code?: unknown }> };
  if (code === DUPLICATE_KEY_CODE) return true;
  return Array.isArray(writeErrors) && writeErrors.some((writeError) => writeError.code === DUPLICATE_KEY_CODE);
}

/**
 * Returns the StorageConflictError for a duplicate-key `error` when inserting `subject` (for
 * example `run "r1"`), with the driver's error as `cause`.
 */
export function conflictError(subject: string, error: unknown): StorageConflictError {
  const detail = error instanceof Error ? error.message : String(error);
  return new StorageConflictError(`Cannot insert ${subject}: a record with the same key exists (${detail}).`, {
    cause: error,
  });
}

/**
 * Runs `write` and rethrows a duplicate-key error as StorageConflictError, the error SQLite's
 * UNIQUE and PRIMARY KEY violations become. Other errors pass through.
 */
export async function translateConflict<T>(subject: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isDuplicateKey(error)) throw conflictError(subject, error);
    throw error;
  }
}
