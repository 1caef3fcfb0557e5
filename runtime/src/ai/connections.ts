/**
 * Model connections: which provider, key and base URL an AI node's request uses. By default the
 * operator's platform key from the environment; a node that picks a credential in its `model`
 * slot uses the user's own key instead, which the credits' own-credential price applies to.
 */
import type { CredentialTypeManifest, PluginManifest } from '@gestorlead/sdk-plugin/plugin';
import { NodeError, type NodeType } from '../executor/node-type.js';
import type { CredentialResolver } from '../plugins/credentials.js';
import type { LoadedPlugin } from '../plugins/plugin-node-type.js';
import { SecretScrubber } from '../vault/scrub.js';
import { AI_PROVIDERS, type AiProviderName, type AiSettings } from './settings.js';

/** The credential slot of AI nodes in which a user picks a key of their own. */
export const MODEL_SLOT = 'model';

/** Prefix of the AI credential types: `ai/openai`, `ai/gemini`, `ai/openai-compatible`. */
export const AI_CREDENTIAL_PLUGIN = 'ai';

const CONNECTION_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['apiKey'],
  properties: {
    apiKey: { type: 'string', minLength: 1, maxLength: 500, format: 'password', description: 'API key' },
    baseUrl: { type: 'string', maxLength: 500, description: 'Base URL of the Chat Completions API' },
    models: { type: 'array', maxItems: 100, items: { type: 'string', maxLength: 200 }, description: 'Models offered' },
  },
} as const;

const COMPATIBLE_SCHEMA = {
  ...CONNECTION_SCHEMA,
  required: ['baseUrl'],
  properties: { ...CONNECTION_SCHEMA.properties, apiKey: { ...CONNECTION_SCHEMA.properties.apiKey, minLength: 0 } },
};

/** Credential types of the model connections a user may store. */
export const AI_CREDENTIAL_TYPES: CredentialTypeManifest[] = [
  { name: 'openai', displayName: 'OpenAI API key', schema: CONNECTION_SCHEMA },
  {
    name: 'gemini',
    displayName: 'Google Gemini API key',
    description: 'Used through the OpenAI-compatible endpoint of the Gemini API.',
    schema: CONNECTION_SCHEMA,
  },
  {
    name: 'openai-compatible',
    displayName: 'OpenAI-compatible endpoint',
    description: 'Ollama, vLLM, OpenRouter or any server of the Chat Completions API.',
    schema: COMPATIBLE_SCHEMA,
  },
];

const AI_CREDENTIAL_MANIFEST: PluginManifest = {
  name: AI_CREDENTIAL_PLUGIN,
  version: '1.0.0',
  runtime: '*',
  displayName: 'AI model connections',
  description: 'Credential types of the built-in AI nodes.',
  permissions: { hosts: [] },
  credentialTypes: AI_CREDENTIAL_TYPES,
  actions: [],
  triggers: [],
};

/**
 * The credential types of the AI nodes in the shape the vault reads from plugins. It has no
 * code and no actions; the vault only reads its `credentialTypes`.
 */
export const AI_CREDENTIAL_SOURCE: LoadedPlugin = {
  ownerId: null,
  name: AI_CREDENTIAL_PLUGIN,
  version: '1.0.0',
  manifest: AI_CREDENTIAL_MANIFEST,
  code: '',
  sha256: '',
  installedAt: '1970-01-01T00:00:00.000Z',
};

/** The connection one request uses. */
export interface ModelConnection {
  provider: AiProviderName;
  apiKey: string;
  baseUrl: string | undefined;
  /** Whether the key is the user's own, from a stored credential. */
  ownCredential: boolean;
  /** Hides the key from logs, outputs and errors. */
  scrubber: SecretScrubber;
}

/** What a node's connection is resolved from. */
export interface ConnectionRequest {
  provider: AiProviderName;
  /** The credential id the node picks in the `model` slot, if any. */
  credentialId: string | undefined;
  ownerId: string | null;
  scope: { runId: string; nodeId: string; taskId: string };
}

/** Returns whether `value` names a provider. */
export function isProviderName(value: unknown): value is AiProviderName {
  return typeof value === 'string' && (AI_PROVIDERS as readonly string[]).includes(value);
}

/**
 * Resolves the key and base URL of a request. Throws `AI_PROVIDER_NOT_CONFIGURED` when the node
 * picks no credential and the operator set no platform key, and `PLUGIN_CREDENTIAL_MISSING`
 * when the picked credential does not resolve.
 */
export async function resolveConnection(
  settings: AiSettings,
  resolver: CredentialResolver,
  request: ConnectionRequest,
): Promise<ModelConnection> {
  const { provider, credentialId } = request;
  const platform = settings.providers[provider];
  if (credentialId === undefined || credentialId === '') {
    if (!platform.configured) {
      throw new NodeError(
        'AI_PROVIDER_NOT_CONFIGURED',
        `provider "${provider}" has no platform key on this studio; pick a credential of type ` +
          `${AI_CREDENTIAL_PLUGIN}/${provider} in the node's "${MODEL_SLOT}" slot, or ask the operator to configure it`,
        { details: { provider } },
      );
    }
    // An OpenAI-compatible server without a key still needs a non-empty bearer value for the SDK.
    const apiKey = platform.apiKey ?? 'not-needed';
    return { provider, apiKey, baseUrl: platform.baseUrl ?? undefined, ownCredential: false, scrubber: new SecretScrubber(platform.apiKey === null ? [] : [apiKey]) };
  }

  const type = `${AI_CREDENTIAL_PLUGIN}/${provider}`;
  const values = await resolver.resolve(MODEL_SLOT, credentialId, type, { ...request.scope, ownerId: request.ownerId });
  if (values === null) {
    throw new NodeError(
      'PLUGIN_CREDENTIAL_MISSING',
      `no credential of type ${type} has the id "${credentialId}" (slot "${MODEL_SLOT}" of node "${request.scope.nodeId}")`,
      { details: { slot: MODEL_SLOT, type, credentialId } },
    );
  }
  const apiKey = typeof values.apiKey === 'string' && values.apiKey !== '' ? values.apiKey : 'not-needed';
  const baseUrl = typeof values.baseUrl === 'string' && values.baseUrl !== '' ? values.baseUrl : (platform.baseUrl ?? undefined);
  return { provider, apiKey, baseUrl, ownCredential: true, scrubber: new SecretScrubber([apiKey]) };
}

/** A provider as `GET /v1/node-types` lists it for AI nodes, without its key. */
export interface ProviderDescriptor {
  name: AiProviderName;
  displayName: string;
  /** Whether the operator set a platform key, so nodes may use the provider without a credential. */
  configured: boolean;
  models: string[];
  /** The type of the credential a node may pick in its `model` slot instead. */
  credentialType: string;
}

/** A host-side AI node type: its descriptor also lists the providers and the credential slot. */
export interface AiNodeType extends NodeType {
  providers: ProviderDescriptor[];
  /** The slot of `credentials` in which a node picks a key of the user's own. */
  credentialSlot: string;
}

/** Returns the providers of the AI nodes without their keys. */
export function describeProviders(settings: AiSettings): ProviderDescriptor[] {
  return AI_PROVIDERS.map((name) => {
    const provider = settings.providers[name];
    return {
      name,
      displayName: provider.displayName,
      configured: provider.configured,
      models: provider.models,
      credentialType: `${AI_CREDENTIAL_PLUGIN}/${name}`,
    };
  });
}
