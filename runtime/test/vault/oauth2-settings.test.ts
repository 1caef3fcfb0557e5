import { describe, expect, it } from 'vitest';
import { loadOAuth2Config } from '../../src/vault/oauth2/settings.js';

function loadClients(value: unknown): ReturnType<typeof loadOAuth2Config> {
  return loadOAuth2Config({ OAUTH2_CLIENTS: typeof value === 'string' ? value : JSON.stringify(value) });
}

describe('oauth2 settings', () => {
  it('reads clients by credential type', () => {
    const config = loadClients({
      'acme/oauth': { clientId: 'id-1', clientSecret: 'secret-1', tokenUrl: 'http://127.0.0.1:9000/token' },
      'acme/public': { clientId: 'id-2' },
    });

    expect(config.clients['acme/oauth']).toEqual({
      clientId: 'id-1',
      clientSecret: 'secret-1',
      authorizationUrl: null,
      tokenUrl: 'http://127.0.0.1:9000/token',
    });
    expect(config.clients['acme/public'].clientSecret).toBeNull();
    expect(config.redirectUrl).toBeNull();
    expect(loadOAuth2Config({}).clients).toEqual({});
  });

  it('rejects invalid values without echoing secrets', () => {
    const cases: [unknown, RegExp][] = [
      ['{"acme/oauth": {"clientId": "x", "clientSecret": "hidden-secret"', /must be a JSON object/],
      [[], /must be a JSON object/],
      [{ 'not a type': { clientId: 'x' } }, /key "not a type" must be a credential type/],
      [{ 'acme/oauth': { clientSecret: 'hidden-secret' } }, /clientId must be a non-empty string/],
      [{ 'acme/oauth': { clientId: 'x', secret: 'hidden-secret' } }, /\.secret is not a known field/],
      [{ 'acme/oauth': { clientId: 'x', tokenUrl: 'http://auth.example.com/token' } }, /tokenUrl must be an https URL/],
      [{ 'acme/oauth': { clientId: 'x', authorizationUrl: 'not a url' } }, /authorizationUrl must be an absolute URL/],
    ];
    for (const [value, message] of cases) {
      let thrown: Error | undefined;
      try {
        loadClients(value);
      } catch (error) {
        thrown = error as Error;
      }
      expect(thrown?.message, JSON.stringify(value)).toMatch(message);
      expect(thrown?.message).not.toContain('hidden-secret');
    }
  });

  it('checks the redirect URL', () => {
    const valid = 'https://studio.example.com/v1/credentials/oauth2/callback';

    expect(loadOAuth2Config({ OAUTH2_REDIRECT_URL: valid }).redirectUrl).toBe(valid);
    expect(() => loadOAuth2Config({ OAUTH2_REDIRECT_URL: 'https://studio.example.com/callback' })).toThrow(/OAUTH2_REDIRECT_URL/);
    expect(() => loadOAuth2Config({ OAUTH2_REDIRECT_URL: 'ftp://studio.example.com/v1/credentials/oauth2/callback' })).toThrow(
      /OAUTH2_REDIRECT_URL/,
    );
  });
});
