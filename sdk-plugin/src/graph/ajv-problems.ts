/**
 * Conversion of Ajv validation errors into graph problems with readable messages. Used for the
 * document schema and for node config schemas.
 */
import { Ajv, type ErrorObject } from 'ajv';

import { joinPointer } from '../json-pointer.js';
import { GRAPH_ID_PATTERN, HEADER_NAME_PATTERN, NODE_TYPE_PATTERN, TRIGGER_TYPE_PATTERN } from './schema.js';
import type { GraphProblem, GraphProblemCode } from './types.js';

/**
 * Creates the Ajv instance used for graph and config schemas. `strict: false` accepts the
 * annotation keywords that plugin authors put in config schemas.
 * NOTE: `format` keywords are not checked, because the package ships no format definitions.
 */
export function createAjv(): Ajv {
  return new Ajv({ allErrors: true, strict: false, validateFormats: false });
}

const PATTERN_MESSAGES: Readonly<Record<string, string>> = {
  [GRAPH_ID_PATTERN]: 'must be 1 to 64 characters, each a letter, a digit, "_" or "-"',
  [NODE_TYPE_PATTERN]: 'must have the form <plugin>/<action>@<major>, for example core/condition@1',
  [HEADER_NAME_PATTERN]: 'must be an HTTP header name, for example X-Signature',
  [TRIGGER_TYPE_PATTERN]: 'must have the form <plugin>/<trigger>, for example shop/orderEvents',
};

const TYPE_NOUNS: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

const COMPARISON_WORDS: Readonly<Record<string, string>> = {
  '>=': 'at least',
  '<=': 'at most',
  '>': 'greater than',
  '<': 'less than',
};

function describeTypes(type: unknown): string {
  const types = Array.isArray(type) ? type.map(String) : String(type).split(',');
  return types.map((name) => TYPE_NOUNS[name] ?? name).join(' or ');
}

function formatAllowedValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** Returns the message of one Ajv error, phrased to complete the sentence "<pointer> …". */
export function describeAjvError(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not allowed';
    case 'type':
      return `must be ${describeTypes(params.type)}`;
    case 'enum': {
      const allowedValues = (params.allowedValues as unknown[]).map(formatAllowedValue);
      return `must be one of: ${allowedValues.join(', ')}`;
    }
    case 'const':
      return `must be ${formatAllowedValue(params.allowedValue)}`;
    case 'pattern': {
      const pattern = String(params.pattern);
      return PATTERN_MESSAGES[pattern] ?? `must match the pattern ${pattern}`;
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const comparison = String(params.comparison);
      return `must be ${COMPARISON_WORDS[comparison] ?? comparison} ${params.limit}`;
    }
    case 'minLength':
      return params.limit === 1
        ? 'must not be empty'
        : `must be at least ${plural(Number(params.limit), 'character')} long`;
    case 'maxLength':
      return `must be at most ${plural(Number(params.limit), 'character')} long`;
    case 'minItems':
      return `must have at least ${plural(Number(params.limit), 'item')}`;
    case 'maxItems':
      return `must have at most ${plural(Number(params.limit), 'item')}`;
    case 'uniqueItems':
      return `is a duplicate of item ${Math.min(Number(params.i), Number(params.j))}`;
    default:
      return error.message ?? `is invalid (${error.keyword})`;
  }
}

/**
 * Returns the pointer of an Ajv error inside the document. A missing or extra property is
 * located at that property, not at the object that contains it. A repeated array item is
 * located at its second occurrence.
 */
function pointerOfAjvError(error: ErrorObject, basePointer: string): string {
  const params = error.params as Record<string, unknown>;
  const pointer = basePointer + error.instancePath;
  if (typeof params.missingProperty === 'string') {
    return joinPointer(pointer, params.missingProperty);
  }
  if (error.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    return joinPointer(pointer, params.additionalProperty);
  }
  // Ajv 8.20 names the later of two equal items `j` in arrays of one primitive item type but `i`
  // in other arrays (as does the linear keyword of plugin schemas), so the larger index is used.
  if (error.keyword === 'uniqueItems' && typeof params.i === 'number' && typeof params.j === 'number') {
    return joinPointer(pointer, String(Math.max(params.i, params.j)));
  }
  return pointer;
}

/**
 * Converts Ajv errors into problems under `basePointer`. Ajv already escapes `instancePath` as a
 * JSON pointer. `if` errors are dropped because the failing `then` or `else` branch reports the
 * cause itself.
 */
export function problemsFromAjvErrors(
  errors: readonly ErrorObject[] | null | undefined,
  basePointer: string,
  code: GraphProblemCode,
): GraphProblem[] {
  const problems: GraphProblem[] = [];
  for (const error of errors ?? []) {
    if (error.keyword === 'if') {
      continue;
    }
    problems.push({
      pointer: pointerOfAjvError(error, basePointer),
      message: describeAjvError(error),
      code,
    });
  }
  return problems;
}
