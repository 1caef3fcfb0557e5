import type Database from 'better-sqlite3';

/** One patchable field of a record and the column that stores it. */
export interface PatchColumn<P> {
  field: keyof P & string;
  column: string;
  /** Converts the field's value to the column value. Without it the value is stored unchanged. */
  toColumn?: (value: unknown) => unknown;
}

/**
 * A prepared UPDATE that writes only the fields present in a patch. Each column is assigned
 * `case when @set_<column> = 1 then @<column> else <column> end`, so one statement serves every
 * combination of fields. A field whose value is `undefined` counts as absent, and null is written.
 */
export class PatchUpdate<P extends object> {
  private readonly statement: Database.Statement<[Record<string, unknown>]>;
  private readonly columns: readonly PatchColumn<P>[];
  private readonly touchColumn: string | null;

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
    this.columns = columns;
    this.touchColumn = touchColumn;

    const assignments = columns.map(
      ({ column }) => `${column} = case when @set_${column} = 1 then @${column} else ${column} end`,
    );
    if (touchColumn !== null) {
      assignments.push(`${touchColumn} = @${touchColumn}`);
    }
    const where = keyColumns.map((column) => `${column} = @${column}`).join(' and ');
    this.statement = db.prepare(`update ${table} set ${assignments.join(', ')} where ${where}`);
  }

  /** Applies `patch` to the row whose key columns equal `key`. Returns whether the row exists. */
  run(key: Record<string, unknown>, patch: P): boolean {
    const parameters: Record<string, unknown> = { ...key };
    for (const { field, column, toColumn } of this.columns) {
      const value = patch[field];
      if (value === undefined) {
        parameters[`set_${column}`] = 0;
        parameters[column] = null;
        continue;
      }
      parameters[`set_${column}`] = 1;
      parameters[column] = toColumn === undefined ? value : toColumn(value);
    }
    if (this.touchColumn !== null) {
      parameters[this.touchColumn] = new Date().toISOString();
    }
    return this.statement.run(parameters).changes > 0;
  }
}
