/**
 * Frame times of the builder's canvas in headless Chromium, with a production build of the
 * builder served by a real studio on 127.0.0.1. For graphs of 500, 1,000 and 5,000 nodes it
 * records `requestAnimationFrame` deltas while the page is idle (the baseline), while one node is
 * dragged, and while 200 node-status events per second arrive on the run's WebSocket. It also
 * counts the node components that render per drag step and per status batch.
 *
 * The studio runs inside this process, which publishes the status events on the studio's event bus
 * for the run that the page started. They travel the path of the executor's own events: the
 * studio's WebSocket route, the page's `RunStream`, the run watcher and the canvas. That run's first
 * node is a one-hour `core/delay`, so the executor itself stays idle during the measurement.
 * `BENCH_CANVAS_EVENT_SOURCE=playwright` adds the events in the page instead, with Playwright's
 * `routeWebSocket`, as earlier versions of this benchmark did.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { GraphDocument, GraphEdge, GraphNode } from '@gestorlead/sdk-plugin';
import { chromium, type CDPSession, type Page, type WebSocketRoute } from 'playwright-core';
import { build } from 'vite';
import { openApp, FIRST_USER } from '../builder/e2e/support/app.js';
import { createDataDir } from './lib/data-dir.js';
import { startInProcessStudio, type InProcessStudio } from './lib/in-process-studio.js';
import { REPO_ROOT } from './lib/processes.js';
import { runBenchmark, type AimCheck, type BenchmarkOutput, type TableRow } from './lib/report.js';
import { formatNumber, percentile } from './lib/stats.js';

const NODE_COUNTS = (process.env.BENCH_CANVAS_NODES ?? '500,1000,5000').split(',').map(Number);
/** Length of each measured phase, in milliseconds. */
const PHASE_MS = Number(process.env.BENCH_CANVAS_PHASE_MS ?? '4000');
const STATUS_EVENTS_PER_SECOND = 200;
/** Mouse steps of the drag phase, one every `DRAG_STEP_MS`. */
const DRAG_STEP_MS = 16;
const COLUMNS = 50;
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/**
 * p95 aims in display frames per graph size: one frame meets the 16.7 ms aim at 500 nodes and two
 * the 33 ms aim at 1,000. `requestAnimationFrame` deltas are whole multiples of the display
 * interval, so a delta of 16.72 ms is one frame, not a miss of a 16.7 ms limit.
 */
const AIM_FRAMES: Record<number, number> = { 500: 1, 1000: 2 };
/** The display interval of headless Chromium, which paces animation frames at 60 Hz. */
const DISPLAY_INTERVAL_MS = 1000 / 60;
/** Timer jitter allowed above a whole number of display intervals, in milliseconds. */
const FRAME_TOLERANCE_MS = 0.5;
/**
 * Source of the status events. `bus` publishes them on the studio's event bus. `playwright`
 * adds them to the page's WebSocket with `routeWebSocket`, which runs a mock socket in the page
 * and so spends the page's main thread on every message.
 */
const EVENT_SOURCE = process.env.BENCH_CANVAS_EVENT_SOURCE ?? 'bus';
if (EVENT_SOURCE !== 'bus' && EVENT_SOURCE !== 'playwright') {
  throw new Error(`BENCH_CANVAS_EVENT_SOURCE must be "bus" or "playwright", got "${EVENT_SOURCE}"`);
}
/**
 * Folder for a Chromium CPU profile and trace of each measured phase and of the opening
 * (`<nodes>-<phase>.cpuprofile`, `<nodes>-<phase>.trace.json`); unset records none.
 */
const PROFILE_DIR = process.env.BENCH_CANVAS_PROFILE_DIR;
/** Sampling interval of those profiles, in microseconds. */
const PROFILE_SAMPLING_US = 200;

interface FrameStats {
  frames: number;
  p50: number;
  p95: number;
  max: number;
}

/** A run WebSocket of the page, routed through Playwright, and the run it subscribed to. */
interface RunSocket {
  socket: WebSocketRoute;
  runId: string | null;
}

/** Sends one node-status event of a run to the page. */
type StatusEventSender = (runId: string, nodeId: string, type: 'task.started' | 'task.completed') => void;

interface SizeResult {
  nodes: number;
  openMs: number;
  idle: FrameStats;
  drag: FrameStats;
  status: FrameStats;
  dragSteps: number;
  /** Node component renders during the drag, summed over all nodes, per drag step. */
  rendersPerDragStep: number;
  /** Distinct nodes that rendered during the drag. */
  nodesRenderedInDrag: number;
  statusEvents: number;
  /** Node component renders per status event. */
  rendersPerStatusEvent: number;
}

/** Builds a graph of `count` nodes: a one-hour delay, then rows of `COLUMNS` chained no-op nodes. */
function makeGraph(count: number): GraphDocument {
  const nodes: GraphNode[] = [{ id: 'hold', type: 'core/delay@1', position: { x: -300, y: 0 }, config: { ms: 3_600_000 } }];
  const edges: GraphEdge[] = [];
  for (let index = 0; index < count - 1; index += 1) {
    const row = Math.floor(index / COLUMNS);
    const column = index % COLUMNS;
    const id = `n${index}`;
    nodes.push({ id, type: 'core/noop@1', position: { x: column * 260, y: row * 140 }, config: {} });
    const source = column === 0 ? 'hold' : `n${index - 1}`;
    edges.push({ id: `e${index}`, source, sourcePort: 'out', target: id, targetPort: 'in' });
  }
  return { name: `Canvas bench ${count}`, nodes, edges };
}

async function api<T>(studio: { url: string }, token: string | null, method: string, route: string, body?: unknown): Promise<T> {
  const response = await fetch(`${studio.url}${route}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${route} failed with ${response.status}: ${text.slice(0, 500)}`);
  return (text === '' ? null : JSON.parse(text)) as T;
}

/** Builds the builder for production into a temporary folder. */
async function buildBuilder(): Promise<string> {
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'gestorlead-bench-builder-'));
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ root: path.join(REPO_ROOT, 'builder'), mode: 'production', logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  return outDir;
}

/** Page script: records rAF deltas and exposes the render counter read by the node components. */
const PAGE_PROBE = `
  window.__gestorleadRenderCounts = {};
  window.__benchFrames = null;
  window.__benchStartFrames = () => {
    const deltas = [];
    window.__benchFrames = deltas;
    let last = performance.now();
    const tick = (now) => {
      if (window.__benchFrames !== deltas) return;
      deltas.push(now - last);
      last = now;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  };
  window.__benchStopFrames = () => {
    const deltas = window.__benchFrames ?? [];
    window.__benchFrames = null;
    return deltas;
  };
`;

function frameStats(deltas: number[]): FrameStats {
  // The first delta spans the time before the loop started.
  const values = deltas.slice(1);
  return { frames: values.length, p50: percentile(values, 50), p95: percentile(values, 95), max: Math.max(...values) };
}

/** A CPU profile and a trace of the page in progress, recorded through the Chrome DevTools Protocol. */
interface Recording {
  cdp: CDPSession;
  traceEvents: unknown[];
}

/**
 * Starts a CPU profile and a `devtools.timeline` trace of the page when `BENCH_CANVAS_PROFILE_DIR`
 * is set, and returns null otherwise. The trace shows the style, layout and paint time that a CPU
 * profile reports only as `(program)`.
 */
async function startRecording(page: Page): Promise<Recording | null> {
  if (PROFILE_DIR === undefined) return null;
  const cdp = await page.context().newCDPSession(page);
  const recording: Recording = { cdp, traceEvents: [] };
  cdp.on('Tracing.dataCollected', ({ value }) => recording.traceEvents.push(...value));
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: PROFILE_SAMPLING_US });
  await cdp.send('Tracing.start', { traceConfig: { includedCategories: ['toplevel', 'devtools.timeline'] }, transferMode: 'ReportEvents' });
  await cdp.send('Profiler.start');
  return recording;
}

/**
 * Stops what `startRecording` started and writes `<name>.cpuprofile` and `<name>.trace.json`
 * (Chrome's trace event format, which `bench/tools/summarize-trace.ts` reads).
 */
async function stopRecording(recording: Recording | null, name: string): Promise<void> {
  if (recording === null || PROFILE_DIR === undefined) return;
  const { cdp, traceEvents } = recording;
  const layers = await countCompositorLayers(cdp);
  const { profile } = await cdp.send('Profiler.stop');
  const complete = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
  await cdp.send('Tracing.end');
  await complete;
  mkdirSync(PROFILE_DIR, { recursive: true });
  writeFileSync(path.join(PROFILE_DIR, `${name}.cpuprofile`), JSON.stringify(profile));
  writeFileSync(path.join(PROFILE_DIR, `${name}.trace.json`), JSON.stringify({ traceEvents }));
  console.log(`${name}: ${layers ?? 'unknown number of'} compositor layers at the end of the recording`);
  await cdp.detach();
}

/**
 * Counts the page's compositor layers in the layer tree that the DevTools `LayerTree` domain sends
 * when it is enabled. Returns null when no tree arrives within 2 s.
 */
async function countCompositorLayers(cdp: CDPSession): Promise<number | null> {
  const tree = new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => resolve(null), 2000);
    cdp.once('LayerTree.layerTreeDidChange', ({ layers }) => {
      clearTimeout(timer);
      resolve(layers?.length ?? null);
    });
  });
  await cdp.send('LayerTree.enable');
  const count = await tree;
  await cdp.send('LayerTree.disable');
  return count;
}

/** Records frame deltas, and a recording named `profileName` when recordings are on, while `during` runs. */
async function measureFrames(page: Page, profileName: string, during: () => Promise<void>): Promise<FrameStats> {
  const recording = await startRecording(page);
  await page.evaluate('window.__benchStartFrames()');
  await during();
  const deltas = (await page.evaluate('window.__benchStopFrames()')) as number[];
  await stopRecording(recording, profileName);
  return frameStats(deltas);
}

/** Returns the node renders counted so far, and empties the counter. */
async function takeRenderCounts(page: Page): Promise<Record<string, number>> {
  return (await page.evaluate(`(() => { const counts = window.__gestorleadRenderCounts; window.__gestorleadRenderCounts = {}; return counts; })()`)) as Record<
    string,
    number
  >;
}

function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((total, value) => total + value, 0);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Publishes status events on the studio's event bus, as the executor publishes its own. */
function busSender(studio: InProcessStudio, graphId: string): StatusEventSender {
  return (runId, nodeId, type) => {
    const data = type === 'task.started' ? { attempt: 1, nodeType: 'core/noop@1' } : {};
    studio.studio.ctx.events.publish(runId, graphId, { type, taskId: `bench-${nodeId}`, nodeId, data });
  };
}

/** Adds status events to the page's last run WebSocket through Playwright's `routeWebSocket`. */
function playwrightSender(sockets: RunSocket[]): StatusEventSender {
  const entry = sockets[sockets.length - 1];
  if (entry?.runId == null) throw new Error('the page subscribed to no run');
  // Numbers far above the run's own events, which the page would otherwise take for replays.
  let seq = 100_000;
  return (runId, nodeId, type) => {
    seq += 1;
    const event = { runId, seq, type, at: new Date().toISOString(), taskId: `bench-${nodeId}`, nodeId, data: {} };
    entry.socket.send(JSON.stringify({ type: 'event', event }));
  };
}

/** Routes the page's WebSockets through Playwright and records each one in the returned list. */
async function routeRunSockets(page: Page): Promise<RunSocket[]> {
  const sockets: RunSocket[] = [];
  await page.routeWebSocket(/\/v1\/ws/, (socket) => {
    const server = socket.connectToServer();
    const entry: RunSocket = { socket, runId: null };
    // A handler of the page's messages replaces the default forwarding, so it forwards them.
    socket.onMessage((message) => {
      if (typeof message === 'string') {
        const parsed = JSON.parse(message) as { type?: string; runId?: string };
        if (parsed.type === 'subscribe' && typeof parsed.runId === 'string') entry.runId = parsed.runId;
      }
      server.send(message);
    });
    sockets.push(entry);
  });
  return sockets;
}

async function measureSize(studio: InProcessStudio, token: string, builderPage: Page, count: number, sockets: RunSocket[] | null): Promise<SizeResult> {
  const page = builderPage;
  const created = await api<{ id: string }>(studio, token, 'POST', '/v1/graphs', makeGraph(count));
  const openRecording = await startRecording(page);
  const opened = performance.now();
  await page.goto(`${studio.url}/graphs/${created.id}`);
  // A wide graph does not fit at the minimum zoom, so the node dragged is the one in the middle.
  const dragged = `n${Math.floor((count - 1) / COLUMNS / 2) * COLUMNS + COLUMNS / 2}`;
  await page.waitForSelector(`[data-testid="node-${dragged}"]`, { timeout: 120_000 });
  const openMs = performance.now() - opened;
  await stopRecording(openRecording, `${count}-open`);
  await sleep(1000);

  const idle = await measureFrames(page, `${count}-idle`, () => sleep(PHASE_MS));

  // Drag the node right and down in small steps.
  const wrapper = page.locator(`.react-flow__node:has([data-testid="node-${dragged}"])`);
  const styleBefore = await wrapper.getAttribute('style');
  const box = await page.locator(`[data-testid="node-${dragged}"] .graph-node__title`).boundingBox();
  if (box === null) throw new Error(`node ${dragged} is not on the screen`);
  const target = await page.evaluate(
    ([px, py]) => document.elementFromPoint(px, py)?.outerHTML.slice(0, 160) ?? 'nothing',
    [box.x + box.width / 2, box.y + box.height / 2],
  );
  let x = box.x + box.width / 2;
  let y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  // React Flow starts a drag after the first move; that move is not counted.
  x += 4;
  await page.mouse.move(x, y);
  await sleep(200);
  await takeRenderCounts(page);
  let dragSteps = 0;
  const drag = await measureFrames(page, `${count}-drag`, async () => {
    const end = Date.now() + PHASE_MS;
    while (Date.now() < end) {
      dragSteps += 1;
      x += dragSteps % 40 < 20 ? 3 : -3;
      y += dragSteps % 20 < 10 ? 1 : -1;
      const step = page.mouse.move(x, y);
      await Promise.all([step, sleep(DRAG_STEP_MS)]);
    }
  });
  await sleep(200);
  const dragCounts = await takeRenderCounts(page);
  await page.mouse.up();
  await sleep(500);
  if ((await wrapper.getAttribute('style')) === styleBefore) throw new Error(`the drag did not move node ${dragged}; it started on ${target}`);

  // A real run whose first node keeps it running. Status events for its other nodes follow.
  let runId: string | null = null;
  const stopWatching = studio.studio.ctx.events.subscribeGraph(created.id, (event) => {
    runId ??= event.runId;
  });
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('dialog[open]').getByRole('button', { name: 'Start run' }).click();
  await page.waitForSelector('[data-testid="run-bar"][data-run-status="running"]', { timeout: 60_000 });
  stopWatching();
  if (runId === null) throw new Error('the run that the page started published no event');
  const sender = sockets === null ? busSender(studio, created.id) : playwrightSender(sockets);
  await sleep(300);
  await takeRenderCounts(page);

  let statusEvents = 0;
  // Events start at the middle row, which the view shows at every graph size.
  const middleRowStart = Math.floor((count - 1) / COLUMNS / 2) * COLUMNS;
  const send = (nodeIndex: number, type: 'task.started' | 'task.completed') => {
    statusEvents += 1;
    sender(runId!, `n${(middleRowStart + nodeIndex) % (count - 1)}`, type);
  };
  const status = await measureFrames(page, `${count}-status`, async () => {
    const started = Date.now();
    let sent = 0;
    while (Date.now() - started < PHASE_MS) {
      const due = Math.floor(((Date.now() - started) / 1000) * STATUS_EVENTS_PER_SECOND);
      for (; sent < due; sent += 1) send(Math.floor(sent / 2), sent % 2 === 0 ? 'task.started' : 'task.completed');
      await sleep(5);
    }
  });
  await sleep(300);
  const statusCounts = await takeRenderCounts(page);
  await api(studio, token, 'POST', `/v1/runs/${encodeURIComponent(runId!)}/cancel`, {});
  await page.getByRole('button', { name: 'Close', exact: true }).click().catch(() => undefined);

  return {
    nodes: count,
    openMs,
    idle,
    drag,
    status,
    dragSteps,
    rendersPerDragStep: sum(dragCounts) / Math.max(1, dragSteps),
    nodesRenderedInDrag: Object.keys(dragCounts).length,
    statusEvents,
    rendersPerStatusEvent: sum(statusCounts) / Math.max(1, statusEvents),
  };
}

function frameRow(nodes: number, phase: string, stats: FrameStats, idle: FrameStats): TableRow {
  return {
    nodes: formatNumber(nodes),
    phase,
    frames: formatNumber(stats.frames),
    'p50 ms': formatNumber(stats.p50, 1),
    'p95 ms': formatNumber(stats.p95, 1),
    'max ms': formatNumber(stats.max, 1),
    'p95 / idle p95': formatNumber(stats.p95 / idle.p95, 2),
  };
}

async function measure(): Promise<BenchmarkOutput> {
  const prebuilt = process.env.BENCH_CANVAS_BUILDER_DIR;
  const builderDir = prebuilt ?? (await buildBuilder());
  const dataDir = createDataDir('canvas');
  const studio = await startInProcessStudio({ DATA_DIR: dataDir.path, BUILDER_DIR: builderDir, SANDBOX_POOL_SIZE: '1', API_BODY_LIMIT_BYTES: String(16 * 1024 * 1024) });
  const profile = mkdtempSync(path.join(os.tmpdir(), 'gestorlead-bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    viewport: { width: 1280, height: 800 },
    locale: 'en-US',
  });
  const results: SizeResult[] = [];
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.addInitScript(PAGE_PROBE);
    const sockets = EVENT_SOURCE === 'playwright' ? await routeRunSockets(page) : null;
    await openApp(page, studio.url);
    const session = await api<{ accessToken: string }>(studio, null, 'POST', '/v1/auth/login', { email: FIRST_USER.email, password: FIRST_USER.password });
    for (const count of NODE_COUNTS) {
      const result = await measureSize(studio, session.accessToken, page, count, sockets);
      results.push(result);
      console.log(`${count} nodes: drag p95 ${result.drag.p95.toFixed(1)} ms, status p95 ${result.status.p95.toFixed(1)} ms`);
    }
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
    await studio.stop();
    dataDir.remove();
    if (prebuilt === undefined) rmSync(builderDir, { recursive: true, force: true });
  }

  const frames: TableRow[] = results.flatMap((result) => [
    frameRow(result.nodes, 'idle (baseline)', result.idle, result.idle),
    frameRow(result.nodes, 'drag one node', result.drag, result.idle),
    frameRow(result.nodes, `${STATUS_EVENTS_PER_SECOND} status events/s`, result.status, result.idle),
  ]);
  const renders: TableRow[] = results.map((result) => ({
    nodes: formatNumber(result.nodes),
    'open ms': formatNumber(result.openMs),
    'drag steps': formatNumber(result.dragSteps),
    'node renders per drag step': formatNumber(result.rendersPerDragStep, 2),
    'nodes rendered during drag': formatNumber(result.nodesRenderedInDrag),
    'status events': formatNumber(result.statusEvents),
    'node renders per status event': formatNumber(result.rendersPerStatusEvent, 2),
  }));
  const aims: AimCheck[] = [];
  for (const result of results) {
    const aimFrames = AIM_FRAMES[result.nodes];
    if (aimFrames === undefined) continue;
    const limitMs = aimFrames * DISPLAY_INTERVAL_MS;
    for (const [phase, stats] of [['drag', result.drag], ['status events', result.status]] as const) {
      aims.push({
        aim: `${phase} p95 ≤ ${aimFrames} frame(s) (${limitMs.toFixed(1)} ms) at ${result.nodes} nodes`,
        measured: `${stats.p95.toFixed(1)} ms (${formatNumber(stats.p95 / DISPLAY_INTERVAL_MS, 2)} frames)`,
        met: stats.p95 <= limitMs + FRAME_TOLERANCE_MS,
      });
    }
    aims.push({
      aim: `only the dragged node renders at ${result.nodes} nodes`,
      measured: `${result.nodesRenderedInDrag} node(s)`,
      met: result.nodesRenderedInDrag <= 1,
    });
  }
  return {
    settings: { eventSource: EVENT_SOURCE, nodeCounts: NODE_COUNTS, phaseMs: PHASE_MS, statusEventsPerSecond: STATUS_EVENTS_PER_SECOND, dragStepMs: DRAG_STEP_MS, viewport: '1280x800' },
    tables: [
      { title: 'Frame times (requestAnimationFrame deltas)', rows: frames },
      { title: 'Node renders', rows: renders },
    ],
    aims,
    raw: results,
  };
}

await runBenchmark('builder-canvas', measure);
