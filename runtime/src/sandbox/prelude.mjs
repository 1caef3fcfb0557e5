// @ts-check
/**
 * The code that runs first in every fresh context, before the plugin bundle. The child turns
 * `contextPrelude` into source text with `Function.prototype.toString`, so the function must not
 * use anything from this module's scope.
 *
 * It removes the globals that escape the isolate's memory limit or share memory, and captures the
 * built-ins it needs before plugin code can replace them. It returns `entry`, the function the
 * child calls. `entry('call', kind, hook, payload, host, log)` runs one call and resolves with a
 * JSON envelope, and `entry('abort', code, message, retryable)` marks the call aborted.
 */

/**
 * @param {{ maxPayloadBytes: number, maxPendingHostRequests: number, maxLogLinesPerCall: number,
 *   maxLogMessageLength: number, maxLogDataLength: number }} settings
 */
export function contextPrelude(settings) {
  'use strict';
  /** @type {Record<string, any>} */
  const global = globalThis;
  // WebAssembly memory is outside the isolate's memory limit, and SharedArrayBuffer with Atomics
  // could share memory or block a thread, so plugin code gets none of them.
  delete global.WebAssembly;
  delete global.SharedArrayBuffer;
  delete global.Atomics;
  // The child runs with --expose-gc, which also defines `gc` in every context, where it cannot
  // be deleted (not configurable) but can be frozen as undefined. Plugin code gets no way to
  // force full collections of its isolate.
  Object.defineProperty(global, 'gc', { value: undefined, writable: false });

  const BUNDLE_GLOBAL = '__gestorleadPlugin';
  const MAX_MESSAGE_LENGTH = 2000;
  const MAX_STACK_LENGTH = 4000;
  const MAX_CODE_LENGTH = 200;
  const parse = JSON.parse;
  const stringify = JSON.stringify;
  const apply = Reflect.apply;
  const ErrorConstructor = Error;
  const PromiseConstructor = Promise;
  const promiseThen = Promise.prototype.then;
  const symbolToString = Symbol.prototype.toString;
  const objectToString = Object.prototype.toString;
  const stringSlice = String.prototype.slice;
  const isArray = Array.isArray;
  const arrayFind = Array.prototype.find;

  /**
   * The call this context runs; a context runs one call.
   * @typedef {{ aborted: boolean, abortError: Error | null, pending: Set<(error: Error) => void>, host: any,
   *   log: any, logLines: number, droppedLogLines: number, units: number | null }} CallState
   * @typedef {{ code: string, message: string, retryable: boolean, details?: unknown }} ErrorData
   */
  /** @type {CallState | null} */
  let state = null;

  /** Returns the state of the running call; the context's functions run only during one. */
  function current() {
    return /** @type {CallState} */ (state);
  }

  /** @param {string} text @param {number} max */
  function truncate(text, max) {
    return text.length > max ? apply(stringSlice, text, [0, max]) + '…' : text;
  }

  /** @param {ErrorData} data */
  function toError(data) {
    const error = new ErrorConstructor(data.message);
    error.name = 'PluginError';
    Object.defineProperties(error, {
      code: { value: data.code, enumerable: true, writable: true, configurable: true },
      retryable: { value: data.retryable, enumerable: true, writable: true, configurable: true },
      details: { value: data.details, enumerable: true, writable: true, configurable: true },
    });
    return error;
  }

  /**
   * @param {string} code
   * @param {string} message
   * @param {unknown} [details]
   * @returns {ErrorData}
   */
  function failure(code, message, details) {
    /** @type {ErrorData} */
    const error = { code, message, retryable: false };
    if (details !== undefined) {
      error.details = details;
    }
    return error;
  }

  /**
   * Returns a JSON copy of `value`, or undefined when it has no JSON form.
   * @param {unknown} value
   */
  function jsonCopy(value) {
    try {
      const json = stringify(value);
      if (json === undefined) {
        return undefined;
      }
      return json.length > settings.maxPayloadBytes ? { truncated: true, length: json.length } : parse(json);
    } catch {
      return undefined;
    }
  }

  /**
   * Describes a thrown value that is not an Error, without running plugin code.
   * @param {any} value
   */
  function describeValue(value) {
    const type = value === null ? 'null' : typeof value;
    let preview = '';
    if (type === 'string') {
      preview = stringify(truncate(value, 200));
    } else if (type === 'number' || type === 'boolean' || type === 'bigint') {
      preview = '' + value;
    } else if (type === 'symbol') {
      preview = apply(symbolToString, value, []);
    } else if (type === 'object') {
      preview = apply(objectToString, value, []);
    }
    return { type, preview };
  }

  /**
   * Converts anything plugin code threw into error data.
   * @param {any} thrown
   * @returns {ErrorData}
   */
  function describeThrown(thrown) {
    if (thrown !== null && (typeof thrown === 'object' || typeof thrown === 'function')) {
      let code;
      let message;
      let retryable;
      let details;
      let name;
      let stack;
      try {
        code = thrown.code;
        message = thrown.message;
        retryable = thrown.retryable;
        details = thrown.details;
        name = thrown.name;
        stack = thrown.stack;
      } catch {
        return failure('PLUGIN_THROWN_VALUE', 'the plugin threw an object whose properties cannot be read', {
          type: typeof thrown,
        });
      }
      const text = typeof message === 'string' ? truncate(message, MAX_MESSAGE_LENGTH) : '';
      if (typeof code === 'string' && code !== '') {
        /** @type {ErrorData} */
        const error = {
          code: truncate(code, MAX_CODE_LENGTH),
          message: text === '' ? 'the plugin failed without a message' : text,
          retryable: retryable === true,
        };
        const copy = jsonCopy(details);
        if (copy !== undefined) {
          error.details = copy;
        }
        return error;
      }
      if (thrown instanceof ErrorConstructor) {
        const errorName = typeof name === 'string' ? truncate(name, 100) : 'Error';
        // isolated-vm refuses an allocation over the memory limit with this RangeError.
        if (errorName === 'RangeError' && text === 'Array buffer allocation failed') {
          return failure('PLUGIN_MEMORY_LIMIT', 'the plugin exceeded its memory limit: an ArrayBuffer allocation failed');
        }
        return failure('RUNTIME_NODE_FAILED', `${errorName}: ${text}`, {
          name: errorName,
          stack: typeof stack === 'string' ? truncate(stack, MAX_STACK_LENGTH) : null,
        });
      }
    }
    const { type, preview } = describeValue(thrown);
    const suffix = preview === '' ? '' : `: ${preview}`;
    return failure('PLUGIN_THROWN_VALUE', `the plugin threw a value of type ${type} instead of an Error${suffix}`, {
      type,
    });
  }

  /** @param {ErrorData} error */
  function encodeFailure(error) {
    const envelope = { ok: false, error, droppedLogLines: state === null ? 0 : state.droppedLogLines };
    try {
      return stringify(envelope);
    } catch {
      envelope.error = failure(error.code, error.message);
      return stringify(envelope);
    }
  }

  /**
   * @param {unknown} value
   * @param {string | undefined} port
   */
  function encodeSuccess(value, port) {
    /** @type {{ ok: true, port: string | undefined, value: unknown, droppedLogLines: number, units?: number }} */
    const envelope = { ok: true, port, value, droppedLogLines: state === null ? 0 : state.droppedLogLines };
    if (state !== null && state.units !== null) {
      envelope.units = state.units;
    }
    let json;
    try {
      json = stringify(envelope);
    } catch (error) {
      const reason = describeThrown(error).message;
      return encodeFailure(failure('PLUGIN_RESULT_INVALID', `the result cannot be converted to JSON: ${reason}`));
    }
    // A string's UTF-8 size is at least its length, so this rejects only results that are too large.
    if (json.length > settings.maxPayloadBytes) {
      return encodeFailure(
        failure('PLUGIN_RESULT_TOO_LARGE', `the result is larger than ${settings.maxPayloadBytes} bytes as JSON`, {
          maxBytes: settings.maxPayloadBytes,
          minimumBytes: json.length,
        }),
      );
    }
    return json;
  }

  /**
   * Sends a host request and settles with the host's reply.
   * @param {'http' | 'putFile' | 'getFile' | 'sleep' | 'topUpCredits'} op
   * @param {unknown} argument
   */
  function hostRequest(op, argument) {
    const call = current();
    if (call.aborted) {
      return PromiseConstructor.reject(call.abortError);
    }
    let json;
    try {
      json = stringify(argument);
    } catch {
      json = undefined;
    }
    if (typeof json !== 'string') {
      return PromiseConstructor.reject(
        toError(failure('PLUGIN_HOST_REQUEST_INVALID', `the argument of ctx ${op} is not a JSON value`)),
      );
    }
    if (json.length > settings.maxPayloadBytes) {
      return PromiseConstructor.reject(
        toError(
          failure('PLUGIN_PAYLOAD_TOO_LARGE', `the ${op} request is larger than ${settings.maxPayloadBytes} bytes as JSON`, {
            maxBytes: settings.maxPayloadBytes,
          }),
        ),
      );
    }
    if (call.pending.size >= settings.maxPendingHostRequests) {
      return PromiseConstructor.reject(
        toError(
          failure(
            'PLUGIN_HOST_REQUEST_LIMIT',
            `a call may have at most ${settings.maxPendingHostRequests} host requests outstanding; await some before sending more`,
          ),
        ),
      );
    }
    return new PromiseConstructor((resolve, reject) => {
      call.pending.add(reject);
      const reply = call.host.apply(undefined, [op, json], { result: { promise: true } });
      apply(promiseThen, reply, [
        (/** @type {string} */ text) => {
          if (!call.pending.delete(reject)) {
            return;
          }
          const envelope = parse(text);
          if (envelope.ok) {
            resolve(envelope.value);
          } else {
            reject(toError(envelope.error));
          }
        },
        () => {
          if (call.pending.delete(reject)) {
            reject(toError({ code: 'PLUGIN_HOST_FAILED', message: `the host failed to run ${op}`, retryable: true }));
          }
        },
      ]);
    });
  }

  function makeLogger() {
    /** @param {'debug' | 'info' | 'warn' | 'error'} level */
    const write = (level) => (/** @type {unknown} */ message, /** @type {unknown} */ data) => {
      const call = current();
      if (call.logLines >= settings.maxLogLinesPerCall) {
        call.droppedLogLines += 1;
        return;
      }
      call.logLines += 1;
      let text = typeof message === 'string' ? message : describeValue(message).preview || String(message);
      text = truncate(text, settings.maxLogMessageLength);
      let dataJson;
      if (data !== undefined) {
        try {
          dataJson = stringify(data);
        } catch {
          dataJson = stringify('[data that cannot be converted to JSON]');
        }
        if (dataJson !== undefined && dataJson.length > settings.maxLogDataLength) {
          dataJson = stringify({ truncated: true, length: dataJson.length });
        }
      }
      call.log(level, text, dataJson);
    };
    return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
  }

  /**
   * Adds the units a call reports with `ctx.reportUsage`. The comparisons reject NaN, negative
   * numbers and Infinity without a built-in that plugin code could have replaced.
   * @param {unknown} units
   */
  function reportUsage(units) {
    if (typeof units !== 'number' || !(units >= 0) || units === 1 / 0) {
      throw toError(failure('PLUGIN_USAGE_INVALID', 'ctx.reportUsage takes a finite number of at least 0'));
    }
    const call = current();
    call.units = (call.units === null ? 0 : call.units) + units;
  }

  function makeSignal() {
    const call = current();
    return {
      get aborted() {
        return call.aborted;
      },
      throwIfAborted() {
        if (call.aborted) {
          throw call.abortError;
        }
      },
    };
  }

  /**
   * @param {any} definition
   * @param {string} name
   * @param {number} version
   */
  function firstPortOf(definition, name, version) {
    try {
      const actions = definition.manifest.actions;
      const action = apply(arrayFind, actions, [(/** @type {any} */ item) => item && item.name === name && item.version === version]);
      const port = action && isArray(action.outputs) && action.outputs[0] ? action.outputs[0].name : undefined;
      return typeof port === 'string' ? port : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * @param {any} definition the bundle's plugin definition
   * @param {any} data the `ActionCallData`
   */
  async function runAction(definition, data) {
    const actions = definition.actions;
    const entry = isArray(actions)
      ? apply(arrayFind, actions, [(/** @type {any} */ item) => item && item.name === data.action && item.version === data.version])
      : undefined;
    if (entry === undefined || typeof entry.run !== 'function') {
      return encodeFailure(
        failure('PLUGIN_ACTION_NOT_FOUND', `the bundle has no action "${data.action}" version ${data.version}`),
      );
    }
    const ctx = {
      config: data.config,
      input: data.input,
      credentials: data.credentials,
      http: { request: (/** @type {unknown} */ request) => hostRequest('http', request) },
      files: {
        put: (/** @type {unknown} */ file) => hostRequest('putFile', file),
        get: (/** @type {unknown} */ id) =>
          typeof id === 'string'
            ? hostRequest('getFile', id)
            : PromiseConstructor.reject(toError(failure('PLUGIN_HOST_REQUEST_INVALID', 'ctx.files.get takes a file id string'))),
      },
      credits: { topUp: (/** @type {unknown} */ request) => hostRequest('topUpCredits', request) },
      log: makeLogger(),
      signal: makeSignal(),
      run: data.run,
      sleep: (/** @type {unknown} */ ms) => hostRequest('sleep', ms),
      reportUsage,
    };
    const value = await entry.run(ctx);
    // The host passes the first port of the installed manifest. The bundle's own copy of the
    // manifest is only a fallback, because the bundle is untrusted.
    const port = typeof data.outputPort === 'string' ? data.outputPort : firstPortOf(definition, data.action, data.version);
    return encodeSuccess(value, port);
  }

  /**
   * @param {any} definition the bundle's plugin definition
   * @param {any} data the `TriggerCallData`
   * @param {'verify' | 'parse'} hook
   */
  async function runTrigger(definition, data, hook) {
    const triggers = definition.triggers;
    const entry = isArray(triggers)
      ? apply(arrayFind, triggers, [(/** @type {any} */ item) => item && item.name === data.trigger])
      : undefined;
    if (entry === undefined) {
      return encodeFailure(failure('PLUGIN_TRIGGER_NOT_FOUND', `the bundle has no trigger "${data.trigger}"`));
    }
    const run = entry[hook];
    if (typeof run !== 'function') {
      return encodeFailure(
        failure('PLUGIN_TRIGGER_HOOK_NOT_DEFINED', `trigger "${data.trigger}" defines no ${hook} function`, { hook }),
      );
    }
    const ctx = { config: data.config, credentials: data.credentials, request: data.request, log: makeLogger() };
    const value = await apply(run, entry, [ctx]);
    return encodeSuccess(hook === 'verify' ? value === true : value, undefined);
  }

  /**
   * @param {'action' | 'trigger'} kind
   * @param {'verify' | 'parse'} hook
   * @param {string} payload the call data as JSON
   * @param {any} host isolated-vm reference to the child's host request function
   * @param {any} log the child's log callback
   */
  async function runCall(kind, hook, payload, host, log) {
    if (state !== null) {
      return encodeFailure(failure('PLUGIN_CALL_INVALID', 'a context runs only one call'));
    }
    state = { aborted: false, abortError: null, pending: new Set(), host, log, logLines: 0, droppedLogLines: 0, units: null };
    try {
      const definition = global[BUNDLE_GLOBAL];
      if (definition === null || typeof definition !== 'object') {
        return encodeFailure(
          failure(
            'PLUGIN_BUNDLE_INVALID',
            `the bundle did not assign a plugin definition to globalThis.${BUNDLE_GLOBAL}; end the entry module with export default definePlugin({ ... })`,
          ),
        );
      }
      const data = parse(payload);
      return kind === 'action' ? await runAction(definition, data) : await runTrigger(definition, data, hook);
    } catch (thrown) {
      return encodeFailure(describeThrown(thrown));
    }
  }

  /**
   * @param {string} code
   * @param {string} message
   * @param {boolean} retryable
   */
  function abort(code, message, retryable) {
    if (state === null || state.aborted) {
      return;
    }
    state.aborted = true;
    state.abortError = toError({ code, message, retryable });
    for (const reject of state.pending) {
      reject(state.abortError);
    }
    state.pending.clear();
  }

  /**
   * @param {'call' | 'abort'} command
   * @param {...any} args
   */
  return function entry(command, ...args) {
    if (command === 'call') {
      return apply(runCall, undefined, args);
    }
    if (command === 'abort') {
      apply(abort, undefined, args);
    }
    return undefined;
  };
}
