import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAi, type FakeOpenAi } from '../../runtime/test/ai/support/fake-openai';
import { openaiImageBytes, startFakeOpenAiMedia, type FakeOpenAiMedia } from '../../runtime/test/support/fake-providers/openai';
import { allowPrivatePorts, startOpenAiRouter, type OpenAiRouter } from '../../runtime/test/tasks/support/provider-plugins';
import { FIRST_USER, openApp } from './support/app';
import { CHROMIUM_AVAILABLE, saveScreenshot } from './support/browser';
import type { RuntimeProcess } from './support/runtime';
import { useSpecSession } from './support/spec-session';

/** The platform key that the fake OpenAI servers accept. */
const PLATFORM_KEY = 'sk-e2e-platform-key-0123456789';
const STORY =
  'Era uma vez um pequeno barco que deixou o porto ao amanhecer. As gaivotas o seguiram até o farol, ' +
  'e os pescadores cantaram enquanto as redes se enchiam de peixes prateados 🐟.';

/** Sends a JSON request to the runtime and fails on an unexpected status. */
async function api(runtime: RuntimeProcess, path: string, body: unknown, token: string | null, expected: number): Promise<any> {
  const response = await fetch(`${runtime.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== expected) throw new Error(`POST ${path} returned ${response.status}: ${text}`);
  return JSON.parse(text);
}

describe.skipIf(!CHROMIUM_AVAILABLE)('playground', () => {
  let fake: FakeOpenAi;
  let media: FakeOpenAiMedia;
  let router: OpenAiRouter;

  beforeAll(async () => {
    fake = await startFakeOpenAi(PLATFORM_KEY);
    media = await startFakeOpenAiMedia(PLATFORM_KEY);
    // The chat node and the bundled `openai` plugin share OPENAI_BASE_URL, so one base URL
    // forwards chat completions to the chat fake and image requests to the media fake.
    router = await startOpenAiRouter(fake.origin, media.origin);
  });

  afterAll(async () => {
    await router?.close();
    await media?.close();
    await fake?.close();
  });

  const spec = useSpecSession(() => ({
    OPENAI_API_KEY: PLATFORM_KEY,
    OPENAI_BASE_URL: router.baseUrl,
    OPENAI_MODELS: 'gpt-4o-mini,gpt-4o',
    HTTP_ALLOW_PRIVATE: allowPrivatePorts([router.port]),
  }));

  beforeAll(async () => {
    // The first account is an admin, so it may add credits.
    const session = await api(spec.runtime, '/v1/auth/register', FIRST_USER, null, 201);
    await api(
      spec.runtime,
      `/v1/admin/users/${session.user.id}/credits`,
      { amount: 500, reason: 'playground spec', idempotencyKey: 'playground-spec' },
      session.accessToken,
      201,
    );
  });

  it('generates chat text and an image', async () => {
    const { page } = spec.browser;
    const reply = 'Um farol ao entardecer 🌅 — منارة — מגדלור';
    fake.enqueue({ text: reply, usage: { prompt_tokens: 600, completion_tokens: 400 } });
    await openApp(page, spec.runtime.url);
    await page.getByRole('link', { name: 'Playground' }).click();
    await page.waitForSelector('[data-testid="generator-chat"]');

    const sockets: string[] = [];
    page.on('websocket', (socket) => sockets.push(new URL(socket.url()).pathname));
    const chat = page.getByTestId('generator-chat');
    expect(await chat.locator('select[name="provider"]').inputValue()).toBe('openai');
    expect(await chat.locator('input[name="model"]').inputValue()).toBe('gpt-4o-mini');
    await chat.locator('textarea[name="prompt"]').fill('Escreva uma legenda sobre um farol 🌅');
    await chat.getByRole('button', { name: 'Generate' }).click();
    await chat.locator('[data-testid="generation-status"][data-status="COMPLETED"]').waitFor();
    expect(await chat.getByTestId('result-text').textContent()).toBe(reply);
    // 1,000 tokens at the default 0.002 credits per token.
    expect(await chat.getByTestId('credit-cost').getAttribute('data-credits')).toBe('2');
    expect(fake.requests[0].body.messages).toEqual([{ role: 'user', content: 'Escreva uma legenda sobre um farol 🌅' }]);
    // The generator follows the task's run over the WebSocket instead of polling alone.
    expect(sockets).toContain('/v1/ws');
    await saveScreenshot(page, 'playground-chat');

    await page.getByRole('tab', { name: 'Image' }).click();
    const image = page.getByTestId('generator-image');
    expect(await image.locator('select[name="provider"]').inputValue()).toBe('openai');
    expect(await image.locator('input[name="model"]').inputValue()).toBe('gpt-image-1');
    await image.locator('textarea[name="prompt"]').fill('A lighthouse at dusk');
    await image.locator('select[name="size"]').selectOption('1024x1024');
    await image.getByRole('button', { name: 'Generate' }).click();
    const picture = image.getByTestId('result-image');
    await picture.waitFor();
    // The fake's images are 1x1 PNGs, so a decoded width of 1 shows that the page loaded the image.
    await expect.poll(() => picture.evaluate((element) => (element as HTMLImageElement).naturalWidth)).toBe(1);
    expect(media.requests[0].path).toBe('/v1/images/generations');
    expect(media.requests[0].body).toMatchObject({ model: 'gpt-image-1', prompt: 'A lighthouse at dusk', n: 1, size: '1024x1024' });
    // The page shows the artifact that the studio downloaded from the fake, byte for byte.
    const shownBytes = await picture.evaluate(async (element) => {
      const response = await fetch((element as HTMLImageElement).src);
      return Array.from(new Uint8Array(await response.arrayBuffer()));
    });
    expect(Buffer.from(shownBytes).equals(openaiImageBytes('A lighthouse at dusk', 1))).toBe(true);
    // openai/generate-image@1 costs 4 credits per image.
    expect(await image.getByTestId('credit-cost').getAttribute('data-credits')).toBe('4');

    await saveScreenshot(page, 'playground-image');
    expect(spec.browser.pageErrors).toEqual([]);
  });

  /** Opens the chat generator, types a prompt and starts the task. */
  async function startChat(prompt: string) {
    const { page } = spec.browser;
    await openApp(page, spec.runtime.url);
    await page.getByRole('link', { name: 'Playground' }).click();
    const chat = page.getByTestId('generator-chat');
    await chat.waitFor();
    await chat.locator('textarea[name="prompt"]').fill(prompt);
    await chat.getByRole('button', { name: 'Generate' }).click();
    return chat;
  }

  it('shows chat text while it streams', async () => {
    const { page } = spec.browser;
    // 58 chunks 120 ms apart: the stream lasts some 7 s, long enough to watch it grow.
    fake.enqueue({ text: STORY, chunkSize: 3, chunkDelayMs: 120, usage: { prompt_tokens: 300, completion_tokens: 200 } });
    const chat = await startChat('Conte uma história sobre um barco.');

    const streamed = chat.getByTestId('streamed-text');
    await streamed.waitFor({ timeout: 30_000 });
    const early = (await streamed.textContent()) ?? '';
    expect(early.length).toBeGreaterThan(0);
    expect(early.length).toBeLessThan(STORY.length);
    expect(STORY.startsWith(early)).toBe(true);
    expect(await chat.getByTestId('generation-status').getAttribute('data-status')).toBe('IN_PROGRESS');
    expect(await chat.getByTestId('generation-answer').getAttribute('aria-busy')).toBe('true');
    await saveScreenshot(page, 'playground-chat-streaming');

    await chat.locator('[data-testid="generation-status"][data-status="COMPLETED"]').waitFor({ timeout: 30_000 });
    expect(await chat.getByTestId('result-text').textContent()).toBe(STORY);
    expect(await chat.getByTestId('streamed-answer').count()).toBe(0);
    expect(await chat.getByTestId('generation-answer').getAttribute('aria-busy')).toBe('false');
    // 500 tokens at the default 0.002 credits per token.
    expect(await chat.getByTestId('credit-cost').getAttribute('data-credits')).toBe('1');
    expect(spec.browser.pageErrors).toEqual([]);
  });

  it('keeps streamed text after a stop at 390 px', async () => {
    const { page } = spec.browser;
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      fake.enqueue({ text: STORY, chunkSize: 3, chunkDelayMs: 150 });
      const chat = await startChat('Conte outra história.');

      const streamed = chat.getByTestId('streamed-text');
      await streamed.waitFor({ timeout: 30_000 });
      await chat.getByRole('button', { name: 'Stop' }).click();
      await chat.locator('[data-testid="generation-status"][data-status="FAILED"]').waitFor({ timeout: 30_000 });

      const keptText = (await streamed.textContent()) ?? '';
      expect(keptText.length).toBeGreaterThan(0);
      expect(keptText.length).toBeLessThan(STORY.length);
      expect(STORY.startsWith(keptText)).toBe(true);
      expect(await chat.getByRole('alert').getAttribute('data-error-code')).toBe('RUNTIME_TASK_CANCELLED');
      expect(await chat.getByRole('button', { name: 'Stop' }).count()).toBe(0);
      const box = await streamed.boundingBox();
      expect(box!.x + box!.width).toBeLessThanOrEqual(390);
      await chat.getByRole('alert').scrollIntoViewIfNeeded();
      await saveScreenshot(page, 'playground-chat-stopped-phone');
      expect(spec.browser.pageErrors).toEqual([]);
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });
});
