/**
 * `SandboxPool`: the `Sandbox` that runs plugin code in isolates inside a pool of supervised
 * child processes. Calls wait in a queue that is fair between plugins and go to the least loaded
 * ready child. A child that crashes or stops replying to heartbeats is replaced, and only the
 * calls it was running fail.
 */
import { pino } from 'pino';
import { normalizeActionResult, type PluginErrorData } from '@gestorlead/sdk-plugin/plugin';

import type { Logger } from '../logger.js';
import { SandboxChild } from './child-process.js';
import { asPluginErrorData, sandboxError } from './errors.js';
import { FairQueue, pluginNameOf } from './fair-queue.js';
import { runHostRequest } from './host-bridge.js';
import { DEFAULT_CALL_LIMITS, DEFAULT_MAX_CALL_LIMITS, resolveCallLimits } from './limits.js';
import type { CallEnvelope, ChildMessage, ChildSettings, HostRequestMessage, LogMessage } from './protocol.js';
import type {
  ActionCallRequest,
  CallLimits,
  CallOutcome,
  HostServices,
  PluginCode,
  Sandbox,
  TriggerCallRequest,
} from './types.js';

/** Options of `SandboxPool`; every field is optional and `SANDBOX_DEFAULTS` lists the defaults. */
export interface SandboxOptions {
  /** Child processes kept running. */
  poolSize?: number;
  /** Calls one child runs at once, each in its own isolate. */
  concurrencyPerChild?: number;
  /** Calls that may wait for a free child; a call beyond this fails with `PLUGIN_SANDBOX_BUSY`. */
  maxQueue?: number;
  /** Limits of a call whose request leaves a field out or sets it to something not positive. */
  defaultLimits?: Partial<CallLimits>;
  /** Operator maximums: every call's limits are capped by them. */
  maxLimits?: Partial<CallLimits>;
  /** Maximum UTF-8 size, in bytes, of call data, a result, a host request or a host response as JSON. */
  maxPayloadBytes?: number;
  /** Period of heartbeat pings to each child, in ms. */
  heartbeatIntervalMs?: number;
  /** A child that has not replied to a ping for this long is killed and replaced, in ms. */
  heartbeatTimeoutMs?: number;
  /** A child that is not ready this long after its spawn is killed and replaced, in ms. */
  startTimeoutMs?: number;
  /** Time a cancelled or timed-out call gets to stop by itself before its isolate is disposed, in ms. */
  abortGraceMs?: number;
  /**
   * Extra time after a call's timeout that the pool waits for the child's result, in ms. A child
   * that misses it is retired.
   */
  backstopGraceMs?: number;
  /** Idle warm isolates a child keeps per plugin version and memory limit. */
  maxIdleIsolatesPerPlugin?: number;
  /** Idle warm isolates a child keeps over all plugins. */
  maxIdleIsolates?: number;
  /** An idle isolate unused for this long is disposed, in ms. */
  idleIsolateTtlMs?: number;
  /** Plugin versions whose code a child keeps. */
  maxCachedPlugins?: number;
  /** Host requests one call may have outstanding at once. */
  maxPendingHostRequests?: number;
  /** Log lines one call may write; later lines are dropped and counted in one warning. */
  maxLogLinesPerCall?: number;
  /** Maximum length of a log message in UTF-16 code units; longer messages are truncated. */
  maxLogMessageLength?: number;
  /** Maximum length of a log line's data as JSON; larger data is replaced by a marker. */
  maxLogDataLength?: number;
  /** Wall-clock limit of evaluating a bundle's top level, in ms. */
  bundleTimeoutMs?: number;
  /** Period of the CPU-time watchdog in each child, in ms. */
  watchdogIntervalMs?: number;
  /**
   * Total length, in UTF-16 code units, of the strings a child receives from isolates (results,
   * host requests, log lines) after which it runs a full garbage collection of its own heap.
   */
  gcThresholdChars?: number;
  /** Receives child lifecycle events and errors that the pool handles; silent by default. */
  logger?: Logger;
}

/** The defaults of every `SandboxOptions` field except the limits and the logger. */
export const SANDBOX_DEFAULTS = Object.freeze({
  poolSize: 2,
  concurrencyPerChild: 4,
  maxQueue: 1000,
  maxPayloadBytes: 10 * 1024 * 1024,
  heartbeatIntervalMs: 1000,
  heartbeatTimeoutMs: 5000,
  startTimeoutMs: 15_000,
  abortGraceMs: 100,
  backstopGraceMs: 2000,
  maxIdleIsolatesPerPlugin: 2,
  maxIdleIsolates: 16,
  idleIsolateTtlMs: 60_000,
  maxCachedPlugins: 64,
  maxPendingHostRequests: 16,
  maxLogLinesPerCall: 1000,
  maxLogMessageLength: 8192,
  maxLogDataLength: 65_536,
  bundleTimeoutMs: 5000,
  watchdogIntervalMs: 10,
  gcThresholdChars: 32 * 1024 * 1024,
});

/** Delay before replacing a child that crashed soon after its start, doubled per such crash, in ms. */
const RESPAWN_DELAY_MIN_MS = 100;
const RESPAWN_DELAY_MAX_MS = 5000;
/** A child that lived at least this long before it crashed is replaced at once, in ms. */
const HEALTHY_LIFETIME_MS = 10_000;

/** The outcome of a call before it is shaped for an action or a trigger. */
type RawOutcome =
  | { ok: true; port: string | undefined; value: unknown; units?: number }
  | { ok: false; error: PluginErrorData };

/** A call from submission to its outcome. */
interface PoolCall {
  id: number;
  kind: 'action' | 'trigger';
  hook: 'verify' | 'parse' | undefined;
  plugin: PluginCode;
  pluginId: string;
  /** The plugin's name, the unit of fairness between queued calls. */
  pluginName: string;
  payload: string;
  limits: CallLimits;
  host: HostServices;
  signal: AbortSignal | undefined;
  /** `performance.now()` by which the call must end. */
  deadline: number;
  child: SandboxChild<PoolCall> | null;
  /** Aborted when the call ends, so host requests in flight stop. Created on the first one. */
  hostAbort: AbortController | null;
  /** The queue timeout while queued; after dispatch, the deadline for the child's result. */
  timer: ReturnType<typeof setTimeout> | undefined;
  codeResends: number;
  done: boolean;
  resolve(outcome: RawOutcome): void;
}

type ResolvedSettings = typeof SANDBOX_DEFAULTS & { defaultLimits: CallLimits; maxLimits: CallLimits };

const LOG_LEVELS = new Set(['debug', 'info', 'warn', 'error']);
const HOST_OPERATIONS = new Set(['http', 'putFile', 'getFile', 'sleep', 'topUpCredits']);

/** Checks the fields the pool reads from a child's message before it trusts them. */
function isChildMessage(value: unknown): value is ChildMessage {
  if (value === null || typeof value !== 'object') {
    return false;
  }
  const message = value as Record<string, unknown>;
  const hasId = typeof message.id === 'number';
  switch (message.type) {
    case 'ready':
    case 'pong':
      return true;
    case 'result':
      return hasId && (typeof message.envelope === 'string' || (message.error !== null && typeof message.error === 'object'));
    case 'host-request':
      return (
        hasId &&
        typeof message.requestId === 'number' &&
        typeof message.op === 'string' &&
        HOST_OPERATIONS.has(message.op) &&
        typeof message.payload === 'string'
      );
    case 'log':
      return (
        hasId &&
        typeof message.level === 'string' &&
        LOG_LEVELS.has(message.level) &&
        typeof message.message === 'string' &&
        (message.data === undefined || typeof message.data === 'string')
      );
    case 'need-code':
      return hasId;
    case 'retire':
      return typeof message.reason === 'string';
    default:
      return false;
  }
}

function positiveInteger(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 1 ? Math.floor(value) : fallback;
}

function resolveSettings(options: SandboxOptions): ResolvedSettings {
  const settings: Record<string, number> = {};
  for (const [name, fallback] of Object.entries(SANDBOX_DEFAULTS)) {
    settings[name] = positiveInteger(options[name as keyof typeof SANDBOX_DEFAULTS], fallback);
  }
  const maxLimits = resolveCallLimits(options.maxLimits, DEFAULT_MAX_CALL_LIMITS, {
    memoryMb: Number.MAX_SAFE_INTEGER,
    cpuTimeMs: Number.MAX_SAFE_INTEGER,
    timeoutMs: Number.MAX_SAFE_INTEGER,
  });
  const defaultLimits = resolveCallLimits(options.defaultLimits, DEFAULT_CALL_LIMITS, maxLimits);
  return { ...(settings as typeof SANDBOX_DEFAULTS), defaultLimits, maxLimits };
}

/**
 * Runs plugin code in isolates inside `poolSize` child processes. Children start in the
 * constructor; `ready()` waits for them. Call `close()` to end them.
 */
export class SandboxPool implements Sandbox {
  readonly #settings: ResolvedSettings;
  readonly #childSettings: ChildSettings;
  readonly #logger: Logger;
  readonly #children: SandboxChild<PoolCall>[] = [];
  readonly #queue = new FairQueue<PoolCall>();
  #nextCallId = 1;
  #crashes = 0;
  #quickCrashes = 0;
  #respawnTimers = new Set<ReturnType<typeof setTimeout>>();
  #closed = false;
  #readyWaiters: (() => void)[] = [];
  /** Children retired after a fault; their replacement was spawned when they retired. */
  readonly #retired = new WeakSet<SandboxChild<PoolCall>>();
  /**
   * Unfinished calls by caller signal. Each signal gets one abort listener however many calls
   * share it, so a run-wide signal does not collect a listener per call.
   */
  readonly #callsBySignal = new Map<AbortSignal, Set<PoolCall>>();

  constructor(options: SandboxOptions = {}) {
    this.#settings = resolveSettings(options);
    this.#logger = options.logger ?? pino({ level: 'silent' });
    const settings = this.#settings;
    this.#childSettings = {
      maxPayloadBytes: settings.maxPayloadBytes,
      abortGraceMs: settings.abortGraceMs,
      maxIdleIsolatesPerPlugin: settings.maxIdleIsolatesPerPlugin,
      maxIdleIsolates: settings.maxIdleIsolates,
      idleIsolateTtlMs: settings.idleIsolateTtlMs,
      maxCachedPlugins: settings.maxCachedPlugins,
      maxPendingHostRequests: settings.maxPendingHostRequests,
      maxLogLinesPerCall: settings.maxLogLinesPerCall,
      maxLogMessageLength: settings.maxLogMessageLength,
      maxLogDataLength: settings.maxLogDataLength,
      bundleTimeoutMs: settings.bundleTimeoutMs,
      watchdogIntervalMs: settings.watchdogIntervalMs,
      gcThresholdChars: settings.gcThresholdChars,
    };
    for (let index = 0; index < settings.poolSize; index += 1) {
      this.#spawn();
    }
  }

  /** Returns the limits a call gets for `requested`: defaults filled in, maximums applied. */
  resolveLimits(requested?: Partial<CallLimits>): CallLimits {
    return resolveCallLimits(requested, this.#settings.defaultLimits, this.#settings.maxLimits);
  }

  /** Resolves when `poolSize` children are ready to take calls. */
  ready(): Promise<void> {
    if (this.#readyCount() >= this.#settings.poolSize || this.#closed) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#readyWaiters.push(resolve));
  }

  /** Process ids of the running children, for health checks and tests. */
  childPids(): number[] {
    return this.#children
      .filter((child) => child.state !== 'exited' && child.pid !== undefined)
      .map((child) => child.pid as number);
  }

  async callAction(request: ActionCallRequest): Promise<CallOutcome> {
    const outcome = await this.#submit('action', undefined, request.plugin, request.call, request);
    if (!outcome.ok) {
      return outcome;
    }
    const outputs = normalizeActionResult(outcome.value, outcome.port);
    return outcome.units === undefined ? { ok: true, outputs } : { ok: true, outputs, units: outcome.units };
  }

  async callTrigger(
    request: TriggerCallRequest,
  ): Promise<{ ok: true; result: unknown } | { ok: false; error: PluginErrorData }> {
    const outcome = await this.#submit('trigger', request.hook, request.plugin, request.call, request);
    if (!outcome.ok) {
      return outcome;
    }
    return { ok: true, result: outcome.value === undefined ? null : outcome.value };
  }

  stats(): { children: number; busy: number; crashes: number; queued: number } {
    let busy = 0;
    for (const child of this.#children) {
      busy += child.calls.size;
    }
    return { children: this.childPids().length, busy, crashes: this.#crashes, queued: this.#queue.size };
  }

  /**
   * Stops the pool: new calls, queued calls and running calls end with `PLUGIN_SANDBOX_CLOSED`,
   * and every child is killed. Resolves when all children have exited.
   */
  async close(): Promise<void> {
    if (this.#closed) {
      await Promise.all(this.#children.map((child) => child.exited()));
      return;
    }
    this.#closed = true;
    for (const timer of this.#respawnTimers) {
      clearTimeout(timer);
    }
    this.#respawnTimers.clear();
    const closedError = sandboxError('PLUGIN_SANDBOX_CLOSED', 'the sandbox pool was closed');
    for (const call of this.#queue.drain()) {
      this.#complete(call, { ok: false, error: closedError });
    }
    const children = [...this.#children];
    for (const child of children) {
      for (const call of child.calls.values()) {
        clearTimeout(call.timer);
        this.#complete(call, { ok: false, error: closedError });
      }
      child.kill('closed');
    }
    for (const resolve of this.#readyWaiters.splice(0)) {
      resolve();
    }
    await Promise.all(children.map((child) => child.exited()));
  }

  /* ------------------------------------------------------------------ submission */

  #submit(
    kind: 'action' | 'trigger',
    hook: 'verify' | 'parse' | undefined,
    plugin: PluginCode,
    data: unknown,
    request: { limits: CallLimits; host: HostServices; signal: AbortSignal },
  ): Promise<RawOutcome> {
    const rejection = this.#checkRequest(plugin, request.signal);
    if (rejection !== undefined) {
      return Promise.resolve({ ok: false, error: rejection });
    }
    let payload: string | undefined;
    try {
      payload = JSON.stringify(data);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return Promise.resolve({ ok: false, error: sandboxError('PLUGIN_CALL_INVALID', `the call data is not JSON: ${reason}`) });
    }
    if (payload === undefined) {
      return Promise.resolve({ ok: false, error: sandboxError('PLUGIN_CALL_INVALID', 'the call data is missing') });
    }
    const maxBytes = this.#settings.maxPayloadBytes;
    if (payload.length > maxBytes || Buffer.byteLength(payload, 'utf8') > maxBytes) {
      return Promise.resolve({
        ok: false,
        error: sandboxError('PLUGIN_PAYLOAD_TOO_LARGE', `the call data is larger than ${maxBytes} bytes as JSON`, { maxBytes }),
      });
    }
    if (this.#queue.size >= this.#settings.maxQueue) {
      return Promise.resolve({
        ok: false,
        error: sandboxError('PLUGIN_SANDBOX_BUSY', `the sandbox queue is full (${this.#settings.maxQueue} calls); retry later`),
      });
    }

    const limits = this.resolveLimits(request.limits);
    return new Promise<RawOutcome>((resolve) => {
      const call: PoolCall = {
        id: this.#nextCallId++,
        kind,
        hook,
        plugin,
        pluginId: `${plugin.key}@${plugin.sha256}`,
        pluginName: pluginNameOf(plugin.key),
        payload,
        limits,
        host: request.host,
        signal: request.signal,
        deadline: performance.now() + limits.timeoutMs,
        child: null,
        hostAbort: null,
        timer: undefined,
        codeResends: 0,
        done: false,
        resolve,
      };
      call.timer = setTimeout(() => this.#onQueueTimeout(call), limits.timeoutMs);
      this.#watchSignal(call);
      this.#queue.push(call);
      this.#dispatch();
    });
  }

  /** Returns the error of a request that cannot be queued, or undefined. */
  #checkRequest(plugin: PluginCode, signal: AbortSignal | undefined): PluginErrorData | undefined {
    if (this.#closed) {
      return sandboxError('PLUGIN_SANDBOX_CLOSED', 'the sandbox pool was closed');
    }
    if (signal?.aborted === true) {
      return sandboxError('RUNTIME_TASK_CANCELLED', 'the task was cancelled');
    }
    if (
      plugin === null ||
      typeof plugin !== 'object' ||
      typeof plugin.key !== 'string' ||
      typeof plugin.code !== 'string' ||
      typeof plugin.sha256 !== 'string'
    ) {
      return sandboxError('PLUGIN_CALL_INVALID', 'the call must name plugin code as { key, code, sha256 } strings');
    }
    return undefined;
  }

  /* ------------------------------------------------------------------ dispatch */

  /**
   * Sends queued calls to free slots. Each free slot goes to the call `FairQueue.next` picks, the
   * oldest call of the plugin with the fewest calls in flight. When every slot is busy, that call
   * may take the reserve slot (see `#pickReserveChild`).
   */
  #dispatch(): void {
    while (this.#queue.size > 0) {
      let inFlight: Map<string, number> | undefined;
      const inFlightOf = (pluginName: string): number => {
        inFlight ??= this.#countInFlight();
        return inFlight.get(pluginName) ?? 0;
      };
      const call = this.#queue.next(inFlightOf) as PoolCall;
      let child = this.#pickChild(call.pluginId);
      if (child === undefined && inFlightOf(call.pluginName) === 0) {
        child = this.#pickReserveChild(call.pluginId);
      }
      if (child === undefined) {
        return;
      }
      this.#queue.remove(call);
      this.#send(child, call);
    }
  }

  /** Counts the calls that hold a slot, by plugin name, on every child, retiring ones included. */
  #countInFlight(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const child of this.#children) {
      for (const call of child.calls.values()) {
        counts.set(call.pluginName, (counts.get(call.pluginName) ?? 0) + 1);
      }
    }
    return counts;
  }

  /** The ready child with a free slot that has the plugin's code, else the least loaded one. */
  #pickChild(pluginId: string): SandboxChild<PoolCall> | undefined {
    return this.#leastLoadedChild(pluginId, this.#settings.concurrencyPerChild);
  }

  /**
   * Returns the child for a call on the pool's reserve slot, or undefined when the reserve is
   * taken. The reserve is one call beyond `concurrencyPerChild` in the whole pool. The caller
   * offers it only when every slot is busy and the call's plugin has no call in flight. So calls
   * that hold every slot cannot keep another plugin waiting until they end, whichever plugins
   * they belong to.
   */
  #pickReserveChild(pluginId: string): SandboxChild<PoolCall> | undefined {
    const concurrency = this.#settings.concurrencyPerChild;
    for (const child of this.#children) {
      if (child.calls.size > concurrency) {
        return undefined;
      }
    }
    return this.#leastLoadedChild(pluginId, concurrency + 1);
  }

  /** The ready child with fewer than `maxCalls` calls, preferring fewer calls and then cached code. */
  #leastLoadedChild(pluginId: string, maxCalls: number): SandboxChild<PoolCall> | undefined {
    let best: SandboxChild<PoolCall> | undefined;
    let bestScore = Number.POSITIVE_INFINITY;
    for (const child of this.#children) {
      if (child.state !== 'ready' || child.calls.size >= maxCalls) {
        continue;
      }
      const score = child.calls.size * 2 + (child.knownCode.has(pluginId) ? 0 : 1);
      if (score < bestScore) {
        best = child;
        bestScore = score;
      }
    }
    return best;
  }

  #send(child: SandboxChild<PoolCall>, call: PoolCall): void {
    call.child = child;
    child.calls.set(call.id, call);
    const remaining = Math.max(1, Math.ceil(call.deadline - performance.now()));
    const sendCode = !child.knownCode.has(call.pluginId);
    child.send({
      type: 'call',
      id: call.id,
      kind: call.kind,
      ...(call.hook === undefined ? {} : { hook: call.hook }),
      plugin: {
        key: call.plugin.key,
        sha256: call.plugin.sha256,
        ...(sendCode ? { code: call.plugin.code } : {}),
      },
      payload: call.payload,
      limits: { ...call.limits, timeoutMs: remaining },
    });
    if (sendCode) {
      child.knownCode.add(call.pluginId);
    }
    clearTimeout(call.timer);
    call.timer = setTimeout(() => this.#onBackstop(call), remaining + this.#settings.backstopGraceMs);
  }

  /* ------------------------------------------------------------------ messages from children */

  /** A child's message that breaks the protocol means the child is compromised or broken. */
  #onMessage(child: SandboxChild<PoolCall>, message: unknown): void {
    if (!isChildMessage(message)) {
      this.#logger.error({ pid: child.pid }, 'sandbox child sent an invalid message; killing it');
      child.kill('protocol violation');
      return;
    }
    switch (message.type) {
      case 'ready':
        this.#logger.debug(
          { pid: child.pid, startMs: Math.round((child.readyAt ?? 0) - child.startedAt) },
          'sandbox child ready',
        );
        this.#notifyReady();
        this.#dispatch();
        break;
      case 'result': {
        const call = child.calls.get(message.id);
        if (call === undefined) {
          return;
        }
        child.calls.delete(message.id);
        clearTimeout(call.timer);
        this.#complete(call, 'error' in message ? this.#childError(message.error) : this.#parseEnvelope(call, message.envelope));
        this.#endRetiredChild(child);
        this.#dispatch();
        break;
      }
      case 'host-request':
        this.#onHostRequest(child, message);
        break;
      case 'log':
        this.#onLog(child, message);
        break;
      case 'need-code': {
        const call = child.calls.get(message.id);
        if (call === undefined) {
          return;
        }
        child.calls.delete(message.id);
        clearTimeout(call.timer);
        child.knownCode.delete(call.pluginId);
        call.codeResends += 1;
        if (call.done || call.codeResends > 2) {
          this.#complete(call, { ok: false, error: sandboxError('PLUGIN_SANDBOX_CRASHED', 'the sandbox child lost the plugin code') });
          return;
        }
        this.#send(child, call);
        break;
      }
      case 'retire':
        this.#retire(child, message.reason);
        break;
      case 'pong':
        break;
    }
  }

  /** The error a child decided, checked like any data from a child. */
  #childError(error: unknown): RawOutcome {
    return {
      ok: false,
      error: asPluginErrorData(error) ?? sandboxError('PLUGIN_RESULT_INVALID', 'the sandbox returned an error without a code'),
    };
  }

  #parseEnvelope(call: PoolCall, text: string): RawOutcome {
    let envelope: CallEnvelope;
    try {
      envelope = JSON.parse(text) as CallEnvelope;
    } catch {
      envelope = null as unknown as CallEnvelope;
    }
    if (envelope === null || typeof envelope !== 'object') {
      return { ok: false, error: sandboxError('PLUGIN_RESULT_INVALID', 'the sandbox returned a result that is not a JSON object') };
    }
    if (typeof envelope.droppedLogLines === 'number' && envelope.droppedLogLines > 0) {
      this.#writeLog(
        call,
        'warn',
        `${envelope.droppedLogLines} log lines of this call were dropped: a call may write ${this.#settings.maxLogLinesPerCall}`,
        { dropped: envelope.droppedLogLines },
      );
    }
    if (envelope.ok === true) {
      const port = typeof envelope.port === 'string' ? envelope.port : undefined;
      const units = envelope.units;
      // The prelude checks the units; a child that sends anything else is ignored, not trusted.
      if (typeof units === 'number' && Number.isFinite(units) && units >= 0) {
        return { ok: true, port, value: envelope.value, units };
      }
      return { ok: true, port, value: envelope.value };
    }
    const error = asPluginErrorData(envelope.error);
    return {
      ok: false,
      error: error ?? sandboxError('PLUGIN_RESULT_INVALID', 'the sandbox returned an error without a code'),
    };
  }

  #onHostRequest(child: SandboxChild<PoolCall>, message: HostRequestMessage): void {
    const call = child.calls.get(message.id);
    if (call === undefined || call.done) {
      return;
    }
    call.hostAbort ??= new AbortController();
    const context = { host: call.host, signal: call.hostAbort.signal };
    const onUnexpectedError = (error: unknown): void => {
      this.#logger.warn({ err: error, plugin: call.plugin.key, callId: call.id, op: message.op }, 'host service failed');
    };
    void runHostRequest(message, context, this.#settings.maxPayloadBytes, onUnexpectedError).then((reply) => {
      if (!call.done && child.calls.get(call.id) === call) {
        child.send(reply);
      }
    });
  }

  #onLog(child: SandboxChild<PoolCall>, message: LogMessage): void {
    const call = child.calls.get(message.id);
    if (call === undefined || call.done) {
      return;
    }
    let data: unknown;
    if (message.data !== undefined) {
      try {
        data = JSON.parse(message.data);
      } catch {
        data = undefined;
      }
    }
    this.#writeLog(call, message.level, message.message, data);
  }

  #writeLog(call: PoolCall, level: LogMessage['level'], message: string, data: unknown): void {
    try {
      if (data === undefined) {
        call.host.log(level, message);
      } else {
        call.host.log(level, message, data);
      }
    } catch (error) {
      this.#logger.warn({ err: error, plugin: call.plugin.key, callId: call.id }, 'host log service failed');
    }
  }

  /* ------------------------------------------------------------------ ending calls */

  #complete(call: PoolCall, outcome: RawOutcome): void {
    if (call.done) {
      return;
    }
    call.done = true;
    // A dispatched call keeps its deadline timer until the child sends its result, so the slot
    // of a child that never does is still reclaimed.
    if (call.child === null) {
      clearTimeout(call.timer);
    }
    this.#unwatchSignal(call);
    call.hostAbort?.abort();
    call.resolve(outcome);
  }

  #watchSignal(call: PoolCall): void {
    const signal = call.signal;
    if (signal === undefined) {
      return;
    }
    let calls = this.#callsBySignal.get(signal);
    if (calls === undefined) {
      calls = new Set();
      this.#callsBySignal.set(signal, calls);
      signal.addEventListener('abort', this.#onSignalAbort, { once: true });
    }
    calls.add(call);
  }

  #unwatchSignal(call: PoolCall): void {
    const signal = call.signal;
    const calls = signal === undefined ? undefined : this.#callsBySignal.get(signal);
    if (signal === undefined || calls === undefined || !calls.delete(call) || calls.size > 0) {
      return;
    }
    this.#callsBySignal.delete(signal);
    signal.removeEventListener('abort', this.#onSignalAbort);
  }

  readonly #onSignalAbort = (event: Event): void => {
    const signal = event.target as AbortSignal;
    const calls = this.#callsBySignal.get(signal);
    this.#callsBySignal.delete(signal);
    for (const call of calls ?? []) {
      this.#cancel(call);
    }
  };

  #cancel(call: PoolCall): void {
    if (call.done) {
      return;
    }
    const error = sandboxError('RUNTIME_TASK_CANCELLED', 'the task was cancelled');
    if (call.child === null) {
      this.#removeQueued(call);
      this.#complete(call, { ok: false, error });
      return;
    }
    // The child keeps the call's slot until it sends a result, but the caller gets its outcome now.
    this.#complete(call, { ok: false, error });
    call.child.send({ type: 'cancel', id: call.id });
  }

  #onQueueTimeout(call: PoolCall): void {
    if (call.done || call.child !== null) {
      return;
    }
    this.#removeQueued(call);
    this.#complete(call, {
      ok: false,
      error: sandboxError('PLUGIN_TIMEOUT', `the call waited for a free sandbox longer than its timeout of ${call.limits.timeoutMs} ms`, {
        timeoutMs: call.limits.timeoutMs,
        queued: true,
      }),
    });
  }

  /**
   * Handles a child that sent no result within the call's timeout and the grace, although it
   * enforces the timeout itself: the call's slot is reclaimed and the child is retired.
   */
  #onBackstop(call: PoolCall): void {
    const child = call.child;
    if (child === null || child.calls.get(call.id) !== call) {
      return;
    }
    child.calls.delete(call.id);
    this.#complete(call, {
      ok: false,
      error: sandboxError('PLUGIN_TIMEOUT', `the call did not finish within its timeout of ${call.limits.timeoutMs} ms`, {
        timeoutMs: call.limits.timeoutMs,
      }),
    });
    this.#logger.error({ pid: child.pid, plugin: call.plugin.key, callId: call.id }, 'sandbox child missed a call deadline');
    this.#retire(child, 'missed a call deadline');
    this.#endRetiredChild(child);
    this.#dispatch();
  }

  #removeQueued(call: PoolCall): void {
    this.#queue.remove(call);
  }

  /* ------------------------------------------------------------------ children */

  #spawn(): void {
    if (this.#closed) {
      return;
    }
    const child = new SandboxChild<PoolCall>(
      this.#childSettings,
      {
        heartbeatIntervalMs: this.#settings.heartbeatIntervalMs,
        heartbeatTimeoutMs: this.#settings.heartbeatTimeoutMs,
        startTimeoutMs: this.#settings.startTimeoutMs,
      },
      {
        message: (source, message) => this.#onMessage(source, message),
        exit: (source, code, signal) => this.#onExit(source, code, signal),
      },
    );
    this.#children.push(child);
    this.#logger.debug({ pid: child.pid }, 'sandbox child spawned');
  }

  /** Stops sending calls to the child, starts its replacement, and ends it once its calls finish. */
  #retire(child: SandboxChild<PoolCall>, reason: string): void {
    if (child.state === 'retiring' || child.state === 'exited') {
      return;
    }
    child.state = 'retiring';
    this.#retired.add(child);
    this.#crashes += 1;
    this.#logger.warn({ pid: child.pid, reason, running: child.calls.size }, 'sandbox child retired');
    this.#spawn();
    this.#endRetiredChild(child);
  }

  #endRetiredChild(child: SandboxChild<PoolCall>): void {
    if (child.state !== 'retiring') {
      return;
    }
    for (const call of child.calls.values()) {
      if (!call.done) {
        return;
      }
    }
    child.kill('retired');
  }

  #onExit(child: SandboxChild<PoolCall>, code: number | null, signal: NodeJS.Signals | null): void {
    const index = this.#children.indexOf(child);
    if (index !== -1) {
      this.#children.splice(index, 1);
    }
    const expected = child.killReason === 'retired' || child.killReason === 'closed';
    const reason = child.killReason ?? (signal === null ? `exit code ${code}` : `signal ${signal}`);
    for (const call of child.calls.values()) {
      clearTimeout(call.timer);
      this.#complete(call, {
        ok: false,
        error: sandboxError('PLUGIN_SANDBOX_CRASHED', `the sandbox process running the call ended (${reason})`, {
          exitCode: code,
          signal,
          reason,
        }),
      });
    }
    child.calls.clear();
    if (this.#closed) {
      return;
    }
    if (!expected && !this.#retired.has(child)) {
      this.#crashes += 1;
      this.#logger.error(
        { pid: child.pid, exitCode: code, signal, reason, output: child.outputTail },
        'sandbox child ended unexpectedly',
      );
      this.#scheduleRespawn(child);
    }
    this.#dispatch();
  }

  #scheduleRespawn(child: SandboxChild<PoolCall>): void {
    const lifetime = performance.now() - child.startedAt;
    if (child.readyAt !== undefined && lifetime >= HEALTHY_LIFETIME_MS) {
      this.#quickCrashes = 0;
    } else {
      this.#quickCrashes += 1;
    }
    const delay =
      this.#quickCrashes <= 1 ? 0 : Math.min(RESPAWN_DELAY_MAX_MS, RESPAWN_DELAY_MIN_MS * 2 ** (this.#quickCrashes - 2));
    if (delay === 0) {
      this.#spawn();
      return;
    }
    this.#logger.warn({ delayMs: delay, quickCrashes: this.#quickCrashes }, 'sandbox child respawn delayed');
    const timer = setTimeout(() => {
      this.#respawnTimers.delete(timer);
      this.#spawn();
    }, delay);
    this.#respawnTimers.add(timer);
  }

  #readyCount(): number {
    return this.#children.filter((child) => child.state === 'ready').length;
  }

  #notifyReady(): void {
    if (this.#readyCount() < this.#settings.poolSize) {
      return;
    }
    for (const resolve of this.#readyWaiters.splice(0)) {
      resolve();
    }
  }
}
