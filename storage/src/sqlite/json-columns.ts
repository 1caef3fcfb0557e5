/**
 * Conversion between JSON values and TEXT columns. Values go through `JSON.stringify`, so they
 * come back as JSON: `undefined` and `null` read as null, Dates as strings, NaN as null.
 */

/** Serializes `value` for a TEXT column. Null and undefined become SQL NULL. */
export function toJsonText(value: unknown): string | null {
  if (value === undefined || value === null) {
    return null;
  }
  return JSON.stringify(value);
}

/** Parses a TEXT column written by `toJsonText`. SQL NULL reads as null. */
export function fromJsonText<T = unknown>(text: string | null): T | null {
  if (text === null) {
    return null;
  }
  return JSON.parse(text) as T;
}
