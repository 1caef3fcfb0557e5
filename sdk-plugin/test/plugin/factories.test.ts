import { describe, expect, it } from 'vitest';

import {
  applyDefaults,
  defineAction,
  defineCredentialType,
  definePlugin,
  defineTrigger,
  normalizeActionResult,
  OUTPUTS_MARKER,
  outputs,
  p,
  PluginError,
  toPluginErrorData,
  type ActionContext,
  type TriggerContext,
} from '../../src/plugin/index.js';

function contextWith(config: Record<string, unknown>, credentials: Record<string, unknown> = {}): ActionContext {
  return { config, credentials } as unknown as ActionContext;
}

describe('property builders', () => {
  it('text schema with annotations', () => {
    const property = p.text({
      displayName: 'Subject',
      description: 'Line shown in the inbox',
      required: true,
      default: 'Hi',
      placeholder: 'Hello there',
      minLength: 1,
      maxLength: 200,
      pattern: '^\\S',
      multiline: true,
    });

    expect(property.required).toBe(true);
    expect(property.schema).toEqual({
      title: 'Subject',
      description: 'Line shown in the inbox',
      type: 'string',
      minLength: 1,
      maxLength: 200,
      pattern: '^\\S',
      'x-multiline': true,
      default: 'Hi',
      'x-placeholder': 'Hello there',
    });
  });

  it('text without options', () => {
    expect(p.text()).toEqual({ schema: { type: 'string' }, required: false });
  });

  it('number and integer schemas', () => {
    expect(p.number({ displayName: 'Ratio', minimum: 0, maximum: 1 }).schema).toEqual({
      title: 'Ratio',
      type: 'number',
      minimum: 0,
      maximum: 1,
    });
    expect(p.number({ integer: true, exclusiveMinimum: 0, default: 3 }).schema).toEqual({
      type: 'integer',
      exclusiveMinimum: 0,
      default: 3,
    });
  });

  it('boolean schema', () => {
    expect(p.boolean({ displayName: 'Active', default: false }).schema).toEqual({
      title: 'Active',
      type: 'boolean',
      default: false,
    });
  });

  it('select with plain and labelled options', () => {
    expect(p.select({ options: ['a', 'b'] }).schema).toEqual({ type: 'string', enum: ['a', 'b'] });
    expect(p.select({ displayName: 'Tier', options: [{ value: 'hot', label: 'Hot lead' }, 'cold'] }).schema).toEqual({
      title: 'Tier',
      type: 'string',
      enum: ['hot', 'cold'],
      'x-enumNames': ['Hot lead', 'cold'],
    });
  });

  it('select rejects bad options', () => {
    expect(() => p.select({ options: [] })).toThrow('p.select needs at least one option');
    expect(() => p.select({ options: ['a'], default: 'b' as 'a' })).toThrow(
      'p.select default "b" is not one of the options: a',
    );
  });

  it('secret marks password and writeOnly', () => {
    expect(p.secret({ displayName: 'Token', required: true })).toEqual({
      schema: { title: 'Token', type: 'string', format: 'password', writeOnly: true },
      required: true,
    });
  });

  it('json, file, array and object schemas', () => {
    expect(p.json({ displayName: 'Payload', schema: { type: 'object' } }).schema).toEqual({
      title: 'Payload',
      type: 'object',
    });
    expect(p.file({ displayName: 'Attachment' }).schema).toEqual({
      title: 'Attachment',
      type: 'object',
      required: ['id'],
      properties: { id: { type: 'string', minLength: 1 } },
      'x-file': true,
    });
    expect(p.array(p.text(), { displayName: 'Tags', maxItems: 5 }).schema).toEqual({
      title: 'Tags',
      type: 'array',
      items: { type: 'string' },
      maxItems: 5,
    });
    expect(p.object({ city: p.text({ required: true }), zip: p.text() }, { displayName: 'Address' }).schema).toEqual({
      title: 'Address',
      type: 'object',
      properties: { city: { type: 'string' }, zip: { type: 'string' } },
      required: ['city'],
      additionalProperties: false,
    });
  });

  it('default is copied, not shared', () => {
    const tags = ['a'];
    const property = p.array(p.text(), { default: tags });
    tags.push('b');

    expect(property.schema.default).toEqual(['a']);
  });
});

const apiKey = defineCredentialType({
  name: 'apiKey',
  displayName: 'API key',
  description: 'Key from the mailer dashboard',
  properties: {
    key: p.secret({ displayName: 'Key', required: true }),
    region: p.select({ displayName: 'Region', options: ['eu', 'us'], default: 'eu' }),
  },
});

const send = defineAction({
  name: 'send',
  version: 2,
  displayName: 'Send email',
  description: 'Sends one email.',
  group: 'Email',
  config: {
    to: p.text({ displayName: 'To', required: true }),
    retries: p.number({ displayName: 'Retries', integer: true, default: 1 }),
  },
  outputs: ['sent', { name: 'bounced', displayName: 'Bounced', schema: { type: 'object' } }],
  credentials: [{ slot: 'account', type: apiKey, required: true }],
  credits: { fixed: 1 },
  limits: { timeoutMs: 10_000, memoryMb: 64 },
  run: (ctx) => ({ to: ctx.config.to, retries: ctx.config.retries, region: ctx.credentials.account.region }),
});

const inbound = defineTrigger({
  name: 'inbound',
  displayName: 'Inbound email',
  description: 'Starts a run per received email.',
  kind: 'webhook',
  config: { mailbox: p.text({ displayName: 'Mailbox', default: 'inbox' }) },
  credentials: [{ slot: 'account', type: 'apiKey' }],
  verify: (ctx) => ctx.request.headers['x-token'] === 'ok',
  parse: (ctx) => ({ mailbox: ctx.config.mailbox, body: ctx.request.body }),
});

const plugin = definePlugin({
  name: 'mailer',
  version: '1.2.0',
  runtime: '^0.1.0',
  displayName: 'Mailer',
  description: 'Sends and receives email.',
  icon: 'data:image/svg+xml;base64,PHN2Zy8+',
  permissions: { hosts: ['api.mailer.example', '*.mailer.example'] },
  actions: [send],
  triggers: [inbound],
});

describe('definePlugin', () => {
  it('produces the exact manifest JSON', () => {
    expect(JSON.parse(JSON.stringify(plugin.manifest))).toEqual(plugin.manifest);
    expect(plugin.manifest).toEqual({
      name: 'mailer',
      version: '1.2.0',
      runtime: '^0.1.0',
      displayName: 'Mailer',
      description: 'Sends and receives email.',
      icon: 'data:image/svg+xml;base64,PHN2Zy8+',
      permissions: { hosts: ['api.mailer.example', '*.mailer.example'] },
      credentialTypes: [
        {
          name: 'apiKey',
          displayName: 'API key',
          description: 'Key from the mailer dashboard',
          schema: {
            type: 'object',
            properties: {
              key: { title: 'Key', type: 'string', format: 'password', writeOnly: true },
              region: { title: 'Region', type: 'string', enum: ['eu', 'us'], default: 'eu' },
            },
            required: ['key'],
            additionalProperties: false,
          },
        },
      ],
      actions: [
        {
          name: 'send',
          version: 2,
          displayName: 'Send email',
          description: 'Sends one email.',
          group: 'Email',
          configSchema: {
            type: 'object',
            properties: {
              to: { title: 'To', type: 'string' },
              retries: { title: 'Retries', type: 'integer', default: 1 },
            },
            required: ['to'],
            additionalProperties: false,
          },
          inputs: [{ name: 'in' }],
          outputs: [
            { name: 'sent' },
            { name: 'bounced', displayName: 'Bounced', schema: { type: 'object' } },
          ],
          credentialSlots: [{ slot: 'account', type: 'apiKey', required: true }],
          credits: { fixed: 1 },
          limits: { timeoutMs: 10_000, memoryMb: 64 },
        },
      ],
      triggers: [
        {
          name: 'inbound',
          displayName: 'Inbound email',
          description: 'Starts a run per received email.',
          kind: 'webhook',
          configSchema: {
            type: 'object',
            properties: { mailbox: { title: 'Mailbox', type: 'string', default: 'inbox' } },
            additionalProperties: false,
          },
          credentialSlots: [{ slot: 'account', type: 'apiKey' }],
        },
      ],
    });
  });

  it('keeps the manifest key order', () => {
    expect(Object.keys(plugin.manifest)).toEqual([
      'name',
      'version',
      'runtime',
      'displayName',
      'description',
      'icon',
      'permissions',
      'credentialTypes',
      'actions',
      'triggers',
    ]);
    expect(Object.keys(plugin.manifest.actions[0])).toEqual([
      'name',
      'version',
      'displayName',
      'description',
      'group',
      'configSchema',
      'inputs',
      'outputs',
      'credentialSlots',
      'credits',
      'limits',
    ]);
  });

  it('minimal action gets default ports', () => {
    const action = defineAction({
      name: 'noop',
      version: 1,
      displayName: 'No-op',
      description: 'Does nothing.',
      config: {},
      run: () => null,
    });

    expect(action.manifest).toEqual({
      name: 'noop',
      version: 1,
      displayName: 'No-op',
      description: 'Does nothing.',
      configSchema: { type: 'object', properties: {}, additionalProperties: false },
      inputs: [{ name: 'in' }],
      outputs: [{ name: 'out' }],
    });
  });

  it('declares referenced credential types once', () => {
    const other = defineAction({
      name: 'other',
      version: 1,
      displayName: 'Other',
      description: 'Uses the same key.',
      config: {},
      credentials: [{ slot: 'account', type: apiKey }],
      run: () => null,
    });
    const both = definePlugin({ ...pluginOptions(), credentialTypes: [apiKey], actions: [send, other] });

    expect(both.manifest.credentialTypes.map((type) => type.name)).toEqual(['apiKey']);
  });

  it('exposes the runtime pieces', () => {
    expect(plugin.actions).toHaveLength(1);
    expect(plugin.actions[0]).toMatchObject({ name: 'send', version: 2 });
    expect(typeof plugin.actions[0].run).toBe('function');
    expect(plugin.triggers[0].name).toBe('inbound');
    expect(typeof plugin.triggers[0].verify).toBe('function');
    expect(typeof plugin.triggers[0].parse).toBe('function');
  });
});

function pluginOptions() {
  return {
    name: 'mailer',
    version: '1.0.0',
    runtime: '*',
    displayName: 'Mailer',
    description: 'Mail.',
    permissions: { hosts: [] },
    actions: [],
  };
}

describe('action run wrapper', () => {
  it('applies config and credential defaults', async () => {
    const result = await plugin.actions[0].run(contextWith({ to: 'ana@example.com' }, { account: { key: 'k' } }));

    expect(result).toEqual({ to: 'ana@example.com', retries: 1, region: 'eu' });
  });

  it('keeps values the config sets', async () => {
    const result = await plugin.actions[0].run(
      contextWith({ to: 'bo@example.com', retries: 5 }, { account: { key: 'k', region: 'us' } }),
    );

    expect(result).toEqual({ to: 'bo@example.com', retries: 5, region: 'us' });
  });

  it('keeps methods of a class context', async () => {
    class Context {
      config = {};
      credentials = {};
      describe(): string {
        return 'class context';
      }
    }
    const action = defineAction({
      name: 'probe',
      version: 1,
      displayName: 'Probe',
      description: 'Reads a method.',
      config: {},
      run: (ctx) => (ctx as unknown as Context).describe(),
    });

    expect(await action.run(new Context() as unknown as ActionContext)).toBe('class context');
  });

  it('trigger wrappers apply defaults', async () => {
    const ctx = {
      config: {},
      credentials: {},
      request: { method: 'POST', headers: { 'x-token': 'ok' }, query: {}, body: { id: 1 }, rawBodyBase64: '' },
      log: {},
    } as unknown as TriggerContext;

    expect(await plugin.triggers[0].verify?.(ctx)).toBe(true);
    expect(await plugin.triggers[0].parse?.(ctx)).toEqual({ mailbox: 'inbox', body: { id: 1 } });
  });
});

describe('applyDefaults', () => {
  const schema = {
    type: 'object',
    properties: {
      name: { type: 'string', default: 'x' },
      nested: { type: 'object', properties: { depth: { type: 'integer', default: 2 } } },
      items: { type: 'array', items: { type: 'object', properties: { on: { type: 'boolean', default: true } } } },
    },
  };

  it('fills missing values at every level', () => {
    const value = { nested: {}, items: [{}, { on: false }] };

    expect(applyDefaults(schema, value)).toEqual({
      name: 'x',
      nested: { depth: 2 },
      items: [{ on: true }, { on: false }],
    });
    expect(value).toEqual({ nested: {}, items: [{}, { on: false }] });
  });

  it('leaves values of the wrong type', () => {
    expect(applyDefaults(schema, 'text')).toBe('text');
    expect(applyDefaults(schema, { nested: 3 })).toEqual({ name: 'x', nested: 3 });
  });
});

describe('outputs and errors', () => {
  it('outputs marks port values', () => {
    const result = outputs({ found: 1 });

    expect(result).toEqual({ [OUTPUTS_MARKER]: { found: 1 } });
    expect(normalizeActionResult(result, 'out')).toEqual({ found: 1 });
  });

  it('plain values go to the first port', () => {
    expect(normalizeActionResult({ a: 1 }, 'out')).toEqual({ out: { a: 1 } });
    expect(normalizeActionResult(undefined, 'out')).toEqual({ out: null });
    expect(normalizeActionResult('x', undefined)).toEqual({});
  });

  it('PluginError converts to data', () => {
    const error = new PluginError('MAILER_RATE_LIMITED', 'slow down', { retryable: true, details: { status: 429 } });

    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('PluginError');
    expect(error.toJSON()).toEqual({
      code: 'MAILER_RATE_LIMITED',
      message: 'slow down',
      retryable: true,
      details: { status: 429 },
    });
    expect(toPluginErrorData(error)).toEqual(error.toJSON());
  });

  it('errors without code become RUNTIME_NODE_FAILED', () => {
    expect(toPluginErrorData(new TypeError('boom'))).toEqual({
      code: 'RUNTIME_NODE_FAILED',
      message: 'boom',
      retryable: false,
    });
    expect(toPluginErrorData('text')).toEqual({
      code: 'RUNTIME_NODE_FAILED',
      message: 'plugin threw a non-error value: text',
      retryable: false,
    });
  });
});
