import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAi, type FakeOpenAi } from '../../runtime/test/ai/support/fake-openai';
import { apiRequest, sessionToken } from './support/account';
import { openApp, selectNode } from './support/app';
import { CHROMIUM_AVAILABLE, saveScreenshot } from './support/browser';
import { useSpecSession } from './support/spec-session';
import { mediaPlugin, oneNodeGraph, SQUARE_PX } from './support/run-fixtures';

const PLATFORM_KEY = 'sk-platform-e2e';
const STORY =
  'Once upon a time a small boat left the harbour at dawn. The gulls followed it past the lighthouse, ' +
  'and the fishermen sang while the nets filled with silver fish.';

describe.skipIf(!CHROMIUM_AVAILABLE)('run view', () => {
  let fake: FakeOpenAi;
  let token: string;

  beforeAll(async () => {
    fake = await startFakeOpenAi(PLATFORM_KEY);
  });

  afterAll(async () => {
    await fake?.close();
  });

  const spec = useSpecSession(() => ({
    OPENAI_API_KEY: PLATFORM_KEY,
    OPENAI_BASE_URL: fake.baseUrl,
    OPENAI_MODELS: 'gpt-test',
    AI_CACHE_TTL_SECONDS: '0',
    CREDITS_ENABLED: 'false',
  }));

  beforeAll(async () => {
    await openApp(spec.browser.page, spec.runtime.url);
    token = await sessionToken(spec.browser.page);
  });

  async function createGraph(document: unknown): Promise<string> {
    const reply = await apiRequest(spec.runtime.url, token, 'POST', '/v1/graphs', document);
    expect(reply.status, await reply.clone().text()).toBe(201);
    return ((await reply.json()) as { id: string }).id;
  }

  async function startRun(graphId: string): Promise<string> {
    const reply = await apiRequest(spec.runtime.url, token, 'POST', `/v1/graphs/${graphId}/runs`, { input: null });
    expect(reply.status, await reply.clone().text()).toBe(202);
    return ((await reply.json()) as { runId: string }).runId;
  }

  it('shows model tokens while they stream', async () => {
    const { page } = spec.browser;
    // About 60 chunks 120 ms apart: the stream lasts some 7 s, long enough to watch it grow.
    fake.enqueue({ text: STORY, chunkSize: 3, chunkDelayMs: 120 });
    const graphId = await createGraph(oneNodeGraph('Story', { id: 'chat', type: 'ai/chat@1', config: { model: 'gpt-test', prompt: 'Tell a story.' } }));
    await page.goto(`${spec.runtime.url}/graphs/${graphId}`);
    await page.waitForSelector('[data-testid="node-chat"]');
    await selectNode(page, 'chat');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.locator('dialog[open]').getByRole('button', { name: 'Start run' }).click();

    const stream = page.getByTestId('task-stream');
    await stream.waitFor({ timeout: 30_000 });
    const early = (await stream.textContent()) ?? '';
    expect(early.length).toBeGreaterThan(0);
    expect(early.length).toBeLessThan(STORY.length);
    expect(STORY.startsWith(early)).toBe(true);
    await saveScreenshot(page, 'run-view-streaming');

    await expect.poll(() => stream.textContent(), { timeout: 30_000 }).toBe(STORY);
    await page.getByRole('heading', { name: 'Model output (streamed)' }).waitFor();
  });

  it('previews image and audio artifacts', async () => {
    const { page } = spec.browser;
    const installed = await apiRequest(spec.runtime.url, token, 'POST', '/v1/plugins', mediaPlugin());
    expect(installed.status).toBe(201);
    const graphId = await createGraph(oneNodeGraph('Media', { id: 'render', type: 'media/render@1' }));
    const runId = await startRun(graphId);

    await page.goto(`${spec.runtime.url}/graphs/${graphId}?run=${runId}`);
    await page.waitForSelector('[data-testid="node-render"].graph-node--succeeded', { timeout: 30_000 });
    await selectNode(page, 'render');
    const artifacts = page.getByTestId('task-artifacts');
    const image = artifacts.getByRole('img', { name: 'a red square' });
    await image.waitFor();
    await expect.poll(() => image.evaluate((element) => (element as HTMLImageElement).naturalWidth)).toBe(SQUARE_PX);
    expect(await image.getAttribute('src')).toMatch(/^blob:/);
    const audio = artifacts.locator('audio[aria-label="silence.wav"]');
    await audio.waitFor();
    await expect.poll(() => audio.evaluate((element) => (element as HTMLAudioElement).duration)).toBeCloseTo(0.1, 2);
    await saveScreenshot(page, 'run-view-artifacts');
  });
});
