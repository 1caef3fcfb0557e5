// @ts-check
/**
 * The child's plugin code cache and its warm isolates. A slot is one isolate of one plugin
 * version with one memory limit, holding a fresh context that is ready for exactly one call.
 * After a clean call the slot releases that context and prepares the next one in the background,
 * so a warm call skips context creation and bundle evaluation.
 */
import { createHash } from 'node:crypto';

import ivm from 'isolated-vm';

import { contextPrelude } from './prelude.mjs';

/** @typedef {import('./protocol.js').ChildSettings} ChildSettings */
/** @typedef {import('@gestorlead/sdk-plugin/plugin').PluginErrorData} PluginErrorData */

/**
 * @typedef {object} CachedPlugin
 * @property {string} id `key@sha256`
 * @property {string} key
 * @property {string} sha256
 * @property {string} code
 * @property {import('isolated-vm').ExternalCopy<ArrayBuffer> | undefined} cachedData V8 code cache of the bundle
 */

/**
 * @typedef {object} Slot
 * @property {number} id
 * @property {CachedPlugin} plugin
 * @property {number} memoryMb
 * @property {string} poolKey
 * @property {import('isolated-vm').Isolate} isolate
 * @property {'preparing' | 'ready' | 'busy' | 'disposed'} state
 * @property {'compile' | 'context' | 'bundle'} phase step of the preparation in progress
 * @property {import('isolated-vm').Script | null} script the compiled bundle
 * @property {import('isolated-vm').Script | null} preludeScript
 * @property {import('isolated-vm').Context | null} context
 * @property {import('isolated-vm').Reference<Function> | null} entry the prelude's `entry` function
 * @property {Promise<void>} ready settles when the preparation in progress ends
 * @property {unknown} owner the call the slot is reserved for, or null
 * @property {bigint} cpuMark isolate CPU time when the current state began, in ns
 * @property {number} markedAt `performance.now()` when the current state began
 * @property {PluginErrorData | null} disposeReason
 */

/** An error with a sandbox code, raised while a slot is acquired. */
export class SlotError extends Error {
  /**
   * @param {string} code
   * @param {string} message
   * @param {boolean} [retryable]
   * @param {unknown} [details]
   */
  constructor(code, message, retryable = false, details = undefined) {
    super(message);
    this.name = 'SlotError';
    this.code = code;
    this.retryable = retryable;
    this.details = details;
  }

  /** @returns {PluginErrorData} */
  toData() {
    /** @type {PluginErrorData} */
    const data = { code: this.code, message: this.message, retryable: this.retryable };
    if (this.details !== undefined) {
      data.details = this.details;
    }
    return data;
  }
}

/** CPU an isolate may use to create a context before it counts as still busy with an old call, in ms. */
const CONTEXT_CPU_BUDGET_MS = 250;
/** CPU an idle isolate may use before it counts as running leftover code, in ms. */
const IDLE_CPU_BUDGET_MS = 50;

/**
 * Releases an isolated-vm handle. isolated-vm 5.0.4 releases handles of a disposed isolate
 * without an error; the catch keeps a throwing release from failing the call's cleanup.
 * @param {{ release(): void } | null} handle
 */
function releaseQuietly(handle) {
  try {
    handle?.release();
  } catch {
    // Nothing is left to release.
  }
}

/** Plugin code by `key`, at most one version per key, least recently used evicted first. */
export class PluginCache {
  /** @type {Map<string, CachedPlugin>} */
  #byKey = new Map();
  #max;
  #onEvict;

  /**
   * @param {number} max
   * @param {(plugin: CachedPlugin) => void} onEvict
   */
  constructor(max, onEvict) {
    this.#max = max;
    this.#onEvict = onEvict;
  }

  /**
   * @param {string} key
   * @param {string} sha256
   */
  lookup(key, sha256) {
    const plugin = this.#byKey.get(key);
    if (plugin === undefined || plugin.sha256 !== sha256) {
      return undefined;
    }
    this.#byKey.delete(key);
    this.#byKey.set(key, plugin);
    return plugin;
  }

  /**
   * Stores the code after checking its hash, replacing another version of the same key.
   * @param {{ key: string, sha256: string, code: string }} source
   */
  store(source) {
    const actual = createHash('sha256').update(source.code, 'utf8').digest('hex');
    if (actual !== source.sha256) {
      throw new SlotError(
        'PLUGIN_CODE_HASH_MISMATCH',
        `the code of ${source.key} has SHA-256 ${actual}, not the ${source.sha256} the call names`,
      );
    }
    const previous = this.#byKey.get(source.key);
    if (previous !== undefined) {
      this.#byKey.delete(source.key);
      this.#onEvict(previous);
    }
    /** @type {CachedPlugin} */
    const plugin = { id: `${source.key}@${source.sha256}`, key: source.key, sha256: source.sha256, code: source.code, cachedData: undefined };
    this.#byKey.set(source.key, plugin);
    for (const [oldestKey, oldest] of this.#byKey) {
      if (this.#byKey.size <= this.#max) {
        break;
      }
      this.#byKey.delete(oldestKey);
      this.#onEvict(oldest);
    }
    return plugin;
  }
}

/** Warm isolates of every plugin in this child. */
export class SlotPool {
  /** @type {ChildSettings} */
  #settings;
  #preludeSource;
  /** @type {Set<Slot>} */
  #slots = new Set();
  /** Slots that no call holds, ready or preparing their next context, by pool key. @type {Map<string, Slot[]>} */
  #idle = new Map();
  #idleCount = 0;
  #nextId = 1;
  #onCatastrophe;

  /**
   * @param {ChildSettings} settings
   * @param {(slot: Slot, message: string) => void} onCatastrophe called when V8 loses control of an isolate
   */
  constructor(settings, onCatastrophe) {
    this.#settings = settings;
    this.#onCatastrophe = onCatastrophe;
    const preludeSettings = {
      maxPayloadBytes: settings.maxPayloadBytes,
      maxPendingHostRequests: settings.maxPendingHostRequests,
      maxLogLinesPerCall: settings.maxLogLinesPerCall,
      maxLogMessageLength: settings.maxLogMessageLength,
      maxLogDataLength: settings.maxLogDataLength,
    };
    this.#preludeSource = `(${contextPrelude.toString()})(${JSON.stringify(preludeSettings)})`;
  }

  /** Number of isolates alive in this child. */
  get size() {
    return this.#slots.size;
  }

  /** Whether any slot is preparing, so the watchdog must keep running. */
  get preparing() {
    for (const slot of this.#slots) {
      if (slot.state === 'preparing') {
        return true;
      }
    }
    return false;
  }

  /**
   * Returns a ready slot of `plugin` reserved for `owner`: an idle warm one, one that is
   * preparing, or a new isolate. Throws a `SlotError` when no context can be prepared, or when
   * `isAbandoned()` turns true while it waits.
   * @param {CachedPlugin} plugin
   * @param {number} memoryMb
   * @param {unknown} owner
   * @param {() => boolean} isAbandoned
   * @returns {Promise<Slot>}
   */
  async acquire(plugin, memoryMb, owner, isAbandoned) {
    const ready = this.tryTake(plugin, memoryMb, owner);
    if (ready !== undefined) {
      return ready;
    }
    const poolKey = `${plugin.id}\n${memoryMb}`;

    const preparing = this.#idle.get(poolKey)?.find((slot) => slot.state === 'preparing' && slot.owner === null);
    // Calls arrive faster than contexts are prepared, so one more warm isolate is started for
    // later calls. This call waits for the context already in preparation.
    if (preparing !== undefined && this.#countOf(poolKey) < this.#settings.maxIdleIsolatesPerPlugin) {
      this.#addIdle(this.#create(plugin, memoryMb, poolKey));
    }
    if (preparing !== undefined) {
      preparing.owner = owner;
      await preparing.ready.catch(() => undefined);
      // `abandon` may have released the reservation, and another call may hold it now.
      if (preparing.owner === owner) {
        if (preparing.state === 'ready') {
          this.#removeIdle(preparing);
          return preparing;
        }
        preparing.owner = null;
      }
    }
    if (isAbandoned()) {
      throw new SlotError('RUNTIME_TASK_CANCELLED', 'the call ended before an isolate was ready');
    }

    const slot = this.#create(plugin, memoryMb, poolKey);
    slot.owner = owner;
    await slot.ready;
    return slot;
  }

  /**
   * Returns an idle slot of `plugin` whose context is ready, reserved for `owner`, or undefined.
   * The warm path of a call, without waiting.
   * @param {CachedPlugin} plugin
   * @param {number} memoryMb
   * @param {unknown} owner
   * @returns {Slot | undefined}
   */
  tryTake(plugin, memoryMb, owner) {
    const slot = this.#takeReady(`${plugin.id}\n${memoryMb}`);
    if (slot !== undefined) {
      slot.owner = owner;
    }
    return slot;
  }

  /**
   * Releases the slots reserved for a call that ended while it waited for them. A slot that is
   * running the bundle's top level for it is disposed, so that code stops with the call.
   * @param {unknown} owner
   */
  abandon(owner) {
    for (const slot of this.#slots) {
      if (slot.owner !== owner || slot.state !== 'preparing') {
        continue;
      }
      if (slot.phase === 'bundle') {
        this.dispose(slot, null);
      } else {
        slot.owner = null;
      }
    }
  }

  /**
   * Returns a slot whose fresh context was never used (its call ended while it was acquired).
   * @param {Slot} slot
   */
  putBack(slot) {
    slot.owner = null;
    if (slot.state !== 'ready') {
      return;
    }
    this.#addIdle(slot);
  }

  /**
   * Releases the context of a call that ended cleanly and prepares the next one, unless enough
   * warm isolates of the plugin are idle already.
   * @param {Slot} slot
   */
  recycle(slot) {
    if (slot.state === 'disposed') {
      return;
    }
    slot.owner = null;
    this.#releaseContext(slot);
    const idleOfPlugin = this.#idle.get(slot.poolKey)?.length ?? 0;
    if (idleOfPlugin >= this.#settings.maxIdleIsolatesPerPlugin) {
      this.dispose(slot, null);
      return;
    }
    if (this.#idleCount >= this.#settings.maxIdleIsolates) {
      this.#evictLeastRecentlyUsed();
    }
    this.#addIdle(slot);
    slot.ready = this.#prepare(slot);
    slot.ready.catch(() => undefined);
  }

  /**
   * Disposes the slot's isolate, which stops any code running in it.
   * @param {Slot} slot
   * @param {PluginErrorData | null} reason the error of the call it ends, if any
   */
  dispose(slot, reason) {
    if (slot.state === 'disposed') {
      return;
    }
    slot.state = 'disposed';
    slot.disposeReason = reason;
    this.#removeIdle(slot);
    this.#slots.delete(slot);
    try {
      slot.isolate.dispose();
    } catch {
      // isolated-vm already disposed it, after the memory limit was reached.
    }
  }

  /**
   * Disposes every slot of `plugin`, whose code was evicted or replaced.
   * @param {CachedPlugin} plugin
   */
  disposePlugin(plugin) {
    for (const slot of this.#slots) {
      if (slot.plugin === plugin && slot.owner === null) {
        this.dispose(slot, null);
      }
    }
  }

  /** Disposes every isolate, before the child exits. */
  disposeAll() {
    for (const slot of [...this.#slots]) {
      this.dispose(slot, null);
    }
  }

  /**
   * Checks preparing slots for the watchdog: a slot that uses more CPU than its step allows,
   * or takes twice the bundle timeout, is disposed.
   */
  watch() {
    const now = performance.now();
    for (const slot of this.#slots) {
      if (slot.state !== 'preparing') {
        continue;
      }
      const cpuMs = this.#cpuSinceMark(slot);
      const budgetMs = slot.phase === 'bundle' ? this.#settings.bundleTimeoutMs : CONTEXT_CPU_BUDGET_MS;
      if (cpuMs > budgetMs || now - slot.markedAt > 2 * this.#settings.bundleTimeoutMs) {
        this.dispose(
          slot,
          new SlotError(
            'PLUGIN_BUNDLE_INVALID',
            slot.phase === 'bundle'
              ? `evaluating the bundle's top level did not finish within ${this.#settings.bundleTimeoutMs} ms`
              : 'the isolate kept running code of an earlier call and was replaced',
          ).toData(),
        );
      }
    }
  }

  /** Disposes idle slots unused for longer than the idle TTL. */
  sweep() {
    const oldest = performance.now() - this.#settings.idleIsolateTtlMs;
    for (const slot of [...this.#slots]) {
      if (slot.state === 'ready' && slot.owner === null && slot.markedAt < oldest) {
        this.dispose(slot, null);
      }
    }
  }

  /**
   * Number of live slots of a plugin version and memory limit, busy ones included.
   * @param {string} poolKey
   */
  #countOf(poolKey) {
    let count = 0;
    for (const slot of this.#slots) {
      if (slot.poolKey === poolKey) {
        count += 1;
      }
    }
    return count;
  }

  /**
   * @param {string} poolKey
   * @returns {Slot | undefined}
   */
  #takeReady(poolKey) {
    const list = this.#idle.get(poolKey);
    if (list === undefined) {
      return undefined;
    }
    for (const slot of [...list]) {
      if (slot.state !== 'ready' || slot.owner !== null) {
        continue;
      }
      // An idle isolate runs no code of its own; CPU use here means code left behind by the
      // bundle's top level is still running.
      if (this.#cpuSinceMark(slot) > IDLE_CPU_BUDGET_MS) {
        this.dispose(slot, null);
        continue;
      }
      this.#removeIdle(slot);
      return slot;
    }
    return undefined;
  }

  /**
   * @param {CachedPlugin} plugin
   * @param {number} memoryMb
   * @param {string} poolKey
   * @returns {Slot}
   */
  #create(plugin, memoryMb, poolKey) {
    /** @type {Slot} */
    const slot = {
      id: this.#nextId++,
      plugin,
      memoryMb,
      poolKey,
      isolate: /** @type {any} */ (null),
      state: 'preparing',
      phase: 'compile',
      script: null,
      preludeScript: null,
      context: null,
      entry: null,
      ready: Promise.resolve(),
      owner: null,
      cpuMark: 0n,
      markedAt: performance.now(),
      disposeReason: null,
    };
    slot.isolate = new ivm.Isolate({
      memoryLimit: memoryMb,
      onCatastrophicError: (message) => this.#catastrophe(slot, message),
    });
    this.#slots.add(slot);
    slot.ready = this.#prepare(slot);
    slot.ready.catch(() => undefined);
    return slot;
  }

  /**
   * Creates a fresh context, runs the prelude and the bundle in it, and marks the slot ready.
   * Compiles the bundle first when the slot has no script yet.
   * @param {Slot} slot
   */
  async #prepare(slot) {
    slot.state = 'preparing';
    this.#mark(slot);
    let context = null;
    try {
      if (slot.script === null) {
        slot.phase = 'compile';
        slot.script = await this.#compileBundle(slot);
        slot.preludeScript = await slot.isolate.compileScript(this.#preludeSource, { filename: 'gestorlead:prelude' });
      }
      slot.phase = 'context';
      context = await slot.isolate.createContext();
      const entry = await /** @type {import('isolated-vm').Script} */ (slot.preludeScript).run(context, {
        reference: true,
      });
      slot.phase = 'bundle';
      await slot.script.run(context, { timeout: this.#settings.bundleTimeoutMs });
      // A watchdog or a fatal error may have disposed the slot while the bundle ran.
      if (/** @type {Slot['state']} */ (slot.state) === 'disposed') {
        throw new Error('disposed while preparing');
      }
      slot.context = context;
      slot.entry = /** @type {import('isolated-vm').Reference<Function>} */ (entry);
      slot.state = 'ready';
      this.#mark(slot);
    } catch (error) {
      releaseQuietly(context);
      const reason = this.#preparationError(slot, error);
      this.dispose(slot, reason.toData());
      throw reason;
    }
  }

  /** @param {Slot} slot */
  async #compileBundle(slot) {
    const plugin = slot.plugin;
    const options = {
      filename: `gestorlead-plugin:${plugin.key}`,
      ...(plugin.cachedData === undefined ? { produceCachedData: true } : { cachedData: plugin.cachedData }),
    };
    const script = /** @type {import('isolated-vm').Script & { cachedData?: any, cachedDataRejected?: boolean }} */ (
      await slot.isolate.compileScript(plugin.code, options)
    );
    if (script.cachedData !== undefined) {
      plugin.cachedData = script.cachedData;
    } else if (script.cachedDataRejected === true) {
      plugin.cachedData = undefined;
    }
    return script;
  }

  /**
   * Turns a failed preparation into the error of the call that waits for it.
   * @param {Slot} slot
   * @param {unknown} error
   */
  #preparationError(slot, error) {
    if (slot.disposeReason !== null) {
      const reason = slot.disposeReason;
      return new SlotError(reason.code, reason.message, reason.retryable, reason.details);
    }
    const message = error instanceof Error ? error.message : String(error);
    if (slot.isolate.isDisposed || message.includes('memory limit')) {
      return new SlotError('PLUGIN_MEMORY_LIMIT', 'the plugin exceeded its memory limit while its bundle was evaluated', false, {
        memoryMb: slot.memoryMb,
      });
    }
    const name = error instanceof Error ? error.name : typeof error;
    if (slot.phase === 'compile') {
      return new SlotError('PLUGIN_BUNDLE_INVALID', `the bundle of ${slot.plugin.key} does not compile: ${name}: ${message}`);
    }
    if (slot.phase === 'bundle' && message === 'Script execution timed out.') {
      return new SlotError(
        'PLUGIN_BUNDLE_INVALID',
        `evaluating the top level of the bundle of ${slot.plugin.key} took longer than ${this.#settings.bundleTimeoutMs} ms`,
      );
    }
    return new SlotError('PLUGIN_BUNDLE_INVALID', `evaluating the bundle of ${slot.plugin.key} failed: ${name}: ${message}`);
  }

  /**
   * @param {Slot} slot
   * @param {string} message
   */
  #catastrophe(slot, message) {
    const reason = new SlotError('PLUGIN_MEMORY_LIMIT', `V8 stopped the isolate after a fatal error: ${message}`, false, {
      memoryMb: slot.memoryMb,
      fatal: true,
    }).toData();
    this.dispose(slot, reason);
    this.#onCatastrophe(slot, message);
  }

  /** @param {Slot} slot */
  #releaseContext(slot) {
    releaseQuietly(slot.entry);
    releaseQuietly(slot.context);
    slot.entry = null;
    slot.context = null;
  }

  /** @param {Slot} slot */
  #mark(slot) {
    slot.markedAt = performance.now();
    slot.cpuMark = slot.isolate.isDisposed ? 0n : slot.isolate.cpuTime;
  }

  /** @param {Slot} slot */
  #cpuSinceMark(slot) {
    if (slot.isolate.isDisposed) {
      return 0;
    }
    return Number(slot.isolate.cpuTime - slot.cpuMark) / 1e6;
  }

  /** @param {Slot} slot */
  #addIdle(slot) {
    let list = this.#idle.get(slot.poolKey);
    if (list === undefined) {
      list = [];
      this.#idle.set(slot.poolKey, list);
    }
    if (!list.includes(slot)) {
      list.push(slot);
      this.#idleCount += 1;
    }
  }

  /** @param {Slot} slot */
  #removeIdle(slot) {
    const list = this.#idle.get(slot.poolKey);
    const index = list?.indexOf(slot) ?? -1;
    if (list === undefined || index === -1) {
      return;
    }
    list.splice(index, 1);
    this.#idleCount -= 1;
    if (list.length === 0) {
      this.#idle.delete(slot.poolKey);
    }
  }

  #evictLeastRecentlyUsed() {
    /** @type {Slot | undefined} */
    let oldest;
    for (const list of this.#idle.values()) {
      for (const slot of list) {
        if (slot.state === 'ready' && slot.owner === null && (oldest === undefined || slot.markedAt < oldest.markedAt)) {
          oldest = slot;
        }
      }
    }
    if (oldest !== undefined) {
      this.dispose(oldest, null);
    }
  }
}
