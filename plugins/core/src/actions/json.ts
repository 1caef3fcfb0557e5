import { defineAction, p, PluginError } from '@gestorlead/sdk-plugin/plugin';
import { readPointer } from '../values.js';

interface FieldMapping {
  from: string;
  to?: string;
}

/** Returns the key a mapping writes: `to`, or the last token of its pointer. */
function targetKey(field: FieldMapping): string {
  if (field.to !== undefined && field.to !== '') return field.to;
  const tokens = field.from.split('/');
  return tokens[tokens.length - 1].replace(/~1/g, '/').replace(/~0/g, '~');
}

/** Builds an object of the mapped fields; missing values become null. */
function mapFields(value: unknown, fields: readonly FieldMapping[]): unknown {
  if (fields.length === 0) return value;
  const result: Record<string, unknown> = {};
  for (const field of fields) {
    const picked = readPointer(value, field.from);
    Object.defineProperty(result, targetKey(field), { value: picked === undefined ? null : picked, enumerable: true, writable: true });
  }
  return result;
}

/**
 * `core/json@1`: picks and renames fields of the input, or of each item of an array in it.
 * `fields: [{ from: "/user/email", to: "email" }]` keeps only the listed values.
 */
export const jsonAction = defineAction({
  name: 'json',
  version: 1,
  displayName: 'JSON transform',
  description: 'Picks and renames fields by JSON pointer, on the input or on each item of an array.',
  group: 'Data',
  config: {
    source: p.text({ displayName: 'Source', description: 'JSON pointer into the input; empty means the whole input.', default: '', pattern: '^(/.*)?$' }),
    each: p.boolean({ displayName: 'Map over the array', description: 'Apply the fields to each item of the source array.', default: false }),
    fields: p.array(
      p.object({
        from: p.text({ displayName: 'From (JSON pointer)', required: true, pattern: '^(/.*)?$' }),
        to: p.text({ displayName: 'To (key)' }),
      }),
      { displayName: 'Fields', description: 'Keep only these values; empty keeps everything.', default: [] },
    ),
  },
  async run(ctx) {
    const source = readPointer(ctx.input.in, ctx.config.source);
    if (source === undefined) {
      throw new PluginError('CORE_JSON_SOURCE_MISSING', `the input has no value at "${ctx.config.source}"`);
    }
    if (!ctx.config.each) return mapFields(source, ctx.config.fields);
    if (!Array.isArray(source)) {
      throw new PluginError('CORE_JSON_NOT_ARRAY', `the value at "${ctx.config.source}" is not an array, so it cannot be mapped`);
    }
    return source.map((item) => mapFields(item, ctx.config.fields));
  },
});
