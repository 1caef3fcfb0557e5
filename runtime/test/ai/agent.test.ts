/**
 * `ai/agent@1` through a real studio, the real plugin sandbox and SQLite. The model is a local
 * server in the OpenAI wire format that requests tool calls. The tools are actions of a test
 * plugin, and each call is recorded as a child task of the run.
 */
import type { GraphNode } from '@gestorlead/sdk-plugin';
import type { TaskRecord } from '@gestorlead/storage';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildTestPackage } from '../plugins/support/packages.js';
import { startPluginStudio, type PluginTestStudio } from '../plugins/support/plugin-studio.js';
import { request } from '../support/http.js';
import { buildNode, waitForRun } from '../support/studio.js';
import {
  createOneNodeGraph,
  logLines,
  PLATFORM_KEY,
  RUN_TIMEOUT_MS,
  runToEnd,
  sumOf,
  taskEvents,
  taskLedger,
  TEST_PRICE_PER_TOKEN,
  TEST_PRICING,
  topUp,
} from './support/ai-studio.js';
import { startFakeOpenAi, type FakeOpenAi } from './support/fake-openai.js';

/** Credits one call of the test tool costs. */
const TOOL_COST = 3;
const TOOL_NAME = 'weather_lookup_1';

/** A plugin whose `lookup` action logs the city and returns a made-up temperature. */
function toolPackage() {
  return buildTestPackage({
    name: 'weather',
    actions: [
      {
        name: 'lookup',
        description: 'Looks up the temperature of a city.',
        configSchema: {
          type: 'object',
          required: ['city'],
          additionalProperties: false,
          properties: { city: { type: 'string', minLength: 1, description: 'City name' }, unit: { type: 'string', enum: ['C', 'F'] } },
        },
        credits: { fixed: TOOL_COST },
        run: `async (ctx) => {
          ctx.log.info('looking up ' + ctx.config.city);
          return { city: ctx.config.city, unit: ctx.config.unit, temperature: ctx.config.city.length + 10 };
        }`,
      },
      {
        name: 'secure',
        description: 'Reads a private forecast with a token.',
        credentialSlots: [{ slot: 'auth', type: 'token', required: true }],
        run: `async (ctx) => ({ tokenLength: ctx.credentials.auth.token.length })`,
      },
    ],
    credentialTypes: [
      {
        name: 'token',
        displayName: 'Weather token',
        schema: { type: 'object', required: ['token'], properties: { token: { type: 'string', format: 'password' } } },
      },
    ],
  });
}

let fake: FakeOpenAi;
let test: PluginTestStudio;

beforeAll(async () => {
  fake = await startFakeOpenAi(PLATFORM_KEY);
});

afterAll(async () => {
  await fake.close();
});

afterEach(async () => {
  await test?.close();
  fake.requests.length = 0;
});

async function startStudio(): Promise<void> {
  test = await startPluginStudio({ env: { OPENAI_API_KEY: PLATFORM_KEY, OPENAI_BASE_URL: fake.baseUrl, CREDITS_PRICING: TEST_PRICING } });
  const installed = await request(test, { method: 'POST', url: '/v1/plugins', payload: toolPackage() as object });
  expect(installed.status, installed.raw.body).toBe(201);
  await topUp(test, 10_000);
}

function agentNode(config: Record<string, unknown> = {}): GraphNode {
  return buildNode('agent', {
    type: 'ai/agent@1',
    config: {
      model: 'gpt-test',
      system: 'You answer weather questions with the tools.',
      prompt: 'Compare the weather in {{ input.a }} and {{ input.b }}.',
      tools: [{ type: 'weather/lookup@1', config: { unit: 'C' } }],
      ...config,
    },
  });
}

function toolCall(id: string, city: string) {
  return { id, name: TOOL_NAME, arguments: JSON.stringify({ config: { city } }) };
}

function toolTasksOf(tasks: TaskRecord[]): TaskRecord[] {
  return tasks.filter((task) => task.nodeId.startsWith('agent.tool-')).sort((a, b) => a.nodeId.localeCompare(b.nodeId));
}

describe('ai/agent', () => {
  it('runs two tool calls as child tasks', async () => {
    await startStudio();
    const answer = 'Lisboa is at 16 °C and São Paulo at 19 °C, so São Paulo is warmer.';
    fake.enqueue(
      { toolCalls: [toolCall('call_a', 'Lisboa'), toolCall('call_b', 'São Paulo')], usage: { prompt_tokens: 40, completion_tokens: 20 } },
      { text: answer, usage: { prompt_tokens: 90, completion_tokens: 16 } },
    );
    const graphId = await createOneNodeGraph(test, agentNode());

    const { runId, run } = await runToEnd(test, graphId, { a: 'Lisboa', b: 'São Paulo' });

    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
    const reply = await request<{ tasks: TaskRecord[] }>(test, { method: 'GET', url: `/v1/runs/${runId}` });
    const agentTask = reply.body.tasks.find((task) => task.nodeId === 'agent')!;
    const toolTasks = toolTasksOf(reply.body.tasks);
    expect(toolTasks.map((task) => [task.nodeId, task.nodeType, task.status])).toEqual([
      ['agent.tool-1', 'weather/lookup@1', 'COMPLETED'],
      ['agent.tool-2', 'weather/lookup@1', 'COMPLETED'],
    ]);
    expect(toolTasks[0].output).toEqual({ out: { city: 'Lisboa', unit: 'C', temperature: 16 } });
    expect(toolTasks[1].output).toEqual({ out: { city: 'São Paulo', unit: 'C', temperature: 19 } });

    const out = agentTask.output?.out as { text: string; steps: number; toolCalls: Array<{ name: string; taskId: string; ok: boolean }>; usage: object };
    expect(out.text).toBe(answer);
    expect(out.steps).toBe(2);
    expect(out.toolCalls.map((call) => [call.name, call.taskId, call.ok])).toEqual([
      [TOOL_NAME, toolTasks[0].id, true],
      [TOOL_NAME, toolTasks[1].id, true],
    ]);
    expect(out.usage).toEqual({ inputTokens: 130, outputTokens: 36 });

    for (const [index, city] of ['Lisboa', 'São Paulo'].entries()) {
      const events = await taskEvents(test, toolTasks[index].id);
      expect(logLines(events, `looking up ${city}`), city).toHaveLength(1);
      expect(events.find((event) => event.type === 'task.started')?.data).toMatchObject({ parentTaskId: agentTask.id });
      expect(sumOf(await taskLedger(test, toolTasks[index].id), 'capture'), city).toBe(TOOL_COST);
    }
    expect(sumOf(await taskLedger(test, agentTask.id), 'capture')).toBe(Math.ceil(166 * TEST_PRICE_PER_TOKEN));

    const first = fake.requests[0].body;
    expect(first.tools).toHaveLength(1);
    expect(first.tools[0].function.name).toBe(TOOL_NAME);
    expect(first.tools[0].function.description).toBe('Looks up the temperature of a city.');
    expect(first.tools[0].function.parameters.properties.config.required).toEqual(['city']);
    expect(first.tools[0].function.parameters.properties.config.properties.unit).toBeUndefined();
    expect(first.messages[1]).toEqual({ role: 'user', content: 'Compare the weather in Lisboa and São Paulo.' });
    const toolMessages = (fake.requests[1].body.messages as Array<{ role: string; tool_call_id?: string; content: string }>).filter(
      (message) => message.role === 'tool',
    );
    expect(toolMessages.map((message) => message.tool_call_id)).toEqual(['call_a', 'call_b']);
    expect(JSON.parse(toolMessages[1].content)).toEqual({ output: { out: { city: 'São Paulo', unit: 'C', temperature: 19 } } });
  });

  it('passes tool credentials to action', async () => {
    await startStudio();
    const token = 'wx-secret-token-0123456789';
    const stored = await request<{ id: string }>(test, {
      method: 'POST',
      url: '/v1/credentials',
      payload: { name: 'forecast', type: 'weather/token', values: { token } },
    });
    expect(stored.status, stored.raw.body).toBe(201);
    fake.enqueue(
      { toolCalls: [{ id: 'call_s', name: 'weather_secure_1', arguments: '{}' }] },
      { text: 'The private forecast is ready.' },
    );
    const graphId = await createOneNodeGraph(test, agentNode({ tools: [{ type: 'weather/secure@1', credentials: { auth: stored.body.id } }] }));

    const { runId, run } = await runToEnd(test, graphId, { a: 'x', b: 'y' });

    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
    const [toolTask] = toolTasksOf(await test.storage.tasks.listByRun(runId));
    expect(toolTask.status).toBe('COMPLETED');
    expect(toolTask.output).toEqual({ out: { tokenLength: token.length } });
  });

  it('fails tool task without credential', async () => {
    await startStudio();
    fake.enqueue(
      { toolCalls: [{ id: 'call_s', name: 'weather_secure_1', arguments: '{}' }] },
      { text: 'The forecast is not available.' },
    );
    const graphId = await createOneNodeGraph(test, agentNode({ tools: [{ type: 'weather/secure@1' }] }));

    const { runId, run } = await runToEnd(test, graphId, { a: 'x', b: 'y' });

    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
    const [toolTask] = toolTasksOf(await test.storage.tasks.listByRun(runId));
    expect(toolTask.status).toBe('FAILED');
    expect(toolTask.error?.code).toBe('PLUGIN_CREDENTIAL_MISSING');
    const toolMessage = (fake.requests[1].body.messages as Array<{ role: string; content: string }>).find((message) => message.role === 'tool');
    expect(JSON.parse(toolMessage!.content).error.code).toBe('PLUGIN_CREDENTIAL_MISSING');
  });

  it('fails when max steps exceeded', async () => {
    await startStudio();
    fake.enqueue({ toolCalls: [toolCall('call_a', 'Lisboa')] }, { toolCalls: [toolCall('call_b', 'Porto')] });
    const graphId = await createOneNodeGraph(test, agentNode({ maxSteps: 2 }));

    const { runId, run, tasks } = await runToEnd(test, graphId, { a: 'Lisboa', b: 'Porto' });

    expect(run.status).toBe('failed');
    const error = tasks.get('agent')!.error;
    expect(error?.code).toBe('AI_AGENT_MAX_STEPS');
    expect(error?.retryable).toBe(false);
    expect(fake.requests).toHaveLength(2);
    const all = await test.storage.tasks.listByRun(runId);
    expect(toolTasksOf(all).map((task) => task.status)).toEqual(['COMPLETED', 'COMPLETED']);
  });

  it('answers invalid tool args without task', async () => {
    await startStudio();
    fake.enqueue(
      { toolCalls: [{ id: 'call_bad', name: TOOL_NAME, arguments: JSON.stringify({ config: { city: '' } }) }] },
      { text: 'I could not look that up.' },
    );
    const graphId = await createOneNodeGraph(test, agentNode());

    const { runId, run } = await runToEnd(test, graphId, { a: 'x', b: 'y' });

    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
    expect(toolTasksOf(await test.storage.tasks.listByRun(runId))).toHaveLength(0);
    const toolMessage = (fake.requests[1].body.messages as Array<{ role: string; content: string }>).find((message) => message.role === 'tool');
    expect(JSON.parse(toolMessage!.content).error.code).toBe('AI_AGENT_TOOL_ARGS_INVALID');
  });

  it('resume continues stored conversation', async () => {
    await startStudio();
    fake.enqueue(
      { toolCalls: [toolCall('call_a', 'Lisboa')] },
      { status: 400, error: { message: 'context too long', type: 'invalid_request_error', code: null } },
    );
    const graphId = await createOneNodeGraph(test, agentNode());
    const failed = await runToEnd(test, graphId, { a: 'Lisboa', b: 'Porto' });
    expect(failed.run.status).toBe('failed');
    expect(failed.tasks.get('agent')!.error?.code).toBe('AI_PROVIDER_BAD_REQUEST');

    fake.enqueue({ text: 'Lisboa is at 16 °C.' });
    const resumed = await request(test, { method: 'POST', url: `/v1/runs/${failed.runId}/resume` });
    expect(resumed.status, resumed.raw.body).toBeLessThan(300);
    const { run, tasks } = await waitForRun(test, failed.runId, RUN_TIMEOUT_MS);

    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
    expect((tasks.get('agent')!.output?.out as { text: string }).text).toBe('Lisboa is at 16 °C.');
    expect(fake.requests).toHaveLength(3);
    const roles = (fake.requests[2].body.messages as Array<{ role: string }>).map((message) => message.role);
    expect(roles).toEqual(['system', 'user', 'assistant', 'tool']);
    expect(toolTasksOf([...tasks.values()]).map((task) => task.status)).toEqual(['COMPLETED']);
  });

  it('rejects plugin named ai', async () => {
    await startStudio();
    const reserved = buildTestPackage({ name: 'ai', actions: [{ name: 'chat', run: 'async () => ({})' }] });

    const reply = await request(test, { method: 'POST', url: '/v1/plugins', payload: reserved as object });

    expect(reply.status, reply.raw.body).toBe(400);
    expect(reply.body.code).toBe('PLUGIN_NAME_RESERVED');
  });
});
