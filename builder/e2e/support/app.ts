/** Steps of the builder that several specs share, written against what the page shows a user. */
import type { Page } from 'playwright-core';

/** Credentials of the first account, used when the studio under test has accounts. */
export const FIRST_USER = { fullName: 'Ana Souza', email: 'ana@example.com', password: 'correct-horse-battery' };

/**
 * Opens the app at `path` and passes the first-run setup or sign-in when the studio has
 * accounts, then waits for `ready`. By default it opens the graph list; `/` opens the dashboard.
 */
export async function openApp(page: Page, baseUrl: string, path = '/graphs', ready = 'main.list'): Promise<void> {
  await page.goto(new URL(path, baseUrl).toString());
  const first = await Promise.race([
    page.waitForSelector(ready, { timeout: 30_000 }).then(() => 'ready' as const),
    page.waitForSelector('form.auth__form', { timeout: 30_000 }).then(() => 'auth' as const),
  ]);
  if (first === 'ready') return;
  const fullName = page.locator('input[name="fullName"]');
  if ((await fullName.count()) > 0) await fullName.fill(FIRST_USER.fullName);
  await page.fill('input[name="email"]', FIRST_USER.email);
  await page.fill('input[name="password"]', FIRST_USER.password);
  await page.click('form.auth__form button[type="submit"]');
  await page.waitForSelector(ready);
}

/** Creates a graph from the list screen and waits for its editor. */
export async function createGraph(page: Page, name: string): Promise<string> {
  await page.getByRole('button', { name: 'New graph' }).click();
  const dialog = page.locator('dialog[open]');
  await dialog.locator('input').fill(name);
  await dialog.getByRole('button', { name: 'Create' }).click();
  await page.waitForSelector('[data-testid="canvas"] .react-flow__pane');
  return page.url().split('/graphs/')[1] ?? '';
}

/** Drags a node type from the palette and drops it at a point of the canvas. */
export async function dragFromPalette(page: Page, type: string, at: { x: number; y: number }): Promise<void> {
  await page.dragAndDrop(`[data-node-type="${type}"]`, '[data-testid="canvas"] .react-flow__pane', { targetPosition: at });
}

function handle(nodeId: string, port: string, side: 'source' | 'target'): string {
  return `.react-flow__handle.${side}[data-nodeid="${nodeId}"][data-handleid="${port}"]`;
}

/** Returns the boxes of two ports once they stay put for 100 ms (after a layout or zoom animation). */
async function settledBoxes(page: Page, sourceSelector: string, targetSelector: string) {
  let previous = '';
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const boxes = [await page.locator(sourceSelector).boundingBox(), await page.locator(targetSelector).boundingBox()];
    const current = JSON.stringify(boxes);
    if (current === previous && boxes[0] !== null && boxes[1] !== null) return { source: boxes[0], target: boxes[1] };
    previous = current;
    await page.waitForTimeout(100);
  }
  throw new Error(`ports did not settle: ${sourceSelector} or ${targetSelector}`);
}

/** Drags with the mouse from an output port to an input port. */
export async function connectPorts(page: Page, from: [string, string], to: [string, string]): Promise<void> {
  const { source, target } = await settledBoxes(page, handle(from[0], from[1], 'source'), handle(to[0], to[1], 'target'));
  await page.mouse.move(source.x + source.width / 2, source.y + source.height / 2);
  await page.mouse.down();
  await page.mouse.move(target.x + target.width / 2, target.y + target.height / 2, { steps: 8 });
  await page.mouse.up();
}

/** Clicks a node's title, which selects it and opens its settings. */
export async function selectNode(page: Page, nodeId: string): Promise<void> {
  await page.locator(`[data-testid="node-${nodeId}"] .graph-node__title`).click();
}

/** Waits until autosave reports that the server has the latest draft. */
export async function waitForSaved(page: Page): Promise<void> {
  await page.waitForSelector('[data-testid="save-status"][data-status="saved"]');
}

/** Returns a node's run status as the canvas shows it. */
export function nodeStatus(page: Page, nodeId: string) {
  return page.locator(`[data-testid="node-${nodeId}"]`);
}
