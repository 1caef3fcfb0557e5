import { describe, expect, it } from 'vitest';
import { connectPorts, createGraph, dragFromPalette, openApp, selectNode, waitForSaved } from './support/app';
import { CHROMIUM_AVAILABLE, saveScreenshot } from './support/browser';
import { useSpecSession } from './support/spec-session';

describe.skipIf(!CHROMIUM_AVAILABLE)('build and run a graph', () => {
  const spec = useSpecSession();

  it('drag, connect, fix, run and inspect', async () => {
    const { page } = spec.browser;
    await openApp(page, spec.runtime.url);
    await createGraph(page, 'Greeting');

    await dragFromPalette(page, 'core/noop@1', { x: 60, y: 220 });
    await dragFromPalette(page, 'core/delay@1', { x: 360, y: 220 });
    await page.waitForSelector('[data-testid="node-noop"]');
    await page.waitForSelector('[data-testid="node-delay"]');

    // The new delay node lacks its required "ms" setting: the canvas marks it.
    await expect.poll(() => page.getAttribute('[data-testid="node-delay"]', 'data-problems')).toBe('1');
    expect(await page.getAttribute('[data-testid="node-noop"]', 'data-problems')).toBe('0');

    await connectPorts(page, ['noop', 'out'], ['delay', 'in']);
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(1);

    // An edge back from delay to noop would close a cycle, so it is refused with the reason.
    await connectPorts(page, ['delay', 'out'], ['noop', 'in']);
    await page.getByText('Connection refused: the edge would close a cycle').first().waitFor();
    expect(await page.locator('.react-flow__edge').count()).toBe(1);

    // Run is blocked and lists the problem the spec.runtime would reject.
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const blocked = page.locator('[data-testid="run-blocked"]');
    await blocked.waitFor();
    expect(await blocked.textContent()).toContain('/nodes/1/config/ms');
    expect(await blocked.textContent()).toContain('is required');
    await page.locator('dialog[open]').getByRole('button', { name: 'Close' }).click();

    await selectNode(page, 'delay');
    const settings = page.locator('[data-testid="node-settings"]');
    await settings.locator('.config-form').getByText('is required').waitFor();
    await settings.locator('#root_ms').fill('300');
    await expect.poll(() => page.getAttribute('[data-testid="node-delay"]', 'data-problems')).toBe('0');
    await waitForSaved(page);

    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.locator('dialog[open] textarea[name="runInput"]').fill('{ "greeting": "olá" }');
    await page.locator('dialog[open]').getByRole('button', { name: 'Start run' }).click();

    await page.waitForSelector('[data-testid="node-noop"][data-status="succeeded"]');
    await page.waitForSelector('[data-testid="node-delay"][data-status="succeeded"]');
    await page.waitForSelector('[data-testid="run-bar"][data-run-status="succeeded"]');

    await selectNode(page, 'delay');
    const output = page.locator('[data-testid="task-output"]');
    await output.waitFor();
    expect(JSON.parse((await output.textContent()) ?? 'null')).toEqual({ out: { greeting: 'olá' } });
    expect(JSON.parse((await page.locator('[data-testid="task-input"]').textContent()) ?? 'null')).toEqual({ in: { greeting: 'olá' } });
    expect(await page.locator('[data-testid="task-duration"]').textContent()).toMatch(/^\d+(\.\d)? (ms|s)$/);
    await saveScreenshot(page, 'build-and-run');

    // The saved graph survives a reload.
    await page.reload();
    await page.waitForSelector('[data-testid="node-delay"]');
    expect(await page.locator('.react-flow__node').count()).toBe(2);
    expect(await page.locator('.react-flow__edge').count()).toBe(1);
    await selectNode(page, 'delay');
    expect(await page.inputValue('#root_ms')).toBe('300');
    expect(spec.browser.pageErrors).toEqual([]);
  });
});
