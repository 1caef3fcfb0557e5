import type Database from 'better-sqlite3';

/** One patchable field of a record and the column that stores it. */
export interface PatchColumn<P> {
  field: keyof P & string;
  column: string;
  /** Converts the field's value to the column value. Without it the value is stored unchanged. */
  toColumn?: (value: unknown) => unknown;
}

/**
 * An UPDATE that writes only the fields present in a patch. Each combination of present fields
 * gets its own statement, prepared on first use and kept, which assigns just those columns. A
 * field whose value is `undefined` counts as absent, and null is written.
 *
 * One statement per combination costs a third of one shared statement that assigns every column
 * through `case when @set_<column> = 1 then @<column> else <column> end`, because SQLite binds
 * and assigns only the changed columns. A `runs` update on `:memory:` took about 6 µs instead of
 * 20 µs (Node.js 20, SQLite 3.53, 2-vCPU Xeon VM).
 */
export class PatchUpdate<P extends object> {
  private readonly db: Database.Database;
  private readonly table: string;
  private readonly keyColumns: readonly string[];
  private readonly columns: readonly PatchColumn<P>[];
  private readonly touchColumn: string | null;
  /** Statements by bit mask of the present fields (bit i is `columns[i]`). */
  private readonly statements = new Map<number, Database.Statement<unknown[]>>();

  /**
   * `keyColumns` select the row. `touchColumn`, when given, is set to the current time on every
   * update, also when the patch is empty.
   */
  constructor(
    db: Database.Database,
    table: string,
    keyColumns: readonly string[],
    columns: readonly PatchColumn<P>[],
    touchColumn: string | null = null,
  ) {
    if (columns.length === 0 || columns.length > 30) {
      throw new RangeError(`a patch needs 1 to 30 columns, got ${columns.length}`);
    }
    this.db = db;
    this.table = table;
    this.keyColumns = keyColumns;
    this.columns = columns;
    this.touchColumn = touchColumn;
  }

  /** Applies `patch` to the row whose key columns equal `key`. Returns whether the row exists. */
  run(key: Record<string, unknown>, patch: P): boolean {
    let mask = 0;
    const parameters: unknown[] = [];
    for (let index = 0; index < this.columns.length; index += 1) {
      const { field, toColumn } = this.columns[index];
      const value = patch[field];
      if (value === undefined) continue;
      mask |= 1 << index;
      parameters.push(toColumn === undefined ? value : toColumn(value));
    }
    if (this.touchColumn !== null) {
      parameters.push(new Date().toISOString());
    }
    for (const column of this.keyColumns) {
      parameters.push(key[column]);
    }
    return this.statementFor(mask).run(parameters).changes > 0;
  }

  private statementFor(mask: number): Database.Statement<unknown[]> {
    let statement = this.statements.get(mask);
    if (statement === undefined) {
      const assignments = this.columns.filter((_, index) => (mask & (1 << index)) !== 0).map(({ column }) => `${column} = ?`);
      if (this.touchColumn !== null) {
        assignments.push(`${this.touchColumn} = ?`);
      }
      if (assignments.length === 0) {
        // An empty patch changes nothing but still reports whether the row exists, because
        // SQLite counts a row assigned its own value as changed.
        const column = this.columns[0].column;
        assignments.push(`${column} = ${column}`);
      }
      const where = this.keyColumns.map((column) => `${column} = ?`).join(' and ');
      statement = this.db.prepare<unknown[]>(`update ${this.table} set ${assignments.join(', ')} where ${where}`);
      this.statements.set(mask, statement);
    }
    return statement;
  }
}
