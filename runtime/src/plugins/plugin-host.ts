/**
 * The plugin host: installs, loads and uninstalls plugin versions, and keeps the node type
 * registry in step with them. Several versions of a plugin may be installed side by side. A
 * node type `<plugin>/<action>@<major>` runs the code of the highest installed plugin version
 * that provides that action major, so a plugin ships a breaking change as a new action version
 * and graphs that use the old one keep it.
 *
 * A version is shared (every user sees it) or private to the user who installed it. All versions
 * of one plugin name have the same owner, and `nodeTypesFor` hides the node types of a private
 * plugin from every other user.
 */
import { readFileSync } from 'node:fs';
import {
  compareVersions,
  satisfiesRange,
  sha256OfCode,
  validateManifest,
  validatePackage,
  type PackageProblem,
} from '@gestorlead/sdk-plugin/manifest';
import type { TriggerSettings } from '@gestorlead/sdk-plugin';
import type { PluginManifest, PluginPackage } from '@gestorlead/sdk-plugin/plugin';
import { StorageConflictError, type PluginRecord, type PluginVersionSummary, type Storage } from '@gestorlead/storage';
import type { Logger } from 'pino';
import { StudioError, type ErrorCode, type ProblemDetail } from '../errors.js';
import type { NodeContext, NodeType, NodeTypeRegistry } from '../executor/node-type.js';
import { FIRST_PARTY_PLUGIN_NAMES } from './platform-credentials.js';
import { VisibleNodeTypes } from './visible-node-types.js';
import type { NodeCredentialChoice } from './credentials.js';
import {
  createPluginNodeType,
  nodeTypeName,
  type LoadedPlugin,
  type PluginExecutionDependencies,
  type PluginNodeType,
} from './plugin-node-type.js';
import { PluginTriggers, triggersOf, type ProvidedTrigger } from './plugin-triggers.js';
import { hasInputDocument, runDocumentOf } from '../tasks/run-document.js';

/** The studio version that manifests' `runtime` ranges are checked against. */
export const STUDIO_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/**
 * Plugin names the API does not accept: the first-party plugins, which the studio installs from
 * its own sources, and `ai`, the prefix of the built-in AI node types and their credential types.
 */
export const RESERVED_PLUGIN_NAMES: ReadonlySet<string> = new Set([...FIRST_PARTY_PLUGIN_NAMES, 'ai']);

/** A registry the plugin host can add node types to and remove them from. */
export interface EditableNodeTypeRegistry extends NodeTypeRegistry {
  add(nodeType: NodeType): void;
  remove(type: string): boolean;
}

/** A node type an installed plugin version provides. */
export interface ProvidedNodeType {
  type: string;
  displayName: string;
}

/** Options of `PluginHost`. */
export interface PluginHostOptions {
  storage: Storage;
  registry: EditableNodeTypeRegistry;
  execution: Omit<PluginExecutionDependencies, 'nodeCredentials'>;
  log: Logger;
}

/** Options of `install`. */
export interface InstallOptions {
  /**
   * Set for plugins the studio installs from its own sources at start-up: reserved names are
   * accepted, and an installed version with other code is replaced instead of rejected.
   */
  bundled?: boolean;
  /** The user who installs a private version. Null or absent installs a version shared with every user. */
  ownerId?: string | null;
}

/** The user behind an uninstall. */
export interface PluginActor {
  userId: string;
  admin: boolean;
}

/** The result of `install`. */
export interface InstallResult {
  plugin: { name: string; version: string };
  nodeTypes: ProvidedNodeType[];
  triggers: ProvidedTrigger[];
  /** False when the same version with the same code was installed already (bundled plugins only). */
  changed: boolean;
}

/** The result of `inspect`: what a package declares, checked as `install` checks it. */
export interface PackageInspection {
  plugin: { name: string; version: string };
  displayName: string;
  description: string;
  sha256: string;
  /** Host patterns the plugin may reach through `ctx.http`. */
  hosts: string[];
  credentialTypes: { name: string; displayName: string }[];
  nodeTypes: ProvidedNodeType[];
  triggers: ProvidedTrigger[];
}

/** Graph versions that use node types or a trigger that an uninstall would remove. */
export interface GraphUsage {
  graphId: string;
  ownerId: string | null;
  versions: number[];
  nodeTypes: string[];
  /** Trigger types of `settings.trigger` that only the removed version provides. */
  triggers: string[];
}

const GRAPH_PAGE_SIZE = 200;
const CREDENTIAL_CACHE_LIMIT = 1_000;

/** Returns the node types a manifest provides, in manifest order. */
export function nodeTypesOf(manifest: PluginManifest): ProvidedNodeType[] {
  return manifest.actions.map((action) => ({ type: nodeTypeName(manifest.name, action), displayName: action.displayName }));
}

function packageError(problems: PackageProblem[]): StudioError {
  const packageProblem = problems.find((problem) => problem.code.startsWith('PLUGIN_PACKAGE_'));
  const code: ErrorCode = (packageProblem?.code as ErrorCode | undefined) ?? 'PLUGIN_MANIFEST_INVALID';
  const first = problems[0];
  const summary = code === 'PLUGIN_MANIFEST_INVALID' ? 'the plugin manifest has problems' : 'the plugin package is invalid';
  return new StudioError(code, `${summary} (${problems.length}); first: ${first.pointer || '/'} ${first.message}`, {
    problems: problems.map(({ pointer, message, code: problemCode }) => ({ pointer, message, code: problemCode })),
  });
}

function runtimeUnsupported(manifest: PluginManifest): StudioError {
  return new StudioError(
    'PLUGIN_RUNTIME_UNSUPPORTED',
    `plugin ${manifest.name}@${manifest.version} needs studio ${manifest.runtime}, but this studio is ${STUDIO_VERSION}`,
    {
      problems: [
        {
          pointer: '/manifest/runtime',
          message: `"${manifest.runtime}" does not include this studio's version ${STUDIO_VERSION}`,
          code: 'PLUGIN_RUNTIME_UNSUPPORTED',
        },
      ],
    },
  );
}

function versionExists(name: string, version: string): StudioError {
  return new StudioError(
    'PLUGIN_VERSION_EXISTS',
    `plugin ${name}@${version} is installed already; bump the version in the manifest to publish a change`,
    { problems: [{ pointer: '/manifest/version', message: `version ${version} of "${name}" is installed`, code: 'PLUGIN_VERSION_EXISTS' }] },
  );
}

/** Returns whether a plugin version with owner `ownerId` is visible to `userId`. */
function isVisibleTo(ownerId: string | null, userId: string): boolean {
  return ownerId === null || ownerId === userId;
}

/**
 * Builds the `PLUGIN_IN_USE` error. It names only the graphs of `userId`, and counts the others,
 * because the ids of other users' graphs are theirs to know.
 */
function pluginInUse(name: string, version: string, usages: GraphUsage[], userId: string): StudioError {
  const own = usages.filter((usage) => usage.ownerId === userId);
  const others = usages.length - own.length;
  const listed = own.map((usage) => `${usage.graphId} (versions ${usage.versions.join(', ')})`);
  if (others > 0) listed.push(`${others} graph(s) of other users`);
  const problems = own.map((usage) => {
    const used = [...usage.nodeTypes, ...usage.triggers.map((type) => `trigger ${type}`)];
    return { pointer: '/params/version', message: `graph ${usage.graphId} versions ${usage.versions.join(', ')} use ${used.join(', ')}` };
  });
  if (others > 0) problems.push({ pointer: '/params/version', message: `${others} graph(s) of other users use its node types or triggers` });
  return new StudioError(
    'PLUGIN_IN_USE',
    `plugin ${name}@${version} is the only provider of node types or triggers that stored graphs use: ${listed.join('; ')}`,
    {
      problems,
      details: {
        graphs: own.map(({ graphId, versions, nodeTypes, triggers }) => ({ graphId, versions, nodeTypes, triggers })),
        otherGraphs: others,
      },
    },
  );
}

/** Installs, loads and uninstalls plugins; see the top of this file. */
export class PluginHost {
  readonly #storage: Storage;
  readonly #registry: EditableNodeTypeRegistry;
  readonly #execution: PluginExecutionDependencies;
  readonly #log: Logger;
  /** Loaded versions by plugin name, then version. */
  readonly #plugins = new Map<string, Map<string, LoadedPlugin>>();
  /** The node types this host registered, by type name. */
  readonly #registered = new Map<string, PluginNodeType>();
  /** Credential choices per node of frozen graph versions, keyed `<graphId>@<version>`. */
  readonly #credentialCache = new Map<string, Map<string, Record<string, string>>>();
  /** Installs and uninstalls run one at a time, in arrival order. */
  #queue: Promise<unknown> = Promise.resolve();
  /** The webhook triggers of the loaded versions, which `settings.trigger` of graphs names. */
  readonly triggers: PluginTriggers;

  constructor(options: PluginHostOptions) {
    this.#storage = options.storage;
    this.#registry = options.registry;
    this.#log = options.log.child({ component: 'plugins' });
    this.#execution = { ...options.execution, nodeCredentials: (ctx) => this.#nodeCredentials(ctx) };
    this.triggers = new PluginTriggers(
      { names: () => this.#plugins.keys(), versionsOf: (name) => this.#plugins.get(name)?.values() ?? [] },
      this.#execution,
      this.#log,
    );
  }

  /**
   * Loads every stored plugin version into the registry. A version that fails today's checks
   * (its runtime range, its hash, or its manifest) is logged and left out, not fatal.
   */
  async load(): Promise<{ loaded: number; skipped: number }> {
    let loaded = 0;
    let skipped = 0;
    for (const record of await this.#storage.plugins.listAll()) {
      const reason = this.#storedRecordProblem(record);
      if (reason !== undefined) {
        skipped += 1;
        this.#log.error({ plugin: record.name, version: record.version, reason }, 'stored plugin not loaded');
        continue;
      }
      this.#remember(record);
      loaded += 1;
    }
    for (const name of this.#plugins.keys()) this.#resolveTypesOf(name);
    if (loaded > 0 || skipped > 0) this.#log.info({ loaded, skipped }, 'plugins loaded');
    return { loaded, skipped };
  }

  /**
   * Validates a package and installs it: the envelope, hash and manifest first, before any
   * code is loaded, then the runtime range, the name and node type collisions. Throws a
   * `StudioError` naming the field at fault.
   */
  install(input: unknown, options: InstallOptions = {}): Promise<InstallResult> {
    return this.#serialize(() => this.#install(input, options));
  }

  /**
   * Runs the checks of `install` on a package without storing or loading it, and returns what
   * it would grant: its hosts, credential types, node types and triggers. Throws the error that
   * `install` would throw.
   */
  inspect(input: unknown, options: InstallOptions = {}): Promise<PackageInspection> {
    return this.#serialize(() => this.#inspect(input, options));
  }

  /**
   * Uninstalls one version on behalf of `actor`. Another user's private version is reported as
   * not installed; a shared version may be uninstalled by an admin only (`FORBIDDEN`). Throws
   * `PLUGIN_IN_USE` while a stored graph version uses a node type, or a trigger in
   * `settings.trigger`, that no other installed version of the plugin provides.
   */
  uninstall(name: string, version: string, actor: PluginActor): Promise<void> {
    return this.#serialize(() => this.#uninstall(name, version, actor));
  }

  /**
   * Installed versions, by plugin name, highest version first. With `visibleTo`, only the shared
   * versions and that user's private ones.
   */
  async list(query: { name?: string; visibleTo?: string } = {}): Promise<PluginVersionSummary[]> {
    return this.#storage.plugins.list(query);
  }

  /**
   * Returns whether `userId` may use node type `type`. Built-in types and the types of shared
   * plugin versions are for everyone; a private version's types are for its owner only.
   */
  canUse(type: string, userId: string | null): boolean {
    const provider = this.#registered.get(type);
    if (provider === undefined) return true;
    const ownerId = this.#plugins.get(provider.plugin.name)?.get(provider.plugin.version)?.ownerId;
    return ownerId === null || (ownerId !== undefined && ownerId === userId);
  }

  /** Returns a view of the registry for `userId`, in which other users' private node types are unknown. */
  nodeTypesFor(userId: string | null): NodeTypeRegistry {
    return new VisibleNodeTypes(this.#registry, (type) => this.canUse(type, userId));
  }

  /** Returns whether a version is loaded, so its node types are in the registry. */
  isLoaded(name: string, version: string): boolean {
    return this.#plugins.get(name)?.has(version) ?? false;
  }

  /** Returns the loaded plugin versions, in no particular order. */
  listLoaded(): LoadedPlugin[] {
    return [...this.#plugins.values()].flatMap((versions) => [...versions.values()]);
  }

  /** Returns the plugin version whose code runs `type`, or undefined for other node types. */
  providerOf(type: string): { name: string; version: string } | undefined {
    return this.#registered.get(type)?.plugin;
  }

  /** Runs every check of an install that needs no write, and returns the package and any stored record of its version. */
  async #checkPackage(input: unknown, options: InstallOptions): Promise<{ pluginPackage: PluginPackage; existing: PluginRecord | null }> {
    const result = validatePackage(input);
    if (!result.ok) throw packageError(result.problems);
    const pluginPackage: PluginPackage = result.package;
    const { manifest } = pluginPackage;

    if (!satisfiesRange(STUDIO_VERSION, manifest.runtime)) throw runtimeUnsupported(manifest);
    if (options.bundled !== true && RESERVED_PLUGIN_NAMES.has(manifest.name)) {
      throw new StudioError('PLUGIN_NAME_RESERVED', `the plugin name "${manifest.name}" is reserved for the studio's own plugin`, {
        problems: [{ pointer: '/manifest/name', message: 'is reserved; choose another name', code: 'PLUGIN_NAME_RESERVED' }],
      });
    }
    this.#checkCollisions(manifest);
    await this.#checkNameOwner(manifest.name, options.ownerId ?? null);

    const existing = await this.#storage.plugins.get(manifest.name, manifest.version);
    if (existing !== null && options.bundled !== true) throw versionExists(manifest.name, manifest.version);
    return { pluginPackage, existing };
  }

  async #inspect(input: unknown, options: InstallOptions): Promise<PackageInspection> {
    const { pluginPackage } = await this.#checkPackage(input, options);
    const { manifest } = pluginPackage;
    return {
      plugin: { name: manifest.name, version: manifest.version },
      displayName: manifest.displayName,
      description: manifest.description,
      sha256: pluginPackage.sha256,
      hosts: [...manifest.permissions.hosts],
      credentialTypes: manifest.credentialTypes.map((entry) => ({ name: entry.name, displayName: entry.displayName })),
      nodeTypes: nodeTypesOf(manifest),
      triggers: triggersOf(manifest),
    };
  }

  async #install(input: unknown, options: InstallOptions): Promise<InstallResult> {
    const { pluginPackage, existing } = await this.#checkPackage(input, options);
    const { manifest } = pluginPackage;
    const ownerId = options.ownerId ?? null;
    const nodeTypes = nodeTypesOf(manifest);
    const plugin = { name: manifest.name, version: manifest.version };
    if (existing !== null) {
      if (existing.sha256 === pluginPackage.sha256) {
        if (!this.isLoaded(existing.name, existing.version)) {
          this.#remember(existing);
          this.#resolveTypesOf(existing.name);
        }
        return { plugin, nodeTypes, triggers: triggersOf(manifest), changed: false };
      }
      // A bundled plugin rebuilt from changed sources without a version bump replaces its code.
      this.#log.warn({ plugin: manifest.name, version: manifest.version }, 'bundled plugin code changed; replacing it');
      await this.#storage.plugins.delete(manifest.name, manifest.version);
    }

    const record = {
      ownerId,
      name: manifest.name,
      version: manifest.version,
      manifest,
      code: pluginPackage.code,
      sha256: pluginPackage.sha256,
      installedAt: new Date().toISOString(),
    };
    try {
      await this.#storage.plugins.install(record);
    } catch (error) {
      if (error instanceof StorageConflictError) throw versionExists(manifest.name, manifest.version);
      throw error;
    }
    this.#remember(record);
    this.#resolveTypesOf(manifest.name);
    this.#log.info(
      { plugin: manifest.name, version: manifest.version, nodeTypes: nodeTypes.length, shared: ownerId === null },
      'plugin installed',
    );
    return { plugin, nodeTypes, triggers: triggersOf(manifest), changed: true };
  }

  async #uninstall(name: string, version: string, actor: PluginActor): Promise<void> {
    const stored = await this.#storage.plugins.get(name, version);
    const record = stored !== null && isVisibleTo(stored.ownerId, actor.userId) ? stored : null;
    if (record === null) {
      const versions = await this.#storage.plugins.list({ name, visibleTo: actor.userId });
      if (versions.length === 0) {
        throw new StudioError('PLUGIN_NOT_FOUND', `no plugin named "${name}" is installed`, {
          problems: [{ pointer: '/params/name', message: 'matches no installed plugin' }],
        });
      }
      throw new StudioError('PLUGIN_VERSION_NOT_FOUND', `plugin "${name}" has no installed version ${version}`, {
        problems: [
          {
            pointer: '/params/version',
            message: `matches no installed version (installed: ${versions.map((item) => item.version).join(', ')})`,
          },
        ],
      });
    }
    if (record.ownerId === null && !actor.admin) {
      throw new StudioError('FORBIDDEN', `plugin ${name}@${version} is shared with every user; only an admin may uninstall it`, {
        problems: [{ pointer: '/params/name', message: 'names a shared plugin' }],
      });
    }

    const exclusive = new Set(
      nodeTypesOf(record.manifest)
        .map((item) => item.type)
        .filter((type) => !this.#otherVersionProvides(name, version, type)),
    );
    const triggerUse = this.triggers.exclusiveUse(record.manifest);
    const usages = exclusive.size === 0 && triggerUse === undefined ? [] : await this.#graphsUsing(exclusive, triggerUse);
    if (usages.length > 0) throw pluginInUse(name, version, usages, actor.userId);

    await this.#storage.plugins.delete(name, version);
    const versions = this.#plugins.get(name);
    versions?.delete(version);
    if (versions?.size === 0) this.#plugins.delete(name);
    this.#resolveTypesOf(name, record.manifest);
    this.#log.info({ plugin: name, version }, 'plugin uninstalled');
  }

  /**
   * Rejects an install under a name whose versions have another owner. Every version of a
   * plugin has the same owner, so a node type name always means one plugin, which is either
   * shared or private to one user.
   */
  async #checkNameOwner(name: string, ownerId: string | null): Promise<void> {
    const other = (await this.#storage.plugins.list({ name })).find((summary) => summary.ownerId !== ownerId);
    if (other === undefined) return;
    // The message must not reveal who owns a private name, so it states only that the name is taken.
    const message = other.ownerId === null
      ? `plugin "${name}" is shared with every user; only an admin may install versions of it, as shared versions`
      : `the plugin name "${name}" is taken; choose another name`;
    throw new StudioError('PLUGIN_NAME_TAKEN', message, {
      problems: [{ pointer: '/manifest/name', message: 'is used by plugin versions of another owner', code: 'PLUGIN_NAME_TAKEN' }],
    });
  }

  #serialize<T>(task: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(task, task);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  #storedRecordProblem(record: LoadedPlugin): string | undefined {
    if (sha256OfCode(record.code) !== record.sha256) return 'the stored code does not match its sha256';
    const manifest = validateManifest(record.manifest);
    if (!manifest.ok) return `the manifest is invalid: ${manifest.problems[0].pointer} ${manifest.problems[0].message}`;
    if (!satisfiesRange(STUDIO_VERSION, record.manifest.runtime)) {
      return `runtime range ${record.manifest.runtime} does not include studio ${STUDIO_VERSION}`;
    }
    return undefined;
  }

  /** Rejects actions whose node types belong to the runtime or a test, not to a plugin. */
  #checkCollisions(manifest: PluginManifest): void {
    const problems: ProblemDetail[] = [];
    manifest.actions.forEach((action, index) => {
      const type = nodeTypeName(manifest.name, action);
      if (this.#registry.get(type) !== undefined && !this.#registered.has(type)) {
        problems.push({
          pointer: `/manifest/actions/${index}/name`,
          message: `node type "${type}" is built into the studio`,
          code: 'PLUGIN_NODE_TYPE_CONFLICT',
        });
      }
    });
    if (problems.length > 0) {
      throw new StudioError('PLUGIN_NODE_TYPE_CONFLICT', `plugin ${manifest.name} declares node types the studio has built in`, {
        problems,
      });
    }
  }

  #remember(record: LoadedPlugin): void {
    let versions = this.#plugins.get(record.name);
    if (versions === undefined) {
      versions = new Map();
      this.#plugins.set(record.name, versions);
    }
    versions.set(record.version, {
      ownerId: record.ownerId,
      name: record.name,
      version: record.version,
      manifest: record.manifest,
      code: record.code,
      sha256: record.sha256,
      installedAt: record.installedAt,
    });
  }

  #otherVersionProvides(name: string, version: string, type: string): boolean {
    for (const [candidateVersion, plugin] of this.#plugins.get(name) ?? []) {
      if (candidateVersion === version) continue;
      if (plugin.manifest.actions.some((action) => nodeTypeName(name, action) === type)) return true;
    }
    return false;
  }

  /**
   * Points every node type of plugin `name` at the highest loaded version that provides it,
   * and removes the types no loaded version provides. `removed` is a manifest whose types may
   * have lost their last provider.
   */
  #resolveTypesOf(name: string, removed?: PluginManifest): void {
    const best = new Map<string, { plugin: LoadedPlugin; actionIndex: number }>();
    const versions = [...(this.#plugins.get(name)?.values() ?? [])].sort((a, b) => compareVersions(b.version, a.version));
    for (const plugin of versions) {
      plugin.manifest.actions.forEach((action, actionIndex) => {
        const type = nodeTypeName(name, action);
        if (!best.has(type)) best.set(type, { plugin, actionIndex });
      });
    }

    for (const [type, { plugin, actionIndex }] of best) {
      const current = this.#registered.get(type);
      if (current === undefined && this.#registry.get(type) !== undefined) {
        // A stored plugin from before a built-in node type of the same name was added.
        this.#log.error({ plugin: plugin.name, version: plugin.version, type }, 'plugin node type shadowed by a built-in one');
        continue;
      }
      if (current !== undefined && current.plugin.version === plugin.version && this.#registry.get(type) === current) continue;
      const nodeType = createPluginNodeType(plugin, plugin.manifest.actions[actionIndex], this.#execution);
      if (current !== undefined) this.#registry.remove(type);
      this.#registry.add(nodeType);
      this.#registered.set(type, nodeType);
    }

    const stale = [...this.#registered.keys()].filter((type) => type.startsWith(`${name}/`) && !best.has(type));
    for (const type of [...stale, ...(removed === undefined ? [] : nodeTypesOf(removed).map((item) => item.type))]) {
      if (best.has(type) || !this.#registered.has(type)) continue;
      this.#registry.remove(type);
      this.#registered.delete(type);
    }
  }

  /**
   * Scans every stored graph version for nodes of `types` and for a `settings.trigger` that
   * `triggerUse` matches.
   * NOTE: This reads every graph document, and a graph saved during the scan may be missed.
   * A query over node types in the graph repository would remove both limits.
   */
  async #graphsUsing(
    types: ReadonlySet<string>,
    triggerUse: ((trigger: TriggerSettings) => boolean) | undefined,
  ): Promise<GraphUsage[]> {
    const usages: GraphUsage[] = [];
    for (let offset = 0; ; offset += GRAPH_PAGE_SIZE) {
      const page = await this.#storage.graphs.list({ limit: GRAPH_PAGE_SIZE, offset });
      for (const graph of page) {
        const versions: number[] = [];
        const used = new Set<string>();
        const usedTriggers = new Set<string>();
        for (const record of await this.#storage.graphs.listVersions(graph.id)) {
          const matches = record.document.nodes.filter((node) => types.has(node.type)).map((node) => node.type);
          const trigger = record.document.settings?.trigger;
          const triggerMatches = trigger !== undefined && triggerUse !== undefined && triggerUse(trigger);
          if (matches.length === 0 && !triggerMatches) continue;
          versions.push(record.version);
          for (const type of matches) used.add(type);
          if (triggerMatches) usedTriggers.add(trigger.type);
        }
        if (versions.length > 0) {
          usages.push({
            graphId: graph.id,
            ownerId: graph.ownerId,
            versions: versions.sort((a, b) => a - b),
            nodeTypes: [...used].sort(),
            triggers: [...usedTriggers].sort(),
          });
        }
      }
      if (page.length < GRAPH_PAGE_SIZE) return usages;
    }
  }

  /**
   * Returns the credential ids a node picks, per slot, and the run's owner. The executor's
   * `NodeContext` has no `credentials` field, so they are read from the graph version the run
   * executes. Versions that ran are frozen, so the result is cached per graph version. A
   * context built outside a run (a credential test) carries `credentials` and `ownerId` itself.
   */
  async #nodeCredentials(ctx: NodeContext): Promise<NodeCredentialChoice> {
    const direct = ctx as NodeContext & { credentials?: Record<string, string>; ownerId?: string | null };
    if (direct.credentials !== undefined) return { ownerId: direct.ownerId ?? null, chosen: direct.credentials };

    const run = await this.#storage.runs.get(ctx.runId);
    if (run === null) return { ownerId: null, chosen: {} };
    // Every playground and billing run has its own document, so it is not cached by graph version.
    if (hasInputDocument(run)) {
      const document = await runDocumentOf(this.#storage, run);
      const node = document?.nodes.find((candidate) => candidate.id === ctx.nodeId);
      return { ownerId: run.ownerId, chosen: node?.credentials ?? {} };
    }
    const key = `${run.graphId}@${run.graphVersion}`;
    let nodes = this.#credentialCache.get(key);
    if (nodes === undefined) {
      const record = await this.#storage.graphs.getVersion(run.graphId, run.graphVersion);
      nodes = new Map((record?.document.nodes ?? []).map((node) => [node.id, node.credentials ?? {}]));
      if (this.#credentialCache.size >= CREDENTIAL_CACHE_LIMIT) {
        this.#credentialCache.delete(this.#credentialCache.keys().next().value!);
      }
      this.#credentialCache.set(key, nodes);
    }
    return { ownerId: run.ownerId, chosen: nodes.get(ctx.nodeId) ?? {} };
  }
}
