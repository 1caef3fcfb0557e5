/**
 * The `examples/social-post.json` graph end to end in a studio with the bundled plugins. The
 * caption comes from the fake OpenAI chat server, the image from the fake OpenAI media server and
 * the voice-over from the ElevenLabs fake. The post goes to a LinkedIn stand-in on 127.0.0.1,
 * with an account connected through a local OAuth2 server.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { installBundledPlugins } from '../src/plugins/bundled.js';
import { seedExamples } from '../src/seed-examples.js';
import { PLATFORM_KEY, TEST_PRICING, balanceOf, sumOf, taskLedger, topUp } from './ai/support/ai-studio.js';
import { startFakeOpenAi, type FakeOpenAi } from './ai/support/fake-openai.js';
import { startPluginStudio, type PluginTestStudio } from './plugins/support/plugin-studio.js';
import { LINKEDIN_AUTHOR, startSocialServer, type SocialServer } from './plugins/support/social-server.js';
import { elevenlabsSpeechBytes, startFakeElevenLabs, type FakeElevenLabs } from './support/fake-providers/elevenlabs.js';
import { openaiImageBytes, startFakeOpenAiMedia, type FakeOpenAiMedia } from './support/fake-providers/openai.js';
import { request } from './support/http.js';
import { addFirstUser, startTestStudio, waitForRun } from './support/studio.js';
import { allowPrivatePorts, startOpenAiRouter, type OpenAiRouter } from './tasks/support/provider-plugins.js';
import { authorizeInBrowser } from './vault/support.js';
import { CLIENT_ID, CLIENT_SECRET, startOAuthServer, type OAuthServer } from './vault/oauth-server.js';

const EXAMPLE = JSON.parse(readFileSync(new URL('../../examples/social-post.json', import.meta.url), 'utf8'));
const PLUGIN_DIRS = ['core', 'openai', 'elevenlabs', 'social'].map((name) => fileURLToPath(new URL(`../../plugins/${name}/`, import.meta.url)));
const ELEVENLABS_KEY = 'xi-platform-key-0123456789';
const TOPIC = 'our new bakery opening on Rua Augusta';
const CAPTION = 'Fresh bread every morning: our bakery opens on Rua Augusta this Saturday. Come say olá! 🥖';

let chat: FakeOpenAi;
let media: FakeOpenAiMedia;
let router: OpenAiRouter;
let elevenlabs: FakeElevenLabs;
let oauth: OAuthServer;
let linkedin: SocialServer;
let test: PluginTestStudio;

beforeAll(async () => {
  chat = await startFakeOpenAi(PLATFORM_KEY);
  media = await startFakeOpenAiMedia(PLATFORM_KEY);
  router = await startOpenAiRouter(chat.origin, media.origin);
  elevenlabs = await startFakeElevenLabs(ELEVENLABS_KEY);
  oauth = await startOAuthServer();
  linkedin = await startSocialServer((token) => oauth.isLive(token));
});

afterAll(async () => {
  await linkedin.close();
  await oauth.close();
  await elevenlabs.close();
  await router.close();
  await media.close();
  await chat.close();
});

/**
 * Starts a studio with the operator's OpenAI and ElevenLabs keys, a LinkedIn OAuth2 client, and
 * api.linkedin.com resolved to the stand-in, then installs the plugins the example uses.
 */
async function startExampleStudio(): Promise<PluginTestStudio> {
  const client = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, authorizationUrl: `${oauth.origin}/authorize`, tokenUrl: `${oauth.origin}/token` };
  const studio = await startPluginStudio({
    env: {
      OPENAI_API_KEY: PLATFORM_KEY,
      OPENAI_BASE_URL: router.baseUrl,
      ELEVENLABS_API_KEY: ELEVENLABS_KEY,
      ELEVENLABS_BASE_URL: elevenlabs.baseUrl,
      CREDITS_PRICING: TEST_PRICING,
      OAUTH2_CLIENTS: JSON.stringify({ 'social/linkedinOAuth': client }),
      HTTP_ALLOW_PRIVATE: allowPrivatePorts([router.port, elevenlabs.port, linkedin.port, oauth.port]),
    },
    resolveHost: async (hostname) => {
      if (hostname === 'api.linkedin.com') return [{ address: '127.0.0.1', family: 4 }];
      throw Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    },
  });
  await installBundledPlugins(studio.studio.ctx.plugins, createLogger('silent'), PLUGIN_DIRS);
  return studio;
}

/** Connects a LinkedIn credential through the OAuth2 flow, as the builder's popup does. */
async function connectLinkedIn(): Promise<string> {
  const started = await request(test, {
    method: 'POST',
    url: '/v1/credentials/oauth2/start',
    headers: { origin: 'http://builder.test:5173' },
    payload: { type: 'social/linkedinOAuth', name: 'LinkedIn', values: { apiBaseUrl: `http://api.linkedin.com:${linkedin.port}` } },
  });
  expect(started.status, started.raw.body).toBe(200);
  const page = await authorizeInBrowser(test, started);
  const match = /var message=(.*?);var origin=/.exec(page.body);
  expect(match, page.body).not.toBeNull();
  return JSON.parse(match![1]).credential.id;
}

/** Imports and publishes `document`, posts `{ topic }` to its webhook and waits for the run. */
async function runFromWebhook(document: Record<string, unknown>) {
  const imported = await request(test, { method: 'POST', url: '/v1/graphs/import', payload: document });
  expect(imported.status, imported.raw.body).toBe(201);
  const graphId = imported.body.id as string;
  const published = await request(test, { method: 'POST', url: `/v1/graphs/${graphId}/publish`, payload: {} });
  expect(published.status, published.raw.body).toBe(200);
  const hook = await test.studio.app.inject({
    method: 'POST',
    url: `/hooks/${graphId}`,
    headers: { 'content-type': 'application/json' },
    payload: { topic: TOPIC },
  });
  expect(hook.statusCode, hook.body).toBe(202);
  return waitForRun(test, hook.json().runId, 60_000);
}

/** Returns the example as a user finishes it after import, with the LinkedIn author set and the credential picked. */
function configuredExample(credentialId: string): Record<string, any> {
  const document = structuredClone(EXAMPLE);
  const publish = document.nodes.find((node: { id: string }) => node.id === 'publish');
  publish.config.accountId = LINKEDIN_AUTHOR;
  publish.credentials = { linkedin: credentialId };
  return document;
}

describe('social post example file', () => {
  it('leaves the linkedin credential to the user', () => {
    const publish = EXAMPLE.nodes.find((node: { id: string }) => node.id === 'publish');

    expect(publish.type).toBe('social/publish-post@1');
    expect(publish.credentials).toBeUndefined();
    expect(publish.config.accountId).toBe('');
  });

  it('seeds and lists with the bundled plugins', async () => {
    const fresh = await startTestStudio({}, { firstUser: false });
    try {
      await installBundledPlugins(fresh.studio.ctx.plugins, createLogger('silent'), PLUGIN_DIRS);
      const seeded = await seedExamples(fresh.storage, fresh.studio.ctx.registry, fresh.studio.ctx.log);
      const stored = await fresh.storage.graphs.get('social-post');
      await addFirstUser(fresh);
      const templates = await request(fresh, { method: 'GET', url: '/v1/templates' });

      expect(seeded).toContain('social-post');
      expect(stored?.publishedVersion).toBe(1);
      expect(templates.status, templates.raw.body).toBe(200);
      expect(templates.body.items.map((item: { id: string }) => item.id)).toContain('social-post');
    } finally {
      await fresh.close();
    }
  });
});

describe('social post example run', () => {
  beforeEach(() => {
    linkedin.reset();
    media.reset();
    elevenlabs.reset();
    chat.requests.length = 0;
  });

  afterEach(async () => {
    await test.close();
  });

  it('publishes caption and image from a webhook', async () => {
    test = await startExampleStudio();
    await topUp(test, 10_000);
    const credentialId = await connectLinkedIn();
    chat.enqueue({ text: CAPTION, usage: { prompt_tokens: 40, completion_tokens: 30 } });
    const balanceBefore = await balanceOf(test);

    const { run, tasks } = await runFromWebhook(configuredExample(credentialId));
    const failed = [...tasks.values()].filter((task) => task.error).map((task) => ({ node: task.nodeId, error: task.error }));

    expect(run.status, JSON.stringify(failed)).toBe('succeeded');
    expect([...tasks.keys()].sort()).toEqual(['caption', 'image', 'merge', 'postFields', 'publish', 'voice']);
    for (const task of tasks.values()) expect(task.status, task.nodeId).toBe('COMPLETED');

    // The caption node sends the topic to the model and delivers the reply.
    const captionOut = (tasks.get('caption')!.output as any).out;
    expect(chat.requests).toHaveLength(1);
    expect(JSON.stringify(chat.requests[0].body.messages)).toContain(TOPIC);
    expect(captionOut).toMatchObject({ text: CAPTION, provider: 'openai', model: 'gpt-4o-mini', cached: false });

    // The image and voice-over nodes work from the caption, and their files are run artifacts.
    const imageOut = (tasks.get('image')!.output as any).out;
    const voiceOut = (tasks.get('voice')!.output as any).out;
    const imagePrompt = `A clean, bright illustration without any text for this LinkedIn post: ${CAPTION}`;
    expect(imageOut).toMatchObject({ model: 'gpt-image-1', prompt: imagePrompt });
    expect(imageOut.images).toHaveLength(1);
    expect(imageOut.images[0]).toMatchObject({ contentType: 'image/png' });
    expect(voiceOut).toMatchObject({ model: 'eleven_multilingual_v2', voiceId: '21m00Tcm4TlvDq8ikWAM', text: CAPTION });
    expect(voiceOut.audio).toMatchObject({ contentType: 'audio/mpeg' });

    const listed = await request(test, { method: 'GET', url: `/v1/runs/${run.id}/artifacts` });
    expect(listed.status, listed.raw.body).toBe(200);
    const artifactsById = new Map<string, any>(listed.body.items.map((item: { id: string }) => [item.id, item]));
    expect(listed.body.items).toHaveLength(2);
    const imageBytes = openaiImageBytes(imagePrompt, 1);
    const imageDownload = await test.studio.app.inject({ method: 'GET', url: `/v1/artifacts/${imageOut.images[0].id}`, headers: { authorization: `Bearer ${test.token}` } });
    expect(artifactsById.get(imageOut.images[0].id)?.contentType).toBe('image/png');
    expect(imageDownload.headers['content-type']).toBe('image/png');
    expect(imageDownload.rawPayload.equals(imageBytes)).toBe(true);
    const voiceDownload = await test.studio.app.inject({ method: 'GET', url: `/v1/artifacts/${voiceOut.audio.id}`, headers: { authorization: `Bearer ${test.token}` } });
    expect(artifactsById.get(voiceOut.audio.id)?.contentType).toBe('audio/mpeg');
    expect(voiceDownload.headers['content-type']).toBe('audio/mpeg');
    expect(voiceDownload.rawPayload.equals(elevenlabsSpeechBytes('21m00Tcm4TlvDq8ikWAM', CAPTION))).toBe(true);

    // The merge keys each branch by its node id, and the transform picks the post fields.
    expect((tasks.get('merge')!.output as any).out).toEqual({ caption: captionOut, image: imageOut, voice: voiceOut });
    expect((tasks.get('postFields')!.output as any).out).toEqual({ text: CAPTION, imageFileId: imageOut.images[0].id, voiceFileId: voiceOut.audio.id });

    // LinkedIn receives the image bytes and a post with the caption and that image.
    // The stand-in reads request bodies as UTF-8, so the PNG is compared after the same decoding.
    expect(linkedin.uploads).toHaveLength(1);
    expect(linkedin.uploads[0].equals(Buffer.from(imageBytes.toString('utf8'), 'utf8'))).toBe(true);
    expect(linkedin.posts).toHaveLength(1);
    expect(linkedin.posts[0]).toMatchObject({
      network: 'linkedin',
      author: LINKEDIN_AUTHOR,
      commentary: CAPTION,
      visibility: 'PUBLIC',
      lifecycleState: 'PUBLISHED',
      content: { media: { id: 'urn:li:image:C4D10AQ', altText: 'Illustration of the post' } },
    });
    expect((tasks.get('publish')!.output as any).out).toEqual({
      network: 'linkedin',
      status: 'published',
      postId: linkedin.posts[0].id,
      postUrl: `https://www.linkedin.com/feed/update/${linkedin.posts[0].id}/`,
    });

    // The caption, the image and the voice-over are charged to the account, and nothing else.
    const capturedByNode: Record<string, number> = {};
    for (const task of tasks.values()) capturedByNode[task.nodeId] = sumOf(await taskLedger(test, task.id), 'capture');
    const charged = balanceBefore - (await balanceOf(test));
    // 70 tokens at the tests' 0.5 credits each, and openai/generate-image@1's 4 credits per image.
    expect(capturedByNode.caption).toBe(35);
    expect(capturedByNode.image).toBe(4);
    expect(capturedByNode.voice).toBeGreaterThan(0);
    expect(capturedByNode.merge).toBe(0);
    expect(capturedByNode.postFields).toBe(0);
    expect(capturedByNode.publish).toBe(0);
    expect(charged).toBe(capturedByNode.caption + capturedByNode.image + capturedByNode.voice);
  });

  it('unfinished example fails at publish', async () => {
    test = await startExampleStudio();
    await topUp(test, 10_000);
    const withoutCredential = structuredClone(EXAMPLE);
    withoutCredential.nodes.find((node: { id: string }) => node.id === 'publish').config.accountId = LINKEDIN_AUTHOR;
    // The second run's caption request is identical, so ai/chat returns the cached result.
    chat.enqueue({ text: CAPTION });

    const asShipped = await runFromWebhook(EXAMPLE);
    const noCredential = await runFromWebhook(withoutCredential);

    expect(asShipped.run.status).toBe('failed');
    expect(asShipped.tasks.get('postFields')?.status).toBe('COMPLETED');
    expect(asShipped.tasks.get('publish')?.error).toMatchObject({ code: 'SOCIAL_INPUT_INVALID' });
    expect(noCredential.run.status).toBe('failed');
    expect(noCredential.tasks.get('publish')?.error).toMatchObject({ code: 'SOCIAL_CREDENTIAL_MISSING' });
    expect(noCredential.tasks.get('caption')?.output).toMatchObject({ out: { text: CAPTION, cached: true } });
    expect(chat.requests).toHaveLength(1);
    expect(linkedin.posts).toEqual([]);
  });
});
