import type { ActionLimits } from '@gestorlead/sdk-plugin/plugin';
import type { PluginSettings } from '../config.js';
import type { CallLimits } from '../sandbox/types.js';

/**
 * Returns the limits of one action call: what the action declares, or the operator's default
 * where it declares nothing, each capped by the operator's maximum.
 */
export function capLimits(declared: ActionLimits | undefined, settings: PluginSettings): CallLimits {
  return {
    memoryMb: Math.min(declared?.memoryMb ?? settings.memoryMb, settings.maxMemoryMb),
    cpuTimeMs: Math.min(declared?.cpuTimeMs ?? settings.cpuTimeMs, settings.maxCpuTimeMs),
    timeoutMs: Math.min(declared?.timeoutMs ?? settings.timeoutMs, settings.maxTimeoutMs),
  };
}
