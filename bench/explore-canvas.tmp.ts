import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { openApp, FIRST_USER } from '../builder/e2e/support/app.js';
import { createDataDir } from './lib/data-dir.js';
import { startStudioProcess } from './lib/processes.js';
import { percentile } from './lib/stats.js';

const COUNT = Number(process.env.N ?? '1000');
const COLUMNS = 50;
const VARIANTS: Record<string, string> = JSON.parse(process.env.VARIANTS ?? '{"none":""}');
const MODE = process.env.MODE ?? 'drag';

function makeGraph(count: number) {
  const nodes: any[] = [{ id: 'hold', type: 'core/delay@1', position: { x: -300, y: 0 }, config: { ms: 3_600_000 } }];
  const edges: any[] = [];
  for (let index = 0; index < count - 1; index += 1) {
    const row = Math.floor(index / COLUMNS);
    const column = index % COLUMNS;
    const id = `n${index}`;
    nodes.push({ id, type: 'core/noop@1', position: { x: column * 260, y: row * 140 }, config: {} });
    const source = column === 0 ? 'hold' : `n${index - 1}`;
    edges.push({ id: `e${index}`, source, sourcePort: 'out', target: id, targetPort: 'in' });
  }
  return { name: `Canvas explore ${count}`, nodes, edges };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function traced(page: Page, during: () => Promise<void>) {
  const cdp = await page.context().newCDPSession(page);
  const events: any[] = [];
  cdp.on('Tracing.dataCollected', ({ value }) => events.push(...value));
  await cdp.send('Tracing.start', { traceConfig: { includedCategories: ['devtools.timeline'] }, transferMode: 'ReportEvents' });
  await page.evaluate(`(() => { const d = []; window.__d = d; let last = performance.now(); const tick = (now) => { if (window.__d !== d) return; d.push(now - last); last = now; requestAnimationFrame(tick); }; requestAnimationFrame(tick); })()`);
  await during();
  const deltas = (await page.evaluate(`(() => { const d = window.__d; window.__d = null; return d.slice(1); })()`)) as number[];
  const done = new Promise<void>((r) => cdp.once('Tracing.tracingComplete', () => r()));
  await cdp.send('Tracing.end');
  await done;
  await cdp.detach();
  const sums: Record<string, number> = {};
  const main = new Set(events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  for (const e of events) if (e.ph === 'X' && main.has(`${e.pid}:${e.tid}`) && ['Layerize', 'Paint', 'Layout', 'PrePaint', 'UpdateLayoutTree', 'FunctionCall', 'HitTest', 'Commit'].includes(e.name)) sums[e.name] = (sums[e.name] ?? 0) + e.dur / 1000;
  return { frames: deltas.length, p50: percentile(deltas, 50), p95: percentile(deltas, 95), sums };
}

const dataDir = createDataDir('explore');
const studio = await startStudioProcess({ DATA_DIR: dataDir.path, BUILDER_DIR: process.env.BUILDER!, SANDBOX_POOL_SIZE: '1', API_BODY_LIMIT_BYTES: String(16 << 20) }, 120_000);
const context = await chromium.launchPersistentContext(mkdtempSync(path.join(os.tmpdir(), 'explore-')), { executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'], viewport: { width: 1280, height: 800 }, locale: 'en-US' });
try {
  const page = context.pages()[0] ?? (await context.newPage());
  await openApp(page, studio.url);
  const login = await (await fetch(`${studio.url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: FIRST_USER.email, password: FIRST_USER.password }) })).json() as any;
  const created = await (await fetch(`${studio.url}/v1/graphs`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${login.accessToken}` }, body: JSON.stringify(makeGraph(COUNT)) })).json() as any;
  const t0 = Date.now();
  await page.goto(`${studio.url}/graphs/${created.id}`);
  const dragged = `n${Math.floor((COUNT - 1) / COLUMNS / 2) * COLUMNS + COLUMNS / 2}`;
  await page.waitForSelector(`[data-testid="node-${dragged}"]`, { timeout: 120_000 });
  console.log(`open ${Date.now() - t0} ms; nodes in DOM ${await page.locator('.react-flow__node').count()}, edges ${await page.locator('.react-flow__edge').count()}`);
  await sleep(1000);
  for (const [name, css] of Object.entries(VARIANTS)) {
    await page.evaluate((text) => { let s = document.getElementById('exp'); if (!s) { s = document.createElement('style'); s.id = 'exp'; document.head.append(s); } s.textContent = text; }, css);
    await sleep(500);
    const box = await page.locator(`[data-testid="node-${dragged}"] .graph-node__title`).boundingBox();
    let x = box!.x + box!.width / 2; let y = box!.y + box!.height / 2;
    await page.mouse.move(x, y); await page.mouse.down(); x += 4; await page.mouse.move(x, y); await sleep(200);
    let steps = 0;
    const r = await traced(page, async () => {
      const end = Date.now() + 3000;
      while (Date.now() < end) { steps++; x += steps % 40 < 20 ? 3 : -3; y += steps % 20 < 10 ? 1 : -1; await Promise.all([page.mouse.move(x, y), sleep(16)]); }
    });
    await page.mouse.up(); await sleep(300);
    console.log(`${name.padEnd(20)} steps ${steps} frames ${r.frames} p50 ${r.p50.toFixed(1)} p95 ${r.p95.toFixed(1)} ` + Object.entries(r.sums).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(' '));
  }
} finally {
  await context.close(); await studio.stop(); dataDir.remove();
}
