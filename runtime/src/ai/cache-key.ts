import { createHash } from 'node:crypto';

/** The parts of an `ai/chat` request that decide its result. */
export interface ChatRequestIdentity {
  provider: string;
  /** Base URL of the endpoint, because two OpenAI-compatible servers answer differently. */
  baseUrl: string | null;
  model: string;
  system: string | null;
  prompt: string;
  temperature: number | null;
  maxTokens: number | null;
  outputSchema: unknown;
}

/** Compares two object keys by UTF-16 code units, as canonical JSON orders them. */
function compareKeys(a: string, b: string): number {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}

/** Returns `value` as JSON with object keys sorted at every level. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => compareKeys(a, b));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * Returns the cache key of a request: the SHA-256 (hex) of its identity as canonical JSON. Text
 * is normalised to Unicode NFC, so the same prompt typed in composed or decomposed form (an
 * accent as one code point or two) hits the same entry; nothing else about the text changes.
 */
export function chatCacheKey(identity: ChatRequestIdentity): string {
  const normalised = {
    ...identity,
    baseUrl: identity.baseUrl?.replace(/\/+$/, '') ?? null,
    system: identity.system?.normalize('NFC') ?? null,
    prompt: identity.prompt.normalize('NFC'),
  };
  return createHash('sha256').update(canonicalJson({ v: 1, ...normalised })).digest('hex');
}
