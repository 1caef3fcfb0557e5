/**
 * The task types of `POST /v1/tasks`: for each, the JSON Schema of its `input` and the node type
 * that runs it for each provider, with the node config built from the model and the input.
 */

/** Task types that `POST /v1/tasks` accepts. */
export const TASK_TYPES = ['chat_completion', 'text_to_image', 'text_to_video', 'text_to_speech'] as const;
export type TaskType = (typeof TASK_TYPES)[number];

/** The body of `POST /v1/tasks`, as stored as the input of the task's one-node run. */
export interface TaskRequest {
  task_type: TaskType;
  provider: string;
  model: string;
  input: Record<string, unknown>;
  /** Credential ids the studio picked per credential slot of the node type when the task was created. */
  credentials?: Record<string, string>;
}

/** One provider of a task type: the node type that runs it and how its config is built. */
export interface TaskProvider {
  provider: string;
  nodeType: string;
  /** The config field that takes the request's model, `model` unless set. */
  modelKey?: string;
  /** Builds the node config. Text the user typed must reach the action unchanged. */
  config(request: TaskRequest): Record<string, unknown>;
  /** The input field each config key comes from, so a config problem names the input field. */
  fields: Record<string, string>;
}

const PROMPT = { type: 'string', minLength: 1, maxLength: 32_000 } as const;

/** JSON Schemas of `input`, per task type. Field names are snake_case like the rest of the body. */
export const INPUT_SCHEMAS: Record<TaskType, Record<string, unknown>> = {
  chat_completion: {
    type: 'object',
    required: ['prompt'],
    additionalProperties: false,
    properties: {
      prompt: { type: 'string', minLength: 1, maxLength: 200_000 },
      system: { type: 'string', maxLength: 200_000 },
      temperature: { type: 'number', minimum: 0, maximum: 2 },
      max_tokens: { type: 'integer', minimum: 1, maximum: 1_000_000 },
    },
  },
  text_to_image: {
    type: 'object',
    required: ['prompt'],
    additionalProperties: false,
    properties: {
      prompt: PROMPT,
      size: { type: 'string', pattern: '^[1-9][0-9]{1,4}x[1-9][0-9]{1,4}$', description: 'width x height in pixels, such as 1024x1024' },
      n: { type: 'integer', minimum: 1, maximum: 10, description: 'number of images' },
    },
  },
  text_to_video: {
    type: 'object',
    required: ['prompt'],
    additionalProperties: false,
    properties: {
      prompt: PROMPT,
      duration_seconds: { type: 'integer', minimum: 1, maximum: 60 },
      aspect_ratio: { type: 'string', enum: ['16:9', '9:16', '1:1'] },
    },
  },
  text_to_speech: {
    type: 'object',
    required: ['text'],
    additionalProperties: false,
    properties: {
      text: { type: 'string', minLength: 1, maxLength: 10_000 },
      voice: { type: 'string', minLength: 1, maxLength: 200 },
      format: { type: 'string', enum: ['mp3', 'wav', 'opus', 'aac', 'flac'] },
    },
  },
};

/** Copies the input fields that are present under their config names. */
function pick(input: Record<string, unknown>, fields: Record<string, string>): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const [configKey, inputKey] of Object.entries(fields)) {
    if (input[inputKey] !== undefined) config[configKey] = input[inputKey];
  }
  return config;
}

/** The config names of a plugin action: its model field, and input values it spells differently. */
interface PluginConfigNames {
  /** The config field of the model, `model` unless set. */
  modelKey?: string;
  /** Per config field, the action's spelling of an input value; values not listed pass as they are. */
  values?: Record<string, Record<string, unknown>>;
}

/**
 * Config fields that the provider plugins render as `{{ }}` templates over the node's input. The
 * task passes each as one placeholder of the request's field, so braces that the user types reach
 * the provider as typed.
 */
const TEMPLATE_FIELDS: ReadonlySet<string> = new Set(['prompt', 'text', 'input']);

/** Builds a provider whose action takes the model and the listed input fields as config values. */
function pluginProvider(provider: string, nodeType: string, fields: Record<string, string>, names: PluginConfigNames = {}): TaskProvider {
  return {
    provider,
    nodeType,
    fields,
    modelKey: names.modelKey,
    config: (request) => {
      const config = pick(request.input, fields);
      for (const key of Object.keys(config)) {
        if (TEMPLATE_FIELDS.has(key) && typeof config[key] === 'string') config[key] = `{{ input.input.${fields[key]} }}`;
      }
      for (const [key, spelling] of Object.entries(names.values ?? {})) {
        const value = config[key];
        if (typeof value === 'string' && Object.hasOwn(spelling, value)) config[key] = spelling[value];
      }
      return { [names.modelKey ?? 'model']: request.model, ...config };
    },
  };
}

/**
 * Builds a provider of `ai/chat@1`. Its prompt and system message are `{{ }}` templates, so they
 * are passed as placeholders over the run input. A single placeholder yields the raw string, and
 * braces that the user typed are never read as placeholders.
 */
function chatProvider(provider: string): TaskProvider {
  return {
    provider,
    nodeType: 'ai/chat@1',
    fields: { prompt: 'prompt', system: 'system', temperature: 'temperature', maxTokens: 'max_tokens' },
    config: (request) => {
      const { input } = request;
      return {
        provider,
        model: request.model,
        prompt: '{{ input.input.prompt }}',
        ...(input.system !== undefined ? { system: '{{ input.input.system }}' } : {}),
        ...(input.temperature !== undefined ? { temperature: input.temperature } : {}),
        ...(input.max_tokens !== undefined ? { maxTokens: input.max_tokens } : {}),
      };
    },
  };
}

/**
 * The providers of each task type. Plugin actions receive the model and the input fields under
 * their own config names (the config schemas in `plugins/<provider>/src`), typed text as one
 * placeholder each. A config the action rejects is reported at the input field it came from.
 */
export const TASK_PROVIDERS: Record<TaskType, readonly TaskProvider[]> = {
  chat_completion: [chatProvider('openai'), chatProvider('gemini'), chatProvider('openai-compatible')],
  text_to_image: [
    pluginProvider('openai', 'openai/generate-image@1', { prompt: 'prompt', size: 'size', n: 'n' }),
    pluginProvider('google', 'google/generate-image@1', { prompt: 'prompt' }),
  ],
  text_to_video: [
    pluginProvider('piapi', 'piapi/generate-video@1', { prompt: 'prompt', duration: 'duration_seconds', aspectRatio: 'aspect_ratio' }),
  ],
  text_to_speech: [
    pluginProvider(
      'elevenlabs',
      'elevenlabs/text-to-speech@1',
      { text: 'text', voiceId: 'voice', outputFormat: 'format' },
      { modelKey: 'modelId', values: { outputFormat: { mp3: 'mp3_44100_128' } } },
    ),
    pluginProvider('openai', 'openai/text-to-speech@1', { input: 'text', voice: 'voice', responseFormat: 'format' }),
  ],
};

/** Returns the provider entry of a task type, or undefined for a provider it does not have. */
export function findTaskProvider(taskType: TaskType, provider: string): TaskProvider | undefined {
  return TASK_PROVIDERS[taskType].find((entry) => entry.provider === provider);
}
