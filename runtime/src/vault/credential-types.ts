/**
 * Credential types as the studio offers them: every type declared by a loaded plugin, named
 * `<plugin>/<type>`. When several versions of a plugin declare a type, the highest version's
 * declaration is used, so a type stays available while any installed version declares it.
 */
import { checkValuesAgainstSchema, compareVersions } from '@gestorlead/sdk-plugin/manifest';
import type { CredentialTypeManifest } from '@gestorlead/sdk-plugin/plugin';
import type { ProblemDetail } from '../errors.js';
import type { LoadedPlugin } from '../plugins/plugin-node-type.js';

/** A credential type of a loaded plugin. */
export interface CredentialTypeEntry {
  /** `<plugin>/<type>`, as credential records and the API name it. */
  type: string;
  /** The plugin version whose declaration this is. */
  plugin: LoadedPlugin;
  manifest: CredentialTypeManifest;
}

/** Returns the qualified name of a plugin's credential type. */
export function qualifiedTypeName(pluginName: string, typeName: string): string {
  return `${pluginName}/${typeName}`;
}

/** Returns the credential types of `plugins`, sorted by qualified name. */
export function credentialTypesOf(plugins: readonly LoadedPlugin[]): CredentialTypeEntry[] {
  const byType = new Map<string, CredentialTypeEntry>();
  for (const plugin of plugins) {
    for (const manifest of plugin.manifest.credentialTypes) {
      const type = qualifiedTypeName(plugin.name, manifest.name);
      const known = byType.get(type);
      if (known === undefined || compareVersions(plugin.version, known.plugin.version) > 0) {
        byType.set(type, { type, plugin, manifest });
      }
    }
  }
  return [...byType.values()].sort((a, b) => a.type.localeCompare(b.type));
}

/** Returns the entry of `type`, or undefined when no loaded plugin declares it. */
export function findCredentialType(plugins: readonly LoadedPlugin[], type: string): CredentialTypeEntry | undefined {
  const slash = type.indexOf('/');
  if (slash <= 0) return undefined;
  const pluginName = type.slice(0, slash);
  return credentialTypesOf(plugins.filter((plugin) => plugin.name === pluginName)).find((entry) => entry.type === type);
}

/** Validates credential values against the type's schema; pointers start at `basePointer`. */
export function checkCredentialValues(entry: CredentialTypeEntry, values: unknown, basePointer: string): ProblemDetail[] {
  return checkValuesAgainstSchema(entry.manifest.schema, values, basePointer).map((problem) => ({
    pointer: problem.pointer,
    message: problem.message,
    code: 'CREDENTIAL_VALUES_INVALID',
  }));
}
