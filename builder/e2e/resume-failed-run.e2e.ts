import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPorts, createGraph, dragFromPalette, openApp, selectNode, waitForSaved } from './support/app';
import { CHROMIUM_AVAILABLE, saveScreenshot } from './support/browser';
import { useSpecSession } from './support/spec-session';

/** A local API that replies 503 until `healthy` is set, then 200 with JSON. */
interface FlakyServer {
  url: string;
  healthy: boolean;
  requests: number;
  close(): Promise<void>;
}

async function startFlakyServer(): Promise<FlakyServer> {
  const state = { healthy: false, requests: 0 };
  const server: Server = createServer((request, response) => {
    state.requests += 1;
    request.resume();
    if (!state.healthy) {
      response.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'down for maintenance' }));
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ order: 42, state: 'paid' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/orders/42`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

describe.skipIf(!CHROMIUM_AVAILABLE)('resume a failed run', () => {
  let api: FlakyServer;

  beforeAll(async () => {
    api = await startFlakyServer();
  });

  afterAll(async () => {
    await api?.close();
  });

  const spec = useSpecSession(() => ({ HTTP_ALLOW_PRIVATE: new URL(api.url).host }));

  it('fails on the HTTP node, then resumes from it', async () => {
    const { page } = spec.browser;
    await openApp(page, spec.runtime.url);
    await createGraph(page, 'Order status');

    await dragFromPalette(page, 'core/noop@1', { x: 60, y: 220 });
    await dragFromPalette(page, 'core/http@1', { x: 380, y: 220 });
    await page.waitForSelector('[data-testid="node-http"]');
    await connectPorts(page, ['noop', 'out'], ['http', 'in']);
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(1);

    await selectNode(page, 'http');
    await page.locator('[data-testid="node-settings"] #root_url').fill(api.url);
    await expect.poll(() => page.getAttribute('[data-testid="node-http"]', 'data-problems')).toBe('0');
    await waitForSaved(page);

    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.locator('dialog[open]').getByRole('button', { name: 'Start run' }).click();

    // The API is down: the HTTP node fails and the run stops there.
    await page.waitForSelector('[data-testid="node-http"][data-status="failed"]');
    await page.waitForSelector('[data-testid="run-bar"][data-run-status="failed"]');
    expect(await page.getAttribute('[data-testid="node-noop"]', 'data-status')).toBe('succeeded');
    expect(api.requests).toBe(1);
    await selectNode(page, 'http');
    await page.locator('[data-testid="task-error"]').waitFor();
    expect(await page.locator('[data-testid="task-error"]').textContent()).toContain('CORE_HTTP_STATUS');
    await saveScreenshot(page, 'resume-failed-run-failed');

    api.healthy = true;
    await page.getByRole('button', { name: 'Resume from failed nodes' }).click();

    await page.waitForSelector('[data-testid="run-bar"][data-run-status="succeeded"]');
    await page.waitForSelector('[data-testid="node-http"][data-status="succeeded"]');
    expect(await page.getAttribute('[data-testid="node-noop"]', 'data-status')).toBe('succeeded');
    // Only the failed node ran again: one request failed, one succeeded.
    expect(api.requests).toBe(2);

    const output = page.locator('[data-testid="task-output"]');
    await expect.poll(async () => (await output.count()) > 0 && (await output.textContent())?.includes('"paid"')).toBe(true);
    const shown = JSON.parse((await output.textContent()) ?? 'null') as { out?: { status?: number; body?: unknown } };
    expect(shown.out?.status).toBe(200);
    expect(shown.out?.body).toEqual({ order: 42, state: 'paid' });
    await saveScreenshot(page, 'resume-failed-run');
    expect(spec.browser.pageErrors).toEqual([]);
  });
});
