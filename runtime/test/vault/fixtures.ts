/** The test plugin `acme` with credential types of every kind the vault handles. */
import type { PluginPackage } from '@gestorlead/sdk-plugin/plugin';
import { buildTestPackage } from '../plugins/support/packages.js';

/** The value of `acme/apiKey` that the `whoami` action accepts. */
export const GOOD_KEY = 'good-key-123456';

/** Schema of `acme/apiKey`: a secret key of 8 or more characters and a region to choose. */
export const API_KEY_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['key'],
  properties: {
    key: { type: 'string', format: 'password', minLength: 8 },
    region: { type: 'string', enum: ['eu', 'us'] },
  },
};

/** Builds `acme`; `oauth2` overrides the OAuth2 block of `acme/oauth`. */
export function acmePlugin(oauth2: Record<string, unknown> = {}): PluginPackage {
  return buildTestPackage({
    name: 'acme',
    hosts: ['api.acme.test'],
    credentialTypes: [
      { name: 'apiKey', displayName: 'Acme API key', schema: API_KEY_SCHEMA, test: { action: 'whoami' } },
      { name: 'other', displayName: 'Other', schema: { type: 'object', properties: { token: { type: 'string' } } } },
      {
        name: 'oauth',
        displayName: 'Acme account',
        schema: { type: 'object', properties: { workspace: { type: 'string' } } },
        oauth2: {
          authorizationUrl: 'https://auth.acme.example/authorize',
          tokenUrl: 'https://auth.acme.example/token',
          scopes: ['read', 'write'],
          ...oauth2,
        },
      },
    ],
    actions: [
      {
        name: 'whoami',
        credentialSlots: [{ slot: 'account', type: 'apiKey', required: true }],
        run: `async (ctx) => {
          if (ctx.credentials.account.key !== ${JSON.stringify(GOOD_KEY)}) {
            throw Object.assign(new Error('key rejected'), { code: 'ACME_KEY_REJECTED' });
          }
          return { ok: true };
        }`,
      },
      {
        name: 'show',
        credentialSlots: [
          { slot: 'account', type: 'apiKey', required: true },
          { slot: 'extra', type: 'other' },
        ],
        run: 'async (ctx) => ({ slots: Object.keys(ctx.credentials).sort(), region: ctx.credentials.account.region ?? null })',
      },
      {
        name: 'call',
        credentialSlots: [{ slot: 'acme', type: 'oauth', required: true }],
        run: `async (ctx) => {
          const credential = ctx.credentials.acme;
          const reply = await ctx.http.request({ url: ctx.config.url, headers: { authorization: 'Bearer ' + credential.accessToken } });
          return { status: reply.status, keys: Object.keys(credential).sort(), tokenType: credential.tokenType, workspace: credential.workspace ?? null };
        }`,
        configSchema: { type: 'object', properties: { url: { type: 'string' } } },
      },
    ],
  });
}
