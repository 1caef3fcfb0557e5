/**
 * Settings of the host-side AI nodes, read from the environment: the operator's platform key,
 * base URL and model list per provider, the result cache TTL and the request timeout.
 */

/** Providers the AI nodes reach, all through the OpenAI Chat Completions wire format. */
export const AI_PROVIDERS = ['openai', 'gemini', 'openai-compatible'] as const;
/** A provider of the AI nodes. */
export type AiProviderName = (typeof AI_PROVIDERS)[number];

/** The operator's connection to one provider. */
export interface AiProviderSettings {
  name: AiProviderName;
  displayName: string;
  /** The platform key, or null when the operator set none. */
  apiKey: string | null;
  /** Base URL of the Chat Completions API, ending before `/chat/completions`. */
  baseUrl: string | null;
  /** Models offered in the node's config. */
  models: string[];
  /** Whether nodes may use the provider without a credential of the user's own. */
  configured: boolean;
}

/** AI settings of a studio. */
export interface AiSettings {
  providers: Record<AiProviderName, AiProviderSettings>;
  /** How long `ai/chat` results are reused, in milliseconds (`AI_CACHE_TTL_SECONDS`). */
  cacheTtlMs: number;
  /** Timeout of one provider request, in milliseconds (`AI_REQUEST_TIMEOUT_MS`). */
  requestTimeoutMs: number;
}

const DEFAULT_CACHE_TTL_SECONDS = 86_400;
const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;
const OPENAI_BASE_URL = 'https://api.openai.com/v1';
const GEMINI_BASE_URL = 'https://generativelanguage.googleapis.com/v1beta/openai/';
const OPENAI_MODELS = ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-mini', 'gpt-4.1'];
const GEMINI_MODELS = ['gemini-2.5-flash', 'gemini-2.5-pro', 'gemini-2.0-flash'];

function readText(env: NodeJS.ProcessEnv, name: string): string | null {
  const raw = env[name]?.trim();
  return raw === undefined || raw === '' ? null : raw;
}

function readList(env: NodeJS.ProcessEnv, name: string, fallback: string[]): string[] {
  const raw = readText(env, name);
  if (raw === null) return fallback;
  return raw.split(',').map((item) => item.trim()).filter((item) => item !== '');
}

function readInteger(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = readText(env, name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${name} must be an integer of at least ${min}, got "${raw}"`);
  }
  return value;
}

/** Reads the AI settings from `env`; throws with the variable's name on an invalid value. */
export function loadAiSettings(env: NodeJS.ProcessEnv): AiSettings {
  const openaiKey = readText(env, 'OPENAI_API_KEY');
  const googleKey = readText(env, 'GOOGLE_API_KEY');
  const compatibleUrl = readText(env, 'OPENAI_COMPATIBLE_BASE_URL');
  return {
    providers: {
      openai: {
        name: 'openai',
        displayName: 'OpenAI',
        apiKey: openaiKey,
        baseUrl: readText(env, 'OPENAI_BASE_URL') ?? OPENAI_BASE_URL,
        models: readList(env, 'OPENAI_MODELS', OPENAI_MODELS),
        configured: openaiKey !== null,
      },
      gemini: {
        name: 'gemini',
        displayName: 'Google Gemini',
        apiKey: googleKey,
        baseUrl: readText(env, 'GEMINI_BASE_URL') ?? GEMINI_BASE_URL,
        models: readList(env, 'GEMINI_MODELS', GEMINI_MODELS),
        configured: googleKey !== null,
      },
      'openai-compatible': {
        name: 'openai-compatible',
        displayName: 'OpenAI-compatible endpoint',
        apiKey: readText(env, 'OPENAI_COMPATIBLE_API_KEY'),
        baseUrl: compatibleUrl,
        models: readList(env, 'OPENAI_COMPATIBLE_MODELS', []),
        // Local servers such as Ollama need no key, so a base URL alone configures it.
        configured: compatibleUrl !== null,
      },
    },
    cacheTtlMs: readInteger(env, 'AI_CACHE_TTL_SECONDS', DEFAULT_CACHE_TTL_SECONDS, 0) * 1000,
    requestTimeoutMs: readInteger(env, 'AI_REQUEST_TIMEOUT_MS', DEFAULT_REQUEST_TIMEOUT_MS, 1),
  };
}
