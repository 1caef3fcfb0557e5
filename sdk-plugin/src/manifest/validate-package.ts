/**
 * Validation of packed plugin files (`PluginPackage`). Host-side only: it hashes with
 * `node:crypto`, so plugin code must not import it.
 */
import { createHash } from 'node:crypto';

import { createAjv } from '../graph/ajv-problems.js';
import { PACKAGE_FORMAT, type PluginPackage } from '../plugin/abi.js';
import { problemsFromAjv, type PackageProblem } from './problems.js';
import { validateManifest } from './validate-manifest.js';

/** JSON Schema of the package envelope; the manifest inside is checked by `validateManifest`. */
export const PLUGIN_PACKAGE_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'GestorLead Studio plugin package',
  type: 'object',
  additionalProperties: false,
  required: ['format', 'manifest', 'code', 'sha256'],
  properties: {
    format: { type: 'string' },
    manifest: { type: 'object' },
    code: { type: 'string', minLength: 1 },
    sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
  },
} as const;

/** The result of `validatePackage`. */
export type PackageValidationResult =
  | { ok: true; package: PluginPackage }
  | { ok: false; problems: PackageProblem[] };

/** Returns the hex SHA-256 of a bundle's code, encoded as UTF-8: the package's `sha256`. */
export function sha256OfCode(code: string): string {
  return createHash('sha256').update(code, 'utf8').digest('hex');
}

const validateEnvelope = createAjv().compile(PLUGIN_PACKAGE_SCHEMA);

/**
 * Validates a packed plugin: the envelope, the format tag, that `sha256` is the SHA-256 of
 * `code`, and the manifest (its problems are located under `/manifest`). Returns the package
 * when it is valid, or every problem found.
 */
export function validatePackage(input: unknown): PackageValidationResult {
  if (!validateEnvelope(input)) {
    return {
      ok: false,
      problems: problemsFromAjv(validateEnvelope.errors, '', 'PLUGIN_PACKAGE_INVALID'),
    };
  }

  const candidate = input as unknown as { format: unknown; manifest: unknown; code: string; sha256: string };
  const problems: PackageProblem[] = [];
  if (candidate.format !== PACKAGE_FORMAT) {
    problems.push({
      pointer: '/format',
      message: `must be "${PACKAGE_FORMAT}", the only format this SDK reads, not "${String(candidate.format)}"`,
      code: 'PLUGIN_PACKAGE_FORMAT_UNSUPPORTED',
    });
  }

  const actual = sha256OfCode(candidate.code);
  if (candidate.sha256 !== actual) {
    problems.push({
      pointer: '/sha256',
      message: `does not match the SHA-256 of /code (${actual}); the file was changed after packing, so pack it again`,
      code: 'PLUGIN_PACKAGE_SHA256_MISMATCH',
    });
  }

  const manifest = validateManifest(candidate.manifest);
  if (!manifest.ok) {
    for (const item of manifest.problems) {
      problems.push({ ...item, pointer: '/manifest' + item.pointer });
    }
  }

  if (problems.length > 0) {
    return { ok: false, problems };
  }
  return { ok: true, package: input as unknown as PluginPackage };
}
