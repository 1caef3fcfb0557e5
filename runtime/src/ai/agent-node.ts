/**
 * `ai/agent@1`: a tool-calling agent. The model receives the tools of its config, each a
 * plugin action, and every tool call runs as a child task of the run (see `tool-task.ts`). The
 * conversation is stored per run and node after every step, so a retried attempt or a resumed
 * run continues it instead of starting over.
 */
import {
  AIMessage,
  HumanMessage,
  SystemMessage,
  ToolMessage,
  mapChatMessagesToStoredMessages,
  mapStoredMessagesToChatMessages,
  type BaseMessage,
  type StoredMessage,
} from '@langchain/core/messages';
import { NodeError, type NodeContext, type NodeResult } from '../executor/node-type.js';
import { buildAgentTools, configProblemsOf, toolConfigOf, type AgentTool, type ToolEntry } from './agent-tools.js';
import { renderTemplate } from './chat-node.js';
import { createChatModel } from './chat-model.js';
import type { AiNodeType, ModelConnection } from './connections.js';
import { runInfoOf, type AiNodeDependencies, type NodeRunInfo } from './dependencies.js';
import { addUsage, textOf, usageOf, type TokenUsage } from './messages.js';
import { aiNodeTypeBase, collectModelReply, modelRequestConfigOf, resolveNodeConnection, type ModelRequestConfig } from './model-node.js';
import { AI_PROVIDERS } from './settings.js';
import { restoreToolTasks, runToolTask } from './tool-task.js';

/** Model replies an agent may request when its config sets no `maxSteps`. */
export const DEFAULT_MAX_STEPS = 10;
/** Upper bound of `maxSteps`. */
export const MAX_STEPS_LIMIT = 50;

interface AgentConfig extends ModelRequestConfig {
  maxSteps: number;
  tools: ToolEntry[];
}

/** A tool call the agent made, as its output lists it. */
interface ToolCallSummary {
  name: string;
  taskId: string | null;
  nodeId: string | null;
  ok: boolean;
}

export const AGENT_CONFIG_SCHEMA = {
  type: 'object',
  required: ['model', 'prompt', 'tools'],
  additionalProperties: false,
  properties: {
    provider: { type: 'string', enum: [...AI_PROVIDERS], default: 'openai' },
    model: { type: 'string', minLength: 1, maxLength: 200 },
    prompt: { type: 'string', minLength: 1, maxLength: 200_000, description: 'Task for the agent; {{ input.x }} reads the input' },
    system: { type: 'string', maxLength: 200_000 },
    temperature: { type: 'number', minimum: 0, maximum: 2 },
    maxTokens: { type: 'integer', minimum: 1, maximum: 1_000_000 },
    maxSteps: { type: 'integer', minimum: 1, maximum: MAX_STEPS_LIMIT, default: DEFAULT_MAX_STEPS, description: 'Maximum model replies' },
    tools: {
      type: 'array',
      maxItems: 32,
      items: {
        type: 'object',
        required: ['type'],
        additionalProperties: false,
        properties: {
          type: { type: 'string', minLength: 1, maxLength: 200, description: 'Node type of a plugin action, such as core/http@1' },
          name: { type: 'string', pattern: '^[a-zA-Z0-9_-]{1,64}$' },
          description: { type: 'string', maxLength: 1024 },
          config: { type: 'object', description: 'Config values fixed by the graph author' },
          credentials: { type: 'object', additionalProperties: { type: 'string' }, description: 'Credential ids by slot of the action' },
        },
      },
    },
  },
} as const;

function agentConfigOf(config: Record<string, unknown>): AgentConfig {
  return {
    ...modelRequestConfigOf(config),
    maxSteps: typeof config.maxSteps === 'number' ? config.maxSteps : DEFAULT_MAX_STEPS,
    tools: (config.tools as ToolEntry[] | undefined) ?? [],
  };
}

/** Returns the tool calls of the last model reply that have no tool result yet. */
function unansweredToolCalls(messages: BaseMessage[]): NonNullable<AIMessage['tool_calls']> {
  let index = messages.length - 1;
  const answered = new Set<string>();
  while (index >= 0 && ToolMessage.isInstance(messages[index])) {
    answered.add((messages[index] as ToolMessage).tool_call_id);
    index -= 1;
  }
  const reply = messages[index];
  if (reply === undefined || !AIMessage.isInstance(reply)) return [];
  return (reply.tool_calls ?? []).filter((call) => call.id === undefined || !answered.has(call.id));
}

/** The state of one agent execution. */
class AgentExecution {
  readonly #deps: AiNodeDependencies;
  readonly #ctx: NodeContext;
  readonly #config: AgentConfig;
  readonly #run: NodeRunInfo;
  readonly #tools: AgentTool[];
  readonly #connection: ModelConnection;
  #messages: BaseMessage[] = [];
  #usage: TokenUsage = { inputTokens: 0, outputTokens: 0 };
  #toolCount = 0;
  readonly #toolCalls: ToolCallSummary[] = [];

  constructor(deps: AiNodeDependencies, ctx: NodeContext, config: AgentConfig, run: NodeRunInfo, tools: AgentTool[], connection: ModelConnection) {
    this.#deps = deps;
    this.#ctx = ctx;
    this.#config = config;
    this.#run = run;
    this.#tools = tools;
    this.#connection = connection;
  }

  async execute(): Promise<NodeResult> {
    await this.#loadConversation();
    let steps = this.#messages.filter((message) => AIMessage.isInstance(message)).length;
    for (;;) {
      const pending = unansweredToolCalls(this.#messages);
      if (pending.length > 0) {
        for (const call of pending) await this.#callTool(call);
        continue;
      }
      const last = this.#messages[this.#messages.length - 1];
      if (last !== undefined && AIMessage.isInstance(last)) return this.#finish(last, steps);
      if (steps >= this.#config.maxSteps) {
        throw new NodeError(
          'AI_AGENT_MAX_STEPS',
          `agent "${this.#ctx.nodeId}" reached maxSteps (${this.#config.maxSteps}) without a final answer; raise maxSteps or narrow the prompt`,
          { details: { maxSteps: this.#config.maxSteps, toolCalls: this.#toolCalls.length } },
        );
      }
      const reply = await this.#askModel();
      steps += 1;
      this.#messages.push(reply);
      await this.#saveConversation();
    }
  }

  async #loadConversation(): Promise<void> {
    const { storage } = this.#deps;
    const stored = await storage.agentMemory.get(this.#ctx.runId, this.#ctx.nodeId);
    this.#toolCount = await restoreToolTasks(this.#deps, this.#ctx.runId, this.#toolPrefix());
    if (stored !== null) {
      this.#messages = mapStoredMessagesToChatMessages(stored.messages as StoredMessage[]);
      this.#ctx.log('info', 'conversation resumed', { messages: this.#messages.length, toolTasks: this.#toolCount });
      return;
    }
    const system = this.#config.system === undefined ? null : renderTemplate(this.#config.system, this.#ctx);
    if (system !== null) this.#messages.push(new SystemMessage(system));
    this.#messages.push(new HumanMessage(renderTemplate(this.#config.prompt, this.#ctx)));
    await this.#saveConversation();
  }

  async #saveConversation(): Promise<void> {
    await this.#deps.storage.agentMemory.put({
      runId: this.#ctx.runId,
      nodeId: this.#ctx.nodeId,
      messages: mapChatMessagesToStoredMessages(this.#messages),
      updatedAt: new Date().toISOString(),
    });
  }

  #toolPrefix(): string {
    return `${this.#ctx.nodeId}.tool-`;
  }

  async #askModel(): Promise<AIMessage> {
    const { provider } = this.#config;
    const chat = createChatModel(this.#connection, { ...this.#config, timeoutMs: this.#deps.settings.requestTimeoutMs });
    const bound = chat.bindTools(this.#tools.map((tool) => tool.definition));
    const full = await collectModelReply(this.#deps, this.#ctx, this.#connection, this.#config, () =>
      bound.stream(this.#messages, { signal: this.#ctx.signal }),
    );
    if (full === undefined) throw new NodeError('AI_PROVIDER_UNAVAILABLE', `provider "${provider}" sent an empty reply`, { retryable: true });
    const usage = usageOf(full);
    this.#usage = addUsage(this.#usage, usage);
    const reply = new AIMessage({ content: textOf(full), tool_calls: full.tool_calls ?? [], usage_metadata: full.usage_metadata });
    this.#ctx.log('info', 'model step', { toolCalls: (reply.tool_calls ?? []).map((call) => call.name), ...usage });
    return reply;
  }

  async #callTool(call: NonNullable<AIMessage['tool_calls']>[number]): Promise<void> {
    const tool = this.#tools.find((candidate) => candidate.name === call.name);
    const callId = call.id ?? `call-${this.#toolCalls.length + 1}`;
    if (tool === undefined) {
      this.#answer(callId, { error: { code: 'AI_AGENT_TOOL_UNKNOWN', message: `no tool is named "${call.name}"` } });
      this.#toolCalls.push({ name: call.name, taskId: null, nodeId: null, ok: false });
      return this.#saveConversation();
    }
    const args = (call.args ?? {}) as Record<string, unknown>;
    const config = toolConfigOf(tool, args);
    const problems = configProblemsOf(tool, config);
    if (problems !== null) {
      this.#ctx.log('warn', 'tool call rejected: invalid config', { tool: tool.name, problems });
      this.#answer(callId, { error: { code: 'AI_AGENT_TOOL_ARGS_INVALID', message: problems } });
      this.#toolCalls.push({ name: tool.name, taskId: null, nodeId: null, ok: false });
      return this.#saveConversation();
    }

    this.#toolCount += 1;
    const nodeId = `${this.#toolPrefix()}${this.#toolCount}`;
    this.#ctx.log('info', 'tool call', { tool: tool.name, type: tool.nodeType.type, nodeId });
    const { taskId, outcome } = await runToolTask(this.#deps, {
      runId: this.#ctx.runId,
      graphId: this.#run.graphId,
      ownerId: this.#run.ownerId,
      parentTaskId: this.#ctx.taskId,
      nodeId,
      nodeType: tool.nodeType,
      config,
      credentials: tool.entry.credentials ?? {},
      input: args.input ?? null,
      runInput: this.#ctx.runInput,
      signal: this.#ctx.signal,
    });
    if (outcome.ok === false && outcome.cancelled) throw new NodeError(outcome.error.code, outcome.error.message);
    this.#toolCalls.push({ name: tool.name, taskId, nodeId, ok: outcome.ok });
    this.#answer(callId, outcome.ok ? { output: outcome.result.outputs } : { error: { code: outcome.error.code, message: outcome.error.message } });
    await this.#saveConversation();
  }

  #answer(callId: string, content: unknown): void {
    this.#messages.push(new ToolMessage({ tool_call_id: callId, content: JSON.stringify(content) }));
  }

  #finish(reply: AIMessage, steps: number): NodeResult {
    const text = textOf(reply);
    this.#ctx.log('info', 'agent finished', { steps, toolCalls: this.#toolCalls.length, ...this.#usage });
    const output = {
      text,
      steps,
      toolCalls: this.#toolCalls,
      usage: this.#usage,
      provider: this.#config.provider,
      model: this.#config.model,
    };
    return { outputs: { out: this.#connection.scrubber.scrub(output) }, units: this.#usage.inputTokens + this.#usage.outputTokens };
  }
}

async function executeAgent(deps: AiNodeDependencies, ctx: NodeContext): Promise<NodeResult> {
  const config = agentConfigOf(ctx.config);
  const run = await runInfoOf(deps.storage, ctx);
  const tools = buildAgentTools(config.tools, deps.nodeTypesFor(run.ownerId));
  const connection = await resolveNodeConnection(deps, ctx, run, config.provider);
  return new AgentExecution(deps, ctx, config, run, tools, connection).execute();
}

/** Builds the `ai/agent@1` node type. */
export function createAgentNodeType(deps: AiNodeDependencies): AiNodeType {
  return {
    type: 'ai/agent@1',
    displayName: 'AI agent',
    description: 'A tool-calling agent whose tools are plugin actions; each tool call runs as a child task.',
    ...aiNodeTypeBase(deps),
    configSchema: AGENT_CONFIG_SCHEMA as unknown as Record<string, unknown>,
    outputs: [{ name: 'out', displayName: 'Answer' }],
    execute: (ctx) => executeAgent(deps, ctx),
  };
}
