import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';

import { analyzeSchema } from '../src/plugin-schema/analyze.js';
import { compileLinearRegExp, PatternError } from '../src/plugin-schema/regexp.js';
import { findDuplicateItems } from '../src/plugin-schema/unique-items.js';
import {
  createPluginSchemaAjv,
  PluginSchemaValidator,
  VALIDATION_COST_LIMITS,
} from '../src/plugin-schema/validator.js';

/** Runs `run` and returns its result with the elapsed wall time in milliseconds. */
function timed<T>(run: () => T): { result: T; elapsedMs: number } {
  const started = performance.now();
  const result = run();
  return { result, elapsedMs: performance.now() - started };
}

function patternErrorOf(pattern: string): PatternError {
  try {
    compileLinearRegExp(pattern);
  } catch (error) {
    if (error instanceof PatternError) {
      return error;
    }
    throw error;
  }
  throw new Error(`expected pattern ${pattern} to be rejected, but it compiled`);
}

describe('compileLinearRegExp', () => {
  it('matches nested quantifiers in linear time', () => {
    const regExp = compileLinearRegExp('^(a+)+$');

    // A backtracking engine takes seconds on 30 "a"s and a "b", and doubles with each "a", so
    // the short input comes first and fails in finite time if matching backtracks.
    const short = timed(() => regExp.test(`${'a'.repeat(30)}b`));
    expect(short.elapsedMs).toBeLessThan(1_000);
    const long = timed(() => regExp.test(`${'a'.repeat(100_000)}b`));

    expect(short.result).toBe(false);
    expect(long.result).toBe(false);
    expect(long.elapsedMs).toBeLessThan(1_000);
    expect(regExp.test('a'.repeat(100))).toBe(true);
  });

  it('keeps ECMAScript escapes', () => {
    const cases: Array<[string, string, boolean]> = [
      ['^\\u00e9$', 'é', true],
      ['^\\u{1F600}$', '😀', true],
      ['^\\uD83D\\uDE00$', '😀', true],
      ['^[\\uD83D\\uDE00]$', '😀', true],
      ['^\\\\uD83D$', '\\uD83D', true],
      ['^(?<year>\\d{4})-\\d{2}$', '2024-05', true],
      ['^\\x41\\cA$', 'A\u0001', true],
      ['^\\p{Script=Greek}+$', 'αβ', true],
      ['^[\\p{sc=Latin}\\p{gc=Nd}]+$', 'a1', true],
      ['^\\\\p\\{gc=L\\}$', '\\p{gc=L}', true],
      ['^[^]$', '\n', true],
      ['a/b', 'a/b', true],
      ['^\\d+$', '12a', false],
    ];
    for (const [pattern, input, expected] of cases) {
      expect(compileLinearRegExp(pattern).test(input), pattern).toBe(expected);
    }
  });

  it('rejects what RE2 cannot run', () => {
    const cases: Array<[string, PatternError['kind'], RegExp]> = [
      ['a(?=b)', 'unsupported', /^must not use lookahead or lookbehind/],
      ['a(?!b)', 'unsupported', /^must not use lookahead or lookbehind/],
      ['(?<=a)b', 'unsupported', /^must not use lookahead or lookbehind/],
      ['(?<!a)b', 'unsupported', /^must not use lookahead or lookbehind/],
      ['(a)\\1', 'unsupported', /^must not use a backreference/],
      ['(?<x>a)\\k<x>', 'unsupported', /^must not use a backreference/],
      ['\\p{Letter}', 'unsupported', /^must use syntax that RE2 supports, .*: error parsing regexp: /],
      ['\\p{sc=Grek}', 'unsupported', /^must use syntax that RE2 supports, .*: error parsing regexp: /],
      ['a{1001}', 'unsupported', /invalid repeat count/],
      ['(', 'invalid', /^is not a valid regular expression: Invalid regular expression: /],
      ['(?i)a', 'invalid', /^is not a valid regular expression: /],
      ['a'.repeat(1001), 'too-large', /^must be at most 1000 characters long, not 1001$/],
      ['[a-z]{1000}[0-9]{1000}', 'too-large', /^is too complex: it compiles to \d+ RE2 instructions, at most 2000/],
    ];
    for (const [pattern, kind, message] of cases) {
      const error = patternErrorOf(pattern);
      expect(error.kind, pattern).toBe(kind);
      expect(error.problem, pattern).toMatch(message);
    }
  });

  it('reads escaped parentheses as text', () => {
    for (const pattern of ['[(?=]', '\\(?=', '[\\]](?:x)']) {
      expect(() => compileLinearRegExp(pattern), pattern).not.toThrow();
    }
  });
});

describe('linear uniqueItems', () => {
  it('reports what Ajv reports', () => {
    const builtIn = new Ajv({ allErrors: true, strict: false }).compile({ type: 'array', uniqueItems: true });
    const linear = createPluginSchemaAjv().compile({ type: 'array', uniqueItems: true });
    const arrays: unknown[][] = [
      [],
      [1, 2, 3],
      [1, 2, 1, 3],
      [1, '1', true, 'true', null, 'null'],
      [{ a: 1, b: [2] }, { b: [2], a: 1 }],
      [[1, 2], [2, 1], [1, 2.0]],
      [{ a: 1 }, { a: 1, b: 2 }, 'x', 'y', 'x', 'y'],
      [0, -0],
    ];
    for (const array of arrays) {
      const expected = builtIn(array);
      expect(linear(array), JSON.stringify(array)).toBe(expected);
      expect(linear.errors ?? null, JSON.stringify(array)).toEqual(builtIn.errors ?? null);
    }
  });

  it('checks 20,000 objects quickly', () => {
    // Ajv's own keyword compared every pair here for about 10 s, even with a failing maxItems.
    const validate = createPluginSchemaAjv().compile({ type: 'array', maxItems: 10, uniqueItems: true });
    const items = Array.from({ length: 20_000 }, (_, index) => ({ index }));

    const { result, elapsedMs } = timed(() => validate(items));

    expect(result).toBe(false);
    expect(validate.errors?.map((error) => error.keyword)).toEqual(['maxItems']);
    expect(elapsedMs).toBeLessThan(1_000);
  });

  it('finds the last duplicate', () => {
    expect(findDuplicateItems(['a', 'b', 'a', 'b'])).toEqual({ i: 3, j: 1 });
    expect(findDuplicateItems([{ x: 1 }, { x: 2 }])).toBeUndefined();
  });
});

describe('analyzeSchema', () => {
  it('weighs patterns and $ref targets', () => {
    const plain = analyzeSchema({ type: 'object', properties: { a: { type: 'string' } } });
    const patterned = analyzeSchema({ type: 'object', properties: { a: { type: 'string', pattern: '^[a-z]{50}$' } } });
    const referenced = analyzeSchema({
      type: 'object',
      definitions: { text: { type: 'string' } },
      properties: { a: { $ref: '#/definitions/text' }, b: { $ref: '#/definitions/text' } },
    });

    expect(plain).toEqual({ problems: [], values: 5, weight: 5 });
    expect(patterned.problems).toEqual([]);
    expect(patterned.weight).toBeGreaterThan(patterned.values + 50);
    // 10 values as written, and the 2 values of the target once more for each $ref.
    expect(referenced).toEqual({ problems: [], values: 14, weight: 14 });
  });

  it('finds $ref cycles through other $refs', () => {
    const analysis = analyzeSchema({
      type: 'object',
      definitions: { a: { $ref: '#/definitions/b' }, b: { anyOf: [{ $ref: '#/definitions/a' }] } },
      properties: { x: { $ref: '#/definitions/a' } },
    });

    // The walk reaches a, then b, then a again, and reports the $ref that closes the cycle.
    expect(analysis.problems.map((problem) => [problem.pointer, problem.kind])).toEqual([
      ['/definitions/a/$ref', 'unsupported'],
    ]);
  });

  it('leaves unresolved $refs to Ajv', () => {
    expect(analyzeSchema({ type: 'object', properties: { a: { $ref: '#/definitions/missing' } } }).problems).toEqual([]);
  });
});

describe('PluginSchemaValidator', () => {
  const schema = { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'boolean' }] } };

  it('reports every error of small values', () => {
    const validator = new PluginSchemaValidator(schema);

    const result = validator.check([1, 'a', 2]);

    expect(result.tooLarge).toBeUndefined();
    expect(result.errors.filter((error) => error.keyword === 'anyOf').map((error) => error.instancePath)).toEqual([
      '/0',
      '/2',
    ]);
  });

  it('reports the first error of large values', () => {
    const validator = new PluginSchemaValidator(schema);
    // Each item is "0," as JSON, so this array is just over the budget for every error.
    const items = new Array(Math.ceil(VALIDATION_COST_LIMITS.allErrors / validator.weight / 2) + 10).fill(0);

    const result = validator.check(items);

    expect(result.tooLarge).toBeUndefined();
    expect(result.errors.filter((error) => error.keyword === 'anyOf')).toHaveLength(1);
  });

  it('skips values over the budget', () => {
    const validator = new PluginSchemaValidator(schema);
    const maxLength = Math.floor(VALIDATION_COST_LIMITS.total / validator.weight);
    const text = 'x'.repeat(maxLength);

    const result = validator.check([text]);

    expect(result).toEqual({ errors: [], tooLarge: { length: maxLength + 4, maxLength } });
    expect(validator.check(['x']).errors).toEqual([]);
  });

  it('rejects schemas over a limit', () => {
    expect(() => new PluginSchemaValidator({ type: 'string', pattern: '(?=a)' })).toThrow(
      /^\/pattern must not use lookahead or lookbehind/,
    );
    expect(() => new PluginSchemaValidator({ allOf: [{ $ref: '#' }] })).toThrow(
      /^\/allOf\/0\/\$ref must not make the schema recursive/,
    );
  });
});
