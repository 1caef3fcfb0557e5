/**
 * Semantic versions (semver 2.0.0) and the small range syntax that manifests use for
 * `runtime`, without a dependency. Supported ranges: `*`, `1.2.3` or `=1.2.3`, `^1.2.3`,
 * `~1.2.3`, comparators `>`, `>=`, `<`, `<=` joined by spaces (all must hold), and `||`
 * between such sets (one must hold). Every version in a range is written in full (`x.y.z`).
 * Prerelease versions follow npm's rule: `1.3.0-beta.1` satisfies a range only when a
 * comparator of the same set names a prerelease of 1.3.0.
 */

/** A parsed semantic version. */
export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  /** Dot-separated prerelease identifiers, such as `['beta', '2']`; empty for a release. */
  prerelease: string[];
  /** Build metadata identifiers; ignored when versions are compared. */
  build: string[];
}

/** Comparison operators of a range comparator. */
export type RangeOperator = '<' | '<=' | '>' | '>=' | '=';

/** One comparison that a version must pass. */
export interface Comparator {
  operator: RangeOperator;
  version: SemVer;
}

/**
 * A parsed range: a version satisfies it when it passes every comparator of at least one set.
 * An empty set, from `*`, accepts every release.
 */
export type SemVerRange = Comparator[][];

/** The semver 2.0.0 grammar, from semver.org, as one pattern (JSON Schema dialect). */
export const SEMVER_PATTERN =
  '^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)' +
  '(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?' +
  '(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$';

const SEMVER_REGEX = new RegExp(SEMVER_PATTERN);
const NUMERIC_IDENTIFIER = /^[0-9]+$/;

/**
 * Parses a semantic version such as `1.2.3-beta.1+build.5`. Returns undefined when the text
 * is not one, or when a number is larger than `Number.MAX_SAFE_INTEGER`.
 */
export function parseVersion(text: string): SemVer | undefined {
  const match = SEMVER_REGEX.exec(text);
  if (match === null) {
    return undefined;
  }
  const [major, minor, patch] = [match[1], match[2], match[3]].map(Number);
  if (![major, minor, patch].every(Number.isSafeInteger)) {
    return undefined;
  }
  return {
    major,
    minor,
    patch,
    prerelease: match[4] === undefined ? [] : match[4].split('.'),
    build: match[5] === undefined ? [] : match[5].split('.'),
  };
}

/** Returns whether `text` is a semantic version. */
export function isValidVersion(text: string): boolean {
  return parseVersion(text) !== undefined;
}

function compareNumbers(a: number, b: number): -1 | 0 | 1 {
  if (a === b) {
    return 0;
  }
  return a < b ? -1 : 1;
}

/**
 * Compares prerelease identifiers by semver's rules: numeric identifiers compare as numbers
 * and sort before alphanumeric ones, which compare in ASCII order.
 */
function compareIdentifiers(a: string, b: string): -1 | 0 | 1 {
  const aNumeric = NUMERIC_IDENTIFIER.test(a);
  const bNumeric = NUMERIC_IDENTIFIER.test(b);
  if (aNumeric && bNumeric) {
    // Semver forbids leading zeros, so a longer numeral is a larger number, even past 2^53.
    if (a.length !== b.length) {
      return compareNumbers(a.length, b.length);
    }
  } else if (aNumeric !== bNumeric) {
    return aNumeric ? -1 : 1;
  }
  if (a === b) {
    return 0;
  }
  return a < b ? -1 : 1;
}

function comparePrerelease(a: readonly string[], b: readonly string[]): -1 | 0 | 1 {
  // A release sorts after every prerelease of the same version.
  if (a.length === 0 || b.length === 0) {
    return compareNumbers(b.length, a.length);
  }
  const shared = Math.min(a.length, b.length);
  for (let index = 0; index < shared; index += 1) {
    const order = compareIdentifiers(a[index], b[index]);
    if (order !== 0) {
      return order;
    }
  }
  return compareNumbers(a.length, b.length);
}

function toSemVer(version: string | SemVer): SemVer {
  if (typeof version !== 'string') {
    return version;
  }
  const parsed = parseVersion(version);
  if (parsed === undefined) {
    throw new TypeError(`"${version}" is not a semantic version such as 1.2.3`);
  }
  return parsed;
}

/**
 * Compares two versions by semver precedence, ignoring build metadata. Returns -1, 0 or 1.
 * Throws a TypeError when a string is not a semantic version.
 */
export function compareVersions(a: string | SemVer, b: string | SemVer): -1 | 0 | 1 {
  const left = toSemVer(a);
  const right = toSemVer(b);
  return (
    compareNumbers(left.major, right.major) ||
    compareNumbers(left.minor, right.minor) ||
    compareNumbers(left.patch, right.patch) ||
    comparePrerelease(left.prerelease, right.prerelease)
  );
}

function release(major: number, minor: number, patch: number): SemVer {
  return { major, minor, patch, prerelease: [], build: [] };
}

/** Returns the exclusive upper bound of `^version`: the next release that changes the API. */
function caretUpperBound(version: SemVer): SemVer {
  if (version.major > 0) {
    return release(version.major + 1, 0, 0);
  }
  if (version.minor > 0) {
    return release(0, version.minor + 1, 0);
  }
  return release(0, 0, version.patch + 1);
}

/** The result of `parseRange`: the range, or why the text is not one. */
export type ParseRangeResult = { ok: true; range: SemVerRange } | { ok: false; message: string };

const COMPARATOR = /^(<=|>=|<|>|=|\^|~)?(.*)$/;
const PARTIAL_VERSION = /^[0-9]+(?:\.[0-9]+)?$/;
const WILDCARD_VERSION = /^[0-9xX*]+(?:\.[0-9xX*]+){0,2}$/;

function parseComparator(token: string): Comparator[] | string {
  const [, prefix = '', versionText] = COMPARATOR.exec(token) ?? [];
  const version = parseVersion(versionText);
  if (version === undefined) {
    if (PARTIAL_VERSION.test(versionText)) {
      const parts = versionText.split('.');
      while (parts.length < 3) {
        parts.push('0');
      }
      return `"${token}" is a partial version; write all three numbers, as in ${prefix}${parts.join('.')}`;
    }
    if (WILDCARD_VERSION.test(versionText)) {
      return `"${token}" uses a wildcard, which is not supported; write a caret or tilde range such as ^1.0.0 or ~1.2.0`;
    }
    return `"${token}" is not a version such as 1.2.3 with an optional ^, ~, >, >=, <, <= or =`;
  }

  switch (prefix) {
    case '^':
      return [
        { operator: '>=', version },
        { operator: '<', version: caretUpperBound(version) },
      ];
    case '~':
      return [
        { operator: '>=', version },
        { operator: '<', version: release(version.major, version.minor + 1, 0) },
      ];
    case '':
      return [{ operator: '=', version }];
    default:
      return [{ operator: prefix as RangeOperator, version }];
  }
}

function parseComparatorSet(text: string): Comparator[] | string {
  // `>= 1.2.3` means `>=1.2.3`: an operator binds to the version after it.
  const tokens = text
    .trim()
    .replace(/(<=|>=|<|>|=|\^|~)\s+/g, '$1')
    .split(/\s+/);
  if (tokens.length === 1 && tokens[0] === '') {
    return 'a range between "||" is empty; write * to accept any version';
  }
  if (tokens.length === 1 && tokens[0] === '*') {
    return [];
  }
  if (tokens.includes('-')) {
    return 'hyphen ranges such as "1.2.3 - 2.0.0" are not supported; write >=1.2.3 <=2.0.0';
  }

  const comparators: Comparator[] = [];
  for (const token of tokens) {
    if (token === '*') {
      return '"*" must stand alone';
    }
    const parsed = parseComparator(token);
    if (typeof parsed === 'string') {
      return parsed;
    }
    comparators.push(...parsed);
  }
  return comparators;
}

/** Maximum length of a range, in characters. */
export const MAX_RANGE_LENGTH = 256;

/** Parses a semver range in the syntax described at the top of this module. */
export function parseRange(text: string): ParseRangeResult {
  if (text.length > MAX_RANGE_LENGTH) {
    return { ok: false, message: `is longer than ${MAX_RANGE_LENGTH} characters` };
  }
  if (text.trim() === '') {
    return { ok: false, message: 'is empty; write * to accept any version' };
  }

  const range: SemVerRange = [];
  for (const part of text.split('||')) {
    const set = parseComparatorSet(part);
    if (typeof set === 'string') {
      return { ok: false, message: set };
    }
    range.push(set);
  }
  return { ok: true, range };
}

/** Returns whether `text` is a range that `parseRange` accepts. */
export function isValidRange(text: string): boolean {
  return parseRange(text).ok;
}

function passes(version: SemVer, comparator: Comparator): boolean {
  const order = compareVersions(version, comparator.version);
  switch (comparator.operator) {
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
    case '=':
      return order === 0;
  }
}

function setAccepts(version: SemVer, set: readonly Comparator[]): boolean {
  if (!set.every((comparator) => passes(version, comparator))) {
    return false;
  }
  if (version.prerelease.length === 0) {
    return true;
  }
  return set.some(
    (comparator) =>
      comparator.version.prerelease.length > 0 &&
      comparator.version.major === version.major &&
      comparator.version.minor === version.minor &&
      comparator.version.patch === version.patch,
  );
}

/**
 * Returns whether `version` satisfies `range`. Throws a TypeError when the version is not a
 * semantic version or the range is not valid, with the reason.
 */
export function satisfiesRange(version: string | SemVer, range: string | SemVerRange): boolean {
  const parsedVersion = toSemVer(version);
  let parsedRange: SemVerRange;
  if (typeof range === 'string') {
    const result = parseRange(range);
    if (!result.ok) {
      throw new TypeError(`"${range}" is not a valid semver range: ${result.message}`);
    }
    parsedRange = result.range;
  } else {
    parsedRange = range;
  }
  return parsedRange.some((set) => setAccepts(parsedVersion, set));
}
