import type Database from 'better-sqlite3';

/**
 * Prepares each distinct SQL text once per connection. The filters of the job store build SQL
 * from a small set of fragments, so the cache stays small.
 */
export class StatementCache {
  readonly db: Database.Database;
  readonly #statements = new Map<string, Database.Statement>();

  constructor(db: Database.Database) {
    this.db = db;
  }

  prepare(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }
}
