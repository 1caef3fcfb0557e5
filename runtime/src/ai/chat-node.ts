/**
 * `ai/chat@1`: one chat completion over a prompt template, streamed into the task log, with an
 * optional JSON Schema for structured output and a result cache for identical requests.
 */
import { interpolate, PluginSchemaValidator, describeTooLarge } from '@gestorlead/sdk-plugin';
import { HumanMessage, SystemMessage, type BaseMessage } from '@langchain/core/messages';
import { NodeError, type NodeContext, type NodeResult } from '../executor/node-type.js';
import { templateScope } from '../nodes/scope.js';
import { chatCacheKey, type ChatRequestIdentity } from './cache-key.js';
import { createChatModel } from './chat-model.js';
import type { AiNodeType, ModelConnection } from './connections.js';
import { runInfoOf, type AiNodeDependencies } from './dependencies.js';
import { textOf, usageOf, type TokenUsage } from './messages.js';
import { aiNodeTypeBase, collectModelReply, modelRequestConfigOf, resolveNodeConnection, type ModelRequestConfig } from './model-node.js';
import { AI_PROVIDERS } from './settings.js';

/** Time between two deletions of expired cache entries by one storage, in milliseconds. */
const CACHE_SWEEP_INTERVAL_MS = 3_600_000;
const lastSweepAt = new WeakMap<object, number>();

/** Deletes expired cache entries, at most once per `CACHE_SWEEP_INTERVAL_MS` per storage. */
async function sweepExpiredEntries(deps: AiNodeDependencies, now: number): Promise<void> {
  const last = lastSweepAt.get(deps.storage.aiCache);
  if (last !== undefined && now - last < CACHE_SWEEP_INTERVAL_MS) return;
  lastSweepAt.set(deps.storage.aiCache, now);
  await deps.storage.aiCache.deleteExpired(new Date(now).toISOString());
}

/** The config of an `ai/chat@1` node after defaults. */
interface ChatConfig extends ModelRequestConfig {
  outputSchema?: Record<string, unknown>;
  cache: boolean;
}

/** The value an `ai/chat@1` node delivers on `out`. */
export interface ChatOutput {
  text: string;
  /** The parsed JSON when the node sets `outputSchema`, otherwise null. */
  data: unknown;
  usage: TokenUsage;
  provider: string;
  model: string;
  cached: boolean;
}

export const CHAT_CONFIG_SCHEMA = {
  type: 'object',
  required: ['model', 'prompt'],
  additionalProperties: false,
  properties: {
    provider: { type: 'string', enum: [...AI_PROVIDERS], default: 'openai', description: 'Model provider' },
    model: { type: 'string', minLength: 1, maxLength: 200, description: 'Model name, such as gpt-4o-mini' },
    prompt: { type: 'string', minLength: 1, maxLength: 200_000, description: 'User message; {{ input.x }} reads the input' },
    system: { type: 'string', maxLength: 200_000, description: 'System message; {{ }} placeholders allowed' },
    temperature: { type: 'number', minimum: 0, maximum: 2 },
    maxTokens: { type: 'integer', minimum: 1, maximum: 1_000_000, description: 'Maximum output tokens' },
    outputSchema: { type: 'object', description: 'JSON Schema the model output must match; the output is parsed as JSON' },
    cache: { type: 'boolean', default: true, description: 'Reuse the result of an identical request within the cache TTL' },
  },
} as const;

function chatConfigOf(config: Record<string, unknown>): ChatConfig {
  return {
    ...modelRequestConfigOf(config),
    ...(config.outputSchema !== undefined ? { outputSchema: config.outputSchema as Record<string, unknown> } : {}),
    cache: config.cache !== false,
  };
}

/** Renders a template over the node's inputs; a template that yields an object becomes JSON. */
export function renderTemplate(template: string, ctx: NodeContext): string {
  const value = interpolate(template, templateScope(ctx));
  if (typeof value === 'string') return value;
  return value === undefined || value === null ? '' : JSON.stringify(value);
}

function compileOutputSchema(schema: Record<string, unknown>): PluginSchemaValidator {
  try {
    return new PluginSchemaValidator(schema);
  } catch (error) {
    throw new NodeError('AI_OUTPUT_SCHEMA_INVALID', `outputSchema is invalid: ${(error as Error).message}; fix the JSON Schema in the node's config`);
  }
}

/** Parses and validates structured output; throws `AI_OUTPUT_INVALID` naming the first problems. */
function parseStructuredOutput(text: string, validator: PluginSchemaValidator): unknown {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new NodeError('AI_OUTPUT_INVALID', `the model output is not JSON: ${(error as Error).message}`, {
      details: { text: text.slice(0, 1000) },
    });
  }
  const check = validator.check(data);
  if (check.tooLarge !== undefined) throw new NodeError('AI_OUTPUT_INVALID', `the model output ${describeTooLarge(check.tooLarge)}`);
  if (check.errors.length > 0) {
    const problems = check.errors.slice(0, 10).map((error) => ({ pointer: error.instancePath, message: error.message ?? error.keyword }));
    const first = problems[0];
    throw new NodeError('AI_OUTPUT_INVALID', `the model output does not match outputSchema: ${first.pointer || '/'} ${first.message}`, {
      details: { problems, text: text.slice(0, 1000) },
    });
  }
  return data;
}

/** Sends the request and streams the reply into the task log; returns the whole reply. */
async function streamReply(
  deps: AiNodeDependencies,
  ctx: NodeContext,
  connection: ModelConnection,
  config: ChatConfig,
  messages: BaseMessage[],
): Promise<{ text: string; usage: TokenUsage }> {
  const model = createChatModel(connection, { ...config, timeoutMs: deps.settings.requestTimeoutMs });
  const responseFormat =
    config.outputSchema === undefined
      ? undefined
      : { type: 'json_schema' as const, json_schema: { name: 'output', schema: config.outputSchema, strict: false } };
  const full = await collectModelReply(deps, ctx, connection, config, () =>
    model.stream(messages, { signal: ctx.signal, ...(responseFormat ? { response_format: responseFormat } : {}) }),
  );
  return { text: full === undefined ? '' : textOf(full), usage: full === undefined ? { inputTokens: 0, outputTokens: 0 } : usageOf(full) };
}

async function executeChat(deps: AiNodeDependencies, ctx: NodeContext): Promise<NodeResult> {
  const config = chatConfigOf(ctx.config);
  const validator = config.outputSchema === undefined ? null : compileOutputSchema(config.outputSchema);
  const prompt = renderTemplate(config.prompt, ctx);
  const system = config.system === undefined ? null : renderTemplate(config.system, ctx);

  const run = await runInfoOf(deps.storage, ctx);
  const connection = await resolveNodeConnection(deps, ctx, run, config.provider);

  const identity: ChatRequestIdentity = {
    provider: config.provider,
    baseUrl: connection.baseUrl ?? null,
    model: config.model,
    system,
    prompt,
    temperature: config.temperature ?? null,
    maxTokens: config.maxTokens ?? null,
    outputSchema: config.outputSchema ?? null,
  };
  const useCache = config.cache && deps.settings.cacheTtlMs > 0;
  const key = useCache ? chatCacheKey(identity) : null;
  if (key !== null) {
    const hit = await deps.storage.aiCache.get(key, new Date().toISOString());
    if (hit !== null) {
      ctx.log('info', 'cache hit: stored result returned without a provider request', { key, storedAt: hit.createdAt });
      // NOTE: a cache hit reports 0 units, so it is free under the default per-token price. An
      // operator's `fixed` price in CREDITS_PRICING still applies to it.
      return { outputs: { out: { ...(hit.result as ChatOutput), cached: true } }, units: 0 };
    }
  }

  const messages: BaseMessage[] = [];
  if (system !== null) messages.push(new SystemMessage(system));
  messages.push(new HumanMessage(prompt));
  ctx.log('info', 'model request', { provider: config.provider, model: config.model, ownCredential: connection.ownCredential });
  const reply = await streamReply(deps, ctx, connection, config, messages);
  const data = validator === null ? null : parseStructuredOutput(reply.text, validator);
  const output: ChatOutput = { text: reply.text, data, usage: reply.usage, provider: config.provider, model: config.model, cached: false };
  ctx.log('info', 'model usage', { ...reply.usage });

  const scrubbed = connection.scrubber.scrub(output);
  if (key !== null) {
    const now = Date.now();
    await deps.storage.aiCache.put({
      key,
      provider: config.provider,
      model: config.model,
      result: scrubbed,
      usage: reply.usage,
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + deps.settings.cacheTtlMs).toISOString(),
    });
    await sweepExpiredEntries(deps, now);
  }
  return { outputs: { out: scrubbed }, units: reply.usage.inputTokens + reply.usage.outputTokens };
}

/** Builds the `ai/chat@1` node type. */
export function createChatNodeType(deps: AiNodeDependencies): AiNodeType {
  return {
    type: 'ai/chat@1',
    displayName: 'AI chat',
    description: 'Sends a prompt built from the inputs to a chat model and returns its reply.',
    ...aiNodeTypeBase(deps),
    configSchema: CHAT_CONFIG_SCHEMA as unknown as Record<string, unknown>,
    outputs: [{ name: 'out', displayName: 'Reply' }],
    execute: (ctx) => executeChat(deps, ctx),
  };
}
