import { defineAction, p, PluginError } from '@gestorlead/sdk-plugin/plugin';

/** The constructor of async functions, so author code may use `await`. */
const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (
  ...parameters: string[]
) => (...values: unknown[]) => Promise<unknown>;

/**
 * `core/code@1`: JavaScript written by the graph author, compiled with the `Function`
 * constructor inside the plugin's isolate. The code receives `input` (the value on port `in`) and
 * `config` (the node's `params`) and returns the output value; it gets no `ctx`, so it cannot
 * make requests, store files or read credentials. The action's limits bound its CPU time,
 * heap and duration like any plugin call.
 */
export const codeAction = defineAction({
  name: 'code',
  version: 1,
  displayName: 'Code',
  description: 'Runs JavaScript over the input: `return input.items.length;`. No network, files or credentials.',
  group: 'Data',
  config: {
    code: p.text({ displayName: 'Code', required: true, multiline: true, placeholder: 'return { total: input.items.length };' }),
    params: p.json({ displayName: 'Parameters', description: 'Available to the code as `config`.' }),
  },
  limits: { memoryMb: 64, cpuTimeMs: 1_000, timeoutMs: 5_000 },
  async run(ctx) {
    let compiled: (input: unknown, config: unknown) => Promise<unknown>;
    try {
      compiled = new AsyncFunction('input', 'config', `"use strict";\n${ctx.config.code}`);
    } catch (error) {
      throw new PluginError('CORE_CODE_INVALID', `the code does not compile: ${(error as Error).message}`);
    }
    let result: unknown;
    try {
      result = await compiled(ctx.input.in, ctx.config.params ?? null);
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new PluginError('CORE_CODE_FAILED', `the code threw ${message}`.slice(0, 1_000));
    }
    try {
      return result === undefined ? null : JSON.parse(JSON.stringify(result));
    } catch (error) {
      throw new PluginError('CORE_CODE_RESULT_INVALID', `the code returned a value that is not JSON: ${(error as Error).message}`);
    }
  },
});
