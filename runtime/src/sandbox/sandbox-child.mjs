// @ts-check
/**
 * Entry of a sandbox child process, forked by `SandboxPool`. It runs plugin calls in isolates
 * (isolated-vm) and forwards their `ctx` requests to the pool over IPC. Plain ESM JavaScript, so
 * a child starts without a TypeScript loader. Argument 2 is the `ChildSettings` JSON.
 *
 * Each call gets its own isolate from `SlotPool` and a fresh context in it. The child enforces
 * the call's wall-clock timeout, CPU time (a watchdog reads `isolate.cpuTime`) and memory (the
 * isolate's `memoryLimit`), and sends one `result` message per call.
 */
import ivm from 'isolated-vm';

import { PluginCache, SlotError, SlotPool } from './isolate-slots.mjs';

/** @typedef {import('./protocol.js').ChildSettings} ChildSettings */
/** @typedef {import('./protocol.js').CallMessage} CallMessage */
/** @typedef {import('./protocol.js').ParentMessage} ParentMessage */
/** @typedef {import('./protocol.js').ChildMessage} ChildMessage */
/** @typedef {import('@gestorlead/sdk-plugin/plugin').PluginErrorData} PluginErrorData */
/** @typedef {import('./isolate-slots.mjs').Slot} Slot */

/**
 * @typedef {object} ChildCall
 * @property {number} id
 * @property {CallMessage} message
 * @property {Slot | null} slot
 * @property {boolean} finished a result was sent
 * @property {boolean} settled the isolate's `entry` returned or failed
 * @property {boolean} aborted cancelled or timed out
 * @property {Map<number, (envelope: string) => void>} pendingHost host requests sent to the pool
 * @property {number} nextRequestId
 * @property {bigint} cpuStart
 * @property {bigint} cpuLimitNs
 * @property {ReturnType<typeof setTimeout> | undefined} timer
 * @property {import('isolated-vm').Reference<Function>} hostReference
 * @property {import('isolated-vm').Callback} logCallback
 */

/** @type {ChildSettings} */
const settings = JSON.parse(process.argv[2] ?? '{}');
const HOST_OPERATIONS = new Set(['http', 'putFile', 'getFile', 'sleep', 'topUpCredits']);
const LOG_LEVELS = new Set(['debug', 'info', 'warn', 'error']);
const SWEEP_INTERVAL_MS = 5_000;

const plugins = new PluginCache(settings.maxCachedPlugins, (plugin) => slots.disposePlugin(plugin));
const slots = new SlotPool(settings, onCatastrophe);
/** Calls that have not sent their result. @type {Map<number, ChildCall>} */
const calls = new Map();
/** Calls whose isolate is running their code. @type {Set<ChildCall>} */
const running = new Set();
/** @type {ReturnType<typeof setInterval> | undefined} */
let watchdog;
let fatalErrorSeen = false;
/** `gc` of this process, defined by the `--expose-gc` flag the pool starts it with. */
const collectGarbage = /** @type {(() => void) | undefined} */ (globalThis.gc);
/** Length of the strings received from isolates since the last garbage collection. */
let receivedSinceCollection = 0;
let collectionScheduled = false;

/** @param {ChildMessage} message */
function send(message) {
  if (process.connected) {
    process.send?.(message);
  }
}

/**
 * @param {string} code
 * @param {string} message
 * @param {boolean} retryable
 * @param {unknown} [details]
 * @returns {PluginErrorData}
 */
function errorData(code, message, retryable, details) {
  /** @type {PluginErrorData} */
  const error = { code, message, retryable };
  if (details !== undefined) {
    error.details = details;
  }
  return error;
}

/**
 * Counts a string copied out of an isolate, and schedules a full garbage collection once the
 * total passes `gcThresholdChars`. isolated-vm 5.0.4 turns every string of 1 KiB or more into
 * an external string, whose text lives outside the V8 heap. V8 counts almost none of it as heap
 * growth and does not collect these strings by itself: 80 results of 5 MB grew a child's RSS by
 * about 420 MB.
 * @param {string} text
 */
function countReceived(text) {
  receivedSinceCollection += text.length;
  if (collectGarbage === undefined || collectionScheduled || receivedSinceCollection < settings.gcThresholdChars) {
    return;
  }
  collectionScheduled = true;
  // The next turn of the event loop, when the finishing call no longer refers to its strings.
  setImmediate(() => {
    collectionScheduled = false;
    receivedSinceCollection = 0;
    collectGarbage();
  });
}

/* ------------------------------------------------------------------ call lifecycle */

/** @param {CallMessage} message */
function startCall(message) {
  let plugin = plugins.lookup(message.plugin.key, message.plugin.sha256);
  if (plugin === undefined) {
    if (message.plugin.code === undefined) {
      send({ type: 'need-code', id: message.id });
      return;
    }
    try {
      plugin = plugins.store({ key: message.plugin.key, sha256: message.plugin.sha256, code: message.plugin.code });
    } catch (error) {
      const data = error instanceof SlotError ? error.toData() : errorData('PLUGIN_BUNDLE_INVALID', String(error), false);
      send({ type: 'result', id: message.id, error: data });
      return;
    }
  }

  /** @type {ChildCall} */
  const call = {
    id: message.id,
    message,
    slot: null,
    finished: false,
    settled: false,
    aborted: false,
    pendingHost: new Map(),
    nextRequestId: 1,
    cpuStart: 0n,
    cpuLimitNs: BigInt(message.limits.cpuTimeMs) * 1_000_000n,
    timer: undefined,
    hostReference: /** @type {any} */ (null),
    logCallback: /** @type {any} */ (null),
  };
  call.hostReference = new ivm.Reference((/** @type {unknown} */ op, /** @type {unknown} */ payload) =>
    requestHost(call, op, payload),
  );
  call.logCallback = new ivm.Callback(
    (/** @type {unknown} */ level, /** @type {unknown} */ text, /** @type {unknown} */ data) => forwardLog(call, level, text, data),
    { ignored: true },
  );
  calls.set(call.id, call);
  call.timer = setTimeout(() => {
    abortCall(
      call,
      errorData('PLUGIN_TIMEOUT', `the call did not finish within its timeout of ${message.limits.timeoutMs} ms`, true, {
        timeoutMs: message.limits.timeoutMs,
      }),
    );
  }, message.limits.timeoutMs);

  runCall(call, plugin).catch((error) => {
    finish(call, { error: errorData('PLUGIN_SANDBOX_CRASHED', `the sandbox failed to run the call: ${String(error)}`, true) });
  });
}

/**
 * @param {ChildCall} call
 * @param {import('./isolate-slots.mjs').CachedPlugin} plugin
 */
async function runCall(call, plugin) {
  let slot = slots.tryTake(plugin, call.message.limits.memoryMb, call);
  if (slot === undefined) {
    try {
      slot = await slots.acquire(plugin, call.message.limits.memoryMb, call, () => call.finished);
    } catch (error) {
      const data = error instanceof SlotError ? error.toData() : errorData('PLUGIN_BUNDLE_INVALID', String(error), false);
      finish(call, { error: data });
      call.hostReference.release();
      return;
    }
    if (call.finished) {
      call.hostReference.release();
      slots.putBack(slot);
      return;
    }
  }

  const entry = /** @type {import('isolated-vm').Reference<Function>} */ (slot.entry);
  call.slot = slot;
  slot.state = 'busy';
  call.cpuStart = slot.isolate.cpuTime;
  running.add(call);
  startWatchdog();

  /** @type {{ envelope: unknown } | { failure: unknown }} */
  let outcome;
  try {
    const { kind, hook, payload } = call.message;
    const envelope = await entry.apply(undefined, ['call', kind, hook ?? null, payload, call.hostReference, call.logCallback], {
      result: { promise: true },
    });
    outcome = { envelope };
  } catch (failure) {
    outcome = { failure };
  }
  call.settled = true;
  running.delete(call);

  if ('envelope' in outcome) {
    finish(call, checkEnvelope(outcome.envelope));
  } else {
    finish(call, { error: isolateFailure(slot, outcome.failure) });
  }
  releaseSlot(call, slot);
}

/**
 * Recycles the slot after a call that left nothing behind, or disposes it.
 * @param {ChildCall} call
 * @param {Slot} slot
 */
function releaseSlot(call, slot) {
  call.hostReference.release();
  if (slot.state === 'disposed') {
    return;
  }
  // Replies to outstanding host requests would run plugin code after its call ended.
  if (call.pendingHost.size > 0) {
    slots.dispose(slot, null);
    return;
  }
  slots.recycle(slot);
}

/**
 * @param {unknown} envelope
 * @returns {{ envelope: string } | { error: PluginErrorData }}
 */
function checkEnvelope(envelope) {
  if (typeof envelope !== 'string') {
    return { error: errorData('PLUGIN_RESULT_INVALID', 'the sandbox returned no result envelope', false) };
  }
  countReceived(envelope);
  if (envelope.length > settings.maxPayloadBytes || Buffer.byteLength(envelope, 'utf8') > settings.maxPayloadBytes) {
    return {
      error: errorData('PLUGIN_RESULT_TOO_LARGE', `the result is larger than ${settings.maxPayloadBytes} bytes as JSON`, false, {
        maxBytes: settings.maxPayloadBytes,
      }),
    };
  }
  return { envelope };
}

/**
 * Returns the error of a call whose `entry` call failed: the reason its slot was disposed for,
 * or the memory limit.
 * @param {Slot} slot
 * @param {unknown} failure
 * @returns {PluginErrorData}
 */
function isolateFailure(slot, failure) {
  if (slot.disposeReason !== null) {
    return slot.disposeReason;
  }
  const message = failure instanceof Error ? failure.message : String(failure);
  if (message.includes('memory limit') || slot.isolate.isDisposed) {
    slots.dispose(slot, null);
    return errorData('PLUGIN_MEMORY_LIMIT', `the plugin exceeded its memory limit of ${slot.memoryMb} MiB`, false, {
      memoryMb: slot.memoryMb,
    });
  }
  slots.dispose(slot, null);
  return errorData('RUNTIME_NODE_FAILED', `the sandbox could not run the call: ${message}`, false);
}

/**
 * Sends the call's result once; later outcomes of the same call are ignored.
 * @param {ChildCall} call
 * @param {{ envelope: string } | { error: PluginErrorData }} result
 */
function finish(call, result) {
  if (call.finished) {
    return;
  }
  call.finished = true;
  clearTimeout(call.timer);
  calls.delete(call.id);
  send({ type: 'result', id: call.id, ...result });
}

/**
 * Ends a call that was cancelled or timed out. In the plugin, `ctx.signal.aborted` becomes true
 * and outstanding host requests reject. If its code has not returned after the grace period,
 * the isolate is disposed.
 * @param {ChildCall} call
 * @param {PluginErrorData} error
 */
function abortCall(call, error) {
  if (call.finished) {
    return;
  }
  call.aborted = true;
  finish(call, { error });
  const abortEnvelope = JSON.stringify({ ok: false, error });
  for (const resolve of call.pendingHost.values()) {
    resolve(abortEnvelope);
  }
  call.pendingHost.clear();

  const slot = call.slot;
  if (slot === null) {
    slots.abandon(call);
    return;
  }
  if (call.settled || slot.entry === null) {
    return;
  }
  try {
    slot.entry.applyIgnored(undefined, ['abort', error.code, error.message, error.retryable]);
  } catch {
    // The reference is gone with its isolate (disposed at its memory limit), and the call's
    // failure is handled where the call's `entry` promise rejects.
  }
  setTimeout(() => {
    if (!call.settled) {
      slots.dispose(slot, error);
    }
  }, settings.abortGraceMs);
}

/* ------------------------------------------------------------------ watchdog */

function startWatchdog() {
  if (watchdog === undefined) {
    watchdog = setInterval(checkLimits, settings.watchdogIntervalMs);
  }
}

/** Disposes the isolate of every call over its CPU time, and checks preparing isolates. */
function checkLimits() {
  for (const call of running) {
    const slot = call.slot;
    if (slot === null || slot.state === 'disposed' || slot.isolate.isDisposed) {
      continue;
    }
    const used = slot.isolate.cpuTime - call.cpuStart;
    if (used > call.cpuLimitNs) {
      const limitMs = call.message.limits.cpuTimeMs;
      const error = errorData('PLUGIN_CPU_TIME_EXCEEDED', `the plugin used more than its ${limitMs} ms of CPU time`, false, {
        cpuTimeMs: limitMs,
      });
      finish(call, { error });
      slots.dispose(slot, error);
    }
  }
  slots.watch();
  if (running.size === 0 && !slots.preparing) {
    clearInterval(watchdog);
    watchdog = undefined;
  }
}

/**
 * Handles V8 losing control of an isolate after a fatal out-of-memory error. The isolate's thread
 * stays blocked, so the child sends `retire`: the pool sends it no more calls and ends the process
 * once its other calls have finished.
 * @param {Slot} slot
 * @param {string} message
 */
function onCatastrophe(slot, message) {
  fatalErrorSeen = true;
  const owner = /** @type {ChildCall | null} */ (slot.owner);
  if (owner !== null && slot.disposeReason !== null) {
    finish(owner, { error: slot.disposeReason });
  }
  send({ type: 'retire', reason: `V8 fatal error in an isolate of ${slot.plugin.key}: ${message}` });
}

/* ------------------------------------------------------------------ host requests and logs */

/**
 * Forwards a `ctx.http` or `ctx.files` request of a running call to the pool and resolves with
 * the reply envelope, `{ ok, value }` or `{ ok, error }`, as JSON.
 * @param {ChildCall} call
 * @param {unknown} op
 * @param {unknown} payload
 * @returns {string | Promise<string>}
 */
function requestHost(call, op, payload) {
  if (typeof payload === 'string') {
    countReceived(payload);
  }
  if (call.finished) {
    return JSON.stringify({ ok: false, error: errorData('RUNTIME_TASK_CANCELLED', 'the call has ended', false) });
  }
  if (typeof op !== 'string' || !HOST_OPERATIONS.has(op) || typeof payload !== 'string') {
    return JSON.stringify({ ok: false, error: errorData('PLUGIN_HOST_REQUEST_INVALID', 'the host request is invalid', false) });
  }
  if (Buffer.byteLength(payload, 'utf8') > settings.maxPayloadBytes) {
    const error = errorData('PLUGIN_PAYLOAD_TOO_LARGE', `the ${op} request is larger than ${settings.maxPayloadBytes} bytes as JSON`, false, {
      maxBytes: settings.maxPayloadBytes,
    });
    return JSON.stringify({ ok: false, error });
  }
  if (call.pendingHost.size >= settings.maxPendingHostRequests) {
    const error = errorData(
      'PLUGIN_HOST_REQUEST_LIMIT',
      `a call may have at most ${settings.maxPendingHostRequests} host requests outstanding`,
      false,
    );
    return JSON.stringify({ ok: false, error });
  }
  const requestId = call.nextRequestId++;
  return new Promise((resolve) => {
    call.pendingHost.set(requestId, resolve);
    send({ type: 'host-request', id: call.id, requestId, op: /** @type {import('./protocol.js').HostOperation} */ (op), payload });
  });
}

/** @param {import('./protocol.js').HostResultMessage} message */
function deliverHostResult(message) {
  const call = calls.get(message.id);
  const resolve = call?.pendingHost.get(message.requestId);
  if (call === undefined || resolve === undefined) {
    return;
  }
  call.pendingHost.delete(message.requestId);
  // The pool produced `payload` as JSON, so it is spliced in without parsing it again.
  resolve(message.ok ? `{"ok":true,"value":${message.payload}}` : JSON.stringify({ ok: false, error: message.error }));
}

/**
 * @param {ChildCall} call
 * @param {unknown} level
 * @param {unknown} text
 * @param {unknown} data
 */
function forwardLog(call, level, text, data) {
  if (typeof text === 'string') {
    countReceived(text);
  }
  if (typeof data === 'string') {
    countReceived(data);
  }
  if (call.finished || typeof level !== 'string' || !LOG_LEVELS.has(level) || typeof text !== 'string') {
    return;
  }
  /** @type {import('./protocol.js').LogMessage} */
  const message = {
    type: 'log',
    id: call.id,
    level: /** @type {'debug' | 'info' | 'warn' | 'error'} */ (level),
    message: text.slice(0, settings.maxLogMessageLength + 1),
  };
  if (typeof data === 'string' && data.length <= settings.maxLogDataLength + 64) {
    message.data = data;
  }
  send(message);
}

/* ------------------------------------------------------------------ process */

process.on('message', (/** @type {ParentMessage} */ message) => {
  switch (message.type) {
    case 'call':
      startCall(message);
      break;
    case 'host-result':
      deliverHostResult(message);
      break;
    case 'cancel': {
      const call = calls.get(message.id);
      if (call !== undefined) {
        abortCall(call, errorData('RUNTIME_TASK_CANCELLED', 'the task was cancelled', false));
      }
      break;
    }
    case 'ping':
      send({ type: 'pong', seq: message.seq });
      break;
  }
});

process.on('disconnect', () => {
  slots.disposeAll();
  if (fatalErrorSeen) {
    // After a fatal isolate error Node.js cannot finish exiting: the blocked isolate thread
    // keeps it waiting, so the child ends itself with a signal.
    process.kill(process.pid, 'SIGKILL');
  }
  process.exit(0);
});

process.on('unhandledRejection', (reason) => {
  process.stderr.write(`sandbox child: unhandled rejection: ${String(reason)}\n`);
});

setInterval(() => slots.sweep(), SWEEP_INTERVAL_MS);
send({ type: 'ready' });
