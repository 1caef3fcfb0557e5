/**
 * Posts through the LinkedIn Posts API (`POST /rest/posts`), with images uploaded through the
 * Images API (`POST /rest/images?action=initializeUpload`, then a PUT of the bytes).
 */
import { PluginError, type ActionContext, type HttpRequestData, type HttpResponseData } from '@gestorlead/sdk-plugin/plugin';
import type { LinkedInConnection } from './credentials.js';
import type { PublishResult } from './meta.js';
import { providerError } from './provider-errors.js';

/** A LinkedIn post: the author URN, the text and an optional image file. */
export interface LinkedInPost {
  accountId: string;
  text: string;
  image?: { base64: string; contentType: string };
  altText?: string;
  timeoutMs: number;
}

/** Returns the author URN: a full `urn:li:…` as given, or a member id as `urn:li:person:<id>`. */
export function authorUrn(accountId: string): string {
  return accountId.startsWith('urn:li:') ? accountId : `urn:li:person:${accountId}`;
}

async function send(ctx: Pick<ActionContext, 'http'>, connection: LinkedInConnection, request: HttpRequestData, what: string, create: boolean): Promise<HttpResponseData> {
  const response = await ctx.http.request({
    ...request,
    headers: {
      authorization: `Bearer ${connection.accessToken}`,
      'linkedin-version': connection.linkedinVersion,
      'x-restli-protocol-version': '2.0.0',
      ...request.headers,
    },
  });
  if (response.status >= 400) throw providerError('linkedin', what, response, [connection.accessToken], create);
  return response;
}

/** Uploads an image and returns its `urn:li:image:…`. */
async function uploadImage(ctx: Pick<ActionContext, 'http'>, connection: LinkedInConnection, base: string, owner: string, post: LinkedInPost): Promise<string> {
  const initialized = await send(
    ctx,
    connection,
    { method: 'POST', url: `${base}/rest/images`, query: { action: 'initializeUpload' }, body: { initializeUploadRequest: { owner } }, responseType: 'json', timeoutMs: post.timeoutMs },
    'POST /rest/images?action=initializeUpload',
    false,
  );
  const value = (initialized.body as { value?: { uploadUrl?: string; image?: string } } | null)?.value;
  if (typeof value?.uploadUrl !== 'string' || typeof value.image !== 'string') {
    throw new PluginError('SOCIAL_PROVIDER_RESPONSE_INVALID', 'LinkedIn initializeUpload returned no uploadUrl or image URN', { retryable: true });
  }
  await send(
    ctx,
    connection,
    { method: 'PUT', url: value.uploadUrl, headers: { 'content-type': post.image!.contentType }, bodyBase64: post.image!.base64, responseType: 'text', timeoutMs: post.timeoutMs },
    'image upload',
    false,
  );
  return value.image;
}

/** Publishes a LinkedIn post and reads it back. */
export async function publishLinkedIn(ctx: Pick<ActionContext, 'http' | 'log'>, connection: LinkedInConnection, post: LinkedInPost): Promise<PublishResult> {
  const base = (connection.apiBaseUrl || 'https://api.linkedin.com').replace(/\/+$/, '');
  const author = authorUrn(post.accountId);
  const body: Record<string, unknown> = {
    author,
    commentary: post.text,
    visibility: 'PUBLIC',
    distribution: { feedDistribution: 'MAIN_FEED', targetEntities: [], thirdPartyDistributionChannels: [] },
    lifecycleState: 'PUBLISHED',
    isReshareDisabledByAuthor: false,
  };
  if (post.image !== undefined) {
    const image = await uploadImage(ctx, connection, base, author, post);
    body.content = { media: { id: image, ...(post.altText !== undefined ? { altText: post.altText } : {}) } };
  }
  const created = await send(ctx, connection, { method: 'POST', url: `${base}/rest/posts`, body, responseType: 'text', timeoutMs: post.timeoutMs }, 'POST /rest/posts', true);
  // LinkedIn returns 201 with an empty body and the post's URN in `x-restli-id`.
  const urn = created.headers['x-restli-id'];
  if (typeof urn !== 'string' || urn === '') {
    throw new PluginError('SOCIAL_PROVIDER_RESPONSE_INVALID', 'LinkedIn created the post but returned no x-restli-id', { details: { status: created.status } });
  }
  const readBack = await send(ctx, connection, { method: 'GET', url: `${base}/rest/posts/${encodeURIComponent(urn)}`, responseType: 'json', timeoutMs: post.timeoutMs }, 'GET /rest/posts', false);
  const postId = (readBack.body as { id?: string } | null)?.id ?? urn;
  ctx.log.info('published a LinkedIn post', { author, postId });
  return { network: 'linkedin', status: 'published', postId, postUrl: `https://www.linkedin.com/feed/update/${postId}/` };
}
