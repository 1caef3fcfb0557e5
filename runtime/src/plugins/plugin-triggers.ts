/**
 * Plugin webhook triggers: the installed triggers as graphs choose them in `settings.trigger`,
 * and the calls of their `verify` and `parse` in the sandbox for one delivery. A trigger runs
 * the code of the highest loaded plugin version that provides it and satisfies the graph's
 * `pluginVersion` range.
 */
import {
  selectTriggerVersion,
  triggerTypeName,
  type TriggerSettings,
  type TriggerTypeDescriptor,
  type TriggerTypeLookup,
} from '@gestorlead/sdk-plugin';
import { compareVersions, isValidRange, satisfiesRange } from '@gestorlead/sdk-plugin/manifest';
import type { PluginErrorData, PluginManifest, TriggerManifest, WebhookRequestData } from '@gestorlead/sdk-plugin/plugin';
import type { Logger } from 'pino';
import type { PluginSettings } from '../config.js';
import { StudioError } from '../errors.js';
import type { CallLimits, HostServices, Sandbox } from '../sandbox/types.js';
import type { CredentialResolver } from './credentials.js';
import { MAX_LOG_MESSAGE_CHARS } from './host-services.js';
import { capLimits } from './limits.js';
import { pluginCodeOf, type LoadedPlugin } from './plugin-node-type.js';

/** A trigger of an installed plugin version, as `GET /v1/trigger-types` lists it. */
export interface PluginTriggerDescriptor extends TriggerTypeDescriptor {
  /** The limits of each `verify` or `parse` call, after the operator's caps. */
  limits: CallLimits;
}

/** An entry of `GET /v1/trigger-types`: the highest installed version and every version. */
export interface TriggerTypeListing extends PluginTriggerDescriptor {
  /** Installed plugin versions that provide the trigger, highest first. */
  versions: string[];
}

/** A trigger an installed plugin version provides. */
export interface ProvidedTrigger {
  type: string;
  displayName: string;
  kind: 'webhook' | 'polling';
}

/** Returns the triggers a manifest provides, in manifest order. */
export function triggersOf(manifest: PluginManifest): ProvidedTrigger[] {
  return manifest.triggers.map((trigger) => ({
    type: triggerTypeName(manifest.name, trigger.name),
    displayName: trigger.displayName,
    kind: trigger.kind,
  }));
}

/** Studio services that trigger calls use. */
export interface TriggerExecutionDependencies {
  sandbox: Sandbox;
  credentials: CredentialResolver;
  settings: PluginSettings;
}

/** The graph a delivery is for, to name it in logs and errors, and its owner. */
export interface DeliveryScope {
  graphId: string;
  test: boolean;
  /**
   * The graph's owner: the trigger must come from a shared plugin or one of the owner's private
   * ones, and credentials resolve only when they belong to the owner.
   */
  ownerId: string | null;
}

/** The `verify` and `parse` of one trigger, bound to a graph's config and credentials. */
export interface TriggerCall {
  readonly descriptor: PluginTriggerDescriptor;
  /** Resolves true when the delivery is authentic, or when the trigger defines no `verify`. */
  verify(request: WebhookRequestData, signal: AbortSignal): Promise<boolean>;
  /**
   * Resolves with the run's event, or null when the trigger ignores the delivery. A trigger
   * without `parse` passes the parsed body on.
   */
  parse(request: WebhookRequestData, signal: AbortSignal): Promise<unknown>;
}

/** A trigger of one loaded plugin version, with what a call needs. */
interface InstalledTrigger {
  descriptor: PluginTriggerDescriptor;
  plugin: LoadedPlugin;
  manifest: TriggerManifest;
}

/** The loaded plugin versions, as the plugin host keeps them. */
export interface LoadedPluginSource {
  /** Names of the plugins with at least one loaded version. */
  names(): Iterable<string>;
  /** The loaded versions of a plugin, in any order. */
  versionsOf(pluginName: string): Iterable<LoadedPlugin>;
}

/** True when `userId` may use the plugin version: it is shared, or private to that user. */
function visibleTo(plugin: LoadedPlugin, userId: string | null): boolean {
  return plugin.ownerId === null || plugin.ownerId === userId;
}

/** Splits `<plugin>/<trigger>` into its parts, or returns undefined for other strings. */
function splitTriggerType(type: string): { pluginName: string; triggerName: string } | undefined {
  const slash = type.indexOf('/');
  if (slash <= 0 || slash === type.length - 1) return undefined;
  return { pluginName: type.slice(0, slash), triggerName: type.slice(slash + 1) };
}

/** Installed plugin triggers and the calls of their hooks, as the top of this file describes. */
export class PluginTriggers implements TriggerTypeLookup {
  readonly #plugins: LoadedPluginSource;
  readonly #dependencies: TriggerExecutionDependencies;
  readonly #log: Logger;

  constructor(plugins: LoadedPluginSource, dependencies: TriggerExecutionDependencies, log: Logger) {
    this.#plugins = plugins;
    this.#dependencies = dependencies;
    this.#log = log;
  }

  triggerVersions(type: string): PluginTriggerDescriptor[] {
    return this.#installed(type).map((item) => item.descriptor);
  }

  /** Returns the trigger types `userId` may use: those of shared plugins and of the user's private ones. */
  visibleTo(userId: string | null): TriggerTypeLookup {
    return { triggerVersions: (type) => this.#installed(type, userId).map((item) => item.descriptor) };
  }

  /**
   * Lists every installed trigger type in its highest version, sorted by type. With `userId`,
   * only the types that user may use.
   */
  list(userId?: string): TriggerTypeListing[] {
    const listings: TriggerTypeListing[] = [];
    for (const pluginName of this.#plugins.names()) {
      const byType = new Map<string, PluginTriggerDescriptor[]>();
      for (const plugin of this.#plugins.versionsOf(pluginName)) {
        if (userId !== undefined && !visibleTo(plugin, userId)) continue;
        for (const trigger of plugin.manifest.triggers) {
          const descriptor = this.#describe(plugin, trigger);
          byType.set(descriptor.type, [...(byType.get(descriptor.type) ?? []), descriptor]);
        }
      }
      for (const versions of byType.values()) {
        versions.sort((a, b) => compareVersions(b.plugin.version, a.plugin.version));
        listings.push({ ...versions[0], versions: versions.map((item) => item.plugin.version) });
      }
    }
    return listings.sort((a, b) => a.type.localeCompare(b.type));
  }

  /**
   * Returns a predicate over `settings.trigger` values that is true when uninstalling the plugin
   * version of `manifest` would leave that trigger without a loaded version to run, or
   * undefined when the version provides no trigger.
   */
  exclusiveUse(manifest: PluginManifest): ((trigger: TriggerSettings) => boolean) | undefined {
    if (manifest.triggers.length === 0) return undefined;
    const { name, version } = manifest;
    const provided = new Set(manifest.triggers.map((trigger) => triggerTypeName(name, trigger.name)));
    return (trigger) => {
      if (!provided.has(trigger.type)) return false;
      const range = trigger.pluginVersion;
      if (range !== undefined && (!isValidRange(range) || !satisfiesRange(version, range))) return false;
      const others = this.#installed(trigger.type).filter((item) => item.plugin.version !== version);
      return selectTriggerVersion(others.map((item) => item.descriptor), range) === undefined;
    };
  }

  /**
   * Selects the trigger a graph's settings name and resolves its credentials. Throws
   * `WEBHOOK_TRIGGER_UNAVAILABLE` when no loaded version matches, and
   * `PLUGIN_CREDENTIAL_MISSING` when a required slot has no credential or a chosen one does not
   * exist.
   */
  async prepare(settings: TriggerSettings, scope: DeliveryScope): Promise<TriggerCall> {
    const installed = this.#installed(settings.type, scope.ownerId);
    const selected = selectTriggerVersion(
      installed.map((item) => item.descriptor),
      settings.pluginVersion,
    );
    const trigger = installed.find((item) => item.descriptor === selected);
    const details = { graphId: scope.graphId, trigger: settings.type, pluginVersion: settings.pluginVersion ?? null };
    if (trigger === undefined) {
      const range = settings.pluginVersion === undefined ? '' : ` in the range "${settings.pluginVersion}"`;
      throw new StudioError(
        'WEBHOOK_TRIGGER_UNAVAILABLE',
        `graph "${scope.graphId}" uses the trigger "${settings.type}"${range}, which no loaded plugin version provides. Install the plugin or change the graph's settings.trigger`,
        { details },
      );
    }
    if (trigger.descriptor.kind !== 'webhook') {
      const plugin = `${trigger.descriptor.plugin.name}@${trigger.descriptor.plugin.version}`;
      throw new StudioError(
        'WEBHOOK_TRIGGER_UNAVAILABLE',
        `graph "${scope.graphId}" uses the trigger "${settings.type}", which plugin ${plugin} provides as a ${trigger.descriptor.kind} trigger, but only webhook triggers handle deliveries`,
        { details },
      );
    }
    const credentials = await this.#resolveCredentials(trigger, settings.credentials ?? {}, scope);
    return this.#bind(trigger, settings.config ?? {}, credentials, scope);
  }

  /** The loaded versions' triggers of `type`; with `userId` (even null), only those that user may use. */
  #installed(type: string, userId?: string | null): InstalledTrigger[] {
    const parts = splitTriggerType(type);
    if (parts === undefined) return [];
    const found: InstalledTrigger[] = [];
    for (const plugin of this.#plugins.versionsOf(parts.pluginName)) {
      if (userId !== undefined && !visibleTo(plugin, userId)) continue;
      const manifest = plugin.manifest.triggers.find((trigger) => trigger.name === parts.triggerName);
      if (manifest !== undefined) found.push({ descriptor: this.#describe(plugin, manifest), plugin, manifest });
    }
    return found;
  }

  #describe(plugin: LoadedPlugin, trigger: TriggerManifest): PluginTriggerDescriptor {
    return {
      type: triggerTypeName(plugin.name, trigger.name),
      displayName: trigger.displayName,
      description: trigger.description,
      kind: trigger.kind,
      configSchema: trigger.configSchema,
      credentialSlots: trigger.credentialSlots ?? [],
      plugin: { name: plugin.name, version: plugin.version },
      limits: capLimits(trigger.limits, this.#dependencies.settings),
    };
  }

  async #resolveCredentials(
    trigger: InstalledTrigger,
    chosen: Record<string, string>,
    scope: DeliveryScope,
  ): Promise<Record<string, Record<string, unknown>>> {
    const resolved: Record<string, Record<string, unknown>> = {};
    for (const slot of trigger.descriptor.credentialSlots) {
      const credentialId = chosen[slot.slot];
      const details = { graphId: scope.graphId, trigger: trigger.descriptor.type, slot: slot.slot, type: slot.type };
      if (credentialId === undefined || credentialId === '') {
        if (slot.required !== true) continue;
        throw new StudioError(
          'PLUGIN_CREDENTIAL_MISSING',
          `the trigger "${trigger.descriptor.type}" of graph "${scope.graphId}" picks no credential for the required slot "${slot.slot}" (type ${slot.type}). Set settings.trigger.credentials.${slot.slot}`,
          { details },
        );
      }
      const type = `${trigger.plugin.name}/${slot.type}`;
      const values = await this.#dependencies.credentials.resolve(slot.slot, credentialId, type, {
        ownerId: scope.ownerId,
        runId: '',
        nodeId: 'settings.trigger',
        taskId: '',
      });
      if (values === null) {
        throw new StudioError(
          'PLUGIN_CREDENTIAL_MISSING',
          `no credential of type ${slot.type} has the id "${credentialId}" (slot "${slot.slot}" of the trigger of graph "${scope.graphId}")`,
          { details: { ...details, credentialId } },
        );
      }
      resolved[slot.slot] = values;
    }
    return resolved;
  }

  #bind(
    trigger: InstalledTrigger,
    config: Record<string, unknown>,
    credentials: Record<string, Record<string, unknown>>,
    scope: DeliveryScope,
  ): TriggerCall {
    const { descriptor } = trigger;
    const log = this.#log.child({
      plugin: descriptor.plugin.name,
      pluginVersion: descriptor.plugin.version,
      trigger: descriptor.type,
      graphId: scope.graphId,
      test: scope.test,
    });
    const code = pluginCodeOf(trigger.plugin);
    const host = triggerHostServices(log);

    const call = async (
      hook: 'verify' | 'parse',
      request: WebhookRequestData,
      signal: AbortSignal,
    ): Promise<{ ok: true; result: unknown } | { ok: false; error: PluginErrorData }> => {
      try {
        return await this.#dependencies.sandbox.callTrigger({
          plugin: code,
          call: { trigger: trigger.manifest.name, config, credentials, request },
          hook,
          limits: descriptor.limits,
          host,
          signal,
        });
      } catch (error) {
        // The sandbox resolves every failure of plugin code, so a rejection is a studio
        // failure, such as a call made after the sandbox was closed.
        log.error({ err: error, hook }, 'plugin trigger call could not start');
        return { ok: false, error: { code: 'INTERNAL', message: 'the sandbox call could not start', retryable: true } };
      }
    };

    return {
      descriptor,
      async verify(request, signal) {
        const outcome = await call('verify', request, signal);
        if (outcome.ok) return outcome.result === true;
        if (outcome.error.code === 'PLUGIN_TRIGGER_HOOK_NOT_DEFINED') return true;
        throw triggerFailed(descriptor, 'verify', outcome.error, request, log);
      },
      async parse(request, signal) {
        const outcome = await call('parse', request, signal);
        if (outcome.ok) return outcome.result;
        if (outcome.error.code === 'PLUGIN_TRIGGER_HOOK_NOT_DEFINED') return request.body;
        throw triggerFailed(descriptor, 'parse', outcome.error, request, log);
      },
    };
  }
}

/**
 * Logs a failed `verify` or `parse` and returns the error for the sender. The reply names the
 * trigger and the error code but not the plugin's message, which may describe the plugin's
 * configuration to a sender that has not been verified. The server log has the message.
 */
function triggerFailed(
  descriptor: PluginTriggerDescriptor,
  hook: 'verify' | 'parse',
  error: PluginErrorData,
  request: WebhookRequestData,
  log: Logger,
): StudioError {
  const failure = { code: error.code, message: error.message, retryable: error.retryable };
  log.warn({ hook, error: failure }, 'plugin trigger failed');
  const plugin = `${descriptor.plugin.name}@${descriptor.plugin.version}`;
  const details = {
    trigger: descriptor.type,
    plugin: descriptor.plugin,
    hook,
    error: { code: error.code, retryable: error.retryable },
  };
  if (error.code === 'PLUGIN_PAYLOAD_TOO_LARGE') {
    const bytes = Math.floor((request.rawBodyBase64.length * 3) / 4);
    return new StudioError(
      'REQUEST_BODY_TOO_LARGE',
      `the delivery (${bytes} bytes) is too large to pass to the trigger "${descriptor.type}" (plugin ${plugin}) in the sandbox`,
      { problems: [{ pointer: '/body', message: 'is too large for the plugin trigger' }], details },
    );
  }
  return new StudioError(
    'WEBHOOK_TRIGGER_FAILED',
    `the trigger "${descriptor.type}" (plugin ${plugin}) failed in ${hook} with ${error.code}. The studio's log has the plugin's message`,
    { details },
  );
}

/**
 * Host services of trigger calls. A trigger's `ctx` has `log` only, so the other services
 * reject. Log lines go to the studio's log, because a delivery has no run or task log yet.
 */
function triggerHostServices(log: Logger): HostServices {
  const unavailable = (service: string): Promise<never> =>
    Promise.reject({ code: 'PLUGIN_HOST_REQUEST_INVALID', message: `${service} is not available to triggers`, retryable: false });
  return {
    httpRequest: () => unavailable('ctx.http'),
    putFile: () => unavailable('ctx.files'),
    getFile: () => unavailable('ctx.files'),
    log(level, message, data) {
      const text = String(message).slice(0, MAX_LOG_MESSAGE_CHARS);
      const safeLevel = level === 'debug' || level === 'warn' || level === 'error' ? level : 'info';
      if (data === undefined) log[safeLevel]({ source: 'plugin' }, text);
      else log[safeLevel]({ source: 'plugin', data }, text);
    },
  };
}
