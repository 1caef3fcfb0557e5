/**
 * Helpers of the sandbox tests: zoo plugins packed from TypeScript with the SDK's CLI code, a
 * recording `HostServices`, and call requests with small limits.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type {
  ActionCallData,
  FilePutData,
  FileRefData,
  HttpRequestData,
  HttpResponseData,
  PluginPackage,
  TriggerCallData,
} from '@gestorlead/sdk-plugin/plugin';

import { buildProject, createPackage } from '../../../sdk-plugin/src/cli/project.js';
import type {
  ActionCallRequest,
  CallLimits,
  HostServices,
  PluginCode,
  TriggerCallRequest,
} from '../../src/sandbox/types.js';

const ZOO_DIR = fileURLToPath(new URL('../zoo/', import.meta.url));
const packed = new Map<string, Promise<PluginPackage>>();

/** Packs `runtime/test/zoo/<name>/index.ts` as the CLI's `pack` would, once per test file. */
export function packZooPlugin(name: string): Promise<PluginPackage> {
  let result = packed.get(name);
  if (result === undefined) {
    result = (async () => {
      const project = await buildProject(path.join(ZOO_DIR, name), 'index.ts');
      if (project.problems.length > 0) {
        const lines = project.problems.map((problem) => `${problem.pointer}: ${problem.message}`);
        throw new Error(`zoo plugin ${name} has manifest problems:\n${lines.join('\n')}`);
      }
      return createPackage(project.manifest, project.code);
    })();
    packed.set(name, result);
  }
  return result;
}

/** Returns the `PluginCode` the sandbox takes for a packed plugin. */
export function codeOf(pluginPackage: PluginPackage): PluginCode {
  return {
    key: `${pluginPackage.manifest.name}@${pluginPackage.manifest.version}`,
    code: pluginPackage.code,
    sha256: pluginPackage.sha256,
  };
}

/** Plugin code from a raw script, for bundles the SDK would not produce. */
export function rawCode(key: string, code: string): PluginCode {
  return { key, code, sha256: createHash('sha256').update(code, 'utf8').digest('hex') };
}

/** A call recorded by `RecordingHost`. */
export type HostCall =
  | { op: 'http'; request: HttpRequestData; signal: AbortSignal }
  | { op: 'putFile'; file: FilePutData }
  | { op: 'getFile'; id: string }
  | { op: 'log'; level: string; message: string; data?: unknown; hasData: boolean };

/** Handlers a test sets for the host services; unset ones fail loudly. */
export interface HostHandlers {
  http?: (request: HttpRequestData, signal: AbortSignal) => Promise<HttpResponseData>;
  putFile?: (file: FilePutData) => Promise<FileRefData>;
  getFile?: (id: string) => Promise<{ ref: FileRefData; base64: string }>;
}

/** A `HostServices` that records every call and replies with the test's handlers. */
export class RecordingHost implements HostServices {
  readonly calls: HostCall[] = [];
  handlers: HostHandlers;

  constructor(handlers: HostHandlers = {}) {
    this.handlers = handlers;
  }

  get logs(): Extract<HostCall, { op: 'log' }>[] {
    return this.calls.filter((call): call is Extract<HostCall, { op: 'log' }> => call.op === 'log');
  }

  async httpRequest(request: HttpRequestData, signal: AbortSignal): Promise<HttpResponseData> {
    this.calls.push({ op: 'http', request, signal });
    if (this.handlers.http === undefined) {
      throw new Error('the test set no http handler');
    }
    return this.handlers.http(request, signal);
  }

  async putFile(file: FilePutData): Promise<FileRefData> {
    this.calls.push({ op: 'putFile', file });
    if (this.handlers.putFile === undefined) {
      throw new Error('the test set no putFile handler');
    }
    return this.handlers.putFile(file);
  }

  async getFile(id: string): Promise<{ ref: FileRefData; base64: string }> {
    this.calls.push({ op: 'getFile', id });
    if (this.handlers.getFile === undefined) {
      throw new Error('the test set no getFile handler');
    }
    return this.handlers.getFile(id);
  }

  log(level: 'debug' | 'info' | 'warn' | 'error', message: string, data?: unknown): void {
    this.calls.push({ op: 'log', level, message, data, hasData: arguments.length > 2 });
  }
}

/** Limits small enough that every attack ends within a few seconds. */
export const TEST_LIMITS: CallLimits = { memoryMb: 32, cpuTimeMs: 500, timeoutMs: 5_000 };

/** Run ids every test call carries. */
export const TEST_RUN: ActionCallData['run'] = { id: 'run-1', graphId: 'graph-1', nodeId: 'node-1', taskId: 'task-1', attempt: 1 };

/** Builds an action call request; `call` fields override the defaults. */
export function actionRequest(
  plugin: PluginCode,
  action: string,
  options: {
    call?: Partial<ActionCallData>;
    limits?: Partial<CallLimits>;
    host?: HostServices;
    signal?: AbortSignal;
  } = {},
): ActionCallRequest {
  return {
    plugin,
    call: { action, version: 1, config: {}, input: {}, credentials: {}, run: TEST_RUN, ...options.call },
    limits: { ...TEST_LIMITS, ...options.limits },
    host: options.host ?? new RecordingHost(),
    signal: options.signal ?? new AbortController().signal,
  };
}

/** Builds a trigger call request. */
export function triggerRequest(
  plugin: PluginCode,
  trigger: string,
  hook: 'verify' | 'parse',
  options: { call?: Partial<TriggerCallData>; host?: HostServices } = {},
): TriggerCallRequest {
  return {
    plugin,
    hook,
    call: {
      trigger,
      config: {},
      credentials: {},
      request: { method: 'POST', headers: {}, query: {}, body: null, rawBodyBase64: '' },
      ...options.call,
    },
    limits: TEST_LIMITS,
    host: options.host ?? new RecordingHost(),
    signal: new AbortController().signal,
  };
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` every 20 ms until it returns true, or throws after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await sleep(20);
  }
}

/** A promise with its resolve function, for host handlers that a test releases. */
export function deferred<T>(): { promise: Promise<T>; resolve(value: T): void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** Returns an HTTP response for `url` with a JSON body. */
export function okResponse(url: string, body: unknown = { ok: true }): HttpResponseData {
  return { status: 200, headers: { 'content-type': 'application/json' }, body, url };
}
