/**
 * A plugin that pollutes every shared built-in it can reach, and an action that looks for the
 * pollution. Each call runs in a fresh context, so the second call must see none of it.
 */
import { defineAction, definePlugin } from '@gestorlead/sdk-plugin/plugin';

const pollute = defineAction({
  name: 'pollute',
  version: 1,
  displayName: 'Pollute',
  description: 'Changes Object.prototype, Array.prototype, JSON and the global object.',
  config: {},
  run() {
    const prototype = Object.prototype as Record<string, unknown>;
    prototype.polluted = 1;
    (Array.prototype as unknown as Record<string, unknown>).polluted = 1;
    (Array.prototype as unknown as Record<string, unknown>).map = function poisonedMap() {
      return ['poisoned'];
    };
    JSON.stringify = () => '"poisoned"';
    (globalThis as Record<string, unknown>).leftBehind = 'from the first call';
    return 'polluted';
  },
});

const inspect = defineAction({
  name: 'inspect',
  version: 1,
  displayName: 'Inspect',
  description: 'Reports any pollution a previous call left.',
  config: {},
  run() {
    const probe = {} as Record<string, unknown>;
    return {
      objectPrototype: probe.polluted ?? null,
      arrayPrototype: ([] as unknown as Record<string, unknown>).polluted ?? null,
      mapped: [1, 2].map((value) => value * 2),
      json: JSON.stringify({ a: 1 }),
      global: (globalThis as Record<string, unknown>).leftBehind ?? null,
    };
  },
});

export default definePlugin({
  name: 'zoo-pollution',
  version: '1.0.0',
  runtime: '^0.1.0',
  displayName: 'Zoo: pollution',
  description: 'Hostile plugin: prototype pollution.',
  permissions: { hosts: [] },
  actions: [pollute, inspect],
});
