/**
 * Posts through the Meta Graph API: Facebook Page posts with a Page access token, and Instagram
 * posts through media containers. Requests send the token in the `Authorization` header.
 */
import { PluginError, type ActionContext, type HttpResponseData } from '@gestorlead/sdk-plugin/plugin';
import type { MetaConnection } from './credentials.js';
import { providerError } from './provider-errors.js';

/** The result of a publish call, whatever the network. */
export interface PublishResult {
  network: 'facebook' | 'instagram' | 'linkedin';
  status: 'published' | 'processing';
  postId: string | null;
  postUrl: string | null;
  /** The Instagram media container, while Meta still processes a video. */
  containerId?: string;
}

/** A post as the action received it, with media given by public URL. */
export interface MetaPost {
  accountId: string;
  text: string;
  link?: string;
  imageUrl?: string;
  videoUrl?: string;
  timeoutMs: number;
}

/** One Graph request for one call, with the tokens to hide from errors. */
export class GraphClient {
  readonly #ctx: Pick<ActionContext, 'http'>;
  readonly #base: string;
  readonly #tokens: string[];
  readonly #timeoutMs: number;
  readonly network: 'facebook' | 'instagram';

  constructor(ctx: Pick<ActionContext, 'http'>, connection: MetaConnection, network: 'facebook' | 'instagram', timeoutMs: number) {
    this.#ctx = ctx;
    const root = (connection.apiBaseUrl || 'https://graph.facebook.com').replace(/\/+$/, '');
    this.#base = `${root}/${connection.apiVersion}`;
    this.#tokens = [connection.accessToken];
    this.#timeoutMs = timeoutMs;
    this.network = network;
  }

  /** Adds a token obtained during the call, so errors hide it too. */
  hide(token: string): void {
    this.#tokens.push(token);
  }

  /** Sends a Graph request with `token` and returns the JSON body, or throws a coded error. */
  async call<T>(method: 'GET' | 'POST', path: string, token: string, options: { query?: Record<string, string>; body?: Record<string, unknown> } = {}): Promise<T> {
    const response: HttpResponseData = await this.#ctx.http.request({
      method,
      url: `${this.#base}/${path}`,
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      ...(options.query !== undefined ? { query: options.query } : {}),
      ...(options.body !== undefined ? { body: options.body } : {}),
      responseType: 'json',
      timeoutMs: this.#timeoutMs,
    });
    if (response.status >= 400) throw providerError(this.network, `${method} /${path.split('?')[0]}`, response, this.#tokens, method === 'POST');
    return response.body as T;
  }
}

/** Returns an absolute facebook.com URL for a permalink that Graph may return as a path. */
function absoluteFacebookUrl(permalink: unknown): string | null {
  if (typeof permalink !== 'string' || permalink === '') return null;
  return permalink.startsWith('/') ? `https://www.facebook.com${permalink}` : permalink;
}

/** Publishes a Page post: text (with an optional link), a photo or a video, by public URL. */
export async function publishFacebook(ctx: Pick<ActionContext, 'http' | 'log'>, connection: MetaConnection, post: MetaPost): Promise<PublishResult> {
  const graph = new GraphClient(ctx, connection, 'facebook', post.timeoutMs);
  const pageId = encodeURIComponent(post.accountId);
  // Page posts need the Page's own token, which Graph returns to a user who manages the Page.
  const page = await graph.call<{ access_token?: string }>('GET', pageId, connection.accessToken, { query: { fields: 'access_token' } });
  if (typeof page.access_token !== 'string' || page.access_token === '') {
    throw new PluginError('SOCIAL_PERMISSION_DENIED', `the connected Facebook user does not manage page ${post.accountId} (no Page access token)`);
  }
  const pageToken = page.access_token;
  graph.hide(pageToken);

  let postId: string;
  if (post.videoUrl !== undefined) {
    const video = await graph.call<{ id: string }>('POST', `${pageId}/videos`, pageToken, { body: { file_url: post.videoUrl, description: post.text } });
    postId = video.id;
  } else if (post.imageUrl !== undefined) {
    const photo = await graph.call<{ id: string; post_id?: string }>('POST', `${pageId}/photos`, pageToken, { body: { url: post.imageUrl, caption: post.text } });
    postId = photo.post_id ?? photo.id;
  } else {
    const body: Record<string, unknown> = { message: post.text };
    if (post.link !== undefined) body.link = post.link;
    const created = await graph.call<{ id: string }>('POST', `${pageId}/feed`, pageToken, { body });
    postId = created.id;
  }
  const readBack = await graph.call<{ id: string; permalink_url?: string }>('GET', encodeURIComponent(postId), pageToken, { query: { fields: 'id,permalink_url' } });
  ctx.log.info('published a Facebook Page post', { pageId: post.accountId, postId });
  return { network: 'facebook', status: 'published', postId, postUrl: absoluteFacebookUrl(readBack.permalink_url) };
}

/** Instagram container statuses (`status_code`). */
type ContainerStatus = 'EXPIRED' | 'ERROR' | 'FINISHED' | 'IN_PROGRESS' | 'PUBLISHED';

/** Wait before the next status read of a container still in progress, in milliseconds. */
export const CONTAINER_POLL_MS = 3_000;

/**
 * Reads a container's status once and publishes it when it is finished. Returns null while it
 * is in progress. Throws `SOCIAL_MEDIA_FAILED` when Meta could not process it.
 */
export async function publishContainer(graph: GraphClient, accountId: string, containerId: string, token: string): Promise<PublishResult | null> {
  const container = await graph.call<{ status_code?: ContainerStatus; status?: string }>('GET', encodeURIComponent(containerId), token, {
    query: { fields: 'status_code,status' },
  });
  if (container.status_code === 'IN_PROGRESS') return null;
  if (container.status_code === 'ERROR' || container.status_code === 'EXPIRED') {
    throw new PluginError('SOCIAL_MEDIA_FAILED', `Instagram could not process container ${containerId}: ${container.status_code} ${container.status ?? ''}`.trim(), {
      details: { containerId, statusCode: container.status_code },
    });
  }
  const published = await graph.call<{ id: string }>('POST', `${encodeURIComponent(accountId)}/media_publish`, token, { body: { creation_id: containerId } });
  const media = await graph.call<{ id: string; permalink?: string }>('GET', encodeURIComponent(published.id), token, { query: { fields: 'id,permalink' } });
  return { network: 'instagram', status: 'published', postId: published.id, postUrl: media.permalink ?? null };
}

/**
 * Publishes an Instagram image or video (a reel) by public URL. A video whose container is still
 * in progress returns `status: "processing"` with the container id, for `social/instagram-publish@1`.
 */
export async function publishInstagram(ctx: Pick<ActionContext, 'http' | 'log'>, connection: MetaConnection, post: MetaPost): Promise<PublishResult> {
  if (post.imageUrl === undefined && post.videoUrl === undefined) {
    throw new PluginError('SOCIAL_INPUT_INVALID', 'an Instagram post needs imageUrl or videoUrl: Instagram has no text-only posts');
  }
  const graph = new GraphClient(ctx, connection, 'instagram', post.timeoutMs);
  const token = connection.accessToken;
  const media: Record<string, unknown> = { caption: post.text };
  if (post.videoUrl !== undefined) {
    media.media_type = 'REELS';
    media.video_url = post.videoUrl;
  } else {
    media.image_url = post.imageUrl;
  }
  const container = await graph.call<{ id: string }>('POST', `${encodeURIComponent(post.accountId)}/media`, token, { body: media });
  const result = await publishContainer(graph, post.accountId, container.id, token);
  if (result === null) {
    ctx.log.info('Instagram is processing the video', { containerId: container.id });
    return { network: 'instagram', status: 'processing', postId: null, postUrl: null, containerId: container.id };
  }
  ctx.log.info('published an Instagram post', { accountId: post.accountId, postId: result.postId });
  return result;
}
