/**
 * Checks of values against a JSON Schema from a manifest, such as the values of a credential
 * against its type's `schema`. Uses the Ajv settings of node config checks, and caches one
 * compiled validator per schema object.
 */
import type { ValidateFunction } from 'ajv';

import { createAjv, describeAjvError } from '../graph/ajv-problems.js';
import { joinPointer } from '../json-pointer.js';

/** One value that breaks the schema, located by a JSON pointer. */
export interface ValueProblem {
  pointer: string;
  /** Completes the sentence "<pointer> …". */
  message: string;
}

const ajv = createAjv();
const validators = new WeakMap<object, ValidateFunction>();

/**
 * Validates `value` against `schema` and returns every problem, each pointer prefixed with
 * `basePointer` (such as `/body/values`). A missing or extra property is located at that
 * property. Throws when the schema does not compile, which a validated manifest rules out.
 */
export function checkValuesAgainstSchema(
  schema: Record<string, unknown>,
  value: unknown,
  basePointer = '',
): ValueProblem[] {
  let validate = validators.get(schema);
  if (validate === undefined) {
    validate = ajv.compile(schema);
    validators.set(schema, validate);
  }
  if (validate(value)) {
    return [];
  }

  const problems: ValueProblem[] = [];
  for (const error of validate.errors ?? []) {
    // The failing `then` or `else` branch reports the cause itself.
    if (error.keyword === 'if') {
      continue;
    }
    const params = error.params as Record<string, unknown>;
    let pointer = basePointer + error.instancePath;
    if (typeof params.missingProperty === 'string') {
      pointer = joinPointer(pointer, params.missingProperty);
    } else if (error.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
      pointer = joinPointer(pointer, params.additionalProperty);
    }
    problems.push({ pointer, message: describeAjvError(error) });
  }
  return problems;
}
