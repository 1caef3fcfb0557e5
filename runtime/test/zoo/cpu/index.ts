/** Plugins that burn CPU or never finish: the sandbox must stop each within its limits. */
import { defineAction, definePlugin } from '@gestorlead/sdk-plugin/plugin';

const syncLoop = defineAction({
  name: 'syncLoop',
  version: 1,
  displayName: 'Synchronous loop',
  description: 'Loops forever without yielding.',
  config: {},
  run() {
    for (;;) {
      // Spins until the sandbox stops the isolate.
    }
  },
});

const asyncLoop = defineAction({
  name: 'asyncLoop',
  version: 1,
  displayName: 'Asynchronous loop',
  description: 'Awaits in a loop forever, so only microtasks run.',
  config: {},
  async run() {
    for (;;) {
      await null;
    }
  },
});

const catastrophicRegex = defineAction({
  name: 'catastrophicRegex',
  version: 1,
  displayName: 'Catastrophic regex',
  description: 'Runs a regular expression with exponential backtracking.',
  config: {},
  run() {
    return /^(a+)+$/.test(`${'a'.repeat(40)}!`);
  },
});

const deepRecursion = defineAction({
  name: 'deepRecursion',
  version: 1,
  displayName: 'Deep recursion',
  description: 'Recurses until the stack overflows.',
  config: {},
  run() {
    const dive = (depth: number): number => dive(depth + 1) + 1;
    return dive(0);
  },
});

const neverResolves = defineAction({
  name: 'neverResolves',
  version: 1,
  displayName: 'Never resolves',
  description: 'Returns a promise that never settles.',
  config: {},
  run() {
    return new Promise(() => {
      // Never settles.
    });
  },
});

const spinAfterReturn = defineAction({
  name: 'spinAfterReturn',
  version: 1,
  displayName: 'Spin after return',
  description: 'Returns at once but leaves a microtask loop running in the isolate.',
  config: {},
  run() {
    void (async () => {
      for (;;) {
        await null;
      }
    })();
    return 'returned';
  },
});

const quick = defineAction({
  name: 'quick',
  version: 1,
  displayName: 'Quick',
  description: 'Returns at once, to check that the plugin still works after an attack.',
  config: {},
  run() {
    return 'quick';
  },
});

export default definePlugin({
  name: 'zoo-cpu',
  version: '1.0.0',
  runtime: '^0.1.0',
  displayName: 'Zoo: CPU',
  description: 'Hostile plugin: endless loops and runaway computations.',
  permissions: { hosts: [] },
  actions: [syncLoop, asyncLoop, catastrophicRegex, deepRecursion, neverResolves, spinAfterReturn, quick],
});
