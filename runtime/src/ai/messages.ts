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
  return content.map(partText).join('');
}

/** Returns the text of one content part, or '' for a part that is not text. */
function partText(part: Exclude<BaseMessage['content'], string>[number]): string {
  if (typeof part === 'string') return part;
  if (part.type === 'text' && typeof part.text === 'string') return part.text;
  return '';
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
