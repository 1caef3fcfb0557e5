/**
 * A planted secret is stored as a credential and used by plugin actions that log it, return it,
 * fail with it and throw it. It must appear nowhere in the server log, the task logs, the run
 * events, the stored records or any API response.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { request, startRun } from '../support/http.js';
import { buildGraph, buildNode, waitForRun } from '../support/studio.js';
import { buildTestPackage } from '../plugins/support/packages.js';
import { createCredential, installPlugin, startVaultStudio, type VaultTestStudio } from './support.js';

/** Characters that JSON and URL encoding change, so every encoded form is exercised. */
const SECRET = 'planted-SECRET-9f2c "quoted" /slash+plus&amp ü';
const FORMS = [SECRET, JSON.stringify(SECRET).slice(1, -1), JSON.stringify(JSON.stringify(SECRET)).slice(1, -1), encodeURIComponent(SECRET)];
/** A part of the secret that no encoding changes, to catch partial leaks too. */
const CORE = 'planted-SECRET-9f2c';

const leaky = buildTestPackage({
  name: 'leaky',
  credentialTypes: [
    {
      name: 'token',
      displayName: 'Leaky token',
      schema: { type: 'object', required: ['value'], properties: { value: { type: 'string' } } },
      test: { action: 'fail' },
    },
  ],
  actions: [
    {
      name: 'echo',
      credentialSlots: [{ slot: 'auth', type: 'token', required: true }],
      run: `async (ctx) => {
        const secret = ctx.credentials.auth.value;
        ctx.log.info('echoing ' + secret, { nested: JSON.stringify({ key: secret }), [secret]: 1 });
        return { raw: secret, json: JSON.stringify({ secret }), url: 'https://x.test/?k=' + encodeURIComponent(secret), list: [secret] };
      }`,
    },
    {
      name: 'fail',
      credentialSlots: [{ slot: 'auth', type: 'token', required: true }],
      run: `async (ctx) => {
        const secret = ctx.credentials.auth.value;
        ctx.log.warn('about to fail with ' + secret);
        try {
          await ctx.http.request({ url: 'https://not-allowed.test/?key=' + encodeURIComponent(secret) });
        } catch (error) {
          ctx.log.error('request failed: ' + error.message, { code: error.code });
        }
        throw Object.assign(new Error('rejected key ' + secret), {
          code: 'LEAKY_FAILED',
          retryable: true,
          details: { key: secret, inner: JSON.stringify({ secret }) },
        });
      }`,
    },
    {
      name: 'crash',
      credentialSlots: [{ slot: 'auth', type: 'token', required: true }],
      run: `async (ctx) => { throw new TypeError('crashed on ' + ctx.credentials.auth.value); }`,
    },
  ],
});

let test: VaultTestStudio;

afterEach(async () => {
  await test.close();
});

/** Asserts that `text` contains no form of the secret; `where` names the place in failures. */
function expectNoSecret(where: string, text: string): void {
  expect(text, where).not.toContain(CORE);
  for (const form of FORMS) expect(text.includes(form), `${where} contains the secret`).toBe(false);
}

describe('planted secret', () => {
  it('never appears in logs, events, records or responses', async () => {
    test = await startVaultStudio();
    await installPlugin(test, leaky);
    const responses: string[] = [];
    const created = await request(test, {
      method: 'POST',
      url: '/v1/credentials',
      payload: { name: 'Leaky', type: 'leaky/token', values: { value: SECRET } },
    });
    responses.push(created.raw.body);
    const credentialId = created.body.id as string;
    const credentials = { auth: credentialId };
    const retry = { maxAttempts: 2, backoff: 'fixed' as const, delayMs: 10, maxDelayMs: 10, jitter: false };
    const graph = await request<{ id: string }>(test, {
      method: 'POST',
      url: '/v1/graphs',
      payload: buildGraph(
        [
          buildNode('echo', { type: 'leaky/echo@1', credentials }),
          buildNode('fail', { type: 'leaky/fail@1', credentials, retry }),
          buildNode('crash', { type: 'leaky/crash@1', credentials }),
        ],
        [],
      ),
    });
    expect(graph.status, graph.raw.body).toBe(201);

    const { run, tasks } = await waitForRun(test, await startRun(test, graph.body.id, null));
    const tested = await request(test, { method: 'POST', url: `/v1/credentials/${credentialId}/test` });
    responses.push(tested.raw.body);
    for (const url of [`/v1/runs/${run.id}`, `/v1/runs/${run.id}/events`, '/v1/credentials', `/v1/credentials/${credentialId}`]) {
      responses.push((await request(test, { method: 'GET', url })).raw.body);
    }
    for (const task of tasks.values()) {
      responses.push((await request(test, { method: 'GET', url: `/v1/tasks/${task.id}` })).raw.body);
      responses.push((await request(test, { method: 'GET', url: `/v1/tasks/${task.id}/logs` })).raw.body);
    }
    await test.studio.ctx.events.flush();
    const events = JSON.stringify(await test.storage.events.listByRun(run.id, { limit: 10_000 }));
    const attempts = JSON.stringify(await Promise.all([...tasks.values()].map((task) => test.storage.tasks.listAttempts(task.id))));
    const records = JSON.stringify({ run: await test.storage.runs.get(run.id), tasks: [...tasks.values()], credential: await test.storage.credentials.get(credentialId) });

    // The actions ran, logged, returned and failed, and what they recorded was scrubbed.
    expect(tasks.get('echo')?.status).toBe('COMPLETED');
    expect(tasks.get('echo')?.output).toMatchObject({ out: { raw: '[redacted]', list: ['[redacted]'], url: 'https://x.test/?k=[redacted]' } });
    expect(tasks.get('fail')?.error).toMatchObject({ code: 'LEAKY_FAILED', message: 'rejected key [redacted]', retryable: true });
    expect(tasks.get('fail')?.attempts).toBe(2);
    expect(tasks.get('crash')?.status).toBe('FAILED');
    expect(tasks.get('crash')?.error?.message).toContain('[redacted]');
    expect(events).toContain('echoing [redacted]');
    expect(events).toContain('about to fail with [redacted]');
    expect(events).toContain('PLUGIN_HTTP_HOST_NOT_ALLOWED');
    expect(tested.body).toEqual({ ok: false, error: { code: 'LEAKY_FAILED', message: 'rejected key [redacted]' } });
    expect(test.logLines.length).toBeGreaterThan(0);

    expectNoSecret('server log', test.logLines.join('\n'));
    expectNoSecret('events', events);
    expectNoSecret('attempts', attempts);
    expectNoSecret('stored records', records);
    responses.forEach((body, index) => expectNoSecret(`response ${index}`, body));
  });
});

describe('log redaction', () => {
  it('hides credential fields by path', () => {
    const lines: string[] = [];
    const log = createLogger('info', {}, { write: (line: string) => void lines.push(line) });

    log.info(
      {
        req: { headers: { authorization: 'Bearer header-secret', 'x-api-key': 'key-secret' } },
        body: { name: 'visible-name', values: { token: 'body-secret' } },
        password: 'password-secret',
        credential: { secret: 'envelope-secret', accessToken: 'access-secret', refreshToken: 'refresh-secret' },
        oauth: { clientSecret: 'client-secret', codeVerifier: 'verifier-secret' },
      },
      'something logged by mistake',
    );
    const output = lines.join('\n');

    expect(output).toContain('visible-name');
    expect(output).toContain('[redacted]');
    for (const secret of ['header-secret', 'key-secret', 'body-secret', 'password-secret', 'envelope-secret', 'access-secret', 'refresh-secret', 'client-secret', 'verifier-secret']) {
      expect(output, secret).not.toContain(secret);
    }
  });
});
