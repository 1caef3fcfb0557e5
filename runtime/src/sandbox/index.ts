/** The plugin sandbox: a pool of supervised child processes that run plugin code in isolates. */
export type * from './types.js';
export { SANDBOX_ERROR_CODES, sandboxError, type SandboxErrorCode } from './errors.js';
export { DEFAULT_CALL_LIMITS, DEFAULT_MAX_CALL_LIMITS, MIN_MEMORY_MB, resolveCallLimits } from './limits.js';
export { SANDBOX_DEFAULTS, SandboxPool, type SandboxOptions } from './pool.js';
