/** Plugins that try to exhaust memory: each must end with PLUGIN_MEMORY_LIMIT. */
import { defineAction, definePlugin } from '@gestorlead/sdk-plugin/plugin';

const arrayGrowth = defineAction({
  name: 'arrayGrowth',
  version: 1,
  displayName: 'Array growth',
  description: 'Pushes objects into an array forever.',
  config: {},
  run() {
    const items: object[] = [];
    for (;;) {
      items.push({ index: items.length, text: `item ${items.length}` });
    }
  },
});

const mapGrowth = defineAction({
  name: 'mapGrowth',
  version: 1,
  displayName: 'Map growth',
  description: 'Adds entries to a Map forever; its rehash needs one huge allocation.',
  config: {},
  run() {
    const entries = new Map<number, number>();
    for (let index = 0; ; index += 1) {
      entries.set(index, index);
    }
  },
});

const stringDoubling = defineAction({
  name: 'stringDoubling',
  version: 1,
  displayName: 'String doubling',
  description: 'Doubles a string and flattens it each time, so every copy is real memory.',
  config: {},
  run() {
    let text = 'xy';
    for (;;) {
      text = text + text;
      // Reading a character flattens the rope, which allocates the whole string.
      if (text.charCodeAt(text.length - 1) === 0) {
        return text.length;
      }
    }
  },
});

const arrayBuffers = defineAction({
  name: 'arrayBuffers',
  version: 1,
  displayName: 'ArrayBuffers',
  description: 'Allocates 1 MB ArrayBuffers forever, outside the JavaScript heap.',
  config: {},
  run() {
    const buffers: Uint8Array[] = [];
    for (;;) {
      buffers.push(new Uint8Array(1024 * 1024).fill(1));
    }
  },
});

const hugeArrayFill = defineAction({
  name: 'hugeArrayFill',
  version: 1,
  displayName: 'Huge array fill',
  description: 'Fills an array of 500 million doubles: one allocation of 4 GB.',
  config: {},
  run() {
    return new Array(5e8).fill(1.5).length;
  },
});

const wasmMemory = defineAction({
  name: 'wasmMemory',
  version: 1,
  displayName: 'WebAssembly memory',
  description: 'Grows WebAssembly memory, which the isolate memory limit would not count.',
  config: {},
  run() {
    const wasm = (globalThis as Record<string, any>).WebAssembly;
    const memory = new wasm.Memory({ initial: 1, maximum: 65536 });
    for (;;) {
      memory.grow(1024);
    }
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
  name: 'zoo-memory',
  version: '1.0.0',
  runtime: '^0.1.0',
  displayName: 'Zoo: memory',
  description: 'Hostile plugin: memory bombs.',
  permissions: { hosts: [] },
  actions: [arrayGrowth, mapGrowth, stringDoubling, arrayBuffers, hugeArrayFill, wasmMemory, quick],
});
