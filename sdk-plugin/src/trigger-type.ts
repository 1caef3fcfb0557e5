/**
 * Plugin triggers as graphs choose them in `settings.trigger`: the descriptor of one installed
 * trigger, the lookup the runtime provides, and the rule that picks the plugin version.
 */
import { compareVersions, parseRange, satisfiesRange } from './manifest/semver.js';

/** A credential slot of a trigger, filled per graph with a stored credential of `type`. */
export interface TriggerCredentialSlot {
  slot: string;
  type: string;
  required?: boolean;
}

/** One trigger of one installed plugin version. Plain data, so it travels over HTTP unchanged. */
export interface TriggerTypeDescriptor {
  /** `<plugin>/<trigger>`, such as `shop/orderEvents`. */
  type: string;
  displayName: string;
  description?: string;
  /** `webhook` triggers verify and parse deliveries, and `polling` triggers cannot start runs yet. */
  kind: 'webhook' | 'polling';
  configSchema: Record<string, unknown>;
  credentialSlots: TriggerCredentialSlot[];
  /** The installed plugin version that provides this trigger. */
  plugin: { name: string; version: string };
}

/** Lookup of installed triggers, implemented by the runtime's plugin host. */
export interface TriggerTypeLookup {
  /** Returns every installed plugin version's descriptor of `type`, or an empty list. */
  triggerVersions(type: string): readonly TriggerTypeDescriptor[];
}

/** Returns the trigger type of a plugin's trigger: `<plugin>/<trigger>`. */
export function triggerTypeName(pluginName: string, triggerName: string): string {
  return `${pluginName}/${triggerName}`;
}

/**
 * Returns the descriptor of the highest plugin version that satisfies `pluginVersion`, or of
 * the highest version when `pluginVersion` is undefined. Returns undefined when no version
 * satisfies the range or the range is invalid.
 */
export function selectTriggerVersion(
  versions: readonly TriggerTypeDescriptor[],
  pluginVersion?: string,
): TriggerTypeDescriptor | undefined {
  const range = pluginVersion === undefined ? undefined : parseRange(pluginVersion);
  if (range !== undefined && !range.ok) {
    return undefined;
  }
  let best: TriggerTypeDescriptor | undefined;
  for (const candidate of versions) {
    if (range !== undefined && !satisfiesRange(candidate.plugin.version, range.range)) {
      continue;
    }
    if (best === undefined || compareVersions(candidate.plugin.version, best.plugin.version) > 0) {
      best = candidate;
    }
  }
  return best;
}
