/** Typed reads of better-sqlite3 row values, which fail loudly on a value of the wrong type. */

/** A row as better-sqlite3 returns it. */
export type SqliteRow = Record<string, unknown>;

function fail(row: SqliteRow, column: string, expected: string): never {
  throw new TypeError(`Invalid column ${column}: expected ${expected}, got ${JSON.stringify(row[column])}.`);
}

export function text(row: SqliteRow, column: string): string {
  const value = row[column];
  return typeof value === 'string' ? value : fail(row, column, 'text');
}

export function nullableText(row: SqliteRow, column: string): string | null {
  const value = row[column];
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : fail(row, column, 'text or NULL');
}

export function integer(row: SqliteRow, column: string): number {
  const value = row[column];
  return typeof value === 'number' && Number.isInteger(value) ? value : fail(row, column, 'an integer');
}

export function nullableInteger(row: SqliteRow, column: string): number | null {
  const value = row[column];
  if (value === null || value === undefined) return null;
  return integer(row, column);
}

/** Reads a 0/1 column as a boolean. */
export function flag(row: SqliteRow, column: string): boolean {
  const value = integer(row, column);
  if (value !== 0 && value !== 1) fail(row, column, '0 or 1');
  return value === 1;
}
