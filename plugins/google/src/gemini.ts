/** The parts of Gemini `generateContent` responses that the actions read. */
import { invalidProviderResponse, PluginError, PROVIDER_ERROR_CODES } from '@gestorlead/sdk-plugin/plugin';

/** One part of a candidate's content. */
export interface GeminiPart {
  text?: string;
  thought?: boolean;
  inlineData?: { mimeType?: string; data?: string };
}

/** A `GenerateContentResponse`, or one chunk of a stream of them. */
export interface GeminiResponse {
  candidates?: Array<{ content?: { parts?: GeminiPart[] }; finishReason?: string }>;
  promptFeedback?: { blockReason?: string };
  usageMetadata?: { promptTokenCount?: number; candidatesTokenCount?: number; totalTokenCount?: number; thoughtsTokenCount?: number };
  modelVersion?: string;
}

/** Token counts of a response. */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
}

/** Returns the parts of the first candidate; throws when the prompt was blocked or none came. */
export function partsOf(response: GeminiResponse): GeminiPart[] {
  const blockReason = response.promptFeedback?.blockReason;
  if (blockReason !== undefined) {
    throw new PluginError(PROVIDER_ERROR_CODES.badRequest, `google blocked the prompt (${blockReason})`, {
      details: { provider: 'google', blockReason },
    });
  }
  const parts = response.candidates?.[0]?.content?.parts;
  if (!Array.isArray(parts)) throw invalidProviderResponse('google', 'a candidate with content');
  return parts;
}

/** Returns the token counts of `usageMetadata`, zero where missing. */
export function usageOf(response: GeminiResponse): TokenUsage {
  const usage = response.usageMetadata ?? {};
  const inputTokens = usage.promptTokenCount ?? 0;
  const outputTokens = (usage.candidatesTokenCount ?? 0) + (usage.thoughtsTokenCount ?? 0);
  return { inputTokens, outputTokens, totalTokens: usage.totalTokenCount ?? inputTokens + outputTokens };
}

/**
 * Parses a `streamGenerateContent?alt=sse` body: events separated by a blank line, each with
 * one or more `data:` lines that hold a JSON `GenerateContentResponse`.
 */
export function parseSseChunks(body: string): GeminiResponse[] {
  const chunks: GeminiResponse[] = [];
  for (const event of body.replace(/\r\n/g, '\n').split('\n\n')) {
    const data = event
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).replace(/^ /, ''))
      .join('\n');
    if (data.trim() === '') continue;
    try {
      chunks.push(JSON.parse(data) as GeminiResponse);
    } catch {
      throw invalidProviderResponse('google', 'valid JSON in a stream event');
    }
  }
  return chunks;
}
