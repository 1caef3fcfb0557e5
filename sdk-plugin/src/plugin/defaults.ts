/** Filling of JSON Schema `default` values into a config, without a schema library. */
import type { JsonSchema } from './properties.js';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function copyJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * Returns a copy of `value` in which every property that `schema.properties` declares with a
 * `default` and that `value` leaves out (or sets to `undefined`) has its default. It descends
 * into nested objects that are present and into the items of arrays, as Ajv's `useDefaults`
 * does, and leaves `value` itself unchanged. Values of the wrong type are kept as they are, for
 * validation to report.
 * NOTE: Only `properties` and `items` are followed, not `allOf`, `anyOf`, `oneOf` or `$ref`.
 */
export function applyDefaults(schema: JsonSchema | undefined, value: unknown): unknown {
  if (schema === undefined) {
    return value;
  }

  if (Array.isArray(value)) {
    const items = schema.items;
    if (!isPlainObject(items)) {
      return value;
    }
    return value.map((item) => applyDefaults(items, item));
  }

  const properties = schema.properties;
  if (!isPlainObject(value) || !isPlainObject(properties)) {
    return value;
  }

  const result: Record<string, unknown> = { ...value };
  for (const [key, propertySchema] of Object.entries(properties)) {
    if (!isPlainObject(propertySchema)) {
      continue;
    }
    if (result[key] === undefined && propertySchema.default !== undefined) {
      result[key] = copyJson(propertySchema.default);
    } else if (result[key] !== undefined) {
      result[key] = applyDefaults(propertySchema, result[key]);
    }
  }
  return result;
}
