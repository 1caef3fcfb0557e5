/**
 * `{{ path }}` placeholders in node config. Paths are data lookups only: there is no
 * expression language, no function call and no access to prototypes.
 */
export { readPointer } from './json-pointer.js';

/** Path segments that resolve to undefined so that a template never reaches a prototype. */
const FORBIDDEN_SEGMENTS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

// The path is captured with its surrounding spaces and trimmed by parsePath. Patterns such as
// `\s*([^{}]*?)\s*` backtrack in cubic time on a long unclosed `{{`, so none is used here.
const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const SINGLE_PLACEHOLDER = /^\{\{([^{}]*)\}\}$/;
/** A name segment: any characters except separators, braces and whitespace. */
const NAME_SEGMENT = /^[^.[\]{}\s]+/;
const INDEX_SEGMENT = /^\[(0|[1-9][0-9]*)\]/;

/**
 * Splits a path such as `lead.tags[0].name` into `['lead', 'tags', '0', 'name']`.
 * Returns undefined when the path is empty or malformed, for example `a..b` or `a[x]`.
 */
function parsePath(path: string): string[] | undefined {
  const segments: string[] = [];
  let rest = path.trim();
  let expectName = true;

  while (rest.length > 0) {
    const index = INDEX_SEGMENT.exec(rest);
    if (index) {
      segments.push(index[1]);
      rest = rest.slice(index[0].length);
      expectName = false;
      continue;
    }

    if (!expectName) {
      if (!rest.startsWith('.')) {
        return undefined;
      }
      rest = rest.slice(1);
    }

    const name = NAME_SEGMENT.exec(rest);
    if (!name) {
      return undefined;
    }
    segments.push(name[0]);
    rest = rest.slice(name[0].length);
    expectName = false;
  }

  return segments.length > 0 ? segments : undefined;
}

/**
 * Looks up a dotted path with optional `[index]` steps, such as `lead.tags[0]`, in `scope`.
 * Returns undefined when the path is malformed, a step is missing, or a step is
 * `__proto__`, `constructor` or `prototype`. Only own properties are followed.
 */
export function resolvePath(scope: unknown, path: string): unknown {
  const segments = parsePath(path);
  if (segments === undefined) {
    return undefined;
  }

  let current: unknown = scope;
  for (const segment of segments) {
    if (FORBIDDEN_SEGMENTS.has(segment) || current === null || current === undefined) {
      return undefined;
    }
    // Object() boxes strings, so `name.length` and `name[0]` work on string values.
    const container: object = Object(current);
    if (!Object.hasOwn(container, segment)) {
      return undefined;
    }
    current = (container as Record<string, unknown>)[segment];
  }
  return current;
}

/**
 * Formats a value for a placeholder inside a longer string: undefined and null become the empty
 * string, dates become ISO-8601 and other objects become JSON.
 */
function formatValue(value: unknown): string {
  if (value === undefined || value === null) {
    return '';
  }
  if (typeof value === 'string') {
    return value;
  }
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? '' : value.toISOString();
  }
  if (typeof value === 'object') {
    try {
      return JSON.stringify(value) ?? '';
    } catch {
      // JSON.stringify raises on cycles and on BigInt members.
      return String(value);
    }
  }
  return String(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') {
    return false;
  }
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * Replaces `{{ path }}` placeholders in `value` with values from `scope`, walking strings, arrays
 * and plain objects. A string that is exactly one placeholder becomes the raw value, so
 * `'{{ lead.score }}'` can yield a number. Inside a longer string, values are formatted
 * (objects as JSON, missing values and null as the empty string).
 * Returns a new value and leaves `value` unchanged. Values of other kinds are returned as they are.
 * `value` must be acyclic.
 */
export function interpolate(value: unknown, scope: Record<string, unknown>): unknown {
  if (typeof value === 'string') {
    return interpolateString(value, scope);
  }
  if (Array.isArray(value)) {
    return value.map((item) => interpolate(item, scope));
  }
  if (isPlainObject(value)) {
    // Object.fromEntries defines own properties, so a `__proto__` key stays a plain key.
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolate(item, scope)]),
    );
  }
  return value;
}

function interpolateString(text: string, scope: Record<string, unknown>): unknown {
  const single = SINGLE_PLACEHOLDER.exec(text);
  if (single) {
    return resolvePath(scope, single[1]);
  }
  if (!text.includes('{{')) {
    return text;
  }
  return text.replace(PLACEHOLDER, (_match, path: string) => formatValue(resolvePath(scope, path)));
}
