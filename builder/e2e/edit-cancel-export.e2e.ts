import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { connectPorts, createGraph, openApp, selectNode, waitForSaved } from './support/app';
import { CHROMIUM_AVAILABLE, saveScreenshot } from './support/browser';
import { useSpecSession } from './support/spec-session';

describe.skipIf(!CHROMIUM_AVAILABLE)('edit, cancel and export', () => {
  const spec = useSpecSession();

  it('keyboard palette, undo, redo, copy and paste', async () => {
    const { page } = spec.browser;
    await openApp(page, spec.runtime.url);
    await createGraph(page, 'Slow lane');

    // The palette works from the keyboard: search, then Enter adds the highlighted type.
    await page.fill('input[aria-label="Search nodes"]', 'no operation');
    await page.press('input[aria-label="Search nodes"]', 'Enter');
    await page.fill('input[aria-label="Search nodes"]', 'delay');
    await page.press('input[aria-label="Search nodes"]', 'Enter');
    await page.waitForSelector('[data-testid="node-noop"]');
    await page.waitForSelector('[data-testid="node-delay"]');
    await page.getByRole('button', { name: 'Auto-layout' }).click();
    await connectPorts(page, ['noop', 'out'], ['delay', 'in']);
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(1);

    await page.locator('[data-testid="canvas"] .react-flow__pane').click({ position: { x: 20, y: 200 } });
    await page.keyboard.press('Control+z');
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(0);
    await page.keyboard.press('Control+Shift+z');
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(1);

    await selectNode(page, 'noop');
    await page.keyboard.press('Control+c');
    await page.keyboard.press('Control+v');
    await page.waitForSelector('[data-testid="node-noop-2"]');
    await page.keyboard.press('Delete');
    await expect.poll(() => page.locator('[data-testid="node-noop-2"]').count()).toBe(0);
    await page.getByRole('button', { name: 'Undo' }).click();
    await page.waitForSelector('[data-testid="node-noop-2"]');
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => page.locator('.react-flow__node').count()).toBe(2);
  });

  it('cancels a slow run', async () => {
    const { page } = spec.browser;
    await selectNode(page, 'delay');
    await page.locator('#root_ms').fill('60000');
    await waitForSaved(page);

    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.locator('dialog[open]').getByRole('button', { name: 'Start run' }).click();
    await page.waitForSelector('[data-testid="node-delay"][data-status="running"]');
    expect(await page.getAttribute('[data-testid="node-noop"]', 'data-status')).toBe('succeeded');

    await page.getByRole('button', { name: 'Cancel run' }).click();
    await page.waitForSelector('[data-testid="run-bar"][data-run-status="cancelled"]');
    await page.waitForSelector('[data-testid="node-delay"][data-status="cancelled"]');
    await saveScreenshot(page, 'cancel-run');
  });

  it('exports and re-imports the graph', async () => {
    const { page } = spec.browser;
    await page.getByRole('button', { name: 'Close run view' }).click();
    const downloadPromise = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export' }).click();
    const download = await downloadPromise;
    expect(download.suggestedFilename()).toBe('Slow-lane.json');
    const file = await download.path();
    const exportedFrom = page.url();
    const exported = JSON.parse(readFileSync(file, 'utf8')) as { format: string; nodes: Array<{ id: string; config?: unknown }>; edges: unknown[] };
    expect(exported.format).toBe('gestorlead.graph/v1');
    expect(exported.nodes.map((node) => node.id)).toEqual(['noop', 'delay']);
    expect(exported.nodes[1].config).toEqual({ ms: 60000 });
    expect(exported.edges).toHaveLength(1);

    await page.goto(new URL('/graphs', spec.runtime.url).toString());
    await page.waitForSelector('main.list');
    await page.setInputFiles('[data-testid="import-file"]', file);
    await page.waitForSelector('[data-testid="node-delay"]');
    expect(page.url()).toMatch(/\/graphs\/graph_[A-Za-z0-9_-]+$/);
    expect(page.url()).not.toBe(exportedFrom);
    expect(await page.locator('.react-flow__node').count()).toBe(2);
    expect(await page.locator('.react-flow__edge').count()).toBe(1);

    await page.goto(new URL('/graphs', spec.runtime.url).toString());
    await page.waitForSelector('main.list');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(2);

    // The language switch translates the app at once and remembers the choice.
    await page.selectOption('select[aria-label="Language"]', 'pt-BR');
    await page.getByRole('button', { name: 'Novo grafo' }).waitFor();
    await page.reload();
    await page.getByRole('button', { name: 'Novo grafo' }).waitFor();
    await saveScreenshot(page, 'graph-list-pt-br');
    expect(spec.browser.pageErrors).toEqual([]);
  });
});
