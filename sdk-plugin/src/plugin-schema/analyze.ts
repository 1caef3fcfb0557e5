/**
 * Checks that bound what a plugin schema can cost the studio: its size and depth, which bound
 * Ajv's compile time, its patterns, and its `$ref`s. A `$ref` is expanded in place to measure
 * the schema. A few `$ref`s that each point twice to the next one describe a schema whose
 * validation doubles with every step: 24 steps ran Node.js out of memory with Ajv 8.20 and
 * `allErrors`. A `$ref` cycle can also recurse without reading any data.
 */
import { joinPointer, readPointer } from '../json-pointer.js';
import {
  compileLinearRegExp,
  MAX_PATTERN_LENGTH,
  MAX_PATTERN_PROGRAM_SIZE,
  PatternError,
  type PatternProblemKind,
} from './regexp.js';

/** Limits on the JSON Schemas that a plugin manifest embeds. */
export const PLUGIN_SCHEMA_LIMITS = {
  /**
   * Maximum JSON values (objects, arrays and scalars) in one schema, where each `$ref` also
   * counts the values of the schema it refers to. Ajv 8.20 compiled flat, nested and `anyOf`
   * schemas at 30 to 190 µs per value on Node.js 20 on a 2-core x86-64 machine, so by that
   * estimate 2,000 values compile in under half a second.
   */
  values: 2000,
  /** Maximum nesting of objects and arrays in one schema. */
  depth: 32,
  /**
   * Maximum values, counted as for `values`, of all the schemas of one manifest together. The
   * studio compiles them on every install and start, blocking its event loop meanwhile.
   */
  manifestValues: 5000,
  /** Maximum length of one pattern in characters. */
  patternLength: MAX_PATTERN_LENGTH,
  /** Maximum size of one compiled pattern in RE2 instructions. */
  patternProgramSize: MAX_PATTERN_PROGRAM_SIZE,
} as const;

/** Why a schema is rejected: `invalid` breaks JSON Schema, the others are studio limits. */
export type SchemaProblemKind = PatternProblemKind;

/** One problem, located by a JSON pointer relative to the schema's root. */
export interface SchemaProblem {
  pointer: string;
  /** Completes the sentence "<pointer> …". */
  message: string;
  kind: SchemaProblemKind;
}

/** The result of `analyzeSchema`. */
export interface SchemaAnalysis {
  /** Every problem found. The schema is safe to compile when there is none. */
  problems: SchemaProblem[];
  /** JSON values of the schema, each `$ref` also counting the values of its target. */
  values: number;
  /**
   * Estimated validation cost per character of the validated value's JSON: `values` plus the
   * RE2 program size of each pattern, because a pattern's matching time per input character
   * grows with its program size.
   */
  weight: number;
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Counts the JSON values in `value` and measures its nesting, without recursion. */
function measureJson(value: unknown): { values: number; depth: number } {
  let values = 0;
  let maxDepth = 0;
  const stack: Array<{ item: unknown; depth: number }> = [{ item: value, depth: 0 }];
  while (stack.length > 0) {
    const { item, depth } = stack.pop()!;
    values += 1;
    if (item === null || typeof item !== 'object') {
      continue;
    }
    maxDepth = Math.max(maxDepth, depth + 1);
    for (const child of Object.values(item)) {
      stack.push({ item: child, depth: depth + 1 });
    }
  }
  return { values, depth: maxDepth };
}

function describeValueCount(values: number): string {
  return values < 1e9 ? String(values) : 'over 1000000000';
}

/**
 * Checks the size and depth of a schema as plain JSON. It does not recurse, so it is safe on any
 * value, and the other checks, which recurse, run only on schemas that pass it.
 */
export function checkSchemaShape(schema: unknown): SchemaProblem[] {
  const { values, depth } = measureJson(schema);
  const problems: SchemaProblem[] = [];
  if (depth > PLUGIN_SCHEMA_LIMITS.depth) {
    problems.push({
      pointer: '',
      message: `nests objects and arrays ${depth} levels deep, at most ${PLUGIN_SCHEMA_LIMITS.depth}`,
      kind: 'too-large',
    });
  }
  if (values > PLUGIN_SCHEMA_LIMITS.values) {
    problems.push({
      pointer: '',
      message: `has ${values} JSON values, at most ${PLUGIN_SCHEMA_LIMITS.values}`,
      kind: 'too-large',
    });
  }
  return problems;
}

/* ------------------------------------------------------------------ subschemas */

/** Draft-07 keywords whose value is one subschema (`items` may also be an array of them). */
const SUBSCHEMA_KEYWORDS = [
  'additionalItems',
  'items',
  'contains',
  'additionalProperties',
  'propertyNames',
  'not',
  'if',
  'then',
  'else',
];
/** Keywords whose value is an array of subschemas. */
const SUBSCHEMA_ARRAY_KEYWORDS = ['items', 'allOf', 'anyOf', 'oneOf'];
/** Keywords whose value maps names to subschemas (`dependencies` may also map to arrays). */
const SUBSCHEMA_MAP_KEYWORDS = ['definitions', '$defs', 'properties', 'patternProperties', 'dependencies'];

/**
 * Calls `visit` on `schema` and on each object subschema inside it, as Ajv's draft-07 keywords
 * nest them. Values under other keywords, such as `enum` or an `x-` annotation, are data and are
 * not visited.
 */
function forEachSubschema(schema: unknown, pointer: string, visit: (subschema: JsonObject, pointer: string) => void): void {
  if (!isObject(schema)) {
    return;
  }
  visit(schema, pointer);
  for (const keyword of SUBSCHEMA_ARRAY_KEYWORDS) {
    const value = schema[keyword];
    if (Array.isArray(value)) {
      value.forEach((item, index) => forEachSubschema(item, joinPointer(pointer, keyword, index), visit));
    }
  }
  for (const keyword of SUBSCHEMA_KEYWORDS) {
    forEachSubschema(schema[keyword], joinPointer(pointer, keyword), visit);
  }
  for (const keyword of SUBSCHEMA_MAP_KEYWORDS) {
    const members = schema[keyword];
    if (isObject(members)) {
      for (const [name, member] of Object.entries(members)) {
        forEachSubschema(member, joinPointer(pointer, keyword, name), visit);
      }
    }
  }
}

/* ------------------------------------------------------------------ analysis */

interface Cost {
  values: number;
  weight: number;
}

/** The analysis of one schema: patterns are compiled once, `$ref` targets are measured once. */
class SchemaAnalyzer {
  readonly problems = new Map<string, SchemaProblem>();
  readonly #root: unknown;
  readonly #programSizes = new Map<string, number | PatternError>();
  readonly #targetCosts = new Map<string, Cost>();
  /** Pointers of the `$ref` targets being measured, to find cycles. */
  readonly #inProgress = new Set<string>();

  constructor(root: unknown) {
    this.#root = root;
  }

  measureRoot(): Cost {
    this.#inProgress.add('');
    return this.#measure(this.#root, '');
  }

  #report(pointer: string, message: string, kind: SchemaProblemKind): void {
    if (!this.problems.has(pointer)) {
      this.problems.set(pointer, { pointer, message, kind });
    }
  }

  /** Returns the cost of the subtree at `pointer`, with each `$ref` inside it expanded. */
  #measure(node: unknown, pointer: string): Cost {
    const { values } = measureJson(node);
    const cost: Cost = { values, weight: values };
    forEachSubschema(node, pointer, (schema, schemaPointer) => {
      if (typeof schema.pattern === 'string') {
        cost.weight += this.#patternCost(schema.pattern, joinPointer(schemaPointer, 'pattern'));
      }
      if (isObject(schema.patternProperties)) {
        for (const pattern of Object.keys(schema.patternProperties)) {
          cost.weight += this.#patternCost(pattern, joinPointer(schemaPointer, 'patternProperties', pattern));
        }
      }
      if (typeof schema.$ref === 'string') {
        const target = this.#refCost(schema.$ref, joinPointer(schemaPointer, '$ref'));
        cost.values += target.values;
        cost.weight += target.weight;
      }
    });
    return cost;
  }

  #patternCost(pattern: string, pointer: string): number {
    let result = this.#programSizes.get(pattern);
    if (result === undefined) {
      try {
        result = compileLinearRegExp(pattern).programSize();
      } catch (error) {
        if (!(error instanceof PatternError)) {
          throw error;
        }
        result = error;
      }
      this.#programSizes.set(pattern, result);
    }
    if (result instanceof PatternError) {
      this.#report(pointer, result.problem, result.kind);
      return 0;
    }
    return result;
  }

  #refCost(ref: string, refPointer: string): Cost {
    const none: Cost = { values: 0, weight: 0 };
    if (!ref.startsWith('#')) {
      this.#report(
        refPointer,
        'must refer to a part of this schema, such as #/definitions/name, because the studio loads no other schemas',
        'unsupported',
      );
      return none;
    }
    let targetPointer: string;
    try {
      targetPointer = decodeURIComponent(ref.slice(1));
    } catch {
      // Ajv cannot resolve it either, and its compile error reports it.
      return none;
    }
    const target = readPointer(this.#root, targetPointer);
    if (target === undefined) {
      return none;
    }

    if (this.#inProgress.has(targetPointer)) {
      this.#report(
        refPointer,
        `must not make the schema recursive: the schema at ${ref} contains this $ref, directly or ` +
          'through other $refs, and the studio does not run recursive schemas because their ' +
          'validation time can grow exponentially with the depth of the value',
        'unsupported',
      );
      return none;
    }
    let cost = this.#targetCosts.get(targetPointer);
    if (cost === undefined) {
      this.#inProgress.add(targetPointer);
      cost = this.#measure(target, targetPointer);
      this.#inProgress.delete(targetPointer);
      this.#targetCosts.set(targetPointer, cost);
    }
    return cost;
  }
}

/**
 * Analyzes a plugin schema: its size and depth, each pattern (see `compileLinearRegExp`) and
 * each `$ref`, which must point inside the schema and must not form a cycle. `values` and
 * `weight` are only meaningful when there is no problem.
 */
export function analyzeSchema(schema: unknown): SchemaAnalysis {
  const shapeProblems = checkSchemaShape(schema);
  if (shapeProblems.length > 0) {
    return { problems: shapeProblems, values: Infinity, weight: Infinity };
  }

  const analyzer = new SchemaAnalyzer(schema);
  const cost = analyzer.measureRoot();
  const problems = [...analyzer.problems.values()];
  if (cost.values > PLUGIN_SCHEMA_LIMITS.values) {
    problems.push({
      pointer: '',
      message:
        `has ${describeValueCount(cost.values)} JSON values when each $ref counts the values of the ` +
        `schema it refers to, at most ${PLUGIN_SCHEMA_LIMITS.values}`,
      kind: 'too-large',
    });
  }
  return { problems, values: cost.values, weight: cost.weight };
}
