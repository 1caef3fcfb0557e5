/**
 * Value helpers of the core plugin: `{{ }}` templates, JSON pointers, deep equality and base64.
 * Plain ECMAScript only, because the plugin runs in a bare V8 isolate without `btoa`,
 * `TextEncoder` or Node's `Buffer`.
 */

/** Path segments that never resolve, so a template cannot reach a prototype. */
const FORBIDDEN_SEGMENTS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const SINGLE_PLACEHOLDER = /^\{\{([^{}]*)\}\}$/;
const SEGMENT = /[^.[\]]+|\[(\d+)\]/g;

/** Returns the own property `key` of `value`, or undefined. */
function ownProperty(value: unknown, key: string): unknown {
  if (value === null || value === undefined || FORBIDDEN_SEGMENTS.has(key)) return undefined;
  const container: object = Object(value);
  return Object.hasOwn(container, key) ? (container as Record<string, unknown>)[key] : undefined;
}

/** Looks up a dotted path such as `input.items[0].name` in `scope`; undefined when a step is missing. */
export function resolvePath(scope: unknown, path: string): unknown {
  const trimmed = path.trim();
  if (trimmed === '') return undefined;
  let current: unknown = scope;
  for (const match of trimmed.matchAll(SEGMENT)) {
    current = ownProperty(current, match[1] ?? match[0]);
    if (current === undefined) return undefined;
  }
  return current;
}

/** Formats a value inside a longer text: null and undefined as "", objects as JSON. */
export function formatValue(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value) ?? '';
  return String(value);
}

/** Replaces `{{ path }}` placeholders in a text with formatted values from `scope`. */
export function renderText(template: string, scope: Record<string, unknown>): string {
  return template.replace(PLACEHOLDER, (_match, path: string) => formatValue(resolvePath(scope, path)));
}

/**
 * Replaces placeholders in strings inside `value`, walking arrays and objects. A string that is
 * exactly one placeholder becomes the raw value, so `"{{ input.count }}"` can yield a number.
 */
export function interpolate(value: unknown, scope: Record<string, unknown>): unknown {
  if (typeof value === 'string') {
    const single = SINGLE_PLACEHOLDER.exec(value);
    if (single !== null) return resolvePath(scope, single[1]);
    return value.includes('{{') ? renderText(value, scope) : value;
  }
  if (Array.isArray(value)) return value.map((item) => interpolate(item, scope));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolate(item, scope)]));
  }
  return value;
}

/**
 * Reads the value at a JSON pointer (RFC 6901); `''` is the whole value. Returns undefined
 * when a step is missing or the pointer is malformed.
 */
export function readPointer(value: unknown, pointer: string): unknown {
  if (pointer === '') return value;
  if (!pointer.startsWith('/')) return undefined;
  let current: unknown = value;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(current)) {
      if (!/^(?:0|[1-9][0-9]*)$/.test(token)) return undefined;
      current = current[Number(token)];
    } else {
      current = ownProperty(current, token);
    }
    if (current === undefined) return undefined;
  }
  return current;
}

/** Returns whether two JSON values are equal, comparing objects by keys regardless of order. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, index) => jsonEqual(item, b[index]));
  }
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  return (
    aKeys.length === bKeys.length &&
    aKeys.every((key) => Object.hasOwn(b, key) && jsonEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]))
  );
}

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Encodes a string as UTF-8 bytes, without `TextEncoder`. */
function utf8Bytes(text: string): number[] {
  const bytes: number[] = [];
  for (const character of text) {
    const point = character.codePointAt(0)!;
    if (point < 0x80) bytes.push(point);
    else if (point < 0x800) bytes.push(0xc0 | (point >> 6), 0x80 | (point & 0x3f));
    else if (point < 0x10000) bytes.push(0xe0 | (point >> 12), 0x80 | ((point >> 6) & 0x3f), 0x80 | (point & 0x3f));
    else {
      bytes.push(0xf0 | (point >> 18), 0x80 | ((point >> 12) & 0x3f), 0x80 | ((point >> 6) & 0x3f), 0x80 | (point & 0x3f));
    }
  }
  return bytes;
}

/** Returns the base64 of a string's UTF-8 bytes, as HTTP basic authentication needs. */
export function base64Utf8(text: string): string {
  const bytes = utf8Bytes(text);
  let output = '';
  for (let index = 0; index < bytes.length; index += 3) {
    const chunk = (bytes[index] << 16) | ((bytes[index + 1] ?? 0) << 8) | (bytes[index + 2] ?? 0);
    output += BASE64_ALPHABET[(chunk >> 18) & 63] + BASE64_ALPHABET[(chunk >> 12) & 63];
    output += index + 1 < bytes.length ? BASE64_ALPHABET[(chunk >> 6) & 63] : '=';
    output += index + 2 < bytes.length ? BASE64_ALPHABET[chunk & 63] : '=';
  }
  return output;
}

/** Builds the scope that `{{ }}` placeholders of core actions read: `input` (port `in`) and `inputs`. */
export function templateScope(input: Record<string, unknown>): Record<string, unknown> {
  return { input: input.in, inputs: input };
}
