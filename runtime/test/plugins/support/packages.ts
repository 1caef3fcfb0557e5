/**
 * Plugin packages for tests, written by hand: the bundle is a small script that assigns a
 * definition to `globalThis.__gestorleadPlugin`, the same contract `gestorlead-plugin pack`
 * produces, without esbuild.
 */
import { sha256OfCode } from '@gestorlead/sdk-plugin/manifest';
import type { ActionManifest, PluginManifest, PluginPackage } from '@gestorlead/sdk-plugin/plugin';

/** One action of a test plugin; `run` is the source of an async function of `ctx`. */
export interface TestAction extends Partial<ActionManifest> {
  name: string;
  run: string;
}

/** Options of `buildTestPackage`. */
export interface TestPackageOptions {
  name: string;
  version?: string;
  runtime?: string;
  hosts?: string[];
  actions: TestAction[];
  credentialTypes?: PluginManifest['credentialTypes'];
}

/** Builds the manifest and the bundle of a test plugin, and packs them. */
export function buildTestPackage(options: TestPackageOptions): PluginPackage {
  const actions: ActionManifest[] = options.actions.map(({ run: _run, ...action }) => ({
    version: 1,
    displayName: `Action ${action.name}`,
    description: `The ${action.name} action of a test plugin.`,
    configSchema: { type: 'object', properties: {} },
    inputs: [{ name: 'in' }],
    outputs: [{ name: 'out' }],
    ...action,
  }));
  const manifest: PluginManifest = {
    name: options.name,
    version: options.version ?? '1.0.0',
    runtime: options.runtime ?? '^0.1.0',
    displayName: `Test plugin ${options.name}`,
    description: 'A plugin written by the plugin host tests.',
    permissions: { hosts: options.hosts ?? [] },
    credentialTypes: options.credentialTypes ?? [],
    actions,
    triggers: [],
  };
  const entries = options.actions
    .map((action, index) => `{ name: ${JSON.stringify(action.name)}, version: ${actions[index].version}, run: ${action.run} }`)
    .join(',\n    ');
  const code =
    '(() => {\n' +
    `  globalThis["__gestorleadPlugin"] = {\n    manifest: ${JSON.stringify(manifest)},\n` +
    `    actions: [\n    ${entries}\n    ],\n    triggers: [],\n  };\n})();\n`;
  return { format: 'gestorlead.plugin/v1', manifest, code, sha256: sha256OfCode(code) };
}

/** Returns a copy of `pluginPackage` whose code and hash are replaced, keeping the manifest. */
export function withCode(pluginPackage: PluginPackage, code: string): PluginPackage {
  return { ...pluginPackage, code, sha256: sha256OfCode(code) };
}
