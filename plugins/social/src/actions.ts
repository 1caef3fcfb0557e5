import { defineAction, p, PluginError } from '@gestorlead/sdk-plugin/plugin';
import { linkedinOAuth, metaOAuth, type LinkedInConnection, type MetaConnection } from './credentials.js';
import { publishLinkedIn } from './linkedin.js';
import { CONTAINER_POLL_MS, GraphClient, publishContainer, publishFacebook, publishInstagram } from './meta.js';

/** Default time limit of one provider request, in milliseconds. */
const DEFAULT_TIMEOUT_MS = 30_000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Returns `config[name]` when set, else `input.in[name]`, as a trimmed string or undefined. */
function textOf(config: Record<string, unknown>, input: Record<string, unknown>, name: string): string | undefined {
  const configured = config[name];
  const value = configured !== undefined && configured !== '' ? configured : isRecord(input.in) ? input.in[name] : undefined;
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new PluginError('SOCIAL_INPUT_INVALID', `${name} must be a string`);
  }
  return String(value).trim();
}

function requireConnection<T>(value: T | undefined, network: string, slot: string): T {
  if (value === undefined) {
    throw new PluginError('SOCIAL_CREDENTIAL_MISSING', `posting to ${network} needs a credential in the "${slot}" slot`);
  }
  return value;
}

/** `social/publish-post@1`: one post on a Facebook Page, an Instagram account or LinkedIn. */
export const publishPostAction = defineAction({
  name: 'publish-post',
  version: 1,
  displayName: 'Publish post',
  description:
    'Publishes a post on a Facebook Page, an Instagram professional account or LinkedIn, and reads it back. Outputs { network, status, postId, postUrl, containerId? }.',
  group: 'Social',
  config: {
    network: p.select({ displayName: 'Network', options: ['facebook', 'instagram', 'linkedin'], required: true }),
    accountId: p.text({
      displayName: 'Page, account or author',
      description: 'Facebook Page id, Instagram professional account id, or LinkedIn author (urn:li:person:… or urn:li:organization:…); taken from input.accountId when empty.',
    }),
    text: p.text({ displayName: 'Text', multiline: true, description: 'Taken from input.text when empty.' }),
    link: p.text({ displayName: 'Link', description: 'Facebook only: a URL attached to a text post.' }),
    imageUrl: p.text({ displayName: 'Image URL', description: 'A public https URL that Meta downloads (Facebook and Instagram).' }),
    videoUrl: p.text({ displayName: 'Video URL', description: 'A public https URL that Meta downloads (Facebook and Instagram reels).' }),
    imageFileId: p.text({ displayName: 'Image file id', description: 'LinkedIn only: a file of this run (ctx.files), uploaded to LinkedIn.' }),
    altText: p.text({ displayName: 'Image alt text' }),
    timeoutMs: p.number({ displayName: 'Timeout per request (ms)', integer: true, minimum: 1, maximum: 120_000 }),
  },
  credentials: [
    { slot: 'meta', type: metaOAuth },
    { slot: 'linkedin', type: linkedinOAuth },
  ],
  async run(ctx) {
    const config = ctx.config as Record<string, unknown>;
    const network = ctx.config.network;
    const accountId = textOf(config, ctx.input, 'accountId');
    if (accountId === undefined) throw new PluginError('SOCIAL_INPUT_INVALID', 'accountId is required: set it in the node config or send it on the input');
    const text = textOf(config, ctx.input, 'text') ?? '';
    const timeoutMs = ctx.config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const imageUrl = textOf(config, ctx.input, 'imageUrl');
    const videoUrl = textOf(config, ctx.input, 'videoUrl');
    const imageFileId = textOf(config, ctx.input, 'imageFileId');

    if (network === 'linkedin') {
      if (imageUrl !== undefined || videoUrl !== undefined) {
        throw new PluginError('SOCIAL_INPUT_INVALID', 'LinkedIn images come from imageFileId; media URLs are for Facebook and Instagram');
      }
      if (text === '' && imageFileId === undefined) throw new PluginError('SOCIAL_INPUT_INVALID', 'a LinkedIn post needs text or an image');
      const connection = requireConnection(ctx.credentials.linkedin as LinkedInConnection | undefined, network, 'linkedin');
      const file = imageFileId === undefined ? undefined : await ctx.files.get(imageFileId);
      if (file !== undefined && !file.ref.contentType.startsWith('image/')) {
        throw new PluginError('SOCIAL_INPUT_INVALID', `file ${imageFileId} is ${file.ref.contentType}, not an image`);
      }
      const altText = textOf(config, ctx.input, 'altText');
      return publishLinkedIn(ctx, connection, {
        accountId,
        text,
        timeoutMs,
        ...(file !== undefined ? { image: { base64: file.base64, contentType: file.ref.contentType } } : {}),
        ...(altText !== undefined ? { altText } : {}),
      });
    }

    if (imageFileId !== undefined) {
      throw new PluginError('SOCIAL_INPUT_INVALID', `${network} takes media by public URL (imageUrl or videoUrl), not imageFileId`);
    }
    const connection = requireConnection(ctx.credentials.meta as MetaConnection | undefined, network, 'meta');
    const link = textOf(config, ctx.input, 'link');
    const post = {
      accountId,
      text,
      timeoutMs,
      ...(link !== undefined ? { link } : {}),
      ...(imageUrl !== undefined ? { imageUrl } : {}),
      ...(videoUrl !== undefined ? { videoUrl } : {}),
    };
    if (network === 'facebook' && text === '' && imageUrl === undefined && videoUrl === undefined) {
      throw new PluginError('SOCIAL_INPUT_INVALID', 'a Facebook post needs text, an image or a video');
    }
    return network === 'facebook' ? publishFacebook(ctx, connection, post) : publishInstagram(ctx, connection, post);
  },
});

/**
 * `social/instagram-publish@1`: publishes an Instagram container once Meta has processed it.
 * The isolate cannot wait, so each attempt reads the status once and a retry policy on
 * `SOCIAL_MEDIA_PROCESSING` provides the pauses.
 */
export const instagramPublishAction = defineAction({
  name: 'instagram-publish',
  version: 1,
  displayName: 'Publish Instagram container',
  description:
    'Reads an Instagram media container status_code; publishes it when FINISHED, fails with retryable SOCIAL_MEDIA_PROCESSING while IN_PROGRESS. Outputs { network, status, postId, postUrl }.',
  group: 'Social',
  config: {
    accountId: p.text({ displayName: 'Instagram account id', description: 'Taken from input.accountId when empty.' }),
    containerId: p.text({ displayName: 'Container id', description: 'Taken from input.containerId (the output of publish-post) when empty.' }),
    timeoutMs: p.number({ displayName: 'Timeout per request (ms)', integer: true, minimum: 1, maximum: 120_000 }),
  },
  credentials: [{ slot: 'meta', type: metaOAuth, required: true }],
  async run(ctx) {
    const config = ctx.config as Record<string, unknown>;
    const accountId = textOf(config, ctx.input, 'accountId');
    const containerId = textOf(config, ctx.input, 'containerId');
    if (accountId === undefined || containerId === undefined) {
      throw new PluginError('SOCIAL_INPUT_INVALID', 'accountId and containerId are required: set them in the node config or send them on the input');
    }
    const connection = ctx.credentials.meta as MetaConnection;
    const graph = new GraphClient(ctx, connection, 'instagram', ctx.config.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const result = await publishContainer(graph, accountId, containerId, connection.accessToken);
    if (result === null) {
      throw new PluginError('SOCIAL_MEDIA_PROCESSING', `Instagram is still processing container ${containerId}`, {
        retryable: true,
        details: { containerId, retryAfterMs: CONTAINER_POLL_MS },
      });
    }
    return result;
  },
});
