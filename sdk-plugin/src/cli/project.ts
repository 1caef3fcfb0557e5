/** Building a plugin project into a package: bundle, read the manifest back, validate it. */
import { validateManifest } from '../manifest/validate-manifest.js';
import { sha256OfCode } from '../manifest/validate-package.js';
import { PACKAGE_FORMAT, type PluginManifest, type PluginPackage } from '../plugin/abi.js';
import { bundlePlugin, loadBundle } from './bundle.js';

/** A problem as the CLI prints it: `pointer: message (code)`. */
export interface CliProblem {
  pointer: string;
  message: string;
  code: string;
}

/** A built project: the bundle, its manifest, and every problem found in them. */
export interface BuiltProject {
  code: string;
  manifest: PluginManifest;
  problems: CliProblem[];
}

/**
 * Bundles the project, evaluates the bundle to read its manifest, and validates the manifest.
 * Throws a `BundleError` or `BundleEvaluationError` when there is no manifest to validate.
 */
export async function buildProject(projectDir: string, entry: string): Promise<BuiltProject> {
  const code = await bundlePlugin(projectDir, entry);
  const loaded = loadBundle(code);
  const problems: CliProblem[] = [...loaded.problems];
  const result = validateManifest(loaded.manifest);
  if (!result.ok) {
    problems.push(...result.problems);
  }
  return { code, manifest: loaded.manifest, problems };
}

/** Builds the package object, with keys in the order of the `PluginPackage` interface. */
export function createPackage(manifest: PluginManifest, code: string): PluginPackage {
  return { format: PACKAGE_FORMAT, manifest, code, sha256: sha256OfCode(code) };
}

/**
 * Serializes a package as the `.plugin.json` file: JSON with two-space indentation and a final
 * line break. The same package always gives the same bytes, because key order comes from the
 * package object and the manifest as the bundle built them.
 */
export function serializePackage(pluginPackage: PluginPackage): string {
  return JSON.stringify(pluginPackage, null, 2) + '\n';
}

/** Returns the package file name, `<name>-<version>.plugin.json`. */
export function packageFileName(manifest: PluginManifest): string {
  return `${manifest.name}-${manifest.version}.plugin.json`;
}

/** Formats problems one per line, as `pointer: message (code)`. */
export function formatProblems(problems: readonly CliProblem[]): string {
  return problems
    .map((problem) => `${problem.pointer === '' ? '(root)' : problem.pointer}: ${problem.message} (${problem.code})\n`)
    .join('');
}
