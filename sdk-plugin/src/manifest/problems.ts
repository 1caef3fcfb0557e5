/** Problems found in a plugin manifest or package, and their conversion from Ajv errors. */
import type { ErrorObject } from 'ajv';

import { describeAjvError } from '../graph/ajv-problems.js';
import { joinPointer } from '../json-pointer.js';
import {
  ACTION_NAME_PATTERN,
  HTTPS_URL_PATTERN,
  ICON_PATTERN,
  PLUGIN_NAME_PATTERN,
  PORT_NAME_PATTERN,
} from './schema.js';
import { SEMVER_PATTERN } from './semver.js';

/** Codes of manifest problems. */
export const MANIFEST_PROBLEM_CODES = [
  /** A value breaks the manifest schema: missing, wrong type, unknown key, out of range. */
  'PLUGIN_MANIFEST_INVALID',
  /** Two actions share a name and version. */
  'PLUGIN_MANIFEST_DUPLICATE_ACTION',
  /** Two credential types, triggers, ports of one direction, or slots share a name. */
  'PLUGIN_MANIFEST_DUPLICATE_NAME',
  /** A credential slot names a type that `credentialTypes` does not declare. */
  'PLUGIN_MANIFEST_UNKNOWN_CREDENTIAL_TYPE',
  /** A config, port or credential schema is not a JSON Schema that Ajv compiles. */
  'PLUGIN_MANIFEST_SCHEMA_INVALID',
  /**
   * A config, port or credential schema is valid but uses what the studio does not run: a
   * pattern outside RE2's syntax, a `$ref` outside the schema, or a recursive `$ref`.
   */
  'PLUGIN_MANIFEST_SCHEMA_UNSUPPORTED',
  /** A config, port or credential schema, or all of them together, exceed a size limit. */
  'PLUGIN_MANIFEST_SCHEMA_TOO_LARGE',
  /** `runtime` is not a semver range this SDK parses. */
  'PLUGIN_MANIFEST_RUNTIME_RANGE_INVALID',
  /** A `permissions.hosts` entry is not a public host name or `*.` wildcard. */
  'PLUGIN_MANIFEST_HOST_INVALID',
] as const;

/** Codes of manifest problems. */
export type ManifestProblemCode = (typeof MANIFEST_PROBLEM_CODES)[number];

/** Codes of package problems; a package's manifest problems keep their own codes. */
export const PACKAGE_PROBLEM_CODES = [
  /** The package is not an object of `format`, `manifest`, `code` and `sha256`. */
  'PLUGIN_PACKAGE_INVALID',
  /** `format` is not the one this SDK reads. */
  'PLUGIN_PACKAGE_FORMAT_UNSUPPORTED',
  /** `sha256` is not the SHA-256 of `code`. */
  'PLUGIN_PACKAGE_SHA256_MISMATCH',
] as const;

/** Codes of package problems. */
export type PackageProblemCode = (typeof PACKAGE_PROBLEM_CODES)[number];

/**
 * One problem, located by a JSON pointer (RFC 6901). `message` completes the sentence
 * "<pointer> …".
 */
export interface ManifestProblem<Code extends string = ManifestProblemCode> {
  pointer: string;
  message: string;
  code: Code;
}

/** A problem of a package or of the manifest inside it. */
export type PackageProblem = ManifestProblem<ManifestProblemCode | PackageProblemCode>;

const PATTERN_MESSAGES: Readonly<Record<string, string>> = {
  [PLUGIN_NAME_PATTERN]:
    'must be 1 to 64 lowercase letters, digits or "-", starting with a letter or digit',
  [ACTION_NAME_PATTERN]:
    'must start with a lowercase letter, followed by up to 63 letters, digits, "_" or "-"',
  [PORT_NAME_PATTERN]: 'must be 1 to 64 letters, digits, "_" or "-"',
  [SEMVER_PATTERN]: 'must be a semantic version such as 1.0.0',
  [ICON_PATTERN]: 'must be a data URI of the form data:image/svg+xml;base64,… or data:image/png;base64,…',
  [HTTPS_URL_PATTERN]: 'must be an absolute https:// URL',
  '^(?:/[^/]*)+$': 'must be a JSON pointer such as /cases',
  '^[0-9a-f]{64}$': 'must be 64 lowercase hexadecimal digits',
};

/**
 * Converts Ajv errors into problems with `code`, located under `basePointer`. A missing or
 * unknown property is located at that property. `if` errors are dropped, because the failing
 * branch reports the cause itself.
 */
export function problemsFromAjv<Code extends string>(
  errors: readonly ErrorObject[] | null | undefined,
  basePointer: string,
  code: Code,
): ManifestProblem<Code>[] {
  const problems: ManifestProblem<Code>[] = [];
  for (const error of errors ?? []) {
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

    let message = describeAjvError(error);
    if (error.keyword === 'pattern' && PATTERN_MESSAGES[String(params.pattern)] !== undefined) {
      message = PATTERN_MESSAGES[String(params.pattern)];
    } else if (error.keyword === 'dependencies') {
      message = `is required when "${String(params.property)}" is set`;
    }
    problems.push({ pointer, message, code });
  }
  return problems;
}
