import type { AIMessageChunk, BaseMessage } from '@langchain/core/messages';

/** Token counts of one or more model requests. */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

/** Returns the text of a message's content, joining the text parts of a multi-part content. */
export function textOf(message: Pick<BaseMessage, 'content'>): string {
  const content = message.content;
  if (typeof content === 'string') return content;
  return content
    .map((part) => (typeof part === 'string' ? part : part.type === 'text' && typeof part.text === 'string' ? part.text : ''))
    .join('');
}

/** Returns the usage the provider reported on a message, or zeros when it reported none. */
export function usageOf(message: Pick<AIMessageChunk, 'usage_metadata'>): TokenUsage {
  return {
    inputTokens: message.usage_metadata?.input_tokens ?? 0,
    outputTokens: message.usage_metadata?.output_tokens ?? 0,
  };
}

/** Returns the sum of two usages. */
export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return { inputTokens: a.inputTokens + b.inputTokens, outputTokens: a.outputTokens + b.outputTokens };
}
