/** Type guards for reading documents that have not passed the schema yet. */

export type UnknownRecord = Record<string, unknown>;

/** Returns whether `value` is a non-null object that is not an array. */
export function isRecord(value: unknown): value is UnknownRecord {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Returns `value[key]` when `value` is a record and that property is a string. */
export function stringField(value: unknown, key: string): string | undefined {
  if (!isRecord(value)) {
    return undefined;
  }
  const field = value[key];
  return typeof field === 'string' ? field : undefined;
}
