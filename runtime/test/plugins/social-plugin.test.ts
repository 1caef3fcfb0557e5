/**
 * The bundled social plugin end to end: accounts connected through the studio's OAuth2 flow
 * against a local authorization server, and posts sent to stand-ins for the Meta Graph API and
 * the LinkedIn REST API on 127.0.0.1, which graph.facebook.com and api.linkedin.com resolve to.
 */
import { fileURLToPath } from 'node:url';
import type { GraphNode } from '@gestorlead/sdk-plugin';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { installBundledPlugins } from '../../src/plugins/bundled.js';
import { request, startRun } from '../support/http.js';
import { buildEdge, buildGraph, buildNode, waitForRun } from '../support/studio.js';
import { CLIENT_ID, CLIENT_SECRET, startOAuthServer, type OAuthServer } from '../vault/oauth-server.js';
import { buildTestPackage } from './support/packages.js';
import { startPluginStudio, type PluginTestStudio } from './support/plugin-studio.js';
import { IG_USER_ID, LINKEDIN_AUTHOR, PAGE_ID, PAGE_TOKEN, startSocialServer, type SocialServer } from './support/social-server.js';
import { authorizeInBrowser } from '../vault/support.js';

const SOCIAL_DIR = fileURLToPath(new URL('../../../plugins/social/', import.meta.url));
const log = createLogger('silent');
const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>';

let oauth: OAuthServer;
let server: SocialServer;
let test: PluginTestStudio;

beforeAll(async () => {
  oauth = await startOAuthServer();
  server = await startSocialServer((token) => oauth.isLive(token));
});

afterAll(async () => {
  await server.close();
  await oauth.close();
});

beforeEach(() => {
  server.reset();
  Object.assign(oauth.behaviour, { codeTokenLifetimeS: 3600, refreshTokenLifetimeS: 3600, refreshDelayMs: 0, rejectRefresh: false, deny: false, corruptChallenge: false });
  oauth.issuedAccessTokens.length = 0;
});

afterEach(async () => {
  await test.close();
});

async function startSocialStudio(): Promise<PluginTestStudio> {
  const client = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, authorizationUrl: `${oauth.origin}/authorize`, tokenUrl: `${oauth.origin}/token` };
  const studio = await startPluginStudio({
    env: {
      OAUTH2_CLIENTS: JSON.stringify({ 'social/metaOAuth': client, 'social/linkedinOAuth': client }),
      HTTP_ALLOW_PRIVATE: `127.0.0.1:${server.port},127.0.0.1:${oauth.port}`,
    },
    resolveHost: async (hostname) => {
      if (hostname === 'graph.facebook.com' || hostname === 'api.linkedin.com') return [{ address: '127.0.0.1', family: 4 }];
      throw Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    },
  });
  await installBundledPlugins(studio.studio.ctx.plugins, log, [SOCIAL_DIR]);
  return studio;
}

/** Connects a credential of `type` through the OAuth2 flow, as the builder's popup does. */
async function connect(type: 'social/metaOAuth' | 'social/linkedinOAuth'): Promise<string> {
  const host = type === 'social/metaOAuth' ? 'graph.facebook.com' : 'api.linkedin.com';
  const started = await request(test, {
    method: 'POST',
    url: '/v1/credentials/oauth2/start',
    headers: { origin: 'http://builder.test:5173' },
    payload: { type, name: type, values: { apiBaseUrl: `http://${host}:${server.port}` } },
  });
  expect(started.status, started.raw.body).toBe(200);
  const page = await authorizeInBrowser(test, started);
  const match = /var message=(.*?);var origin=/.exec(page.body);
  expect(match, page.body).not.toBeNull();
  return JSON.parse(match![1]).credential.id;
}

async function runNodes(nodes: GraphNode[], edges = [] as ReturnType<typeof buildEdge>[], input: unknown = null) {
  const created = await request<{ id: string }>(test, { method: 'POST', url: '/v1/graphs', payload: buildGraph(nodes, edges) });
  expect(created.status, created.raw.body).toBe(201);
  return waitForRun(test, await startRun(test, created.body.id, input), 30_000);
}

function publishNode(config: Record<string, unknown>, credentials: Record<string, string>, extra: Partial<GraphNode> = {}): GraphNode {
  return buildNode('post', { type: 'social/publish-post@1', config, credentials, ...extra });
}

describe('social on facebook and instagram', () => {
  it('publishes a page post with the page token', async () => {
    test = await startSocialStudio();
    const meta = await connect('social/metaOAuth');

    const { run, tasks } = await runNodes([publishNode({ network: 'facebook', accountId: PAGE_ID, text: 'Hello from the studio', link: 'https://example.com/' }, { meta })]);
    const feed = server.received.find((received) => received.url === `/v21.0/${PAGE_ID}/feed`)!;
    const pageLookup = server.received.find((received) => received.url === `/v21.0/${PAGE_ID}?fields=access_token`)!;

    expect(run.status, JSON.stringify(tasks.get('post')?.error)).toBe('succeeded');
    expect((run.output as any).post).toEqual({ network: 'facebook', status: 'published', postId: `${PAGE_ID}_1001`, postUrl: `https://www.facebook.com/${PAGE_ID}/posts/1001` });
    expect(pageLookup.headers.authorization).toBe(`Bearer ${oauth.issuedAccessTokens[0]}`);
    expect(feed.headers.authorization).toBe(`Bearer ${PAGE_TOKEN}`);
    expect(JSON.parse(feed.body)).toEqual({ message: 'Hello from the studio', link: 'https://example.com/' });
  });

  it('publishes an instagram image', async () => {
    test = await startSocialStudio();
    const meta = await connect('social/metaOAuth');

    const { run } = await runNodes([publishNode({ network: 'instagram', accountId: IG_USER_ID, imageUrl: 'https://cdn.example.com/a.jpg' }, { meta })], [], { text: 'Caption from input' });
    const output = (run.output as any).post;

    expect(output).toMatchObject({ network: 'instagram', status: 'published', postUrl: `https://www.instagram.com/p/C${output.postId}/` });
    expect(server.posts).toEqual([{ network: 'instagram', caption: 'Caption from input', image_url: 'https://cdn.example.com/a.jpg' }]);
    expect(server.received.map((received) => `${received.method} ${received.url.split('?')[0]}`)).toEqual([
      `POST /v21.0/${IG_USER_ID}/media`,
      'GET /v21.0/container1001',
      `POST /v21.0/${IG_USER_ID}/media_publish`,
      `GET /v21.0/${output.postId}`,
    ]);
  });

  it('publishes an instagram video after processing', async () => {
    test = await startSocialStudio();
    const meta = await connect('social/metaOAuth');
    server.behaviour.videoReadsBeforeFinished = 2;
    const nodes = [
      publishNode({ network: 'instagram', accountId: IG_USER_ID, videoUrl: 'https://cdn.example.com/reel.mp4', text: 'Reel' }, { meta }),
      buildNode('wait', {
        type: 'social/instagram-publish@1',
        config: { accountId: IG_USER_ID },
        credentials: { meta },
        retry: { maxAttempts: 5, backoff: 'fixed', delayMs: 10, retryOn: ['SOCIAL_MEDIA_PROCESSING'] },
      }),
    ];

    const { run, tasks } = await runNodes(nodes, [buildEdge('post', 'wait')]);
    const statusReads = server.received.filter((received) => received.url.startsWith('/v21.0/container'));

    expect(run.status, JSON.stringify(tasks.get('wait')?.error)).toBe('succeeded');
    expect((run.output as any).wait).toMatchObject({ network: 'instagram', status: 'published' });
    expect(tasks.get('post')?.output).toMatchObject({ out: { status: 'processing', containerId: 'container1001', postId: null } });
    expect(tasks.get('wait')?.attempts).toBe(2);
    expect(statusReads).toHaveLength(3);
    expect(server.posts[0]).toMatchObject({ media_type: 'REELS', video_url: 'https://cdn.example.com/reel.mp4' });
  });

  it('refreshes an expired token first', async () => {
    test = await startSocialStudio();
    // Inside the vault's refresh margin, so the token counts as expired before the call.
    oauth.behaviour.codeTokenLifetimeS = 30;
    const meta = await connect('social/metaOAuth');
    const refreshesBefore = oauth.refreshes;

    const { run } = await runNodes([publishNode({ network: 'facebook', accountId: PAGE_ID, text: 'After refresh' }, { meta })]);

    expect(run.status).toBe('succeeded');
    expect(oauth.refreshes - refreshesBefore).toBe(1);
    expect(server.received[0].headers.authorization).toBe(`Bearer ${oauth.issuedAccessTokens[1]}`);
  });

  it('hides the page token in provider errors', async () => {
    test = await startSocialStudio();
    const meta = await connect('social/metaOAuth');
    server.behaviour.graphError = { status: 400, error: { message: `Invalid parameter for token ${PAGE_TOKEN}`, type: 'OAuthException', code: 100, error_subcode: 1366046, fbtrace_id: 'Trace42' } };

    const { run, tasks } = await runNodes([publishNode({ network: 'facebook', accountId: PAGE_ID, text: 'x' }, { meta })]);
    const error = tasks.get('post')?.error;

    expect(error).toMatchObject({ code: 'SOCIAL_REQUEST_INVALID', retryable: false, details: { network: 'facebook', status: 400, providerCode: 100, fbtraceId: 'Trace42', subcode: 1366046 } });
    expect(JSON.stringify(error)).not.toContain(PAGE_TOKEN);
    expect(JSON.stringify(run.error)).not.toContain(PAGE_TOKEN);
    expect(error?.message).toContain('[hidden]');
  });

  it('maps 429 and slow responses', async () => {
    test = await startSocialStudio();
    const meta = await connect('social/metaOAuth');
    server.behaviour.rateLimitSeconds = 2;

    const limited = await runNodes([publishNode({ network: 'facebook', accountId: PAGE_ID, text: 'x' }, { meta })]);
    server.behaviour.rateLimitSeconds = 0;
    server.behaviour.delayMs = 1_500;
    const slow = await runNodes([publishNode({ network: 'facebook', accountId: PAGE_ID, text: 'x', timeoutMs: 200 }, { meta })]);

    expect(limited.tasks.get('post')?.error).toMatchObject({ code: 'SOCIAL_RATE_LIMITED', retryable: true, details: { status: 429, providerCode: 4, retryAfterMs: 2000 } });
    expect(slow.tasks.get('post')?.error).toMatchObject({ code: 'PLUGIN_HTTP_TIMEOUT', retryable: true });
  });
});

describe('social on linkedin', () => {
  it('uploads an image and publishes', async () => {
    test = await startSocialStudio();
    const linkedin = await connect('social/linkedinOAuth');
    const maker = buildTestPackage({
      name: 'svgmaker',
      actions: [
        {
          name: 'make',
          run: `async (ctx) => { const ref = await ctx.files.put({ name: 'dot.svg', contentType: 'image/svg+xml', base64: ${JSON.stringify(Buffer.from(SVG).toString('base64'))} }); return { imageFileId: ref.id, text: 'A dot' }; }`,
        },
      ],
    });
    const installed = await request(test, { method: 'POST', url: '/v1/plugins', payload: maker });
    expect(installed.status, installed.raw.body).toBe(201);

    const { run, tasks } = await runNodes(
      [buildNode('make', { type: 'svgmaker/make@1' }), publishNode({ network: 'linkedin', accountId: LINKEDIN_AUTHOR, altText: 'a dot' }, { linkedin })],
      [buildEdge('make', 'post')],
    );
    const created = server.received.find((received) => received.method === 'POST' && received.url === '/rest/posts')!;

    expect(run.status, JSON.stringify(tasks.get('post')?.error)).toBe('succeeded');
    expect((run.output as any).post).toEqual({ network: 'linkedin', status: 'published', postId: 'urn:li:share:1001', postUrl: 'https://www.linkedin.com/feed/update/urn:li:share:1001/' });
    expect(server.uploads.map((upload) => upload.toString('utf8'))).toEqual([SVG]);
    expect(created.headers['linkedin-version']).toBe('202411');
    expect(created.headers['x-restli-protocol-version']).toBe('2.0.0');
    expect(created.headers.authorization).toBe(`Bearer ${oauth.issuedAccessTokens[0]}`);
    expect(JSON.parse(created.body)).toMatchObject({ author: LINKEDIN_AUTHOR, commentary: 'A dot', visibility: 'PUBLIC', lifecycleState: 'PUBLISHED', content: { media: { id: 'urn:li:image:C4D10AQ', altText: 'a dot' } } });
  });

  it('asks to reconnect on a revoked token', async () => {
    test = await startSocialStudio();
    const linkedin = await connect('social/linkedinOAuth');
    const token = oauth.issuedAccessTokens[0];

    // The stand-in checks each token with the authorization server. Here every check fails,
    // as LinkedIn's does for a token the member revoked.
    const revoked = await (async () => {
      const original = oauth.isLive;
      oauth.isLive = () => false;
      try {
        return await runNodes([publishNode({ network: 'linkedin', accountId: LINKEDIN_AUTHOR, text: 'x' }, { linkedin })]);
      } finally {
        oauth.isLive = original;
      }
    })();
    const error = revoked.tasks.get('post')?.error;

    expect(error).toMatchObject({ code: 'SOCIAL_AUTH_INVALID', retryable: false, details: { network: 'linkedin', status: 401, providerCode: 'REVOKED_ACCESS_TOKEN', serviceErrorCode: 65601 } });
    expect(JSON.stringify(error)).not.toContain(token);
  });
});
