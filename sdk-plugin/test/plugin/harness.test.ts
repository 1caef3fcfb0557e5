import { describe, expect, it } from 'vitest';

import {
  defineAction,
  defineCredentialType,
  definePlugin,
  defineTrigger,
  outputs,
  p,
  PluginError,
} from '../../src/plugin/index.js';
import {
  ActionFailedError,
  ActionInputError,
  createTestContext,
  runAction,
  runTrigger,
} from '../../src/testing/index.js';

const token = defineCredentialType({
  name: 'token',
  displayName: 'Token',
  properties: {
    value: p.secret({ displayName: 'Token', required: true }),
    prefix: p.text({ default: 'Bearer' }),
  },
});

const lookup = defineAction({
  name: 'lookup',
  version: 1,
  displayName: 'Look up a lead',
  description: 'Finds a lead by email.',
  config: {
    email: p.text({ displayName: 'Email', required: true }),
    limit: p.number({ integer: true, minimum: 1, maximum: 10, default: 5 }),
    fields: p.array(p.select({ options: ['name', 'score'] }), { default: ['name'] }),
  },
  outputs: ['found', 'missing'],
  credentials: [{ slot: 'crm', type: token, required: true }],
  async run(ctx) {
    ctx.log.debug('looking up', { email: ctx.config.email });
    const response = await ctx.http.request({
      url: 'https://api.crm.example/v1/leads',
      query: { email: ctx.config.email, limit: ctx.config.limit },
      headers: { Authorization: `${ctx.credentials.crm.prefix} ${ctx.credentials.crm.value}` },
    });
    if (response.status === 429) {
      throw new PluginError('CRM_RATE_LIMITED', 'the CRM rate limit was reached', {
        retryable: true,
        details: { retryAfter: response.headers['retry-after'] },
      });
    }
    const leads = response.body as { name: string }[];
    if (leads.length === 0) {
      ctx.log.warn('no lead found');
      return outputs({ missing: { email: ctx.config.email } });
    }
    return outputs({ found: leads[0] });
  },
});

const archive = defineAction({
  name: 'archive',
  version: 1,
  displayName: 'Archive',
  description: 'Stores its input as a file and reads it back.',
  config: {},
  async run(ctx) {
    const text = JSON.stringify(ctx.input.in);
    const ref = await ctx.files.put({
      name: 'lead.json',
      contentType: 'application/json',
      base64: Buffer.from(text).toString('base64'),
    });
    const stored = await ctx.files.get(ref.id);
    const template = await ctx.files.get('template-1');
    return { ref, roundTrip: Buffer.from(stored.base64, 'base64').toString('utf8'), template: template.ref.name };
  },
});

const crash = defineAction({
  name: 'crash',
  version: 1,
  displayName: 'Crash',
  description: 'Fails without a code, or calls a host it may not.',
  config: { mode: p.select({ options: ['type-error', 'forbidden-host', 'bad-port'], required: true }) },
  async run(ctx) {
    if (ctx.config.mode === 'forbidden-host') {
      return ctx.http.request({ url: 'https://evil.example/steal' });
    }
    if (ctx.config.mode === 'bad-port') {
      return outputs({ elsewhere: 1 });
    }
    throw new TypeError('undefined is not a function');
  },
});

const crmV2 = defineAction({
  name: 'lookup',
  version: 2,
  displayName: 'Look up a lead',
  description: 'Second version.',
  config: {},
  run: () => 'v2',
});

const signed = defineTrigger({
  name: 'signed',
  displayName: 'Signed webhook',
  description: 'Accepts deliveries with the right token.',
  kind: 'webhook',
  config: { header: p.text({ default: 'x-token' }) },
  credentials: [{ slot: 'crm', type: token, required: true }],
  verify: (ctx) => ctx.request.headers[ctx.config.header] === ctx.credentials.crm.value,
  parse: (ctx) => ({ lead: ctx.request.body, raw: ctx.request.rawBodyBase64 }),
});

const plugin = definePlugin({
  name: 'crm',
  version: '1.0.0',
  runtime: '^0.1.0',
  displayName: 'CRM',
  description: 'Leads in the CRM.',
  permissions: { hosts: ['api.crm.example'] },
  actions: [lookup, archive, crash, crmV2],
  triggers: [signed],
});

const credentials = { crm: { value: 'secret-1' } };
const leadsUrl = 'GET https://api.crm.example/v1/leads';

describe('runAction', () => {
  it('responds from the route table', async () => {
    const result = await runAction(plugin, 'lookup@1', {
      config: { email: 'ana@example.com' },
      credentials,
      http: { [leadsUrl]: { body: [{ name: 'Ana' }] } },
    });

    expect(result.outputs).toEqual({ found: { name: 'Ana' } });
    expect(result.requests).toEqual([
      {
        method: 'GET',
        url: 'https://api.crm.example/v1/leads?email=ana%40example.com&limit=5',
        headers: { authorization: 'Bearer secret-1' },
      },
    ]);
    expect(result.logs).toEqual([{ level: 'debug', message: 'looking up', data: { email: 'ana@example.com' } }]);
  });

  it('prefers the most specific route', async () => {
    const result = await runAction(plugin, 'lookup@1', {
      config: { email: 'bo@example.com', limit: 1 },
      credentials,
      http: {
        'https://api.crm.example/v1/leads': { body: [{ name: 'any method' }] },
        [leadsUrl]: { body: [{ name: 'any query' }] },
        [`${leadsUrl}?limit=1&email=bo%40example.com`]: { body: [{ name: 'Bo' }] },
      },
    });

    expect(result.outputs).toEqual({ found: { name: 'Bo' } });
  });

  it('fails with the plugin error code', async () => {
    const http = { [leadsUrl]: { status: 429, headers: { 'Retry-After': '3' } } };
    const run = runAction(plugin, 'lookup@1', { config: { email: 'a@example.com' }, credentials, http });

    await expect(run).rejects.toBeInstanceOf(ActionFailedError);
    await expect(run).rejects.toMatchObject({
      code: 'CRM_RATE_LIMITED',
      message: 'the CRM rate limit was reached',
      retryable: true,
      details: { retryAfter: '3' },
    });
  });

  it('routes to the missing port', async () => {
    const http = { [leadsUrl]: { body: [] } };
    const result = await runAction(plugin, 'lookup@1', { config: { email: 'a@example.com' }, credentials, http });

    expect(result.outputs).toEqual({ missing: { email: 'a@example.com' } });
    expect(result.logs.map((entry) => entry.level)).toEqual(['debug', 'warn']);
  });

  it('returns PluginError as data', async () => {
    const error = await runAction(plugin, 'lookup@1', {
      config: { email: 'a@example.com' },
      credentials,
      http: () => ({ status: 429 }),
    }).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(ActionFailedError);
    const failed = error as ActionFailedError;
    expect(failed.error).toEqual({
      code: 'CRM_RATE_LIMITED',
      message: 'the CRM rate limit was reached',
      retryable: true,
      details: {},
    });
    expect(failed.requests).toHaveLength(1);
    expect(failed.logs).toHaveLength(1);
  });

  it('applies config defaults', async () => {
    let seenUrl = '';
    await runAction(plugin, 'lookup@1', {
      config: { email: 'c@example.com' },
      credentials: { crm: { value: 'k', prefix: 'Token' } },
      http: (request) => {
        seenUrl = request.url;
        expect(request.headers.authorization).toBe('Token k');
        return { body: [] };
      },
    });

    expect(seenUrl).toBe('https://api.crm.example/v1/leads?email=c%40example.com&limit=5');
  });

  it('rejects invalid config', async () => {
    const error = await runAction(plugin, 'lookup@1', {
      config: { limit: 50, fields: ['name', 'age'], extra: true },
      credentials,
    }).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(ActionInputError);
    expect((error as ActionInputError).problems).toEqual([
      { pointer: '/config/email', message: 'is required' },
      { pointer: '/config/extra', message: 'is not allowed' },
      { pointer: '/config/limit', message: 'must be at most 10' },
      { pointer: '/config/fields/1', message: 'must be one of: name, score' },
    ]);
    expect((error as Error).message).toContain('  /config/limit: must be at most 10');
  });

  it('checks credentials and input ports', async () => {
    const error = await runAction(plugin, 'lookup@1', {
      config: { email: 'a@example.com' },
      credentials: { other: { value: 'x' } },
      input: { main: {} },
    }).catch((thrown: unknown) => thrown);

    expect((error as ActionInputError).problems).toEqual([
      { pointer: '/credentials/crm', message: 'is required: slot "crm" needs a "token" credential' },
      { pointer: '/credentials/other', message: 'is not a credential slot of this declaration (slots: crm)' },
      { pointer: '/input/main', message: 'is not an input port of this action (inputs: in)' },
    ]);
  });

  it('validates credential values', async () => {
    const run = runAction(plugin, 'lookup@1', { config: { email: 'a@example.com' }, credentials: { crm: { prefix: 'X' } } });

    await expect(run).rejects.toMatchObject({ problems: [{ pointer: '/credentials/crm/value', message: 'is required' }] });
  });

  it('stores and reads files', async () => {
    const result = await runAction(plugin, 'archive', {
      input: { in: { name: 'Ana' } },
      files: { 'template-1': { name: 'template.txt', contentType: 'text/plain', base64: 'aGk=' } },
    });

    const ref = { id: 'file-1', name: 'lead.json', contentType: 'application/json', size: 14 };
    expect(result.outputs).toEqual({ out: { ref, roundTrip: '{"name":"Ana"}', template: 'template.txt' } });
    expect(result.files).toEqual([{ ref, base64: Buffer.from('{"name":"Ana"}').toString('base64') }]);
  });

  it('rejects hosts outside permissions', async () => {
    const run = runAction(plugin, 'crash', { config: { mode: 'forbidden-host' }, http: () => ({ body: 'stolen' }) });

    await expect(run).rejects.toMatchObject({
      code: 'PLUGIN_HTTP_HOST_NOT_ALLOWED',
      message: `host "evil.example" is not in the manifest's permissions.hosts (allowed: api.crm.example)`,
      retryable: false,
    });
  });

  it('rethrows errors without code', async () => {
    const run = runAction(plugin, 'crash', { config: { mode: 'type-error' } });

    await expect(run).rejects.toBeInstanceOf(TypeError);
    await expect(run).rejects.toThrow('undefined is not a function');
  });

  it('rejects undeclared output ports', async () => {
    await expect(runAction(plugin, 'crash', { config: { mode: 'bad-port' } })).rejects.toThrow(
      'action "crash" returned a value on port "elsewhere", which it does not declare (output ports: out), so no edge could carry it',
    );
  });

  it('picks the highest version by name', async () => {
    expect((await runAction(plugin, 'lookup')).outputs).toEqual({ out: 'v2' });
  });

  it('names unknown actions', async () => {
    await expect(runAction(plugin, 'lookup@3')).rejects.toThrow(
      'plugin "crm" has no action "lookup@3" (actions: lookup@1, archive@1, crash@1, lookup@2)',
    );
  });

  it('rejects an invalid manifest', async () => {
    const broken = { ...plugin, manifest: { ...plugin.manifest, permissions: { hosts: ['localhost'] } } };

    await expect(runAction(broken, 'archive')).rejects.toThrow(
      'the plugin manifest is invalid, so the studio would reject it:\n  /permissions/hosts/0:',
    );
  });

  it('matches config patterns in linear time', async () => {
    const patterned = definePlugin({
      name: 'patterned',
      version: '1.0.0',
      runtime: '^0.1.0',
      displayName: 'Patterned',
      description: 'Checks a code.',
      permissions: { hosts: [] },
      actions: [
        defineAction({
          name: 'check',
          version: 1,
          displayName: 'Check',
          description: 'Checks a code.',
          config: { code: p.text({ required: true, pattern: '^(a+)+$' }) },
          run: async () => 'checked',
        }),
      ],
    });
    const started = performance.now();

    const error = await runAction(patterned, 'check', { config: { code: `${'a'.repeat(30)}b` } }).catch(
      (thrown: unknown) => thrown,
    );

    expect(performance.now() - started).toBeLessThan(1_000);
    expect((error as ActionInputError).problems).toEqual([
      { pointer: '/config/code', message: 'must match the pattern ^(a+)+$' },
    ]);
  });

  it('rejects patterns the studio rejects', async () => {
    const lookahead = definePlugin({
      name: 'lookahead',
      version: '1.0.0',
      runtime: '^0.1.0',
      displayName: 'Lookahead',
      description: 'Checks a name.',
      permissions: { hosts: [] },
      actions: [
        defineAction({
          name: 'check',
          version: 1,
          displayName: 'Check',
          description: 'Checks a name.',
          config: { name: p.text({ pattern: '^(?!admin)' }) },
          run: async () => 'checked',
        }),
      ],
    });

    await expect(runAction(lookahead, 'check')).rejects.toThrow(
      '  /actions/0/configSchema/properties/name/pattern: must not use lookahead or lookbehind',
    );
  });

  it('reports unmatched routes', async () => {
    const run = runAction(plugin, 'lookup@1', {
      config: { email: 'a@example.com' },
      credentials,
      http: { 'POST https://api.crm.example/v1/leads': { body: [] } },
    });

    await expect(run).rejects.toThrow(
      'no HTTP route matches GET https://api.crm.example/v1/leads?email=a%40example.com&limit=5; routes: "POST https://api.crm.example/v1/leads"',
    );
  });
});

describe('createTestContext', () => {
  it('reads response bodies by type', async () => {
    const { ctx, requests } = createTestContext({
      http: {
        'https://files.example/a.txt': { body: 'plain text' },
        'https://files.example/b.json': { headers: { 'content-type': 'application/problem+json' }, body: '{"a":1}' },
        'https://files.example/c.bin': { bodyBase64: 'AAEC', headers: { 'content-type': 'application/octet-stream' } },
      },
    });

    const text = await ctx.http.request({ url: 'https://files.example/a.txt' });
    const json = await ctx.http.request({ url: 'https://files.example/b.json' });
    const binary = await ctx.http.request({ url: 'https://files.example/c.bin', responseType: 'base64' });
    const asText = await ctx.http.request({ url: 'https://files.example/b.json', method: 'post', body: { q: 1 }, responseType: 'text' });

    expect(text).toEqual({
      status: 200,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: 'plain text',
      url: 'https://files.example/a.txt',
    });
    expect(json.body).toEqual({ a: 1 });
    expect(binary.body).toBe('AAEC');
    expect(asText.body).toBe('{"a":1}');
    expect(requests[3]).toEqual({
      method: 'POST',
      url: 'https://files.example/b.json',
      headers: {},
      body: { q: 1 },
      responseType: 'text',
    });
  });

  it('returns listed responses in order', async () => {
    const { ctx } = createTestContext({
      http: { 'https://api.crm.example/poll': [{ status: 202 }, { status: 200, body: { done: true } }] },
    });

    const statuses = [];
    for (let call = 0; call < 3; call += 1) {
      statuses.push((await ctx.http.request({ url: 'https://api.crm.example/poll' })).status);
    }

    expect(statuses).toEqual([202, 200, 200]);
  });

  it('signal follows the AbortSignal', () => {
    const controller = new AbortController();
    const { ctx } = createTestContext({ signal: controller.signal });

    expect(ctx.signal.aborted).toBe(false);
    expect(() => ctx.signal.throwIfAborted()).not.toThrow();
    controller.abort();
    expect(ctx.signal.aborted).toBe(true);
    expect(() => ctx.signal.throwIfAborted()).toThrow(expect.objectContaining({ code: 'RUNTIME_TASK_CANCELLED' }));
  });

  it('rejects invalid files and URLs', async () => {
    const { ctx } = createTestContext({ http: () => ({}) });

    await expect(ctx.files.put({ name: 'x', contentType: 'text/plain', base64: 'not base64!' })).rejects.toMatchObject({
      code: 'PLUGIN_FILE_INVALID',
    });
    await expect(ctx.files.get('nope')).rejects.toMatchObject({ code: 'PLUGIN_FILE_NOT_FOUND' });
    await expect(ctx.http.request({ url: '/relative' })).rejects.toMatchObject({ code: 'PLUGIN_HTTP_URL_INVALID' });
    await expect(ctx.http.request({ url: 'ftp://files.example/x' })).rejects.toMatchObject({ code: 'PLUGIN_HTTP_URL_INVALID' });
  });

  it('run ids can be overridden', () => {
    const { ctx } = createTestContext({ run: { attempt: 3 } });

    expect(ctx.run).toEqual({ id: 'run-test', graphId: 'graph-test', nodeId: 'node-test', taskId: 'task-test', attempt: 3 });
  });
});

describe('runTrigger', () => {
  it('verifies then parses', async () => {
    const result = await runTrigger(plugin, 'signed', {
      credentials,
      request: { headers: { 'X-Token': 'secret-1' }, body: { name: 'Ana' } },
    });

    expect(result).toEqual({
      verified: true,
      input: { lead: { name: 'Ana' }, raw: Buffer.from('{"name":"Ana"}').toString('base64') },
      logs: [],
    });
  });

  it('stops when verify fails', async () => {
    const result = await runTrigger(plugin, 'signed', { credentials, request: { headers: { 'x-token': 'wrong' } } });

    expect(result).toEqual({ verified: false, input: undefined, logs: [] });
  });

  it('requires declared credentials', async () => {
    await expect(runTrigger(plugin, 'signed')).rejects.toBeInstanceOf(ActionInputError);
  });
});
