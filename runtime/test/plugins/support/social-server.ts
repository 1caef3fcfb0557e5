/**
 * A stand-in for the Meta Graph API (graph.facebook.com, versioned paths such as /v21.0) and
 * the LinkedIn REST API (api.linkedin.com) on 127.0.0.1, told apart by the Host header. User
 * tokens are checked against the OAuth2 stand-in, so an expired token gets Graph's code 190.
 */
import type { ServerResponse } from 'node:http';
import { sendJson, startLocalServer, type LocalServer, type ReceivedRequest } from './local-server.js';

/** The Page access token Graph hands to the Page's manager. */
export const PAGE_TOKEN = 'EAAPageToken1234567890abcdef';
export const PAGE_ID = '101';
export const IG_USER_ID = '17841400000000001';
export const LINKEDIN_AUTHOR = 'urn:li:person:abc123';

/** Behaviour switches a test may flip. */
export interface SocialBehaviour {
  /** Status reads of a video container before it is FINISHED. */
  videoReadsBeforeFinished: number;
  /** Error body and status returned for every Graph POST, when set. */
  graphError: { status: number; error: Record<string, unknown> } | null;
  /** Seconds of `retry-after` sent with a 429 for every request while above 0. */
  rateLimitSeconds: number;
  delayMs: number;
}

export interface SocialServer extends LocalServer {
  behaviour: SocialBehaviour;
  /** Bytes received by image uploads. */
  uploads: Buffer[];
  posts: Record<string, unknown>[];
  reset(): void;
}

function graphError(response: ServerResponse, status: number, code: number, message: string, type = 'OAuthException'): void {
  sendJson(response, status, { error: { message, type, code, fbtrace_id: 'AbCdEfGh123' } });
}

/** Starts the stand-in; `isLive` tells whether a user access token is valid now. */
export async function startSocialServer(isLive: (token: string) => boolean): Promise<SocialServer> {
  const behaviour: SocialBehaviour = { videoReadsBeforeFinished: 0, graphError: null, rateLimitSeconds: 0, delayMs: 0 };
  const uploads: Buffer[] = [];
  const posts: Record<string, unknown>[] = [];
  const containers = new Map<string, { video: boolean; reads: number }>();
  const published = new Map<string, string>();
  let counter = 1000;
  let port = 0;

  const graph = (request: ReceivedRequest, response: ServerResponse, url: URL, token: string) => {
    const match = /^\/v21\.0\/([^/]+)(?:\/([a-z_]+))?$/.exec(url.pathname);
    if (match === null) return graphError(response, 400, 2500, 'Unknown path components', 'OAuthException');
    const [, node, edge] = match;
    const body = request.body === '' ? {} : JSON.parse(request.body);
    if (request.method === 'POST' && behaviour.graphError !== null) {
      return sendJson(response, behaviour.graphError.status, { error: behaviour.graphError.error });
    }
    const userToken = token !== PAGE_TOKEN;
    if (userToken && !isLive(token)) return graphError(response, 401, 190, 'Error validating access token: Session has expired.');
    if (request.method === 'GET' && node === PAGE_ID && url.searchParams.get('fields') === 'access_token') {
      return sendJson(response, 200, { access_token: PAGE_TOKEN, id: PAGE_ID });
    }
    if (request.method === 'POST' && node === PAGE_ID && (edge === 'feed' || edge === 'photos' || edge === 'videos')) {
      if (token !== PAGE_TOKEN) return graphError(response, 403, 200, '(#200) The user hasn\'t authorized the application to perform this action');
      counter += 1;
      posts.push({ network: 'facebook', edge, ...body });
      if (edge === 'photos') return sendJson(response, 200, { id: `photo${counter}`, post_id: `${PAGE_ID}_${counter}` });
      return sendJson(response, 200, { id: edge === 'videos' ? `video${counter}` : `${PAGE_ID}_${counter}` });
    }
    if (request.method === 'POST' && node === IG_USER_ID && edge === 'media') {
      counter += 1;
      containers.set(`container${counter}`, { video: body.media_type === 'REELS', reads: 0 });
      posts.push({ network: 'instagram', ...body });
      return sendJson(response, 200, { id: `container${counter}` });
    }
    if (request.method === 'POST' && node === IG_USER_ID && edge === 'media_publish') {
      const container = containers.get(body.creation_id);
      if (container === undefined) return graphError(response, 400, 100, 'Invalid parameter', 'OAuthException');
      counter += 1;
      published.set(`${counter}`, body.creation_id);
      return sendJson(response, 200, { id: `${counter}` });
    }
    if (request.method === 'GET' && containers.has(node)) {
      const container = containers.get(node)!;
      container.reads += 1;
      const finished = !container.video || container.reads > behaviour.videoReadsBeforeFinished;
      return sendJson(response, 200, { status_code: finished ? 'FINISHED' : 'IN_PROGRESS', id: node });
    }
    if (request.method === 'GET' && published.has(node)) {
      return sendJson(response, 200, { id: node, permalink: `https://www.instagram.com/p/C${node}/` });
    }
    if (request.method === 'GET' && node.startsWith(`${PAGE_ID}_`)) {
      return sendJson(response, 200, { id: node, permalink_url: `https://www.facebook.com/${PAGE_ID}/posts/${node.split('_')[1]}` });
    }
    return graphError(response, 404, 803, `(#803) Some of the aliases you requested do not exist: ${node}`);
  };

  const linkedin = (request: ReceivedRequest, response: ServerResponse, url: URL, token: string) => {
    if (!isLive(token)) {
      return sendJson(response, 401, { status: 401, serviceErrorCode: 65601, code: 'REVOKED_ACCESS_TOKEN', message: 'The token used in the request has been revoked by the user' });
    }
    if (url.pathname.startsWith('/rest/') && (request.headers['linkedin-version'] !== '202411' || request.headers['x-restli-protocol-version'] !== '2.0.0')) {
      return sendJson(response, 426, { status: 426, code: 'NONEXISTENT_VERSION', message: 'Requested version is not active' });
    }
    if (request.method === 'POST' && url.pathname === '/rest/images' && url.searchParams.get('action') === 'initializeUpload') {
      return sendJson(response, 200, { value: { uploadUrlExpiresAt: Date.now() + 3_600_000, uploadUrl: `http://api.linkedin.com:${port}/dms-uploads/img1`, image: 'urn:li:image:C4D10AQ' } });
    }
    if (request.method === 'PUT' && url.pathname === '/dms-uploads/img1') {
      // The local server reads bodies as UTF-8, so tests upload images whose bytes are text (SVG).
      uploads.push(Buffer.from(request.body, 'utf8'));
      response.writeHead(201);
      response.end();
      return;
    }
    if (request.method === 'POST' && url.pathname === '/rest/posts') {
      const body = JSON.parse(request.body);
      if (typeof body.commentary !== 'string' || body.author !== LINKEDIN_AUTHOR) {
        return sendJson(response, 422, { status: 422, code: 'UNPROCESSABLE_ENTITY', message: 'author or commentary is invalid' });
      }
      counter += 1;
      posts.push({ network: 'linkedin', id: `urn:li:share:${counter}`, ...body });
      response.writeHead(201, { 'x-restli-id': `urn:li:share:${counter}` });
      response.end();
      return;
    }
    const postMatch = /^\/rest\/posts\/(.+)$/.exec(url.pathname);
    if (request.method === 'GET' && postMatch !== null) {
      const post = posts.find((item) => item.id === decodeURIComponent(postMatch[1]));
      return post === undefined ? sendJson(response, 404, { status: 404, code: 'NOT_FOUND', message: 'Not found' }) : sendJson(response, 200, post);
    }
    return sendJson(response, 404, { status: 404, code: 'NOT_FOUND', message: `no route ${request.method} ${url.pathname}` });
  };

  const server = await startLocalServer(async (request, response) => {
    if (behaviour.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
    if (behaviour.rateLimitSeconds > 0) {
      response.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(behaviour.rateLimitSeconds) });
      response.end(JSON.stringify({ error: { message: 'Application request limit reached', type: 'OAuthException', code: 4, fbtrace_id: 'RaTe123' } }));
      return;
    }
    const url = new URL(request.url, 'http://localhost');
    const token = (request.headers.authorization ?? '').replace(/^Bearer /, '');
    const host = String(request.headers.host ?? '').split(':')[0];
    return host === 'api.linkedin.com' ? linkedin(request, response, url, token) : graph(request, response, url, token);
  });
  port = server.port;
  return Object.assign(server, {
    behaviour,
    uploads,
    posts,
    reset() {
      Object.assign(behaviour, { videoReadsBeforeFinished: 0, graphError: null, rateLimitSeconds: 0, delayMs: 0 });
      uploads.length = 0;
      posts.length = 0;
      containers.clear();
      published.clear();
      counter = 1000;
      server.received.length = 0;
    },
  });
}
