/**
 * Steps that the `ai/chat@1` and `ai/agent@1` node types share: reading the model fields of a
 * node's config, resolving the node's model connection, streaming one model reply into the task
 * log, and the node type fields that both descriptors carry.
 */
import type { AIMessageChunk } from '@langchain/core/messages';
import type { NodeContext } from '../executor/node-type.js';
import { IN_PORT } from '../nodes/scope.js';
import { describeProviders, MODEL_SLOT, resolveConnection, type AiNodeType, type ModelConnection } from './connections.js';
import type { AiNodeDependencies, NodeRunInfo } from './dependencies.js';
import { textOf } from './messages.js';
import { toProviderError } from './provider-errors.js';
import type { AiProviderName } from './settings.js';
import { TokenLogBatcher } from './token-log.js';

/** Credits of an AI node per token (input plus output) and the tokens reserved per call. */
export const CHAT_PRICE = { perUnit: 0.002, unit: 'token', maxUnits: 10_000 } as const;

/** The config fields of a model request that both AI node types accept. */
export interface ModelRequestConfig {
  provider: AiProviderName;
  model: string;
  prompt: string;
  system?: string;
  temperature?: number;
  maxTokens?: number;
}

/** Reads the model request fields of a node config that the config schema has already checked. */
export function modelRequestConfigOf(config: Record<string, unknown>): ModelRequestConfig {
  return {
    provider: (config.provider as AiProviderName | undefined) ?? 'openai',
    model: config.model as string,
    prompt: config.prompt as string,
    ...(typeof config.system === 'string' ? { system: config.system } : {}),
    ...(typeof config.temperature === 'number' ? { temperature: config.temperature } : {}),
    ...(typeof config.maxTokens === 'number' ? { maxTokens: config.maxTokens } : {}),
  };
}

/**
 * Resolves the connection of the node that `ctx` executes: the credential it picks in its
 * `model` slot, else the provider's platform key. Throws as `resolveConnection` does.
 */
export function resolveNodeConnection(deps: AiNodeDependencies, ctx: NodeContext, run: NodeRunInfo, provider: AiProviderName): Promise<ModelConnection> {
  return resolveConnection(deps.settings, deps.credentials, {
    provider,
    credentialId: run.credentials[MODEL_SLOT],
    ownerId: run.ownerId,
    scope: { runId: ctx.runId, nodeId: ctx.nodeId, taskId: ctx.taskId },
  });
}

/**
 * Reads a model reply stream to its end, logging the text in batches with the key scrubbed, and
 * records the request duration in `ai_provider_request_duration_seconds`. Returns the merged
 * reply, or undefined when the stream sent no chunk. Provider failures become `AI_PROVIDER_*`
 * node errors.
 */
export async function collectModelReply(
  deps: AiNodeDependencies,
  ctx: NodeContext,
  connection: ModelConnection,
  request: { provider: AiProviderName; model: string },
  openStream: () => Promise<AsyncIterable<AIMessageChunk>>,
): Promise<AIMessageChunk | undefined> {
  const { provider, model } = request;
  const batcher = new TokenLogBatcher((level, message, data) => ctx.log(level, message, connection.scrubber.scrub(data)));
  const started = performance.now();
  let full: AIMessageChunk | undefined;
  try {
    for await (const chunk of await openStream()) {
      batcher.add(textOf(chunk));
      full = full === undefined ? chunk : full.concat(chunk);
    }
  } catch (error) {
    throw toProviderError(error, { provider, model, scrubber: connection.scrubber, cancelled: ctx.signal.aborted });
  } finally {
    batcher.finish();
    deps.metrics.aiRequestDuration.observe({ provider, model }, (performance.now() - started) / 1000);
  }
  return full;
}

/** Returns the descriptor fields that every AI node type shares: group, input port, price, providers and credential slot. */
export function aiNodeTypeBase(deps: AiNodeDependencies): Pick<AiNodeType, 'group' | 'inputs' | 'credits' | 'providers' | 'credentialSlot'> {
  return {
    group: 'AI',
    inputs: [IN_PORT],
    credits: { ...CHAT_PRICE },
    providers: describeProviders(deps.settings),
    credentialSlot: MODEL_SLOT,
  };
}
