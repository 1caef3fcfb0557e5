/**
 * A linear-time `uniqueItems` keyword for plugin schemas. Ajv 8 compares every pair of items
 * with a deep equality check unless the items are declared scalars, which takes minutes on an
 * array of 20,000 objects. `maxItems` does not bound that, because with `allErrors` Ajv runs
 * `uniqueItems` even after `maxItems` failed. This keyword keys each item by its canonical JSON
 * text (object keys sorted) in a `Map`, so it takes time linear in the array's JSON size.
 */
import type { FuncKeywordDefinition, SchemaValidateFunction } from 'ajv';

/**
 * Returns the canonical JSON text of a value: object keys sorted, so two values have the same
 * text exactly when JSON Schema calls them equal (`1` and `1.0` alike). `undefined`, which only
 * test values made in JavaScript contain, gets its own token.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(canonicalJson).join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
    return `{${members.join(',')}}`;
  }
  return value === undefined ? 'undefined' : JSON.stringify(value);
}

/**
 * Returns the duplicate that Ajv's own `uniqueItems` reports: the highest index `i` whose item
 * equals an earlier one, and the nearest such earlier index `j`. Undefined when all differ.
 */
export function findDuplicateItems(items: readonly unknown[]): { i: number; j: number } | undefined {
  const lastIndex = new Map<string, number>();
  let duplicate: { i: number; j: number } | undefined;
  items.forEach((item, index) => {
    const key = canonicalJson(item);
    const previous = lastIndex.get(key);
    if (previous !== undefined) {
      duplicate = { i: index, j: previous };
    }
    lastIndex.set(key, index);
  });
  return duplicate;
}

const validateUniqueItems: SchemaValidateFunction = (unique: boolean, data: unknown[]) => {
  validateUniqueItems.errors = undefined;
  if (!unique) {
    return true;
  }
  const duplicate = findDuplicateItems(data);
  if (duplicate === undefined) {
    return true;
  }
  validateUniqueItems.errors = [
    {
      keyword: 'uniqueItems',
      params: duplicate,
      message: `must NOT have duplicate items (items ## ${duplicate.j} and ${duplicate.i} are identical)`,
    },
  ];
  return false;
};

/**
 * Replacement for Ajv's `uniqueItems`, with the same error keyword, params and message. Add it
 * after `ajv.removeKeyword('uniqueItems')`.
 */
export const linearUniqueItemsKeyword: FuncKeywordDefinition = {
  keyword: 'uniqueItems',
  type: 'array',
  schemaType: 'boolean',
  errors: true,
  validate: validateUniqueItems,
};
