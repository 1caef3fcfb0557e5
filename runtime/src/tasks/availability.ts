/**
 * Whether a user can run a task type with a provider: the node type is one the user may use
 * (installed), and it has what it needs to call the provider (configured).
 */
import type { CredentialSlotManifest } from '@gestorlead/sdk-plugin/plugin';
import type { ProviderDescriptor } from '../ai/connections.js';
import type { StudioContext } from '../context.js';
import type { NodeType } from '../executor/node-type.js';
import { TASK_PROVIDERS, TASK_TYPES, INPUT_SCHEMAS, type TaskProvider, type TaskType } from './task-types.js';

/** One provider of a task type as one user sees it. */
export interface ProviderAvailability {
  provider: string;
  node_type: string;
  /** The node type is built in, or a plugin the user may use provides it. */
  installed: boolean;
  /** A platform key or a credential of the user lets the node call the provider. */
  configured: boolean;
  available: boolean;
  /** Model names the node type lists, for pickers; a task may name another model. */
  models: string[];
  /** Credential types of required slots that the user has no credential of. */
  missing_credential_types: string[];
}

/** The provider entry with the credentials the task's node would pick. */
export interface ResolvedProvider extends ProviderAvailability {
  credentials: Record<string, string>;
}

/** One task type of `GET /v1/task-types`. */
export interface TaskTypeView {
  task_type: TaskType;
  input_schema: Record<string, unknown>;
  providers: ProviderAvailability[];
}

type AiNodeTypeLike = NodeType & { providers: ProviderDescriptor[] };
type PluginNodeTypeLike = NodeType & {
  credentialSlots: CredentialSlotManifest[];
  plugin: { name: string };
  /** Slots whose credential type the operator's environment can fill (first-party plugins). */
  platformCredentials?: Array<{ slot: string; configured: boolean }>;
};

function isAiNodeType(nodeType: NodeType): nodeType is AiNodeTypeLike {
  return Array.isArray((nodeType as Partial<AiNodeTypeLike>).providers);
}

function isPluginNodeType(nodeType: NodeType): nodeType is PluginNodeTypeLike {
  return Array.isArray((nodeType as Partial<PluginNodeTypeLike>).credentialSlots);
}

/** Reads model names from a config schema's `model` property: `enum`, `examples` or `default`. */
function modelsOf(configSchema: Record<string, unknown> | undefined): string[] {
  const properties = configSchema?.properties as Record<string, Record<string, unknown>> | undefined;
  const model = properties?.model;
  if (model === undefined) return [];
  for (const key of ['enum', 'examples']) {
    const values = model[key];
    if (Array.isArray(values)) return values.filter((value): value is string => typeof value === 'string');
  }
  return typeof model.default === 'string' ? [model.default] : [];
}

/** Returns the id of the user's newest credential of a type, or undefined. */
async function newestCredential(ctx: StudioContext, userId: string, type: string): Promise<string | undefined> {
  const [newest] = await ctx.storage.credentials.listByOwner(userId, { type });
  return newest?.id;
}

/** Resolves an AI provider, which the operator's key or a credential of the user's own configures. */
async function resolveAiProvider(ctx: StudioContext, userId: string, entry: TaskProvider, nodeType: AiNodeTypeLike) {
  const descriptor = nodeType.providers.find((candidate) => candidate.name === entry.provider);
  if (descriptor === undefined) return { configured: false, models: [], credentials: {}, missing: [] };
  if (descriptor.configured) return { configured: true, models: descriptor.models, credentials: {}, missing: [] };
  const credentialId = await newestCredential(ctx, userId, descriptor.credentialType);
  if (credentialId === undefined) {
    return { configured: false, models: descriptor.models, credentials: {}, missing: [descriptor.credentialType] };
  }
  return { configured: true, models: descriptor.models, credentials: { model: credentialId }, missing: [] };
}

/**
 * Resolves a plugin provider. A slot is filled by the user's newest credential of its type, or
 * else by the operator's platform credential; the provider is configured when every required
 * slot and every slot with an unset platform credential is filled.
 */
async function resolvePluginProvider(ctx: StudioContext, userId: string, nodeType: PluginNodeTypeLike) {
  const credentials: Record<string, string> = {};
  const missing: string[] = [];
  for (const slot of nodeType.credentialSlots) {
    const type = `${nodeType.plugin.name}/${slot.type}`;
    const credentialId = await newestCredential(ctx, userId, type);
    if (credentialId !== undefined) {
      credentials[slot.slot] = credentialId;
      continue;
    }
    const platform = nodeType.platformCredentials?.find((entry) => entry.slot === slot.slot);
    if (platform !== undefined ? !platform.configured : slot.required === true) missing.push(type);
  }
  return { configured: missing.length === 0, models: modelsOf(nodeType.configSchema), credentials, missing };
}

/** Resolves what a node type needs to call the provider; a built-in node type needs nothing. */
function resolveNodeType(ctx: StudioContext, userId: string, entry: TaskProvider, nodeType: NodeType) {
  if (isAiNodeType(nodeType)) return resolveAiProvider(ctx, userId, entry, nodeType);
  if (isPluginNodeType(nodeType)) return resolvePluginProvider(ctx, userId, nodeType);
  return Promise.resolve({ configured: true, models: modelsOf(nodeType.configSchema), credentials: {}, missing: [] as string[] });
}

/** Resolves one provider of a task type for a user. */
export async function resolveProvider(ctx: StudioContext, userId: string, entry: TaskProvider): Promise<ResolvedProvider> {
  const nodeType = ctx.plugins.nodeTypesFor(userId).get(entry.nodeType);
  const base = { provider: entry.provider, node_type: entry.nodeType };
  if (nodeType === undefined) {
    return { ...base, installed: false, configured: false, available: false, models: [], missing_credential_types: [], credentials: {} };
  }
  const resolved = await resolveNodeType(ctx, userId, entry, nodeType);
  return {
    ...base,
    installed: true,
    configured: resolved.configured,
    available: resolved.configured,
    models: resolved.models,
    missing_credential_types: resolved.missing,
    credentials: resolved.credentials,
  };
}

/** Lists every task type with its input schema and its providers as the user sees them. */
export async function listTaskTypes(ctx: StudioContext, userId: string): Promise<TaskTypeView[]> {
  const views: TaskTypeView[] = [];
  for (const taskType of TASK_TYPES) {
    const providers: ProviderAvailability[] = [];
    for (const entry of TASK_PROVIDERS[taskType]) {
      const { credentials: _credentials, ...view } = await resolveProvider(ctx, userId, entry);
      providers.push(view);
    }
    views.push({ task_type: taskType, input_schema: INPUT_SCHEMAS[taskType], providers });
  }
  return views;
}
