/**
 * Runs the `ctx.http`, `ctx.files` and `ctx.sleep` requests of plugin code against the call's
 * `HostServices`, in the server process, and turns the host's result into a reply for the child.
 * A sleep is a timer here, which the call's signal ends early when the call is cancelled or times
 * out. The child then rejects the plugin's promise with the call's own error.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  MAX_SLEEP_MS,
  type CreditTopUpData,
  type FilePutData,
  type HttpRequestData,
  type PluginErrorData,
} from '@gestorlead/sdk-plugin/plugin';

import { asPluginErrorData, sandboxError } from './errors.js';
import type { HostRequestMessage, HostResultMessage } from './protocol.js';
import type { HostServices } from './types.js';

/** The part of a call that a host request needs. */
export interface HostCallContext {
  host: HostServices;
  /** Aborted when the call ends, so an HTTP request in flight stops. */
  signal: AbortSignal;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Returns `details` when it can be sent as JSON, else undefined. */
function jsonSafe(details: unknown): unknown {
  if (details === undefined) {
    return undefined;
  }
  try {
    return JSON.stringify(details) === undefined ? undefined : details;
  } catch {
    return undefined;
  }
}

/** Waits `ms`, or throws `RUNTIME_TASK_CANCELLED` once `signal` aborts (the call has ended). */
async function pause(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch (error) {
    if (signal.aborted) throw sandboxError('RUNTIME_TASK_CANCELLED', 'the call ended during ctx.sleep');
    throw error;
  }
}

async function callHost(op: HostRequestMessage['op'], argument: unknown, call: HostCallContext): Promise<unknown> {
  switch (op) {
    case 'http':
      if (!isPlainObject(argument)) {
        throw sandboxError('PLUGIN_HOST_REQUEST_INVALID', 'ctx.http.request takes a request object');
      }
      return call.host.httpRequest(argument as unknown as HttpRequestData, call.signal);
    case 'putFile':
      if (!isPlainObject(argument)) {
        throw sandboxError('PLUGIN_HOST_REQUEST_INVALID', 'ctx.files.put takes a file object');
      }
      return call.host.putFile(argument as unknown as FilePutData);
    case 'getFile':
      if (typeof argument !== 'string') {
        throw sandboxError('PLUGIN_HOST_REQUEST_INVALID', 'ctx.files.get takes a file id string');
      }
      return call.host.getFile(argument);
    case 'sleep':
      if (typeof argument !== 'number' || !Number.isFinite(argument) || argument < 0) {
        throw sandboxError('PLUGIN_HOST_REQUEST_INVALID', 'ctx.sleep takes a finite number of milliseconds of at least 0');
      }
      await pause(Math.min(argument, MAX_SLEEP_MS), call.signal);
      return null;
    case 'topUpCredits':
      if (!isPlainObject(argument)) {
        throw sandboxError('PLUGIN_HOST_REQUEST_INVALID', 'ctx.credits.topUp takes a request object');
      }
      if (call.host.topUpCredits === undefined) {
        throw sandboxError('PLUGIN_PERMISSION_DENIED', 'ctx.credits.topUp is not available here');
      }
      return call.host.topUpCredits(argument as unknown as CreditTopUpData);
    default:
      throw sandboxError('PLUGIN_HOST_REQUEST_INVALID', `unknown host operation "${String(op)}"`);
  }
}

/**
 * Runs one host request. An error with a `code` from the host reaches the plugin with that code.
 * Any other error becomes `PLUGIN_HOST_FAILED` and goes to `onUnexpectedError` instead of the
 * plugin, because its message may describe the server's internals.
 */
export async function runHostRequest(
  message: HostRequestMessage,
  call: HostCallContext,
  maxPayloadBytes: number,
  onUnexpectedError: (error: unknown) => void,
): Promise<HostResultMessage> {
  const reply = { type: 'host-result' as const, id: message.id, requestId: message.requestId };
  let error: PluginErrorData;
  try {
    let argument: unknown;
    try {
      argument = JSON.parse(message.payload);
    } catch {
      throw sandboxError('PLUGIN_HOST_REQUEST_INVALID', `the ${message.op} request is not valid JSON`);
    }
    const value = await callHost(message.op, argument, call);
    const payload = JSON.stringify(value ?? null);
    if (payload.length > maxPayloadBytes || Buffer.byteLength(payload, 'utf8') > maxPayloadBytes) {
      throw sandboxError('PLUGIN_PAYLOAD_TOO_LARGE', `the ${message.op} response is larger than ${maxPayloadBytes} bytes as JSON`, {
        maxBytes: maxPayloadBytes,
      });
    }
    return { ...reply, ok: true, payload };
  } catch (thrown) {
    const coded = asPluginErrorData(thrown);
    if (coded === undefined) {
      onUnexpectedError(thrown);
      error = sandboxError('PLUGIN_HOST_FAILED', `the host failed to run ${message.op}`);
    } else {
      error = { code: coded.code, message: coded.message, retryable: coded.retryable };
      const details = jsonSafe(coded.details);
      if (details !== undefined) {
        error.details = details;
      }
    }
  }
  return { ...reply, ok: false, error };
}
