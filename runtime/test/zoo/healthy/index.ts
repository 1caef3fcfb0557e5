/**
 * A well-behaved plugin: the control group of the zoo. Its actions exercise every part of `ctx`
 * so the pool's tests can check what crosses the sandbox boundary.
 */
import {
  defineAction,
  defineCredentialType,
  definePlugin,
  defineTrigger,
  outputs,
  p,
  PluginError,
} from '@gestorlead/sdk-plugin/plugin';

const token = defineCredentialType({
  name: 'token',
  displayName: 'Token',
  properties: { value: p.secret({ displayName: 'Token', required: true }) },
});

/** Returns everything the call carried, so a test can compare it with what it sent. */
const echo = defineAction({
  name: 'echo',
  version: 1,
  displayName: 'Echo',
  description: 'Returns its config, input, credentials and run ids.',
  config: { label: p.text({ displayName: 'Label', default: 'echo' }) },
  credentials: [{ slot: 'account', type: token }],
  run(ctx) {
    return { config: ctx.config, input: ctx.input, credentials: ctx.credentials, run: ctx.run };
  },
});

/** Returns `input.in` unchanged: the benchmark's payload action. */
const mirror = defineAction({
  name: 'mirror',
  version: 1,
  displayName: 'Mirror',
  description: 'Returns the value on its input port.',
  config: {},
  run(ctx) {
    return ctx.input.in;
  },
});

/** Activates the second output port only. */
const route = defineAction({
  name: 'route',
  version: 1,
  displayName: 'Route',
  description: 'Sends its input to the port "second".',
  config: {},
  outputs: ['first', 'second'],
  run(ctx) {
    return outputs({ second: ctx.input.in ?? null });
  },
});

/** Returns nothing, which the sandbox turns into `null` on the first port. */
const nothing = defineAction({
  name: 'nothing',
  version: 1,
  displayName: 'Nothing',
  description: 'Returns undefined.',
  config: {},
  run() {
    return undefined;
  },
});

/** Sends the request in its config through `ctx.http` and returns the response. */
const fetchUrl = defineAction({
  name: 'fetchUrl',
  version: 1,
  displayName: 'Fetch URL',
  description: 'Requests the configured URL.',
  config: {
    url: p.text({ displayName: 'URL', required: true }),
    method: p.text({ displayName: 'Method', default: 'GET' }),
    body: p.json({ displayName: 'Body' }),
  },
  async run(ctx) {
    return ctx.http.request({ url: ctx.config.url, method: ctx.config.method, body: ctx.config.body });
  },
});

/** Requests the configured URL and returns the fields of the error it rejects with inside the plugin. */
const fetchAndCatch = defineAction({
  name: 'fetchAndCatch',
  version: 1,
  displayName: 'Fetch and catch',
  description: 'Returns the shape of the error that ctx.http.request rejects with.',
  config: { url: p.text({ displayName: 'URL', required: true }) },
  async run(ctx) {
    try {
      await ctx.http.request({ url: ctx.config.url });
      return { rejected: false };
    } catch (error) {
      const caught = error as PluginError;
      return {
        rejected: true,
        isError: error instanceof Error,
        name: caught.name,
        code: caught.code,
        message: caught.message,
        retryable: caught.retryable,
        details: caught.details ?? null,
      };
    }
  },
});

/** Stores a file, reads it back, and returns both results. */
const storeFile = defineAction({
  name: 'storeFile',
  version: 1,
  displayName: 'Store file',
  description: 'Puts a file and gets it back.',
  config: { text: p.text({ displayName: 'Text', default: 'aGVsbG8=' }) },
  async run(ctx) {
    const ref = await ctx.files.put({ name: 'hello.txt', contentType: 'text/plain', base64: ctx.config.text });
    const read = await ctx.files.get(ref.id);
    return { ref, read };
  },
});

/** Reads a file by the id in its config and lets any error reach the task. */
const readFile = defineAction({
  name: 'readFile',
  version: 1,
  displayName: 'Read file',
  description: 'Gets a file by id.',
  config: { id: p.text({ displayName: 'File id', required: true }) },
  async run(ctx) {
    return ctx.files.get(ctx.config.id);
  },
});

/** Writes one line at each level. */
const logLines = defineAction({
  name: 'logLines',
  version: 1,
  displayName: 'Log lines',
  description: 'Writes a line at each log level.',
  config: {},
  run(ctx) {
    ctx.log.debug('debug line');
    ctx.log.info('info line', { answer: 42 });
    ctx.log.warn('warn line', ['a', 'b']);
    ctx.log.error('error line');
    return 'logged';
  },
});

/**
 * Waits on a request that the test host keeps open, then checks the signal, so a cancelled call
 * stops through `ctx.signal.throwIfAborted()`.
 */
const waitForCancel = defineAction({
  name: 'waitForCancel',
  version: 1,
  displayName: 'Wait for cancel',
  description: 'Waits on a slow request, then checks the signal.',
  config: {},
  async run(ctx) {
    try {
      await ctx.http.request({ url: 'https://slow.example.com/wait' });
    } catch (error) {
      ctx.log.info('slow request rejected', { code: (error as PluginError).code, aborted: ctx.signal.aborted });
    }
    ctx.signal.throwIfAborted();
    return 'not cancelled';
  },
});

/** Keeps the CPU busy for `ms` milliseconds, then returns how many loops it ran. */
const burn = defineAction({
  name: 'burn',
  version: 1,
  displayName: 'Burn',
  description: 'Busy-loops for the configured time.',
  config: { ms: p.number({ displayName: 'Milliseconds', default: 50 }) },
  run(ctx) {
    const end = Date.now() + ctx.config.ms;
    let loops = 0;
    while (Date.now() < end) {
      loops += 1;
    }
    return loops;
  },
});

/** Returns a string of `size` characters. */
const sized = defineAction({
  name: 'sized',
  version: 1,
  displayName: 'Sized',
  description: 'Returns a string of the configured length.',
  config: { size: p.number({ displayName: 'Size', default: 1024 }) },
  run(ctx) {
    return 'x'.repeat(ctx.config.size);
  },
});

/** Fails on purpose with a retryable `PluginError`. */
const fail = defineAction({
  name: 'fail',
  version: 1,
  displayName: 'Fail',
  description: 'Throws a PluginError.',
  config: {},
  run() {
    throw new PluginError('HEALTHY_FAILED', 'failed on purpose', { retryable: true, details: { attempt: 1 } });
  },
});

/** Checks a shared secret header and turns a delivery into run input. */
const hook = defineTrigger({
  name: 'hook',
  displayName: 'Hook',
  description: 'Accepts deliveries whose x-secret header matches the config.',
  kind: 'webhook',
  config: { secret: p.text({ displayName: 'Secret', default: 'open sesame' }) },
  verify: (ctx) => ctx.request.headers['x-secret'] === ctx.config.secret,
  parse: (ctx) => {
    ctx.log.info('parsed a delivery');
    return { body: ctx.request.body, query: ctx.request.query, method: ctx.request.method };
  },
});

/** A trigger without `verify`. */
const parseOnly = defineTrigger({
  name: 'parseOnly',
  displayName: 'Parse only',
  description: 'Has no verify hook.',
  kind: 'webhook',
  config: {},
  parse: (ctx) => ctx.request.body,
});

export default definePlugin({
  name: 'zoo-healthy',
  version: '1.0.0',
  runtime: '^0.1.0',
  displayName: 'Zoo: healthy',
  description: 'A well-behaved plugin for the sandbox tests.',
  permissions: { hosts: ['api.example.com', 'slow.example.com'] },
  actions: [echo, mirror, route, nothing, fetchUrl, fetchAndCatch, storeFile, readFile, logLines, waitForCancel, burn, sized, fail],
  triggers: [hook, parseOnly],
});
