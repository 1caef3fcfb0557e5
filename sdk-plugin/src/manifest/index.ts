/**
 * `@gestorlead/sdk-plugin/manifest`: host-side validation of plugin manifests and packages,
 * semver ranges and host patterns. Imports Ajv and `node:crypto`, so plugin code must not
 * import it.
 */
export {
  describeHostPatternProblem,
  hostMatchesPattern,
  isHostAllowed,
  isValidHostPattern,
} from './hosts.js';
export {
  MANIFEST_PROBLEM_CODES,
  PACKAGE_PROBLEM_CODES,
  type ManifestProblem,
  type ManifestProblemCode,
  type PackageProblem,
  type PackageProblemCode,
} from './problems.js';
export {
  ACTION_NAME_PATTERN,
  HTTPS_URL_PATTERN,
  ICON_PATTERN,
  MANIFEST_MAXIMUMS,
  PLUGIN_MANIFEST_SCHEMA,
  PLUGIN_NAME_PATTERN,
  PORT_NAME_PATTERN,
} from './schema.js';
export {
  compareVersions,
  isValidRange,
  isValidVersion,
  MAX_RANGE_LENGTH,
  parseRange,
  parseVersion,
  satisfiesRange,
  SEMVER_PATTERN,
  type Comparator,
  type ParseRangeResult,
  type RangeOperator,
  type SemVer,
  type SemVerRange,
} from './semver.js';
export { PLUGIN_SCHEMA_LIMITS } from '../plugin-schema/analyze.js';
export { validateManifest, type ManifestValidationResult } from './validate-manifest.js';
export {
  PLUGIN_PACKAGE_SCHEMA,
  sha256OfCode,
  validatePackage,
  type PackageValidationResult,
} from './validate-package.js';
export { checkValuesAgainstSchema, type ValueProblem } from './validate-values.js';
