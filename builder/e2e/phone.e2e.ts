import { beforeAll, describe, expect, it } from 'vitest';
import { apiRequest, sessionToken } from './support/account';
import { openApp } from './support/app';
import { CHROMIUM_AVAILABLE, saveScreenshot } from './support/browser';
import { useSpecSession } from './support/spec-session';
import { mediaPlugin } from './support/run-fixtures';

/** Returns how many pixels the page is wider than the viewport. */
function horizontalOverflow(): number {
  return document.documentElement.scrollWidth - document.documentElement.clientWidth;
}

describe.skipIf(!CHROMIUM_AVAILABLE)('run view on a phone', () => {
  const spec = useSpecSession(() => ({ CREDITS_ENABLED: 'false' }));

  beforeAll(async () => {
    await spec.browser.page.setViewportSize({ width: 390, height: 844 });
  });

  it('opens a finished run at 390 px', async () => {
    const { page } = spec.browser;
    await openApp(page, spec.runtime.url);
    const token = await sessionToken(page);
    expect((await apiRequest(spec.runtime.url, token, 'POST', '/v1/plugins', mediaPlugin())).status).toBe(201);
    const document = {
      name: 'Media on a long-named graph for phones',
      nodes: [
        { id: 'render', type: 'media/render@1', position: { x: 0, y: 0 }, config: {} },
        { id: 'wait', type: 'core/delay@1', position: { x: 300, y: 0 }, config: { ms: 10 } },
      ],
      edges: [{ id: 'e1', source: 'render', sourcePort: 'out', target: 'wait', targetPort: 'in' }],
    };
    const created = await apiRequest(spec.runtime.url, token, 'POST', '/v1/graphs', document);
    expect(created.status, await created.clone().text()).toBe(201);
    const graphId = ((await created.json()) as { id: string }).id;
    const started = await apiRequest(spec.runtime.url, token, 'POST', `/v1/graphs/${graphId}/runs`, { input: null });
    const { runId } = (await started.json()) as { runId: string };
    await expect
      .poll(async () => ((await (await apiRequest(spec.runtime.url, token, 'GET', `/v1/runs/${runId}`)).json()) as { status: string }).status, { timeout: 30_000 })
      .toBe('succeeded');

    await page.goto(`${spec.runtime.url}/graphs/${graphId}?run=${runId}`);
    const list = page.getByRole('navigation', { name: 'Nodes of the run' });
    await list.waitFor();
    await expect.poll(() => list.getByText('succeeded').count()).toBe(2);
    expect(await page.evaluate(horizontalOverflow)).toBe(0);

    await list.getByRole('button', { name: /Render media/ }).click();
    const inspector = page.getByTestId('task-inspector');
    await inspector.waitFor();
    await inspector.getByRole('img', { name: 'a red square' }).waitFor();
    await inspector.getByTestId('task-output').waitFor();
    expect(await page.evaluate(horizontalOverflow)).toBe(0);
    const box = await inspector.boundingBox();
    expect(box).not.toBeNull();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    await page.getByRole('heading', { name: 'Artifacts' }).scrollIntoViewIfNeeded();
    await saveScreenshot(page, 'phone-run-view');
  });
});
