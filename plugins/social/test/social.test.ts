import { ActionFailedError, runAction } from '@gestorlead/sdk-plugin/testing';
import { describe, expect, it } from 'vitest';
import plugin from '../src/index.js';
import { authorUrn } from '../src/linkedin.js';
import { hideTokens, providerError } from '../src/provider-errors.js';

const META = { accessToken: 'user-token-0123456789', tokenType: 'bearer', apiVersion: 'v21.0' };

async function failure(promise: Promise<unknown>): Promise<ActionFailedError> {
  const error = await promise.then(() => undefined, (thrown: unknown) => thrown);
  expect(error).toBeInstanceOf(ActionFailedError);
  return error as ActionFailedError;
}

describe('social provider errors', () => {
  it('maps Graph codes', () => {
    const response = (status: number, code: number) => ({ status, headers: {}, url: '', body: { error: { message: 'm', type: 'OAuthException', code, fbtrace_id: 't' } } });

    expect(providerError('facebook', 'x', response(400, 190), [], false).code).toBe('SOCIAL_AUTH_INVALID');
    expect(providerError('facebook', 'x', response(400, 32), [], false)).toMatchObject({ code: 'SOCIAL_RATE_LIMITED', retryable: true });
    expect(providerError('facebook', 'x', response(500, 2), [], false)).toMatchObject({ code: 'SOCIAL_PROVIDER_UNAVAILABLE', retryable: true });
    expect(providerError('facebook', 'x', response(500, 2), [], true)).toMatchObject({ code: 'SOCIAL_PROVIDER_UNAVAILABLE', retryable: false });
    expect(providerError('instagram', 'x', response(403, 200), [], false).code).toBe('SOCIAL_PERMISSION_DENIED');
  });

  it('hides tokens', () => {
    expect(hideTokens('bad token abcdefgh12 here', ['abcdefgh12'])).toBe('bad token [hidden] here');
  });

  it('builds author URNs', () => {
    expect(authorUrn('abc')).toBe('urn:li:person:abc');
    expect(authorUrn('urn:li:organization:5')).toBe('urn:li:organization:5');
  });
});

describe('social publish-post', () => {
  it('rejects an instagram post without media', async () => {
    const error = await failure(runAction(plugin, 'publish-post', { config: { network: 'instagram', accountId: '1', text: 'hi' }, credentials: { meta: META } }));

    expect(error.code).toBe('SOCIAL_INPUT_INVALID');
  });

  it('needs the network credential', async () => {
    const error = await failure(runAction(plugin, 'publish-post', { config: { network: 'linkedin', accountId: 'abc', text: 'hi' }, credentials: { meta: META } }));

    expect(error.code).toBe('SOCIAL_CREDENTIAL_MISSING');
  });

  it('posts a photo by URL', async () => {
    const http = {
      'GET https://graph.facebook.com/v21.0/101': { body: { access_token: 'page-token-0123456789', id: '101' } },
      'POST https://graph.facebook.com/v21.0/101/photos': { body: { id: 'p1', post_id: '101_5' } },
      'GET https://graph.facebook.com/v21.0/101_5': { body: { id: '101_5', permalink_url: '/101/posts/5' } },
    };

    const result = await runAction(plugin, 'publish-post', {
      config: { network: 'facebook', accountId: '101', text: 'Photo', imageUrl: 'https://cdn.example.com/a.jpg' },
      credentials: { meta: META },
      http,
    });

    expect(result.outputs.out).toEqual({ network: 'facebook', status: 'published', postId: '101_5', postUrl: 'https://www.facebook.com/101/posts/5' });
    expect(result.requests[1].headers.authorization).toBe('Bearer page-token-0123456789');
    expect(result.requests[1].body).toEqual({ url: 'https://cdn.example.com/a.jpg', caption: 'Photo' });
  });
});
