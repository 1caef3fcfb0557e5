import { describe, expect, it } from 'vitest';
import { apiRequest, sessionToken } from './support/account';
import { openApp } from './support/app';
import { CHROMIUM_AVAILABLE, saveScreenshot } from './support/browser';
import { useSpecSession } from './support/spec-session';

/** Nodes of the graph: above the 300 from which the canvas renders only the nodes in view. */
const NODE_COUNT = 400;
const COLUMNS = 20;

/** Builds a chain of no-op nodes in rows of `COLUMNS`. */
function largeGraph() {
  const nodes = Array.from({ length: NODE_COUNT }, (_, index) => ({
    id: `n${index}`,
    type: 'core/noop@1',
    position: { x: (index % COLUMNS) * 260, y: Math.floor(index / COLUMNS) * 140 },
    config: {},
  }));
  const edges = nodes.slice(1).map((node, index) => ({ id: `e${index}`, source: `n${index}`, sourcePort: 'out', target: node.id, targetPort: 'in' }));
  return { name: 'Four hundred nodes', nodes, edges };
}

/** Returns how many pixels of the mini map's bitmap are painted. */
function paintedPixels(): number {
  const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="minimap"] canvas');
  const context = canvas?.getContext('2d');
  if (canvas == null || context == null) return -1;
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let index = 3; index < pixels.length; index += 4) if (pixels[index] > 0) painted += 1;
  return painted;
}

function viewportTransform(): string {
  return document.querySelector<HTMLElement>('.react-flow__viewport')?.style.transform ?? '';
}

describe.skipIf(!CHROMIUM_AVAILABLE)('canvas mini map', () => {
  const spec = useSpecSession(() => ({ CREDITS_ENABLED: 'false' }));

  it('draws a large graph and pans where pressed', async () => {
    const { page } = spec.browser;
    const { runtime } = spec;
    await openApp(page, runtime.url);
    const token = await sessionToken(page);
    const created = await apiRequest(runtime.url, token, 'POST', '/v1/graphs', largeGraph());
    expect(created.status, await created.clone().text()).toBe(201);
    const graphId = ((await created.json()) as { id: string }).id;

    await page.goto(`${runtime.url}/graphs/${graphId}`);
    const minimap = page.getByRole('img', { name: 'Mini map of the graph' });
    await minimap.waitFor();
    await page.locator('[data-testid="node-n0"]').waitFor();
    await expect.poll(() => page.evaluate(paintedPixels)).toBeGreaterThan(1000);

    const before = await page.evaluate(viewportTransform);
    const box = await minimap.boundingBox();
    expect(box).not.toBeNull();
    await page.mouse.click(box!.x + box!.width - 10, box!.y + box!.height - 10);
    await expect.poll(() => page.evaluate(viewportTransform)).not.toBe(before);
    // The bottom-right corner of the graph is now in view.
    await page.locator(`[data-testid="node-n${NODE_COUNT - 1}"]`).waitFor();

    await saveScreenshot(page, 'canvas-minimap');
  });
});
