/**
 * Linear-time matching of the regular expressions in plugin schemas (`pattern` and the keys of
 * `patternProperties`). Plugin schemas come from third parties and run in the studio's process,
 * where a backtracking pattern such as `^(a+)+$` could block the event loop for minutes. RE2,
 * through the pure JavaScript port `re2js`, matches in time linear in the input, so it has no
 * lookahead, lookbehind or backreferences.
 */
import type { CodeOptions } from 'ajv';
import { RE2JS, RE2JSException } from 're2js';

/** Maximum length of one pattern in characters; RE2 parses and compiles it on every install. */
export const MAX_PATTERN_LENGTH = 1000;

/**
 * Maximum size of one compiled pattern, in RE2 program instructions (`RE2JS.programSize()`,
 * RE2's own measure of a pattern's cost). Matching time per input character grows with it.
 */
export const MAX_PATTERN_PROGRAM_SIZE = 2000;

/** Why a pattern was rejected: `invalid` breaks ECMAScript syntax, the others are studio limits. */
export type PatternProblemKind = 'invalid' | 'unsupported' | 'too-large';

/** Raised by `compileLinearRegExp` for a pattern that the studio does not run. */
export class PatternError extends Error {
  readonly kind: PatternProblemKind;

  /** `problem` completes the sentence "<pattern> …", as manifest problems do. */
  constructor(kind: PatternProblemKind, pattern: string, readonly problem: string) {
    super(`pattern ${JSON.stringify(pattern)} ${problem}`);
    this.name = 'PatternError';
    this.kind = kind;
  }
}

const RE2_REASON = 'the studio matches patterns with RE2, which runs in linear time';

/**
 * Returns which construct of a valid ECMAScript pattern RE2 cannot run, or undefined. Must be
 * called on a pattern that `new RegExp(pattern, 'u')` accepts: in that mode `\k` and `\1`–`\9`
 * are always backreferences, and no escape is allowed inside a character class that could
 * hide one.
 */
function findUnsupportedConstruct(pattern: string): 'backreference' | 'lookaround' | undefined {
  let inClass = false;
  for (let index = 0; index < pattern.length; index += 1) {
    const char = pattern[index];
    if (char === '\\') {
      const escaped = pattern[index + 1];
      if (escaped === 'k' || (escaped >= '1' && escaped <= '9')) {
        return 'backreference';
      }
      index += 1;
    } else if (inClass) {
      inClass = char !== ']';
    } else if (char === '[') {
      inClass = true;
    } else if (char === '(' && /^\(\?(?:=|!|<=|<!)/.test(pattern.slice(index, index + 4))) {
      return 'lookaround';
    }
  }
  return undefined;
}

/**
 * An escaped surrogate pair such as `\uD83D\uDE00` (groups 1 and 2), a Unicode property escape
 * with a `Script=`, `sc=`, `General_Category=` or `gc=` prefix (groups 3 and 4), or any other
 * escape, which is kept as it is.
 */
const REWRITTEN_ESCAPES =
  /\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})|\\([pP])\{(?:Script|sc|General_Category|gc)=([A-Za-z_]+)\}|\\[\s\S]/gi;

/**
 * Rewrites two ECMAScript escapes that `RE2JS.translateRegExp` leaves wrong for RE2. An escaped
 * surrogate pair becomes one `\u{…}` code point escape: with the `u` flag ECMAScript reads the
 * pair as one code point, while the translation would make two surrogates that never match.
 * `\p{Script=Greek}` becomes `\p{Greek}`, the only form RE2 reads, and `\p{gc=L}` becomes `\p{L}`.
 */
function rewriteEscapesForRe2(pattern: string): string {
  return pattern.replace(
    REWRITTEN_ESCAPES,
    (escape: string, high?: string, low?: string, property?: string, value?: string) => {
      if (high !== undefined && low !== undefined) {
        const codePoint = (parseInt(high, 16) - 0xd800) * 0x400 + (parseInt(low, 16) - 0xdc00) + 0x10000;
        return `\\u{${codePoint.toString(16)}}`;
      }
      if (property !== undefined && value !== undefined) {
        return `\\${property}{${value}}`;
      }
      return escape;
    },
  );
}

/**
 * Compiles an ECMAScript pattern for linear-time matching. The pattern must be valid for
 * `new RegExp(pattern, flags)` first, so a plugin schema means the same as JSON Schema's
 * ECMA-262 patterns, and RE2 must then compile it after `RE2JS.translateRegExp` has rewritten
 * ECMAScript-only escapes such as `\u00e9` and `(?<name>…)`. Only the `u` flag has an effect,
 * because RE2 always matches code points. Throws a `PatternError` otherwise.
 *
 * NOTE: RE2's `\s` matches only space, `\t`, `\n`, `\f` and `\r`, and its `.` also matches `\r`,
 * `\u2028` and `\u2029`. ECMAScript's `\s` also matches `\v` and Unicode spaces, and its `.`
 * excludes those line ends.
 */
export function compileLinearRegExp(pattern: string, flags = 'u'): RE2JS {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new PatternError(
      'too-large',
      pattern,
      `must be at most ${MAX_PATTERN_LENGTH} characters long, not ${pattern.length}`,
    );
  }
  try {
    // Compiling a native RegExp does not match anything, so it cannot backtrack.
    new RegExp(pattern, flags);
  } catch (error) {
    throw new PatternError('invalid', pattern, `is not a valid regular expression: ${(error as Error).message}`);
  }

  const construct = findUnsupportedConstruct(pattern);
  if (construct === 'backreference') {
    throw new PatternError(
      'unsupported',
      pattern,
      `must not use a backreference (\\1 or \\k<name>), because ${RE2_REASON} and has none`,
    );
  }
  if (construct === 'lookaround') {
    throw new PatternError(
      'unsupported',
      pattern,
      `must not use lookahead or lookbehind ((?=, (?!, (?<= or (?<!), because ${RE2_REASON} and has none`,
    );
  }

  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(RE2JS.translateRegExp(rewriteEscapesForRe2(pattern)));
  } catch (error) {
    if (!(error instanceof RE2JSException)) {
      throw error;
    }
    throw new PatternError('unsupported', pattern, `must use syntax that RE2 supports, because ${RE2_REASON}: ${error.message}`);
  }

  const programSize = compiled.programSize();
  if (programSize > MAX_PATTERN_PROGRAM_SIZE) {
    throw new PatternError(
      'too-large',
      pattern,
      `is too complex: it compiles to ${programSize} RE2 instructions, at most ${MAX_PATTERN_PROGRAM_SIZE}; ` +
        'use smaller repetition counts such as {1,100} in place of {1,1000}',
    );
  }
  return compiled;
}

/**
 * Ajv's `code.regExp` option: every `pattern` and `patternProperties` key of a schema compiled
 * with it runs on RE2. Ajv calls it while it compiles a schema, so an unsupported pattern makes
 * `ajv.compile` throw the `PatternError`. `code` is only used by Ajv's standalone code
 * generation, which the studio does not use.
 */
export const linearRegExpEngine: NonNullable<CodeOptions['regExp']> = Object.assign(
  (pattern: string, flags: string) => compileLinearRegExp(pattern, flags),
  { code: 'compileLinearRegExp' },
);
