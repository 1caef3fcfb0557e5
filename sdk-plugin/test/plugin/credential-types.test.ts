import { describe, expect, expectTypeOf, it } from 'vitest';

import { checkValuesAgainstSchema, validateManifest, type ManifestProblem } from '../../src/manifest/index.js';
import {
  defineAction,
  defineCredentialType,
  outputs,
  p,
  type CredentialTypeManifest,
  type PluginManifest,
} from '../../src/plugin/index.js';

const OAUTH2 = {
  authorizationUrl: 'https://accounts.example.com/authorize',
  tokenUrl: 'https://accounts.example.com/token',
  scopes: ['mail.send'],
  scopeSeparator: ',',
  pkce: true,
  clientAuthentication: 'client_secret_post' as const,
  authorizationParams: { access_type: 'offline', prompt: 'consent' },
};

function manifestWith(type: Record<string, unknown>): PluginManifest {
  return {
    name: 'mailer',
    version: '1.0.0',
    runtime: '^0.1.0',
    displayName: 'Mailer',
    description: 'Sends email.',
    permissions: { hosts: [] },
    credentialTypes: [{ name: 'account', displayName: 'Account', schema: { type: 'object' }, ...type } as CredentialTypeManifest],
    actions: [
      {
        name: 'whoami',
        version: 1,
        displayName: 'Who am I',
        description: 'Reads the account.',
        configSchema: { type: 'object' },
        inputs: [],
        outputs: [{ name: 'out' }],
        credentialSlots: [{ slot: 'account', type: 'account', required: true }],
      },
      {
        name: 'ping',
        version: 1,
        displayName: 'Ping',
        description: 'Uses no credential.',
        configSchema: { type: 'object' },
        inputs: [],
        outputs: [{ name: 'out' }],
      },
    ],
    triggers: [],
  };
}

function problemsOf(type: Record<string, unknown>): ManifestProblem[] {
  const result = validateManifest(manifestWith(type));
  return result.ok ? [] : result.problems;
}

describe('credential type manifest', () => {
  it('accepts an OAuth2 block and a test action', () => {
    expect(problemsOf({ oauth2: OAUTH2, test: { action: 'whoami' } })).toEqual([]);
  });

  it('rejects invalid OAuth2 settings', () => {
    const problems = problemsOf({
      oauth2: {
        ...OAUTH2,
        tokenUrl: 'http://accounts.example.com/token',
        clientAuthentication: 'private_key_jwt',
        authorizationParams: { 'bad name': 'x' },
        clientSecret: 'never in a manifest',
      },
    });
    const pointers = problems.map((problem) => problem.pointer);

    expect(pointers).toContain('/credentialTypes/0/oauth2/tokenUrl');
    expect(pointers).toContain('/credentialTypes/0/oauth2/clientAuthentication');
    expect(pointers).toContain('/credentialTypes/0/oauth2/clientSecret');
    expect(problems.find((problem) => problem.pointer === '/credentialTypes/0/oauth2/clientSecret')?.message).toBe('is not allowed');
    expect(problems.every((problem) => problem.code === 'PLUGIN_MANIFEST_INVALID')).toBe(true);
  });

  it('needs a test action with a slot of the type', () => {
    const noSlot = problemsOf({ test: { action: 'ping' } });
    const missing = problemsOf({ test: { action: 'nothing' } });

    expect(noSlot).toEqual([
      {
        pointer: '/credentialTypes/0/test/action',
        message: 'must name an action of this plugin with a credential slot of type "account"',
        code: 'PLUGIN_MANIFEST_INVALID',
      },
    ]);
    expect(missing.map((problem) => problem.pointer)).toEqual(['/credentialTypes/0/test/action']);
  });
});

describe('defineCredentialType', () => {
  it('puts the OAuth2 block and the test in the manifest', () => {
    const type = defineCredentialType({
      name: 'account',
      displayName: 'Account',
      properties: { workspace: p.text() },
      oauth2: OAUTH2,
      test: { action: 'whoami' },
    });

    expect(type.manifest.oauth2).toEqual(OAUTH2);
    expect(type.manifest.oauth2).not.toBe(OAUTH2);
    expect(type.manifest.test).toEqual({ action: 'whoami' });
    expect(problemsOf({ ...type.manifest })).toEqual([]);
  });

  it('types the token fields of an OAuth2 type', () => {
    const account = defineCredentialType({ name: 'account', displayName: 'Account', properties: { workspace: p.text() }, oauth2: OAUTH2 });
    const plain = defineCredentialType({ name: 'plain', displayName: 'Plain', properties: { key: p.secret({ required: true }) } });

    defineAction({
      name: 'call',
      version: 1,
      displayName: 'Call',
      description: 'Calls.',
      config: {},
      credentials: [
        { slot: 'account', type: account, required: true },
        { slot: 'plain', type: plain, required: true },
      ],
      run(ctx) {
        expectTypeOf(ctx.credentials.account).toEqualTypeOf<{
          workspace?: string;
          accessToken: string;
          tokenType: string;
          expiresAt?: string;
          scopes?: string[];
        }>();
        expectTypeOf(ctx.credentials.plain).toEqualTypeOf<{ key: string }>();
        return outputs({ out: ctx.credentials.account.accessToken });
      },
    });
  });
});

describe('checkValuesAgainstSchema', () => {
  const schema = {
    type: 'object',
    additionalProperties: false,
    required: ['key'],
    properties: { key: { type: 'string', minLength: 8 }, region: { enum: ['eu', 'us'] } },
  };

  it('locates each problem with a pointer', () => {
    const problems = checkValuesAgainstSchema(schema, { key: 'short', region: 'mars', extra: true }, '/body/values');

    expect(problems).toEqual(
      expect.arrayContaining([
        { pointer: '/body/values/key', message: 'must be at least 8 characters long' },
        { pointer: '/body/values/region', message: 'must be one of: eu, us' },
        { pointer: '/body/values/extra', message: 'is not allowed' },
      ]),
    );
    expect(problems).toHaveLength(3);
  });

  it('reports missing properties at their own pointer', () => {
    expect(checkValuesAgainstSchema(schema, {}, '/values')).toEqual([{ pointer: '/values/key', message: 'is required' }]);
    expect(checkValuesAgainstSchema(schema, { key: 'long-enough' })).toEqual([]);
  });
});
