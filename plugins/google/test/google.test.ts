import { runAction } from '@gestorlead/sdk-plugin/testing';
import { describe, expect, it } from 'vitest';
import { parseSseChunks } from '../src/gemini.js';
import plugin from '../src/index.js';

const KEY = { api: { apiKey: 'AIza-test-key-0123' } };
const URL_BASE = 'https://generativelanguage.googleapis.com/v1beta/models';

describe('google plugin', () => {
  it('joins streamed chunks and skips thoughts', async () => {
    const body =
      'data: {"candidates":[{"content":{"parts":[{"text":"plan","thought":true}]}}]}\r\n\r\n' +
      'data: {"candidates":[{"content":{"parts":[{"text":"Olá, "}]}}]}\r\n\r\n' +
      'data: {"candidates":[{"content":{"parts":[{"text":"mundo 🌍"}]},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":4,"totalTokenCount":9,"thoughtsTokenCount":2}}\r\n\r\n';
    const result = await runAction(plugin, 'generate-text', {
      config: { prompt: 'greet', stream: true },
      credentials: KEY,
      http: { [`POST ${URL_BASE}/gemini-2.5-flash:streamGenerateContent?alt=sse`]: { body, headers: { 'content-type': 'text/event-stream' } } },
    });

    expect(result.outputs.out).toEqual({ text: 'Olá, mundo 🌍', model: 'gemini-2.5-flash', usage: { inputTokens: 3, outputTokens: 6 }, finishReason: 'STOP' });
    expect(result.units).toBe(9);
    expect(result.requests[0].headers['x-goog-api-key']).toBe('AIza-test-key-0123');
  });

  it('parses multi-line sse data', () => {
    expect(parseSseChunks('data: {"a":\ndata: 1}\n\n: comment\n\n')).toEqual([{ a: 1 }]);
  });
});
