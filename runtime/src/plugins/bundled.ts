/**
 * First-party plugins that the studio packs from its own sources at start-up, the way
 * `gestorlead-plugin pack` would, and installs like any package. No built bundle is committed.
 */
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { buildProject, createPackage, formatProblems } from '@gestorlead/sdk-plugin/cli';
import type { InstallResult, PluginHost } from './plugin-host.js';

/** Project folders of the bundled plugins. */
export const BUNDLED_PLUGIN_DIRS: readonly string[] = ['core', 'asaas', 'social'].map((name) =>
  fileURLToPath(new URL(`../../../plugins/${name}/`, import.meta.url)),
);

/**
 * Packs each bundled plugin and installs it unless the same code is installed already. Throws
 * when a plugin does not build or its manifest has problems, because that is a defect of the
 * studio's own sources.
 */
export async function installBundledPlugins(
  host: PluginHost,
  log: Logger,
  directories: readonly string[] = BUNDLED_PLUGIN_DIRS,
): Promise<InstallResult[]> {
  const results: InstallResult[] = [];
  for (const directory of directories) {
    const started = performance.now();
    const project = await buildProject(directory, 'src/index.ts');
    if (project.problems.length > 0) {
      throw new Error(`bundled plugin in ${directory} has manifest problems:\n${formatProblems(project.problems)}`);
    }
    const result = await host.install(createPackage(project.manifest, project.code), { bundled: true });
    log.info(
      { plugin: result.plugin.name, version: result.plugin.version, changed: result.changed, ms: Math.round(performance.now() - started) },
      'bundled plugin ready',
    );
    results.push(result);
  }
  return results;
}
