/** The studio's plugin sandbox: a `SandboxPool` configured from `RuntimeConfig.plugins`. */
import type { Logger } from 'pino';
import type { PluginSettings } from '../config.js';
import { SandboxPool, type SandboxOptions } from '../sandbox/index.js';
import type { Sandbox } from '../sandbox/types.js';
import { MAX_LOG_DATA_CHARS, MAX_LOG_MESSAGE_CHARS } from './host-services.js';

/** Room for the JSON around a host response or file, in bytes, on top of its body. */
const PAYLOAD_OVERHEAD_BYTES = 1024 * 1024;

/** Returns the pool options that match the host's limits, so both enforce the same numbers. */
export function sandboxOptions(settings: PluginSettings, log: Logger): SandboxOptions {
  // A response body or a file crosses the boundary as base64 at worst: 4 bytes per 3.
  const largestBody = Math.max(settings.httpMaxResponseBytes, settings.filesMaxBytes);
  return {
    poolSize: settings.poolSize,
    defaultLimits: { memoryMb: settings.memoryMb, cpuTimeMs: settings.cpuTimeMs, timeoutMs: settings.timeoutMs },
    maxLimits: { memoryMb: settings.maxMemoryMb, cpuTimeMs: settings.maxCpuTimeMs, timeoutMs: settings.maxTimeoutMs },
    maxPayloadBytes: Math.ceil((largestBody * 4) / 3) + PAYLOAD_OVERHEAD_BYTES,
    maxLogLinesPerCall: settings.logMaxLines,
    maxLogMessageLength: MAX_LOG_MESSAGE_CHARS,
    maxLogDataLength: MAX_LOG_DATA_CHARS,
    logger: log.child({ component: 'sandbox' }),
  };
}

/**
 * Returns a sandbox that starts its pool of child processes on the first call, so a studio
 * that runs no plugin action starts none.
 */
export function createLazySandbox(start: () => Sandbox): Sandbox {
  let pool: Sandbox | undefined;
  let closed = false;
  const started = (): Sandbox => {
    if (closed) throw new Error('the sandbox is closed');
    pool ??= start();
    return pool;
  };
  return {
    callAction: (request) => started().callAction(request),
    callTrigger: (request) => started().callTrigger(request),
    stats: () => pool?.stats() ?? { children: 0, busy: 0, crashes: 0, queued: 0 },
    close: async () => {
      closed = true;
      await pool?.close();
    },
  };
}

/** Creates the studio's sandbox pool; its children start at once. */
export function createSandboxPool(settings: PluginSettings, log: Logger): SandboxPool {
  return new SandboxPool(sandboxOptions(settings, log));
}
