/**
 * Messages between the pool (server process) and a sandbox child process. They travel over the
 * Node.js IPC channel with `serialization: 'advanced'`. Every plugin value inside them is a JSON
 * string, which the child passes on without parsing it.
 *
 * The child is plain JavaScript (`sandbox-child.mjs`) and reads these types through JSDoc.
 */
import type { CallLimits } from './types.js';
import type { PluginErrorData } from '@gestorlead/sdk-plugin/plugin';

/** Host operations a plugin can request through `ctx`. */
export type HostOperation = 'http' | 'putFile' | 'getFile' | 'sleep' | 'topUpCredits';

/** Log levels of `ctx.log`. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Settings of a child process, passed as JSON in its first argument. */
export interface ChildSettings {
  /** Maximum UTF-8 size of a result, a host request or a host response, in bytes. */
  maxPayloadBytes: number;
  /** Time a cancelled or timed-out call gets to stop by itself before its isolate is disposed, in ms. */
  abortGraceMs: number;
  /** Idle warm isolates kept per plugin version and memory limit. */
  maxIdleIsolatesPerPlugin: number;
  /** Idle warm isolates kept in one child, over all plugins. */
  maxIdleIsolates: number;
  /** An idle isolate unused for this long is disposed, in ms. */
  idleIsolateTtlMs: number;
  /** Plugin versions whose code a child keeps. */
  maxCachedPlugins: number;
  /** Host requests one call may have outstanding at once. */
  maxPendingHostRequests: number;
  /** Log lines one call may write; later lines are dropped and counted. */
  maxLogLinesPerCall: number;
  /** Maximum length of a log message, in UTF-16 code units; longer ones are truncated. */
  maxLogMessageLength: number;
  /** Maximum length of a log line's data as JSON; larger data is replaced by a marker. */
  maxLogDataLength: number;
  /** Wall-clock limit of evaluating a bundle's top level in a fresh context, in ms. */
  bundleTimeoutMs: number;
  /** Period of the CPU-time watchdog, in ms. */
  watchdogIntervalMs: number;
  /**
   * Total length, in UTF-16 code units, of the strings the child receives from isolates after
   * which it runs a full garbage collection of its own heap.
   */
  gcThresholdChars: number;
}

/** The plugin code of a call; `code` is sent only until the child has cached it. */
export interface CallPlugin {
  key: string;
  sha256: string;
  code?: string;
}

/** Starts a call. */
export interface CallMessage {
  type: 'call';
  id: number;
  kind: 'action' | 'trigger';
  hook?: 'verify' | 'parse';
  plugin: CallPlugin;
  /** The `ActionCallData` or `TriggerCallData` as JSON. */
  payload: string;
  /** The call's limits; `timeoutMs` is what remains of the call's wall-clock time. */
  limits: CallLimits;
}

/** The result of a call's host request. */
export type HostResultMessage =
  | { type: 'host-result'; id: number; requestId: number; ok: true; payload: string }
  | { type: 'host-result'; id: number; requestId: number; ok: false; error: PluginErrorData };

/** Cancels a call: the child stops it and sends a result message. */
export interface CancelMessage {
  type: 'cancel';
  id: number;
}

/** Heartbeat request; the child replies with `pong` and the same `seq`. */
export interface PingMessage {
  type: 'ping';
  seq: number;
}

/** Every message the pool sends to a child. */
export type ParentMessage = CallMessage | HostResultMessage | CancelMessage | PingMessage;

/** Sent once, when the child has loaded isolated-vm and can take calls. */
export interface ReadyMessage {
  type: 'ready';
}

/** A plugin's `ctx.http`, `ctx.files.put` or `ctx.files.get`, to be run by `HostServices`. */
export interface HostRequestMessage {
  type: 'host-request';
  id: number;
  requestId: number;
  op: HostOperation;
  /** The argument as JSON: the request, the file, or the file id. */
  payload: string;
}

/** A line of `ctx.log`. */
export interface LogMessage {
  type: 'log';
  id: number;
  level: LogLevel;
  message: string;
  /** The data argument as JSON, when the plugin passed one. */
  data?: string;
}

/**
 * The end of a call. `envelope` is the JSON the isolate produced, `{ ok, port?, value?, error?,
 * droppedLogLines? }`; `error` is a failure the child decided (timeout, CPU, memory).
 */
export type ResultMessage =
  | { type: 'result'; id: number; envelope: string }
  | { type: 'result'; id: number; error: PluginErrorData };

/** The child does not have the call's plugin code cached; the pool resends the call with it. */
export interface NeedCodeMessage {
  type: 'need-code';
  id: number;
}

/** Heartbeat answer. */
export interface PongMessage {
  type: 'pong';
  seq: number;
}

/**
 * The child can no longer be trusted to stay healthy, after V8 lost control of an isolate (a
 * fatal out-of-memory error). The pool sends it no more calls and ends it once its calls finish.
 */
export interface RetireMessage {
  type: 'retire';
  reason: string;
}

/** Every message a child sends to the pool. */
export type ChildMessage =
  | ReadyMessage
  | HostRequestMessage
  | LogMessage
  | ResultMessage
  | NeedCodeMessage
  | PongMessage
  | RetireMessage;

/**
 * The isolate's result of a call, as JSON in `ResultMessage.envelope`. `port` is the action's
 * first output port, where a plain return value goes. `units` is the sum the action reported
 * with `ctx.reportUsage`, absent when it reported none.
 */
export type CallEnvelope =
  | { ok: true; port?: string; value?: unknown; droppedLogLines?: number; units?: number }
  | { ok: false; error: PluginErrorData; droppedLogLines?: number };
