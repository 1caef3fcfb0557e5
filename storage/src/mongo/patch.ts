/** Converters of the patchable fields of a record to their stored values. */
export type PatchConverters<P> = { [K in keyof P]-?: (value: Exclude<P[K], undefined>) => unknown };

/**
 * Returns the `$set` fields of `patch`: each field whose value is not `undefined`, converted by
 * its converter. A null value is written as null, as SQLite's PatchUpdate writes it.
 */
export function definedSet<P extends object>(patch: P, converters: PatchConverters<P>): Record<string, unknown> {
  const set: Record<string, unknown> = {};
  for (const field of Object.keys(converters) as Array<keyof P & string>) {
    const value = patch[field];
    if (value === undefined) continue;
    set[field] = converters[field](value as Exclude<P[typeof field], undefined>);
  }
  return set;
}
