/**
 * Error codes the sandbox gives to calls that it ends itself, or that plugin code ends in a way
 * that needs a code. They reach the caller as `PluginErrorData`; `README.md` in this folder lists
 * each with its remedy.
 */
import type { PluginErrorData } from '@gestorlead/sdk-plugin/plugin';

/** Each sandbox code and whether a retry of the call may succeed. */
export const SANDBOX_ERROR_CODES = {
  PLUGIN_TIMEOUT: { retryable: true },
  PLUGIN_CPU_TIME_EXCEEDED: { retryable: false },
  PLUGIN_MEMORY_LIMIT: { retryable: false },
  PLUGIN_SANDBOX_CRASHED: { retryable: true },
  PLUGIN_SANDBOX_BUSY: { retryable: true },
  PLUGIN_SANDBOX_CLOSED: { retryable: true },
  PLUGIN_THROWN_VALUE: { retryable: false },
  PLUGIN_RESULT_INVALID: { retryable: false },
  PLUGIN_RESULT_TOO_LARGE: { retryable: false },
  PLUGIN_PAYLOAD_TOO_LARGE: { retryable: false },
  PLUGIN_CALL_INVALID: { retryable: false },
  PLUGIN_BUNDLE_INVALID: { retryable: false },
  PLUGIN_CODE_HASH_MISMATCH: { retryable: false },
  PLUGIN_ACTION_NOT_FOUND: { retryable: false },
  PLUGIN_TRIGGER_NOT_FOUND: { retryable: false },
  PLUGIN_TRIGGER_HOOK_NOT_DEFINED: { retryable: false },
  PLUGIN_HOST_REQUEST_INVALID: { retryable: false },
  PLUGIN_HOST_REQUEST_LIMIT: { retryable: false },
  PLUGIN_HOST_FAILED: { retryable: true },
  PLUGIN_USAGE_INVALID: { retryable: false },
  PLUGIN_PERMISSION_DENIED: { retryable: false },
  RUNTIME_TASK_CANCELLED: { retryable: false },
  RUNTIME_NODE_FAILED: { retryable: false },
} as const satisfies Record<string, { retryable: boolean }>;

/** A code of `SANDBOX_ERROR_CODES`. */
export type SandboxErrorCode = keyof typeof SANDBOX_ERROR_CODES;

/** Builds the error data of a sandbox code, with the code's `retryable` flag. */
export function sandboxError(code: SandboxErrorCode, message: string, details?: unknown): PluginErrorData {
  const error: PluginErrorData = { code, message, retryable: SANDBOX_ERROR_CODES[code].retryable };
  if (details !== undefined) {
    error.details = details;
  }
  return error;
}

/** Maximum length of an error message that crosses the sandbox boundary. */
export const MAX_ERROR_MESSAGE_LENGTH = 2000;

/**
 * Returns `value` as `PluginErrorData` when it has the shape (string `code` and `message`,
 * boolean `retryable`), with the message truncated; otherwise undefined.
 */
export function asPluginErrorData(value: unknown): PluginErrorData | undefined {
  if (value === null || typeof value !== 'object') {
    return undefined;
  }
  const candidate = value as Record<string, unknown>;
  if (typeof candidate.code !== 'string' || candidate.code === '' || typeof candidate.message !== 'string') {
    return undefined;
  }
  const error: PluginErrorData = {
    code: candidate.code,
    message: candidate.message.slice(0, MAX_ERROR_MESSAGE_LENGTH),
    retryable: candidate.retryable === true,
  };
  if (candidate.details !== undefined) {
    error.details = candidate.details;
  }
  return error;
}
