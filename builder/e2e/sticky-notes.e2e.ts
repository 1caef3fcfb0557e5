import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { createGraph, dragFromPalette, openApp, waitForSaved } from './support/app';
import { CHROMIUM_AVAILABLE, saveScreenshot } from './support/browser';
import { useSpecSession } from './support/spec-session';

/** Returns the on-screen box of a note's React Flow wrapper. */
async function noteBox(page: Page, id: string) {
  const box = await page.locator(`.react-flow__node:has([data-testid="note-${id}"])`).boundingBox();
  if (box === null) throw new Error(`note ${id} is not on the screen`);
  return box;
}

/** Drags with the mouse from one point to another in steps. */
async function drag(page: Page, from: { x: number; y: number }, to: { x: number; y: number }): Promise<void> {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 10 });
  await page.mouse.up();
}

describe.skipIf(!CHROMIUM_AVAILABLE)('sticky notes', () => {
  const spec = useSpecSession();

  it('add, edit, colour, move, resize, delete, undo and keep', async () => {
    const { page } = spec.browser;
    await openApp(page, spec.runtime.url);
    await createGraph(page, 'Annotated');
    await dragFromPalette(page, 'core/noop@1', { x: 80, y: 420 });
    await page.waitForSelector('[data-testid="node-noop"]');

    await page.getByRole('button', { name: 'Add note' }).click();
    const note = page.locator('[data-testid="note-note"]');
    await note.waitFor();
    const text = note.getByRole('textbox', { name: 'Note text' });
    await text.click();
    await page.keyboard.type('Leads from the web form.\n- hot: call today');
    await note.getByRole('button', { name: 'Note colour: green' }).click();
    await expect.poll(() => note.getAttribute('data-color')).toBe('green');

    // Move the note by its top bar.
    const before = await noteBox(page, 'note');
    const bar = await note.locator('.sticky-note__bar').boundingBox();
    if (bar === null) throw new Error('the note has no top bar');
    await drag(page, { x: bar.x + bar.width - 40, y: bar.y + bar.height / 2 }, { x: bar.x + bar.width + 60, y: bar.y + bar.height / 2 - 120 });
    const moved = await noteBox(page, 'note');
    expect(moved.x - before.x).toBeGreaterThan(60);
    expect(before.y - moved.y).toBeGreaterThan(80);

    // Resize it by its bottom-right handle, shown while the note is selected.
    const handle = await page.locator('.react-flow__node:has([data-testid="note-note"]) .react-flow__resize-control.handle.bottom.right').boundingBox();
    if (handle === null) throw new Error('the selected note shows no resize handle');
    await drag(page, { x: handle.x + handle.width / 2, y: handle.y + handle.height / 2 }, { x: handle.x + 90, y: handle.y + 60 });
    const resized = await noteBox(page, 'note');
    expect(resized.width - moved.width).toBeGreaterThan(60);
    expect(resized.height - moved.height).toBeGreaterThan(40);

    // A second note, deleted, then brought back by undo and removed again by redo.
    await page.getByRole('button', { name: 'Add note' }).click();
    const second = page.locator('[data-testid="note-note-2"]');
    await second.waitFor();
    await second.getByRole('button', { name: 'Delete note' }).click();
    await second.waitFor({ state: 'detached' });
    // The removed note's button had the focus, so the shortcuts go to the page.
    await page.keyboard.press('Control+z');
    await second.waitFor();
    await page.keyboard.press('Control+Shift+z');
    await second.waitFor({ state: 'detached' });

    await waitForSaved(page);
    await saveScreenshot(page, 'sticky-notes');

    // The note is saved with the graph.
    await page.reload();
    await note.waitFor();
    expect(await note.getByRole('textbox', { name: 'Note text' }).inputValue()).toBe('Leads from the web form.\n- hot: call today');
    expect(await note.getAttribute('data-color')).toBe('green');
    const reloaded = await noteBox(page, 'note');
    expect(reloaded.width / reloaded.height).toBeCloseTo(resized.width / resized.height, 1);
    expect(await page.locator('[data-testid="note-note-2"]').count()).toBe(0);

    // Export writes it into the graph file, and a run ignores it.
    const downloadPromise = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export' }).click();
    const exported = JSON.parse(readFileSync(await (await downloadPromise).path(), 'utf8')) as {
      nodes: Array<{ id: string }>;
      notes: Array<{ id: string; text: string; color: string; size: { width: number; height: number } }>;
    };
    expect(exported.nodes.map((node) => node.id)).toEqual(['noop']);
    expect(exported.notes).toHaveLength(1);
    expect(exported.notes[0]).toMatchObject({ id: 'note', text: 'Leads from the web form.\n- hot: call today', color: 'green' });
    expect(exported.notes[0]?.size.width).toBeGreaterThan(220);

    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.locator('dialog[open]').getByRole('button', { name: 'Start run' }).click();
    await page.waitForSelector('[data-testid="run-bar"][data-run-status="succeeded"]');
    expect(await page.getAttribute('[data-testid="node-noop"]', 'data-status')).toBe('succeeded');
    expect(spec.browser.pageErrors).toEqual([]);
  });
});
