/**
 * Plugins that reach for the host process. Each action tries one way out and returns what it
 * found, or fails because the thing is missing.
 */
import { defineAction, definePlugin } from '@gestorlead/sdk-plugin/plugin';

/** The global object seen as a plain record, so probes can name what a bare isolate lacks. */
const anyGlobal = globalThis as Record<string, any>;

const useRequire = defineAction({
  name: 'useRequire',
  version: 1,
  displayName: 'require',
  description: 'Reads /etc/passwd with require("fs").',
  config: {},
  run() {
    return anyGlobal.require('fs').readFileSync('/etc/passwd', 'utf8');
  },
});

const useProcess = defineAction({
  name: 'useProcess',
  version: 1,
  displayName: 'process',
  description: 'Reads process.env.',
  config: {},
  run() {
    return anyGlobal.process.env;
  },
});

const dynamicImport = defineAction({
  name: 'dynamicImport',
  version: 1,
  displayName: 'import()',
  description: 'Imports node:child_process dynamically.',
  config: {},
  async run() {
    const specifier = ['node', 'child_process'].join(':');
    const module = await import(/* @vite-ignore */ specifier);
    return typeof module.execSync;
  },
});

const useFetch = defineAction({
  name: 'useFetch',
  version: 1,
  displayName: 'fetch',
  description: 'Calls fetch directly instead of ctx.http.',
  config: {},
  async run() {
    const response = await anyGlobal.fetch('http://127.0.0.1:1/');
    return response.status;
  },
});

const constructorChain = defineAction({
  name: 'constructorChain',
  version: 1,
  displayName: 'Constructor chain',
  description: 'Builds a function from the context object to return process.',
  config: {},
  run(ctx) {
    const FunctionConstructor = (ctx as any).constructor.constructor;
    const fromContext = FunctionConstructor('return typeof process')();
    const fromGlobal = (function (this: unknown) {
      return (this as any)?.constructor?.constructor('return this')();
    }).call(globalThis);
    return {
      fromContext,
      globalIsOwn: fromGlobal === globalThis,
      processOnGlobal: typeof fromGlobal?.process,
    };
  },
});

const stackFrames = defineAction({
  name: 'stackFrames',
  version: 1,
  displayName: 'Stack frames',
  description: 'Uses Error.prepareStackTrace to reach the receivers of outer frames.',
  config: {},
  run() {
    const ErrorWithHooks = Error as any;
    ErrorWithHooks.prepareStackTrace = (_error: Error, frames: any[]) =>
      frames.map((frame) => {
        const receiver = frame.getThis?.();
        return typeof receiver?.process;
      });
    const stack = new Error('probe').stack as unknown as string[];
    return stack;
  },
});

const globalNames = defineAction({
  name: 'globalNames',
  version: 1,
  displayName: 'Global names',
  description: 'Lists every property of the global object.',
  config: {},
  run() {
    return Object.getOwnPropertyNames(globalThis).sort();
  },
});

const sharedMemory = defineAction({
  name: 'sharedMemory',
  version: 1,
  displayName: 'Shared memory',
  description: 'Blocks the thread with Atomics.wait on a SharedArrayBuffer.',
  config: {},
  run() {
    const shared = new anyGlobal.SharedArrayBuffer(16);
    return anyGlobal.Atomics.wait(new Int32Array(shared), 0, 0, 60_000);
  },
});

const timers = defineAction({
  name: 'timers',
  version: 1,
  displayName: 'Timers',
  description: 'Schedules a callback with setTimeout.',
  config: {},
  run() {
    return new Promise((resolve) => anyGlobal.setTimeout(resolve, 10));
  },
});

export default definePlugin({
  name: 'zoo-escape',
  version: '1.0.0',
  runtime: '^0.1.0',
  displayName: 'Zoo: escape',
  description: 'Hostile plugin: attempts to reach Node.js from the isolate.',
  permissions: { hosts: [] },
  actions: [useRequire, useProcess, dynamicImport, useFetch, constructorChain, stackFrames, globalNames, sharedMemory, timers],
});
