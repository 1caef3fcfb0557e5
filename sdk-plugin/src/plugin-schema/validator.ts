/**
 * The validator of plugin schemas. The studio checks node config with it, and the SDK's test
 * harness checks config and credential values with it. `validateManifest`, which
 * `gestorlead-plugin validate` runs, compiles the schemas with the same Ajv settings and limits,
 * so a plugin author gets the studio's result before publishing.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

import { analyzeSchema } from './analyze.js';
import { linearRegExpEngine } from './regexp.js';
import { linearUniqueItemsKeyword } from './unique-items.js';

/**
 * Budgets of a validation's estimated cost: the schema's `weight` (see `analyzeSchema`) times
 * the length of the value as JSON. Each unit took roughly 0.5 to 1.5 ns on Node.js 20 on a
 * 2-core x86-64 machine, and with `allErrors` up to about one Ajv error object per unit.
 */
export const VALIDATION_COST_LIMITS = {
  /**
   * Up to this cost every error is reported. Above it Ajv stops at the first error, because
   * with `allErrors` a 10 KB value with a 1,000-branch `anyOf` made 5 million error objects.
   */
  allErrors: 1_000_000,
  /** Above this cost the value is not checked and `check` returns `tooLarge`. */
  total: 100_000_000,
} as const;

/**
 * Creates the Ajv instance for plugin schemas: draft-07, `strict: false` for the annotation
 * keywords authors add, formats not checked, patterns on RE2 (see `linearRegExpEngine`), and a
 * linear-time `uniqueItems`.
 */
export function createPluginSchemaAjv(options: { allErrors: boolean } = { allErrors: true }): Ajv {
  const ajv = new Ajv({
    allErrors: options.allErrors,
    strict: false,
    validateFormats: false,
    code: { regExp: linearRegExpEngine },
  });
  ajv.removeKeyword('uniqueItems');
  ajv.addKeyword(linearUniqueItemsKeyword);
  return ajv;
}

let allErrorsAjv: Ajv | undefined;
let firstErrorAjv: Ajv | undefined;

/** The result of `PluginSchemaValidator.check`. */
export interface PluginSchemaCheck {
  /** Ajv's errors, empty when the value is valid. Only the first error when the value is large. */
  errors: ErrorObject[];
  /** Set when the value was not checked because it is too large for this schema. */
  tooLarge?: { length: number; maxLength: number };
}

/** Returns the message of a `tooLarge` check, phrased to complete the sentence "<value> …". */
export function describeTooLarge(tooLarge: { length: number; maxLength: number }): string {
  return (
    `is too large to check against its schema: ${tooLarge.length} characters as JSON, at most ` +
    `${tooLarge.maxLength} for this schema`
  );
}

/** A plugin schema compiled for checks whose cost is bounded. */
export class PluginSchemaValidator {
  readonly schema: Record<string, unknown>;
  /** Estimated cost per character of a value's JSON (see `SchemaAnalysis.weight`). */
  readonly weight: number;
  readonly #validateAll: ValidateFunction;
  #validateFirst: ValidateFunction | undefined;

  /**
   * Compiles `schema`. Throws an Error when it breaks a limit of `analyzeSchema` or does not
   * compile, naming the first problem.
   */
  constructor(schema: Record<string, unknown>) {
    const analysis = analyzeSchema(schema);
    const [problem] = analysis.problems;
    if (problem !== undefined) {
      throw new Error(`${problem.pointer === '' ? 'the schema' : problem.pointer} ${problem.message}`);
    }
    allErrorsAjv ??= createPluginSchemaAjv();
    this.schema = schema;
    this.weight = analysis.weight;
    this.#validateAll = allErrorsAjv.compile(schema);
  }

  /** Checks `value`, reporting every error, only the first, or none, by its estimated cost. */
  check(value: unknown): PluginSchemaCheck {
    const length = JSON.stringify(value)?.length ?? 0;
    const cost = this.weight * Math.max(length, 1);
    if (cost > VALIDATION_COST_LIMITS.total) {
      return { errors: [], tooLarge: { length, maxLength: Math.floor(VALIDATION_COST_LIMITS.total / this.weight) } };
    }

    let validate = this.#validateAll;
    if (cost > VALIDATION_COST_LIMITS.allErrors) {
      firstErrorAjv ??= createPluginSchemaAjv({ allErrors: false });
      this.#validateFirst ??= firstErrorAjv.compile(this.schema);
      validate = this.#validateFirst;
    }
    return { errors: validate(value) ? [] : [...(validate.errors ?? [])] };
  }

  /** Frees the compiled functions that the shared Ajv instances keep for this schema. */
  release(): void {
    allErrorsAjv?.removeSchema(this.schema);
    firstErrorAjv?.removeSchema(this.schema);
  }
}
