/** An offline `ctx` for actions: recorded logs, canned HTTP and in-memory files. */
import {
  MAX_SLEEP_MS,
  type ActionCallData,
  type CreditTopUpData,
  type CreditTopUpResult,
  type FilePutData,
  type FileRefData,
} from '../plugin/abi.js';
import type { ActionContext, PluginLogLevel } from '../plugin/context.js';
import { PluginError } from '../plugin/errors.js';
import { createHttpRequester, type HttpHandler, type HttpRoutes, type RecordedRequest } from './http.js';

/** One line an action wrote with `ctx.log`. */
export interface LogEntry {
  level: PluginLogLevel;
  message: string;
  /** The `data` argument, copied as JSON; absent when none was given. */
  data?: unknown;
}

/** A file in the harness's store. */
export interface StoredFile {
  ref: FileRefData;
  base64: string;
}

/** Options of `createTestContext`. */
export interface TestContextOptions {
  /** `ctx.config`, passed as is: `runAction` applies defaults and validates it first. */
  config?: Record<string, unknown>;
  /** `ctx.input`, by input port. */
  input?: Record<string, unknown>;
  /** `ctx.credentials`, by slot. */
  credentials?: Record<string, Record<string, unknown>>;
  /** Responses for `ctx.http.request`: a handler, or a table of routes. */
  http?: HttpHandler | HttpRoutes;
  /**
   * Host patterns `ctx.http` may reach, as in `permissions.hosts`. `runAction` passes the
   * manifest's list; when absent, every host is allowed.
   */
  hosts?: readonly string[];
  /** Files that `ctx.files.get` finds, by id. */
  files?: Record<string, FilePutData>;
  /** Overrides of `ctx.run`. */
  run?: Partial<ActionCallData['run']>;
  /** Aborting it sets `ctx.signal.aborted`. */
  signal?: AbortSignal;
  /**
   * Whether `ctx.credits.topUp` is granted, as the studio grants it to a shared plugin that
   * declares `permissions.topUpCredits` in an admin's run. False by default: it rejects with
   * `PLUGIN_PERMISSION_DENIED`.
   */
  topUpCredits?: boolean;
}

/** A context and what the action did with it. */
export interface TestContext {
  ctx: ActionContext;
  /** Lines written with `ctx.log`, in order. */
  logs: LogEntry[];
  /** Requests sent with `ctx.http.request`, in order. */
  requests: RecordedRequest[];
  /** Files stored with `ctx.files.put`, in order; preloaded `files` are not listed. */
  files: StoredFile[];
  /** Units reported with `ctx.reportUsage`, one entry per call, in order. */
  usage: number[];
  /** Waits of `ctx.sleep`, in milliseconds, one entry per call, in order. */
  sleeps: number[];
  /** Top-ups stored with `ctx.credits.topUp`, one per payment id, in order. */
  topUps: CreditTopUpData[];
}

/** The `ctx.run` of the harness, unless `run` overrides parts of it. */
export const TEST_RUN: ActionCallData['run'] = {
  id: 'run-test',
  graphId: 'graph-test',
  nodeId: 'node-test',
  taskId: 'task-test',
  attempt: 1,
};

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function copyJson<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

function createFileStore(preloaded: Record<string, FilePutData> | undefined, stored: StoredFile[]) {
  const byId = new Map<string, StoredFile>();
  const save = (id: string, file: FilePutData): StoredFile => {
    if (typeof file?.base64 !== 'string' || !BASE64.test(file.base64)) {
      throw new PluginError('PLUGIN_FILE_INVALID', `file "${String(file?.name)}" must have base64 content`);
    }
    const padding = file.base64.endsWith('==') ? 2 : file.base64.endsWith('=') ? 1 : 0;
    const ref: FileRefData = {
      id,
      name: file.name,
      contentType: file.contentType,
      size: (file.base64.length / 4) * 3 - padding,
    };
    const entry = { ref, base64: file.base64 };
    byId.set(id, entry);
    return entry;
  };

  for (const [id, file] of Object.entries(preloaded ?? {})) {
    save(id, file);
  }

  let nextId = 1;
  return {
    async put(file: FilePutData): Promise<FileRefData> {
      while (byId.has(`file-${nextId}`)) {
        nextId += 1;
      }
      const entry = save(`file-${nextId}`, file);
      stored.push(entry);
      return { ...entry.ref };
    },
    async get(id: string): Promise<{ ref: FileRefData; base64: string }> {
      const entry = byId.get(id);
      if (entry === undefined) {
        throw new PluginError('PLUGIN_FILE_NOT_FOUND', `no file has the id "${id}"`);
      }
      return { ref: { ...entry.ref }, base64: entry.base64 };
    },
  };
}

/** Builds `ctx.credits`: top-ups kept in memory, one per payment id, when `granted`. */
function createCreditLedger(granted: boolean, topUps: CreditTopUpData[]) {
  const balances = new Map<string, number>();
  return {
    async topUp(request: CreditTopUpData): Promise<CreditTopUpResult> {
      if (!granted) {
        throw new PluginError('PLUGIN_PERMISSION_DENIED', 'ctx.credits.topUp is not granted to this plugin');
      }
      if (!Number.isSafeInteger(request?.credits) || request.credits <= 0) {
        throw new PluginError('PLUGIN_CREDITS_INVALID', `a top-up must be a whole number of credits above 0, got ${String(request?.credits)}`);
      }
      const index = topUps.findIndex((entry) => entry.paymentId === request.paymentId);
      if (index >= 0) {
        return { created: false, balance: balances.get(request.userId) ?? 0, entryId: `ledger-${index + 1}` };
      }
      topUps.push(copyJson(request));
      const balance = (balances.get(request.userId) ?? 0) + request.credits;
      balances.set(request.userId, balance);
      return { created: true, balance, entryId: `ledger-${topUps.length}` };
    },
  };
}

/**
 * Creates an offline `ctx` for calling an action's `run` directly. Nothing is validated, and
 * defaults are not applied: use `runAction` for that.
 */
export function createTestContext(options: TestContextOptions = {}): TestContext {
  const logs: LogEntry[] = [];
  const requests: RecordedRequest[] = [];
  const files: StoredFile[] = [];
  const usage: number[] = [];
  const sleeps: number[] = [];
  const topUps: CreditTopUpData[] = [];

  const write = (level: PluginLogLevel) => (message: string, data?: unknown) => {
    const entry: LogEntry = { level, message: String(message) };
    if (data !== undefined) {
      entry.data = copyJson(data);
    }
    logs.push(entry);
  };

  const signal = options.signal;
  const ctx: ActionContext = {
    config: copyJson(options.config ?? {}),
    input: copyJson(options.input ?? {}),
    credentials: copyJson(options.credentials ?? {}),
    http: { request: createHttpRequester(options.http, options.hosts, requests) },
    files: createFileStore(options.files, files),
    credits: createCreditLedger(options.topUpCredits === true, topUps),
    log: { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') },
    signal: {
      get aborted() {
        return signal?.aborted ?? false;
      },
      throwIfAborted() {
        if (signal?.aborted === true) {
          throw new PluginError('RUNTIME_TASK_CANCELLED', 'the task was cancelled');
        }
      },
    },
    run: { ...TEST_RUN, ...options.run },
    sleep: (ms: number) => sleep(ms, signal, sleeps),
    reportUsage(units: number) {
      // The same check as the studio's sandbox, so a test fails where the studio would.
      if (typeof units !== 'number' || !Number.isFinite(units) || units < 0) {
        throw new PluginError('PLUGIN_USAGE_INVALID', `ctx.reportUsage takes a finite number of at least 0, got ${String(units)}`);
      }
      usage.push(units);
    },
  };
  return { ctx, logs, requests, files, usage, sleeps, topUps };
}

/**
 * Waits `ms` on a real timer, as the harness's `ctx.sleep`, with the sandbox's checks. Rejects
 * with `RUNTIME_TASK_CANCELLED` when `signal` aborts. Each wait is recorded in `sleeps`.
 */
function sleep(ms: number, signal: AbortSignal | undefined, sleeps: number[]): Promise<void> {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    return Promise.reject(
      new PluginError('PLUGIN_HOST_REQUEST_INVALID', `ctx.sleep takes a finite number of milliseconds of at least 0, got ${String(ms)}`),
    );
  }
  const wait = Math.min(ms, MAX_SLEEP_MS);
  sleeps.push(wait);
  const cancelled = (): PluginError => new PluginError('RUNTIME_TASK_CANCELLED', 'the task was cancelled');
  if (signal?.aborted === true) return Promise.reject(cancelled());
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(cancelled());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, wait);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
