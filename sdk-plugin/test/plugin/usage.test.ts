/** How an action declares its credit cost and reports the units it used. */
import { describe, expect, it } from 'vitest';

import { validateManifest } from '../../src/manifest/index.js';
import { defineAction, definePlugin, p } from '../../src/plugin/index.js';
import { ActionFailedError, createTestContext, runAction } from '../../src/testing/index.js';

const complete = defineAction({
  name: 'complete',
  version: 1,
  displayName: 'Complete a prompt',
  description: 'Returns a completion and reports the tokens it used.',
  config: { tokens: p.json({}) },
  credits: { fixed: 1, perUnit: 0.002, unit: 'token', maxUnits: 4000 },
  run(ctx) {
    const tokens = ctx.config.tokens as unknown[];
    for (const units of tokens) ctx.reportUsage(units as number);
    return { text: 'done' };
  },
});

const plugin = definePlugin({
  name: 'llm',
  version: '1.0.0',
  runtime: '^0.1.0',
  displayName: 'LLM',
  description: 'Completions.',
  permissions: { hosts: [] },
  actions: [complete],
});

describe('action credits', () => {
  it('keeps maxUnits in the manifest', () => {
    expect(plugin.manifest.actions[0].credits).toEqual({ fixed: 1, perUnit: 0.002, unit: 'token', maxUnits: 4000 });
    expect(validateManifest(plugin.manifest).ok).toBe(true);
  });

  it('rejects maxUnits without perUnit', () => {
    const manifest = structuredClone(plugin.manifest);
    manifest.actions[0].credits = { fixed: 1, maxUnits: 10 };

    const result = validateManifest(manifest);

    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((problem) => problem.pointer)).toContain('/actions/0/credits/perUnit');
  });
});

describe('ctx.reportUsage', () => {
  it('adds up the reported units', async () => {
    const result = await runAction(plugin, 'complete@1', { config: { tokens: [120, 30.5, 0] } });

    expect(result.units).toBe(150.5);
    expect(result.outputs).toEqual({ out: { text: 'done' } });
  });

  it('leaves units undefined when nothing is reported', async () => {
    const result = await runAction(plugin, 'complete@1', { config: { tokens: [] } });

    expect(result.units).toBeUndefined();
  });

  it.each([[-1], [Number.NaN], [Number.POSITIVE_INFINITY], ['12']])('rejects %s', async (units) => {
    const call = runAction(plugin, 'complete@1', { config: { tokens: [units] } });

    await expect(call).rejects.toBeInstanceOf(ActionFailedError);
    await expect(call).rejects.toMatchObject({ code: 'PLUGIN_USAGE_INVALID', retryable: false });
  });

  it('records each call in a test context', () => {
    const { ctx, usage } = createTestContext();

    ctx.reportUsage(3);
    ctx.reportUsage(4);

    expect(usage).toEqual([3, 4]);
  });
});
