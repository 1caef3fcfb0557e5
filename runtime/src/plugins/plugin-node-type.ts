/**
 * Node types for plugin actions: a descriptor built from the action's manifest, and an
 * `execute` that resolves the node's credentials and calls the action in the sandbox.
 */
import { outputPortsOf, type NodeTypeDescriptor } from '@gestorlead/sdk-plugin';
import type { ActionManifest, CredentialSlotManifest, PluginManifest } from '@gestorlead/sdk-plugin/plugin';
import type { PluginSettings } from '../config.js';
import { NodeError, type NodeContext, type NodeResult, type NodeType } from '../executor/node-type.js';
import type { CallLimits, PluginCode, Sandbox } from '../sandbox/types.js';
import { resolveSlotCredentials, type CredentialResolver, type NodeCredentialChoice } from './credentials.js';
import { createHostServices, type HostServiceDependencies } from './host-services.js';
import { capLimits } from './limits.js';
import { platformCredentialOf } from './platform-credentials.js';

/** An installed plugin version as the host keeps it in memory. */
export interface LoadedPlugin {
  /** The user who installed the version privately, or null for a version shared with every user. */
  ownerId: string | null;
  name: string;
  version: string;
  manifest: PluginManifest;
  code: string;
  sha256: string;
  installedAt: string;
}

/** The descriptor of a plugin action, as `GET /v1/node-types` lists it. */
export interface PluginNodeTypeDescriptor extends NodeTypeDescriptor {
  /** The plugin version whose code runs this node type. */
  plugin: { name: string; version: string };
  credentialSlots: CredentialSlotManifest[];
  /** The limits of each call, after the operator's caps. */
  limits: CallLimits;
  /**
   * Slots whose credential type has a platform credential, and whether the operator configured
   * it. A node that picks no credential in such a slot uses the platform's, and fails with
   * `AI_PROVIDER_NOT_CONFIGURED` when it is not configured. Absent when no slot has one.
   */
  platformCredentials?: PlatformCredentialSlot[];
}

/** A credential slot that may use the operator's platform credential. */
export interface PlatformCredentialSlot {
  slot: string;
  /** `<plugin>/<credential type>`. */
  type: string;
  configured: boolean;
}

/** A node type backed by a plugin action. */
export interface PluginNodeType extends NodeType, PluginNodeTypeDescriptor {}

/** Studio services that plugin node types use when they execute. */
export interface PluginExecutionDependencies {
  sandbox: Sandbox;
  services: HostServiceDependencies;
  credentials: CredentialResolver;
  settings: PluginSettings;
  /** Returns the node's chosen credential id per slot, from its graph document, and the run's owner. */
  nodeCredentials(ctx: NodeContext): Promise<NodeCredentialChoice>;
  /** Whether the operator lets the plugin's shared versions reach any public host (`TRUSTED_PLUGINS`). */
  isTrusted(pluginName: string): boolean;
}

/** Returns the node type name of an action: `<plugin>/<action>@<version>`. */
export function nodeTypeName(pluginName: string, action: Pick<ActionManifest, 'name' | 'version'>): string {
  return `${pluginName}/${action.name}@${action.version}`;
}

/** Returns the sandbox's cache key and code of a plugin version. */
export function pluginCodeOf(plugin: LoadedPlugin): PluginCode {
  // The hash is part of the key, so a child that cached an older bundle of the same version
  // (a bundled plugin rebuilt from changed sources) does not run it.
  return { key: `${plugin.name}@${plugin.version}#${plugin.sha256.slice(0, 16)}`, code: plugin.code, sha256: plugin.sha256 };
}

/** Builds the node type of one action of one installed plugin version. */
export function createPluginNodeType(
  plugin: LoadedPlugin,
  action: ActionManifest,
  dependencies: PluginExecutionDependencies,
): PluginNodeType {
  const slots = action.credentialSlots ?? [];
  const limits = capLimits(action.limits, dependencies.settings);
  const code = pluginCodeOf(plugin);
  const policy = {
    plugin: plugin.name,
    hosts: plugin.manifest.permissions.hosts,
    // Only shared versions, which only admins install, are trusted. Otherwise a user could
    // install a private plugin under a trusted name that no shared version uses yet.
    anyHost: plugin.ownerId === null && dependencies.isTrusted(plugin.name),
  };

  const execute = async (ctx: NodeContext): Promise<NodeResult> => {
    const choice = slots.length === 0 ? { ownerId: null, chosen: {} } : await dependencies.nodeCredentials(ctx);
    const { values: credentials, scrubber } = await resolveSlotCredentials({
      plugin,
      platformEnv: dependencies.settings.platformEnv,
      slots,
      choice,
      scope: { runId: ctx.runId, nodeId: ctx.nodeId, taskId: ctx.taskId },
      resolver: dependencies.credentials,
    });
    const baseUrlHosts = credentialBaseUrlHosts(plugin.manifest, slots, credentials);
    // The task log, output and error are recorded, so the credential values are scrubbed from
    // each of them here, before the executor receives them.
    const host = createHostServices(dependencies.services, {
      policy: baseUrlHosts.length === 0 ? policy : { ...policy, hosts: [...policy.hosts, ...baseUrlHosts] },
      runId: ctx.runId,
      nodeId: ctx.nodeId,
      taskId: ctx.taskId,
      topUpCredits: plugin.ownerId === null && plugin.manifest.permissions.topUpCredits === true,
      log: (level, message, data) => ctx.log(level, scrubber.scrubText(message), scrubber.scrub(data)),
    });
    try {
      const outcome = await dependencies.sandbox.callAction({
        plugin: code,
        call: {
          action: action.name,
          version: action.version,
          config: ctx.config,
          input: ctx.input,
          credentials,
          run: { id: ctx.runId, graphId: ctx.graphId, nodeId: ctx.nodeId, taskId: ctx.taskId, attempt: ctx.attempt },
          outputPort: action.outputs[0]?.name,
        },
        limits,
        host,
        signal: ctx.signal,
      });
      if (outcome.ok) {
        // The bundle chooses its ports, so they are checked against the installed manifest.
        const declared = outputPortsOf({ config: ctx.config }, { outputs: action.outputs, outputsFromConfig: action.outputsFromConfig } as NodeTypeDescriptor);
        const unknown = Object.keys(outcome.outputs).filter((port) => !declared.includes(port));
        if (unknown.length > 0) {
          throw new NodeError('PLUGIN_OUTPUT_PORT_UNKNOWN', `action "${action.name}" returned values on undeclared output ports: ${unknown.join(', ')}`, {
            details: { ports: unknown, declared },
          });
        }
        const outputs = scrubber.scrub(outcome.outputs);
        return outcome.units === undefined ? { outputs } : { outputs, units: outcome.units };
      }
      const { code: errorCode, message, retryable, details } = outcome.error;
      throw new NodeError(errorCode, message, details === undefined ? { retryable } : { retryable, details });
    } catch (error) {
      throw scrubber.scrubError(error);
    } finally {
      host.finish();
    }
  };

  const descriptor: PluginNodeTypeDescriptor = {
    type: nodeTypeName(plugin.name, action),
    displayName: action.displayName,
    description: action.description,
    group: action.group ?? plugin.manifest.displayName,
    configSchema: action.configSchema,
    inputs: action.inputs,
    outputs: action.outputs,
    ...(action.outputsFromConfig !== undefined ? { outputsFromConfig: action.outputsFromConfig } : {}),
    ...(action.credits !== undefined ? { credits: action.credits } : {}),
    plugin: { name: plugin.name, version: plugin.version },
    credentialSlots: slots,
    limits,
  };
  const platformSlots = platformCredentialSlots(plugin, slots, dependencies.settings.platformEnv);
  if (platformSlots.length > 0) descriptor.platformCredentials = platformSlots;
  return { ...descriptor, execute };
}

function platformCredentialSlots(
  plugin: LoadedPlugin,
  slots: readonly CredentialSlotManifest[],
  platformEnv: Readonly<Record<string, string>>,
): PlatformCredentialSlot[] {
  const result: PlatformCredentialSlot[] = [];
  for (const slot of slots) {
    const type = plugin.manifest.credentialTypes.find((candidate) => candidate.name === slot.type);
    const platform = platformCredentialOf(platformEnv, plugin, type);
    if (platform !== undefined) result.push({ slot: slot.slot, type: `${plugin.name}/${slot.type}`, configured: platform.configured });
  }
  return result;
}

/**
 * Returns the hosts of the base URLs in a call's credentials, for credential types that name a
 * `baseUrlProperty`. The credential's owner chose that URL (the operator for a platform
 * credential), so the call may reach it; private addresses still need `HTTP_ALLOW_PRIVATE`.
 */
function credentialBaseUrlHosts(
  manifest: PluginManifest,
  slots: readonly CredentialSlotManifest[],
  credentials: Record<string, Record<string, unknown>>,
): string[] {
  const hosts: string[] = [];
  for (const slot of slots) {
    const property = manifest.credentialTypes.find((candidate) => candidate.name === slot.type)?.baseUrlProperty;
    const value = property === undefined ? undefined : credentials[slot.slot]?.[property];
    if (typeof value !== 'string' || !URL.canParse(value)) continue;
    const hostname = new URL(value).hostname;
    hosts.push(hostname.startsWith('[') ? hostname.slice(1, -1) : hostname);
  }
  return hosts;
}
