/**
 * The seam between the plugin host (which manages plugins, credentials, HTTP policy and files)
 * and the sandbox pool (which runs plugin code in isolates inside child processes).
 */
import type {
  ActionCallData,
  CreditTopUpData,
  CreditTopUpResult,
  FilePutData,
  FileRefData,
  HttpRequestData,
  HttpResponseData,
  PluginErrorData,
  TriggerCallData,
} from '@gestorlead/sdk-plugin/plugin';

/** Resource limits of one call, already capped by the operator's maximums. */
export interface CallLimits {
  /** Heap limit of the isolate, in MiB. */
  memoryMb: number;
  /** CPU time the plugin code may use, in milliseconds. */
  cpuTimeMs: number;
  /** Wall-clock time of the whole call, host requests included, in milliseconds. */
  timeoutMs: number;
}

/** The plugin code a call runs; `key` (`name@version`) identifies it in the children's caches. */
export interface PluginCode {
  key: string;
  code: string;
  sha256: string;
}

/**
 * What the host does for plugin code. The sandbox forwards every `ctx.http`, `ctx.files` and
 * `ctx.log` call to these functions in the server process; they enforce the plugin's
 * permissions and throw `PluginErrorData`-shaped errors that reach the plugin as `PluginError`.
 */
export interface HostServices {
  httpRequest(request: HttpRequestData, signal: AbortSignal): Promise<HttpResponseData>;
  putFile(file: FilePutData): Promise<FileRefData>;
  getFile(id: string): Promise<{ ref: FileRefData; base64: string }>;
  /** `ctx.credits.topUp`; absent where no call may top up credits, so the request is rejected. */
  topUpCredits?(request: CreditTopUpData): Promise<CreditTopUpResult>;
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string, data?: unknown): void;
}

/** One action call. */
export interface ActionCallRequest {
  plugin: PluginCode;
  call: ActionCallData;
  limits: CallLimits;
  host: HostServices;
  signal: AbortSignal;
}

/** One trigger call (verify or parse a webhook delivery). */
export interface TriggerCallRequest {
  plugin: PluginCode;
  call: TriggerCallData;
  hook: 'verify' | 'parse';
  limits: CallLimits;
  host: HostServices;
  signal: AbortSignal;
}

/**
 * The end of a call: the action's outputs by port, or its error as plain data. `units` is the
 * usage the action reported with `ctx.reportUsage`, absent when it reported none.
 */
export type CallOutcome =
  | { ok: true; outputs: Record<string, unknown>; units?: number }
  | { ok: false; error: PluginErrorData };

/** Runs plugin code. Implemented by the pool of supervised child processes. */
export interface Sandbox {
  callAction(request: ActionCallRequest): Promise<CallOutcome>;
  callTrigger(request: TriggerCallRequest): Promise<{ ok: true; result: unknown } | { ok: false; error: PluginErrorData }>;
  /** Pool state for metrics and health. */
  stats(): { children: number; busy: number; crashes: number; queued: number };
  close(): Promise<void>;
}
