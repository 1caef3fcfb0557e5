/**
 * Builds LangChain chat models for a connection. Every provider speaks the OpenAI Chat
 * Completions wire format, so one `ChatOpenAI` class serves them all with another base URL.
 */
import { ChatOpenAI } from '@langchain/openai';
import type { ModelConnection } from './connections.js';

/** Options of one model request. */
export interface ModelOptions {
  model: string;
  temperature?: number;
  maxTokens?: number;
  timeoutMs: number;
}

/**
 * Returns a chat model for `connection`. Retries are off, because the node's retry policy
 * retries coded errors and honours `retry-after`; the SDK's own retries would hide both.
 */
export function createChatModel(connection: ModelConnection, options: ModelOptions): ChatOpenAI {
  return new ChatOpenAI({
    model: options.model,
    apiKey: connection.apiKey,
    ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
    ...(options.maxTokens !== undefined ? { maxTokens: options.maxTokens } : {}),
    maxRetries: 0,
    // Every provider here serves Chat Completions, and some (Gemini's OpenAI-compatible
    // endpoint, Ollama) have no Responses API, which ChatOpenAI 1.5.8 picks for some models.
    useResponsesApi: false,
    timeout: options.timeoutMs,
    streamUsage: true,
    configuration: connection.baseUrl === undefined ? {} : { baseURL: connection.baseUrl },
  });
}
