/**
 * The tools of an `ai/agent@1` node: plugin actions named in its config, described to the model
 * with the manifest's description and an argument schema built from the action's config and
 * input schemas.
 */
import { PluginSchemaValidator } from '@gestorlead/sdk-plugin';
import { NodeError, type NodeType, type NodeTypeRegistry } from '../executor/node-type.js';

/** One tool entry of an agent's config. */
export interface ToolEntry {
  /** The node type of the action, such as `core/http@1`. */
  type: string;
  /** The name the model calls; by default the type with other characters replaced by `_`. */
  name?: string;
  /** Replaces the action's description in the tool definition. */
  description?: string;
  /** Config values the graph author fixes; they win over the model's arguments. */
  config?: Record<string, unknown>;
  /** Credential ids by slot of the action, as a graph node's `credentials`. */
  credentials?: Record<string, string>;
}

/** A tool ready for the model and for calls. */
export interface AgentTool {
  name: string;
  entry: ToolEntry;
  nodeType: NodeType;
  /** The tool definition in the OpenAI function-calling format. */
  definition: {
    type: 'function';
    function: { name: string; description: string; parameters: Record<string, unknown> };
  };
  configValidator: PluginSchemaValidator;
}

/** Tool names as the OpenAI API accepts them. */
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** Returns the default tool name of a node type: `core/http@1` becomes `core_http_1`. */
export function defaultToolName(type: string): string {
  return type.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64);
}

function parametersOf(nodeType: NodeType, entry: ToolEntry): Record<string, unknown> {
  const fixed = Object.keys(entry.config ?? {});
  const configSchema = nodeType.configSchema;
  const required = Array.isArray(configSchema.required)
    ? (configSchema.required as string[]).filter((name) => !fixed.includes(name))
    : [];
  const properties = { ...((configSchema.properties as Record<string, unknown> | undefined) ?? {}) };
  for (const name of fixed) delete properties[name];
  const inputSchema = nodeType.inputs[0]?.schema ?? {};
  return {
    type: 'object',
    properties: {
      config: { type: 'object', description: 'Config of the action', properties, required },
      input: { ...inputSchema, description: 'Value on the action\'s input port' },
    },
    required: required.length > 0 ? ['config'] : [],
  };
}

/**
 * Builds the tools of an agent from the node types its owner may use. Throws
 * `AI_AGENT_TOOL_UNKNOWN` for a type that is not installed or not visible to the owner, and
 * `AI_AGENT_TOOL_INVALID` for a bad or repeated tool name.
 */
export function buildAgentTools(entries: readonly ToolEntry[], registry: NodeTypeRegistry): AgentTool[] {
  const tools: AgentTool[] = [];
  for (const entry of entries) {
    const nodeType = registry.get(entry.type);
    if (nodeType === undefined || entry.type.startsWith('ai/')) {
      throw new NodeError('AI_AGENT_TOOL_UNKNOWN', `tool "${entry.type}" is not an installed plugin action this graph's owner may use`, {
        details: { type: entry.type },
      });
    }
    const name = entry.name ?? defaultToolName(entry.type);
    if (!TOOL_NAME.test(name) || tools.some((tool) => tool.name === name)) {
      throw new NodeError('AI_AGENT_TOOL_INVALID', `tool name "${name}" is invalid or repeated; use 1 to 64 letters, digits, "_" or "-", unique per agent`, {
        details: { name, type: entry.type },
      });
    }
    tools.push({
      name,
      entry,
      nodeType,
      definition: {
        type: 'function',
        function: {
          name,
          description: (entry.description ?? nodeType.description ?? nodeType.displayName).slice(0, 1024),
          parameters: parametersOf(nodeType, entry),
        },
      },
      configValidator: new PluginSchemaValidator(nodeType.configSchema),
    });
  }
  return tools;
}

/** Returns the config of one call: the model's values with the author's fixed values on top. */
export function toolConfigOf(tool: AgentTool, args: Record<string, unknown>): Record<string, unknown> {
  const fromModel = args.config !== null && typeof args.config === 'object' && !Array.isArray(args.config) ? args.config : {};
  return { ...(fromModel as Record<string, unknown>), ...(tool.entry.config ?? {}) };
}

/** Returns the problems of a call's config as one sentence, or null when it is valid. */
export function configProblemsOf(tool: AgentTool, config: Record<string, unknown>): string | null {
  const check = tool.configValidator.check(config);
  if (check.tooLarge !== undefined) return 'the config is too large to check';
  if (check.errors.length === 0) return null;
  return check.errors
    .slice(0, 5)
    .map((error) => `config${error.instancePath} ${error.message ?? error.keyword}`)
    .join('; ');
}
