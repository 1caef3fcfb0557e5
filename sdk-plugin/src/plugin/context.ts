/**
 * Types of the `ctx` object that actions and triggers receive. The sandbox implements them with
 * calls into the host, and the test harness implements them offline. `ctx` is a plugin's only
 * way to reach the outside: the sandbox has no Node APIs, no `fetch` and no timers.
 */
import type {
  ActionCallData,
  CreditTopUpData,
  CreditTopUpResult,
  FilePutData,
  FileRefData,
  HttpRequestData,
  HttpResponseData,
  WebhookRequestData,
} from './abi.js';

/** Levels of task log lines. */
export type PluginLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Writes lines into the task log that the studio shows with the run. Never log secrets. */
export interface PluginLog {
  debug(message: string, data?: unknown): void;
  info(message: string, data?: unknown): void;
  warn(message: string, data?: unknown): void;
  error(message: string, data?: unknown): void;
}

/** Tells whether the task was cancelled or timed out, so long work can stop early. */
export interface PluginSignal {
  /** True once the run is cancelled or the task exceeds its timeout. */
  readonly aborted: boolean;
  /** Throws the cancellation error when `aborted` is true. */
  throwIfAborted(): void;
}

/** HTTP requests made by the host on the plugin's behalf. */
export interface PluginHttp {
  /**
   * Sends a request to a host listed in the manifest's `permissions.hosts` and resolves with the
   * response, whatever its status: check `status` yourself. Rejects when the host is not
   * allowed, the connection fails, or `timeoutMs` passes.
   */
  request(request: HttpRequestData): Promise<HttpResponseData>;
}

/** Artifact storage: files a run produces or receives. */
export interface PluginFiles {
  /** Stores a file and resolves with its reference, which can go into an output. */
  put(file: FilePutData): Promise<FileRefData>;
  /** Reads a stored file by id; rejects when no file has that id. */
  get(id: string): Promise<{ ref: FileRefData; base64: string }>;
}

/** The user credit ledger, for plugins whose manifest sets `permissions.topUpCredits`. */
export interface PluginCredits {
  /**
   * Adds credits to a user once per payment id and resolves with the new balance. Rejects with
   * `PLUGIN_PERMISSION_DENIED` unless the plugin version is shared (admin-installed or bundled),
   * declares `permissions.topUpCredits`, and the run's graph belongs to an admin.
   */
  topUp(request: CreditTopUpData): Promise<CreditTopUpResult>;
}

/** The context an action's `run` receives. */
export interface ActionContext<
  Config = Record<string, unknown>,
  Credentials = Record<string, Record<string, unknown> | undefined>,
> {
  /** The node's config, with schema defaults applied. */
  config: Config;
  /** Values delivered to the node, by input port name. */
  input: Record<string, unknown>;
  /** Credential values by slot name. */
  credentials: Credentials;
  http: PluginHttp;
  files: PluginFiles;
  credits: PluginCredits;
  log: PluginLog;
  signal: PluginSignal;
  /** Ids of the run, graph, node and task, and the attempt number (1 for the first). */
  run: ActionCallData['run'];
  /**
   * Resolves after `ms` milliseconds, the sandbox's only timer, for polling a remote job. The
   * wait counts against the task's timeout, and it rejects with the call's error as soon as the
   * task is cancelled or times out. Rejects with `PLUGIN_HOST_REQUEST_INVALID` for a negative
   * or non-finite `ms`; waits longer than `MAX_SLEEP_MS` are cut to it.
   */
  sleep(ms: number): Promise<void>;
  /**
   * Reports units of the action's `credits.unit` used by this call, such as tokens. Calls add
   * up, and the studio charges `perUnit` for each unit once the call succeeds. An action with a
   * `perUnit` price that reports nothing is charged its reserved maximum, so report `0` when
   * nothing was used. Throws `PLUGIN_USAGE_INVALID` for a negative or non-finite number.
   */
  reportUsage(units: number): void;
}

/** The context a trigger's `verify` and `parse` receive for one webhook delivery. */
export interface TriggerContext<
  Config = Record<string, unknown>,
  Credentials = Record<string, Record<string, unknown> | undefined>,
> {
  /** The trigger's config, with schema defaults applied. */
  config: Config;
  /** Credential values by slot name. */
  credentials: Credentials;
  /** The delivery as received. */
  request: WebhookRequestData;
  log: PluginLog;
}
