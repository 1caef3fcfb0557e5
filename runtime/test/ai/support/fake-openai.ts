/**
 * A local server on 127.0.0.1 that speaks the OpenAI Chat Completions wire format:
 * `POST /v1/chat/completions` with `Authorization: Bearer`, JSON replies or SSE streams of
 * `chat.completion.chunk` objects ending in `data: [DONE]`, the usage chunk that
 * `stream_options.include_usage` requests, `tool_calls` deltas, and error bodies
 * `{ error: { message, type, code } }`. Tests queue one scripted reply per request.
 */
import http, { type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A tool call the fake model makes. */
export interface ScriptedToolCall {
  id: string;
  name: string;
  /** The arguments as a JSON string, streamed in pieces. */
  arguments: string;
}

/** One scripted reply. Without `status`, a successful completion. */
export interface ScriptedReply {
  status?: number;
  headers?: Record<string, string>;
  error?: { message: string; type: string; code: string | null };
  text?: string;
  toolCalls?: ScriptedToolCall[];
  usage?: { prompt_tokens: number; completion_tokens: number };
  /** Wait before the first byte, in milliseconds. */
  delayMs?: number;
  /** Code points per streamed content chunk. */
  chunkSize?: number;
  /** Pause between two streamed events, in milliseconds, for clients that show text as it arrives. */
  chunkDelayMs?: number;
}

/** A request the fake received, with its body parsed. */
export interface ReceivedChatRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The raw body bytes, for byte-for-byte checks. */
  raw: Buffer;
  body: Record<string, any>;
  receivedAt: number;
}

/** The running fake. */
export interface FakeOpenAi {
  origin: string;
  /** The base URL a client uses: `<origin>/v1`. */
  baseUrl: string;
  requests: ReceivedChatRequest[];
  /** Queues replies, one per coming request, in order. */
  enqueue(...replies: ScriptedReply[]): void;
  close(): Promise<void>;
}

const CREATED = 1_700_000_000;

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

function codePointChunks(text: string, size: number): string[] {
  const points = Array.from(text);
  const chunks: string[] = [];
  for (let index = 0; index < points.length; index += size) chunks.push(points.slice(index, index + size).join(''));
  return chunks;
}

function usageOf(reply: ScriptedReply): { prompt_tokens: number; completion_tokens: number; total_tokens: number } {
  const usage = reply.usage ?? { prompt_tokens: 10, completion_tokens: 5 };
  return { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens };
}

function completion(model: string, reply: ScriptedReply): Record<string, unknown> {
  const toolCalls = reply.toolCalls ?? [];
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: CREATED,
    model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: reply.text ?? null,
          ...(toolCalls.length > 0
            ? { tool_calls: toolCalls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } })) }
            : {}),
        },
        finish_reason: toolCalls.length > 0 ? 'tool_calls' : 'stop',
      },
    ],
    usage: usageOf(reply),
  };
}

/** Returns the SSE events of a streamed reply, each a `chat.completion.chunk` or `[DONE]`. */
function streamEvents(model: string, reply: ScriptedReply, includeUsage: boolean): string[] {
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}): string =>
    JSON.stringify({ id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: CREATED, model, choices, ...extra });
  const events = [chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }])];
  for (const piece of codePointChunks(reply.text ?? '', reply.chunkSize ?? 3)) {
    events.push(chunk([{ index: 0, delta: { content: piece }, finish_reason: null }]));
  }
  const toolCalls = reply.toolCalls ?? [];
  toolCalls.forEach((call, index) => {
    const start = { index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } };
    events.push(chunk([{ index: 0, delta: { tool_calls: [start] }, finish_reason: null }]));
    for (const piece of codePointChunks(call.arguments, 7)) {
      events.push(chunk([{ index: 0, delta: { tool_calls: [{ index, function: { arguments: piece } }] }, finish_reason: null }]));
    }
  });
  events.push(chunk([{ index: 0, delta: {}, finish_reason: toolCalls.length > 0 ? 'tool_calls' : 'stop' }]));
  if (includeUsage) events.push(chunk([], { usage: usageOf(reply) }));
  events.push('[DONE]');
  return events;
}

async function reply(response: ServerResponse, received: ReceivedChatRequest, scripted: ScriptedReply): Promise<void> {
  if (scripted.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, scripted.delayMs));
  if (response.destroyed) return;
  if (scripted.status !== undefined && scripted.status >= 400) {
    sendJson(response, scripted.status, { error: scripted.error ?? { message: 'failed', type: 'server_error', code: null } }, scripted.headers);
    return;
  }
  const model = String(received.body.model);
  if (received.body.stream !== true) {
    sendJson(response, 200, completion(model, scripted), scripted.headers);
    return;
  }
  response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...scripted.headers });
  const includeUsage = received.body.stream_options?.include_usage === true;
  for (const event of streamEvents(model, scripted, includeUsage)) {
    if (response.destroyed) return;
    response.write(`data: ${event}\n\n`);
    if (scripted.chunkDelayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, scripted.chunkDelayMs));
  }
  response.end();
}

/**
 * Starts the fake. `apiKey` is the only key it accepts: another bearer value gets a 401 whose
 * message quotes the key it received, as a careless provider might, so tests can check that
 * the studio scrubs it.
 */
export async function startFakeOpenAi(apiKey: string): Promise<FakeOpenAi> {
  const queue: ScriptedReply[] = [];
  const requests: ReceivedChatRequest[] = [];
  const server = http.createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const raw = Buffer.concat(chunks);
      let body: Record<string, any> = {};
      try {
        body = JSON.parse(raw.toString('utf8')) as Record<string, any>;
      } catch {
        sendJson(response, 400, { error: { message: 'body is not JSON', type: 'invalid_request_error', code: null } });
        return;
      }
      const received = { method: incoming.method ?? '', url: incoming.url ?? '', headers: incoming.headers, raw, body, receivedAt: Date.now() };
      requests.push(received);
      if (incoming.method !== 'POST' || incoming.url !== '/v1/chat/completions') {
        sendJson(response, 404, { error: { message: `unknown route ${incoming.method} ${incoming.url}`, type: 'invalid_request_error', code: null } });
        return;
      }
      const bearer = incoming.headers.authorization?.replace(/^Bearer /, '') ?? '';
      if (bearer !== apiKey) {
        sendJson(response, 401, {
          error: { message: `Incorrect API key provided: ${bearer}. You can find your API key in your account settings.`, type: 'invalid_request_error', code: 'invalid_api_key' },
        });
        return;
      }
      const scripted = queue.shift();
      if (scripted === undefined) {
        sendJson(response, 500, { error: { message: 'the fake has no scripted reply for this request', type: 'server_error', code: null } });
        return;
      }
      reply(response, received, scripted).catch(() => response.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    baseUrl: `${origin}/v1`,
    requests,
    enqueue: (...replies) => queue.push(...replies),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
