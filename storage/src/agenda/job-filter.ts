import type { JobsQueryOptions, JobsSort, RemoveJobsOptions } from 'agenda';
import { AgendaQueryUnsupportedError } from '../types.js';
import { encodeValue, findJobColumn, type SqlValue } from './job-row.js';

/** A WHERE fragment and its positional parameters. */
export interface SqlCondition {
  sql: string;
  params: SqlValue[];
}

/** Name of the SQL function that lower-cases text with String.prototype.toLowerCase. */
export const LOWER_FUNCTION = 'agenda_lower';

/** Joins conditions with AND. An empty list gives `1`, which matches every row. */
export function allOf(conditions: readonly SqlCondition[]): SqlCondition {
  if (conditions.length === 0) {
    return { sql: '1', params: [] };
  }
  return {
    sql: conditions.map((condition) => `(${condition.sql})`).join(' and '),
    params: conditions.flatMap((condition) => condition.params),
  };
}

function stringsOf(values: readonly unknown[] | undefined): string[] {
  if (!Array.isArray(values)) {
    return [];
  }
  return values.filter((value): value is string => typeof value === 'string');
}

/** Matches `column` against a list passed as one JSON array, so the SQL text never varies. */
function inList(column: string, values: readonly string[], negate = false): SqlCondition {
  const operator = negate ? 'not in' : 'in';
  return {
    sql: `${column} ${operator} (select value from json_each(?))`,
    params: [JSON.stringify(values)],
  };
}

/**
 * Builds the filter of removeJobs, disableJobs and enableJobs: `id` or `ids`, `name`, `names` or
 * `notNames`, and `data`. Returns null when the options name no criterion, because these methods
 * must then change nothing (the behaviour of @agendajs/mongo-backend).
 */
export function buildJobsFilter(options: RemoveJobsOptions): SqlCondition | null {
  const conditions: SqlCondition[] = [];

  const ids = (options.ids ?? []).map(String);
  if (options.id) {
    conditions.push({ sql: 'id = ?', params: [String(options.id)] });
  } else if (ids.length > 0) {
    conditions.push(inList('id', ids));
  }

  const names = stringsOf(options.names);
  const notNames = stringsOf(options.notNames);
  if (typeof options.name === 'string' && options.name !== '') {
    conditions.push({ sql: 'name = ?', params: [options.name] });
  } else if (names.length > 0) {
    conditions.push(inList('name', names));
  } else if (notNames.length > 0) {
    conditions.push(inList('name', notNames, true));
  }

  if (options.data !== undefined) {
    conditions.push(...matchData(options.data));
  }

  return conditions.length === 0 ? null : allOf(conditions);
}

/**
 * Builds the filter of queryJobs. As in @agendajs/mongo-backend, `search` (a case-insensitive
 * substring of the name) replaces the `name` and `names` filters instead of narrowing them.
 */
export function buildQueryFilter(options: JobsQueryOptions): SqlCondition {
  const conditions: SqlCondition[] = [];

  const names = stringsOf(options.names);
  if (typeof options.search === 'string' && options.search !== '') {
    conditions.push({
      sql: `instr(${LOWER_FUNCTION}(name), ?) > 0`,
      params: [options.search.toLowerCase()],
    });
  } else if (typeof options.name === 'string' && options.name !== '') {
    conditions.push({ sql: 'name = ?', params: [options.name] });
  } else if (names.length > 0) {
    conditions.push(inList('name', names));
  }

  const ids = stringsOf(options.ids);
  if (typeof options.id === 'string' && options.id !== '') {
    conditions.push({ sql: 'id = ?', params: [options.id] });
  } else if (ids.length > 0) {
    conditions.push(inList('id', ids));
  }

  if (options.data !== undefined) {
    conditions.push(...matchData(options.data));
  }
  if (options.includeDisabled === false) {
    conditions.push({ sql: 'disabled is not 1', params: [] });
  }
  return allOf(conditions);
}

/** Sort keys in the order @agendajs/mongo-backend applies them. */
const SORT_COLUMNS: ReadonlyArray<[keyof JobsSort, string]> = [
  ['nextRunAt', 'next_run_at'],
  ['lastRunAt', 'last_run_at'],
  ['lastFinishedAt', 'last_finished_at'],
  ['priority', 'priority'],
  ['name', 'name'],
  ['data', 'data'],
];

/**
 * Builds the ORDER BY list of queryJobs. The default is `nextRunAt desc, lastRunAt desc`. NULL
 * sorts first ascending and last descending, as null does in MongoDB. `data` sorts by its JSON
 * text, which is not MongoDB's order of documents.
 */
export function buildOrderBy(sort: JobsSort | undefined): string {
  const terms: string[] = [];
  for (const [key, column] of SORT_COLUMNS) {
    const direction = sort?.[key];
    if (direction !== undefined) {
      terms.push(`${column} ${direction === 'asc' ? 'asc' : 'desc'}`);
    }
  }
  if (terms.length === 0) {
    terms.push('next_run_at desc', 'last_run_at desc');
  }
  // rowid keeps the order of equal rows stable between pages.
  terms.push('rowid asc');
  return terms.join(', ');
}

/**
 * Builds the match of a `data` filter. A non-empty plain object is flattened into one equality
 * per leaf (`{ a: { b: 1 } }` matches `data.a.b = 1`), so extra fields in the stored data do not
 * prevent a match: the partial object match that Agenda's JobsQueryOptions documents. Any other
 * value must equal the whole `data`. An empty object matches all.
 */
export function matchData(data: unknown): SqlCondition[] {
  const conditions: SqlCondition[] = [];
  const visit = (value: unknown, path: readonly string[]): void => {
    if (isPlainObject(value) && Object.keys(value).length > 0) {
      for (const [key, child] of Object.entries(value)) {
        visit(child, [...path, key]);
      }
      return;
    }
    if (path.length > 0 || !isPlainObject(value)) {
      conditions.push(matchJsonPath(jsonPath(path), value));
    }
  };
  visit(data, []);
  return conditions;
}

/**
 * Builds the match of an Agenda `unique` query: each key is a stored field (`name`, `type`, …),
 * `data`, or a dotted path under `data` (`'data.userId'`), compared for equality. Throws
 * AgendaQueryUnsupportedError on a MongoDB operator or on a field that is not stored.
 */
export function matchUnique(unique: Record<string, unknown>): SqlCondition[] {
  return Object.entries(unique).map(([key, value]) => {
    rejectOperators(key, value);

    if (key === 'data' || key.startsWith('data.')) {
      const segments = key === 'data' ? [] : key.slice('data.'.length).split('.');
      return matchJsonPath(jsonPath(segments), value);
    }
    if (key === '_id') {
      return { sql: 'id = ?', params: [String(value)] };
    }

    const column = findJobColumn(key);
    if (column === undefined) {
      throw new AgendaQueryUnsupportedError(
        `Unique query key "${key}" names a field that the SQLite job store does not keep. ` +
          'Use a stored job field (name, type, priority, …) or a path under data, such as ' +
          '"data.userId".',
        key,
      );
    }
    const encoded = encodeValue(column, value);
    return encoded === null
      ? { sql: `${column.column} is null`, params: [] }
      : { sql: `${column.column} = ?`, params: [encoded] };
  });
}

function rejectOperators(key: string, value: unknown): void {
  const operator = key.startsWith('$')
    ? key
    : isPlainObject(value)
      ? Object.keys(value).find((name) => name.startsWith('$'))
      : undefined;
  if (operator !== undefined) {
    throw new AgendaQueryUnsupportedError(
      `Unique query key "${key}" uses the MongoDB operator ${operator}, which the SQLite job ` +
        'store does not support. Use plain equality values.',
      key,
    );
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return false;
  }
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Builds an SQLite JSON path with every segment quoted as an object label. */
function jsonPath(segments: readonly string[]): string {
  for (const segment of segments) {
    if (segment.includes('"')) {
      throw new AgendaQueryUnsupportedError(
        `The data path segment ${segment} contains a double quote, which an SQLite JSON path ` +
          'cannot express. Rename the field.',
        segment,
      );
    }
  }
  return '$' + segments.map((segment) => `."${segment}"`).join('');
}

/**
 * Builds an equality between the JSON value at `path` in `data` and `expected`. `expected` goes
 * through a JSON round trip first, so a Date compares as its ISO string, the form in which it is
 * stored. null matches a JSON null or a missing value, as null does in a MongoDB query.
 */
function matchJsonPath(path: string, expected: unknown): SqlCondition {
  const text = JSON.stringify(expected);
  const value: unknown = text === undefined ? null : JSON.parse(text);

  if (value === null) {
    return {
      sql: `json_type(data, ?) is null or json_type(data, ?) = 'null'`,
      params: [path, path],
    };
  }
  if (typeof value === 'boolean') {
    return { sql: 'json_type(data, ?) = ?', params: [path, value ? 'true' : 'false'] };
  }
  if (typeof value === 'string') {
    // The path is written into the SQL as a literal, not bound, so that an index on the same
    // expression (such as agenda_jobs_data_run_id) can serve the lookup.
    const literal = `'${path.replaceAll("'", "''")}'`;
    return {
      sql: `json_type(data, ${literal}) = 'text' and json_extract(data, ${literal}) = ?`,
      params: [value],
    };
  }
  if (typeof value === 'number') {
    return {
      sql: `json_type(data, ?) in ('integer', 'real') and json_extract(data, ?) = ?`,
      params: [path, path, value],
    };
  }
  // Arrays and objects: both sides are rendered by SQLite's JSON printer, so equal values give
  // equal text. Object keys keep their order, as in MongoDB's comparison of embedded documents.
  return { sql: '(data -> ?) = json(?)', params: [path, text as string] };
}
