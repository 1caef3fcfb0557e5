/**
 * Plugin packages for tests. `buildTestPackage` writes them by hand: the bundle is a small
 * script that assigns a definition to `globalThis.__gestorleadPlugin`, the same contract
 * `gestorlead-plugin pack` produces, without esbuild. `packProject` bundles TypeScript sources.
 */
import { buildProject, createPackage } from '@gestorlead/sdk-plugin/cli';
import { sha256OfCode } from '@gestorlead/sdk-plugin/manifest';
import type { ActionManifest, PluginManifest, PluginPackage, TriggerManifest } from '@gestorlead/sdk-plugin/plugin';

/** One action of a test plugin; `run` is the source of an async function of `ctx`. */
export interface TestAction extends Partial<ActionManifest> {
  name: string;
  run: string;
}

/**
 * One trigger of a test plugin; `verify` and `parse` are sources of async functions of `ctx`.
 * A trigger without one of them leaves that hook undefined in the bundle.
 */
export interface TestTrigger extends Partial<TriggerManifest> {
  name: string;
  verify?: string;
  parse?: string;
}

/** Options of `buildTestPackage`. */
export interface TestPackageOptions {
  name: string;
  version?: string;
  runtime?: string;
  hosts?: string[];
  actions: TestAction[];
  triggers?: TestTrigger[];
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
    triggers: (options.triggers ?? []).map(({ verify: _verify, parse: _parse, ...trigger }) => ({
      displayName: `Trigger ${trigger.name}`,
      description: `The ${trigger.name} trigger of a test plugin.`,
      kind: 'webhook' as const,
      configSchema: { type: 'object', properties: {} },
      ...trigger,
    })),
  };
  const entries = options.actions
    .map((action, index) => `{ name: ${JSON.stringify(action.name)}, version: ${actions[index].version}, run: ${action.run} }`)
    .join(',\n    ');
  const triggerEntries = (options.triggers ?? [])
    .map((trigger) => {
      const hooks = [
        trigger.verify === undefined ? '' : `, verify: ${trigger.verify}`,
        trigger.parse === undefined ? '' : `, parse: ${trigger.parse}`,
      ];
      return `{ name: ${JSON.stringify(trigger.name)}${hooks.join('')} }`;
    })
    .join(',\n    ');
  const code =
    '(() => {\n' +
    `  globalThis["__gestorleadPlugin"] = {\n    manifest: ${JSON.stringify(manifest)},\n` +
    `    actions: [\n    ${entries}\n    ],\n    triggers: [\n    ${triggerEntries}\n    ],\n  };\n})();\n`;
  return { format: 'gestorlead.plugin/v1', manifest, code, sha256: sha256OfCode(code) };
}

/** Returns a copy of `pluginPackage` whose code and hash are replaced, keeping the manifest. */
export function withCode(pluginPackage: PluginPackage, code: string): PluginPackage {
  return { ...pluginPackage, code, sha256: sha256OfCode(code) };
}

/**
 * Packs a plugin project from its TypeScript sources, with the same bundling and manifest
 * checks as `gestorlead-plugin pack`. Throws when the manifest has problems.
 */
export async function packProject(projectDir: string, entry = 'src/index.ts'): Promise<PluginPackage> {
  const project = await buildProject(projectDir, entry);
  if (project.problems.length > 0) {
    const lines = project.problems.map((problem) => `${problem.pointer}: ${problem.message}`);
    throw new Error(`the plugin in ${projectDir} has manifest problems:\n${lines.join('\n')}`);
  }
  return createPackage(project.manifest, project.code);
}
