/**
 * Platform credentials of sandboxed plugins: the operator's own provider keys, read from the
 * environment, which a node uses when it picks no credential of its own. A credential type
 * names the variable of each property in `platform.env`. Only first-party plugins get them,
 * because a plugin that names a variable receives its value in plugin code. A user or admin
 * cannot install a plugin under a first-party name (see `RESERVED_PLUGIN_NAMES`).
 */
import type { CredentialTypeManifest } from '@gestorlead/sdk-plugin/plugin';

/** Plugins the studio installs from its own sources at start-up. */
export const FIRST_PARTY_PLUGIN_NAMES: readonly string[] = ['core', 'openai', 'google', 'piapi', 'elevenlabs', 'asaas', 'social'];

/**
 * Environment variables that may supply platform credentials. A credential type that names
 * another variable gets nothing from it.
 */
export const PLATFORM_CREDENTIAL_VARIABLES: readonly string[] = [
  'OPENAI_API_KEY',
  'OPENAI_BASE_URL',
  'GOOGLE_API_KEY',
  'GOOGLE_BASE_URL',
  'PIAPI_API_KEY',
  'PIAPI_BASE_URL',
  'ELEVENLABS_API_KEY',
  'ELEVENLABS_BASE_URL',
];

/** Reads the set, non-empty `PLATFORM_CREDENTIAL_VARIABLES` from `env`, trimmed. */
export function readPlatformEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const values: Record<string, string> = {};
  for (const name of PLATFORM_CREDENTIAL_VARIABLES) {
    const value = env[name]?.trim();
    if (value !== undefined && value !== '') values[name] = value;
  }
  return values;
}

/** The plugin a credential type belongs to. */
export interface CredentialOwner {
  name: string;
  /** Null for a version shared with every user, the only kind a first-party plugin has. */
  ownerId: string | null;
}

/** The platform credential of one credential type. */
export type PlatformCredential =
  | { configured: true; values: Record<string, string> }
  | { configured: false; missing: string[] };

/**
 * Returns the platform credential of `type`, or undefined when the type has none: it declares
 * no `platform.env`, or its plugin is not a shared first-party plugin. The credential is
 * configured when every required property of the type's schema has a value.
 */
export function platformCredentialOf(
  platformEnv: Readonly<Record<string, string>>,
  plugin: CredentialOwner,
  type: CredentialTypeManifest | undefined,
): PlatformCredential | undefined {
  const variables = type?.platform?.env;
  if (type === undefined || variables === undefined || plugin.ownerId !== null || !FIRST_PARTY_PLUGIN_NAMES.includes(plugin.name)) {
    return undefined;
  }
  const values: Record<string, string> = {};
  for (const [property, variable] of Object.entries(variables)) {
    const value = PLATFORM_CREDENTIAL_VARIABLES.includes(variable) ? platformEnv[variable] : undefined;
    if (value !== undefined) values[property] = value;
  }
  const required = Array.isArray(type.schema.required) ? (type.schema.required as unknown[]).filter((name) => typeof name === 'string') : [];
  const missing = (required as string[]).filter((property) => values[property] === undefined).map((property) => variables[property] ?? property);
  return missing.length === 0 ? { configured: true, values } : { configured: false, missing };
}
