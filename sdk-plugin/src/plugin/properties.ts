/**
 * Property builders: each call returns the JSON Schema (draft-07) of one config value together
 * with its TypeScript type, so a config declared once is both validated and typed.
 * Runs inside the plugin sandbox, so it uses no Node built-ins.
 */

/** A JSON Schema (draft-07) as a plain object. */
export type JsonSchema = Record<string, unknown>;

/**
 * One declared value: its JSON Schema and whether a graph must set it. `Value` and `Present`
 * exist only for the type checker: `Present` is true when the value is required or has a
 * default, so `ctx.config` always contains it.
 */
export interface Property<Value = unknown, Present extends boolean = boolean> {
  /** JSON Schema (draft-07) of the value, with `title`, `description` and `default`. */
  readonly schema: JsonSchema;
  /** Whether the property is listed in its parent's `required`. */
  readonly required: boolean;
  /** Type-only marker; never set at run time. */
  readonly '~types'?: { value: Value; present: Present };
}

/** A map from config keys to properties, as `config` of `defineAction` takes it. */
export type PropertyMap = Readonly<Record<string, Property<unknown, boolean>>>;

/** The TypeScript type of the value a property declares. */
export type ValueOf<P> = P extends Property<infer Value, boolean> ? Value : never;

type PresentKeys<P extends PropertyMap> = {
  [K in keyof P]: P[K] extends Property<unknown, true> ? K : never;
}[keyof P];

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/**
 * The object type of a property map: required and defaulted keys are non-optional, the others
 * are optional.
 */
export type ConfigOf<P extends PropertyMap> = Simplify<
  { -readonly [K in PresentKeys<P>]: ValueOf<P[K]> } & {
    -readonly [K in Exclude<keyof P, PresentKeys<P>>]?: ValueOf<P[K]>;
  }
>;

/** Options every property builder takes. */
export interface PropertyOptions<Value> {
  /** Label in the builder; becomes the schema's `title`. */
  displayName?: string;
  /** Help text in the builder; becomes the schema's `description`. */
  description?: string;
  /** When true, a graph must set the value, and the schema lists it in `required`. */
  required?: boolean;
  /** Value used when the graph leaves the property out; becomes the schema's `default`. */
  default?: Value;
  /** Example shown in an empty field; becomes the schema's `x-placeholder`. */
  placeholder?: string;
}

/** True when the options make the value always present: `required: true` or a `default`. */
export type PresenceOf<O> = O extends { readonly required: true }
  ? true
  : O extends { readonly default: infer D }
    ? [D] extends [undefined]
      ? false
      : true
    : false;

/** Options of `p.text`. */
export interface TextOptions extends PropertyOptions<string> {
  minLength?: number;
  maxLength?: number;
  /**
   * ECMAScript regular expression that must match part of the value (JSON Schema `pattern`);
   * anchor it with `^…$` to match the whole value. The studio runs it on RE2, so lookahead,
   * lookbehind and backreferences are rejected (see "Schema limits" in the SDK's README).
   */
  pattern?: string;
  /** Shows a multi-line field in the builder (`x-multiline`). */
  multiline?: boolean;
}

/** Options of `p.number`. */
export interface NumberOptions extends PropertyOptions<number> {
  /** When true, the schema type is `integer`. */
  integer?: boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
}

/** One choice of `p.select`: a value, or a value with the label the builder shows. */
export type SelectChoice = string | { readonly value: string; readonly label: string };

/** The value type of a `SelectChoice`. */
export type ChoiceValue<C> = C extends string
  ? C
  : C extends { readonly value: infer V extends string }
    ? V
    : never;

/** Options of `p.select`. */
export interface SelectOptions extends PropertyOptions<string> {
  /** The allowed values, at least one. */
  options: readonly SelectChoice[];
}

/** Options of `p.json`. */
export interface JsonOptions extends PropertyOptions<unknown> {
  /** Extra JSON Schema keywords for the value, such as `{ type: 'object' }`. */
  schema?: JsonSchema;
}

/** An artifact reference, as `ctx.files.put` returns it and `ctx.files.get` takes its `id`. */
export interface FileReference {
  id: string;
}

/** Options of `p.array`. */
export interface ArrayOptions<Item> extends PropertyOptions<Item[]> {
  minItems?: number;
  maxItems?: number;
}

/** Options of `p.object`. */
export type ObjectOptions<Value> = PropertyOptions<Value>;

/** Copies the common options into schema keywords, in a fixed key order. */
function annotate(
  schema: JsonSchema,
  options: PropertyOptions<unknown> | undefined,
  extra: JsonSchema = {},
): JsonSchema {
  const result: JsonSchema = {};
  if (options?.displayName !== undefined) {
    result.title = options.displayName;
  }
  if (options?.description !== undefined) {
    result.description = options.description;
  }
  Object.assign(result, schema, extra);
  if (options?.default !== undefined) {
    result.default = copyJson(options.default);
  }
  if (options?.placeholder !== undefined) {
    result['x-placeholder'] = options.placeholder;
  }
  return result;
}

/** Copies a JSON value so that a later change of the caller's object cannot alter a schema. */
function copyJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Returns the listed keys of `source` whose values are defined. */
function pick(source: object, keys: readonly string[]): JsonSchema {
  const result: JsonSchema = {};
  for (const key of keys) {
    const value = (source as Record<string, unknown>)[key];
    if (value !== undefined) {
      result[key] = value;
    }
  }
  return result;
}

function makeProperty<Value, Present extends boolean>(
  schema: JsonSchema,
  options: PropertyOptions<unknown> | undefined,
): Property<Value, Present> {
  return { schema, required: options?.required === true };
}

/** Declares a string. */
function text<const O extends TextOptions = {}>(options?: O): Property<string, PresenceOf<O>> {
  const keywords = pick(options ?? {}, ['minLength', 'maxLength', 'pattern']);
  const extra: JsonSchema = options?.multiline === true ? { 'x-multiline': true } : {};
  return makeProperty(annotate({ type: 'string', ...keywords }, options, extra), options);
}

/** Declares a number, or an integer with `integer: true`. */
function number<const O extends NumberOptions = {}>(options?: O): Property<number, PresenceOf<O>> {
  const type = options?.integer === true ? 'integer' : 'number';
  const bounds = pick(options ?? {}, [
    'minimum',
    'maximum',
    'exclusiveMinimum',
    'exclusiveMaximum',
  ]);
  return makeProperty(annotate({ type, ...bounds }, options), options);
}

/** Declares a boolean. */
function boolean<const O extends PropertyOptions<boolean> = {}>(
  options?: O,
): Property<boolean, PresenceOf<O>> {
  return makeProperty(annotate({ type: 'boolean' }, options), options);
}

/**
 * Declares one string out of `options`. The value type is the union of the choices, so
 * `p.select({ options: ['a', 'b'] })` is typed `'a' | 'b'`. Labelled choices add `x-enumNames`,
 * the labels in the order of `enum`.
 * Throws a TypeError when `options` is empty or `default` is not one of them.
 */
function select<const O extends SelectOptions>(
  options: O & { default?: ChoiceValue<O['options'][number]> },
): Property<ChoiceValue<O['options'][number]>, PresenceOf<O>> {
  const values = options.options.map((choice) => (typeof choice === 'string' ? choice : choice.value));
  if (values.length === 0) {
    throw new TypeError('p.select needs at least one option');
  }
  if (options.default !== undefined && !values.includes(options.default)) {
    throw new TypeError(
      `p.select default "${options.default}" is not one of the options: ${values.join(', ')}`,
    );
  }

  const extra: JsonSchema = {};
  if (options.options.some((choice) => typeof choice !== 'string')) {
    extra['x-enumNames'] = options.options.map((choice) =>
      typeof choice === 'string' ? choice : choice.label,
    );
  }
  return makeProperty(annotate({ type: 'string', enum: values }, options, extra), options);
}

/** Declares any JSON value, typed `unknown`; `schema` adds keywords that constrain it. */
function json<const O extends JsonOptions = {}>(options?: O): Property<unknown, PresenceOf<O>> {
  const keywords = options?.schema === undefined ? {} : copyJson(options.schema);
  return makeProperty(annotate(keywords, options), options);
}

/**
 * Declares a secret string: `format: "password"` and `writeOnly: true`, so the studio masks it
 * and never returns it. Meant for credential types; a secret in action config is stored in the
 * graph document.
 */
function secret<const O extends PropertyOptions<string> = {}>(
  options?: O,
): Property<string, PresenceOf<O>> {
  const schema = annotate({ type: 'string', format: 'password', writeOnly: true }, options);
  return makeProperty(schema, options);
}

/** Declares an artifact reference `{ id }`, marked `x-file` for the builder's file picker. */
function file<const O extends PropertyOptions<FileReference> = {}>(
  options?: O,
): Property<FileReference, PresenceOf<O>> {
  const schema = annotate(
    {
      type: 'object',
      required: ['id'],
      properties: { id: { type: 'string', minLength: 1 } },
    },
    options,
    { 'x-file': true },
  );
  return makeProperty(schema, options);
}

/** Declares an array whose items all match `item`. The item's `required` is ignored. */
function array<const I extends Property<unknown, boolean>, const O extends ArrayOptions<ValueOf<I>> = {}>(
  item: I,
  options?: O,
): Property<ValueOf<I>[], PresenceOf<O>> {
  const bounds = pick(options ?? {}, ['minItems', 'maxItems']);
  const schema = annotate({ type: 'array', items: item.schema, ...bounds }, options);
  return makeProperty(schema, options);
}

/**
 * Returns the JSON Schema of an object with the given properties: `required` lists the required
 * keys, and unknown keys are rejected (`additionalProperties: false`), so a misspelled key is
 * reported.
 */
export function objectSchema(properties: PropertyMap): JsonSchema {
  const schemaProperties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [key, property] of Object.entries(properties)) {
    schemaProperties[key] = property.schema;
    if (property.required) {
      required.push(key);
    }
  }

  const schema: JsonSchema = { type: 'object', properties: schemaProperties };
  if (required.length > 0) {
    schema.required = required;
  }
  schema.additionalProperties = false;
  return schema;
}

/** Declares a nested object with its own properties. */
function object<const P extends PropertyMap, const O extends ObjectOptions<ConfigOf<P>> = {}>(
  properties: P,
  options?: O,
): Property<ConfigOf<P>, PresenceOf<O>> {
  return makeProperty(annotate(objectSchema(properties), options), options);
}

/**
 * The property builders. Each takes `{ displayName?, description?, required?, default?,
 * placeholder? }` plus its own options, and returns a `Property`.
 */
export const p = {
  text,
  number,
  boolean,
  select,
  json,
  secret,
  file,
  array,
  object,
} as const;
