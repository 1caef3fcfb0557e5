import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

import { describe, expect, it } from 'vitest';

import { bundlePlugin, loadBundle } from '../../src/cli/bundle.js';
import { validateManifest } from '../../src/manifest/index.js';
import { BUNDLE_GLOBAL, OUTPUTS_MARKER } from '../../src/plugin/index.js';

const fixtureDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'echo');

/** Evaluates the bundle in a context without Node globals and calls its action there. */
async function callInContext(code: string, config: Record<string, unknown>, input: unknown): Promise<unknown> {
  const context = vm.createContext({});
  vm.runInContext(code, context);
  const call = vm.runInContext(
    `(config, input) => {
      const lines = [];
      const ctx = {
        config, input: { in: input }, credentials: {},
        log: { info: (message, data) => lines.push({ message, data }) },
      };
      return globalThis[${JSON.stringify(BUNDLE_GLOBAL)}].actions[0].run(ctx).then(
        (result) => JSON.stringify({ result, lines }),
        (error) => JSON.stringify({ error: { name: error.name, code: error.code, retryable: error.retryable, message: error.message } }),
      );
    }`,
    context,
  ) as (config: unknown, input: unknown) => Promise<string>;
  return JSON.parse(await call(config, input));
}

describe('plugin entry in a bare context', () => {
  it('bundles without Node imports', async () => {
    const code = await bundlePlugin(fixtureDir);

    expect(code).not.toMatch(/\brequire\(/);
    expect(code).not.toContain('node:');
    expect(code).not.toContain('ajv');
    expect(code.trimEnd().endsWith(`globalThis["${BUNDLE_GLOBAL}"] = src_default;\n})();`)).toBe(true);
  });

  it('bundle defines a valid manifest', async () => {
    const loaded = loadBundle(await bundlePlugin(fixtureDir));

    expect(loaded.problems).toEqual([]);
    expect(validateManifest(loaded.manifest).ok).toBe(true);
    expect(loaded.manifest.actions.map((action) => action.name)).toEqual(['echo']);
  });

  it('action runs without Node globals', async () => {
    const code = await bundlePlugin(fixtureDir);

    expect(await callInContext(code, {}, 'hi')).toEqual({
      result: '> hi',
      lines: [{ message: 'echoing', data: { length: 2 } }],
    });
    expect(await callInContext(code, { prefix: '#' }, '')).toEqual({
      result: { [OUTPUTS_MARKER]: { empty: null } },
      lines: [],
    });
    expect(await callInContext(code, { fail: true }, 'x')).toEqual({
      error: { name: 'PluginError', code: 'ECHO_FAILED', retryable: true, message: 'failing as configured' },
    });
  });
});
