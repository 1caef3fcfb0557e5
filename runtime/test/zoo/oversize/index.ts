/** A plugin that sends too much across the sandbox boundary. */
import { defineAction, definePlugin, p } from '@gestorlead/sdk-plugin/plugin';

const hugeResult = defineAction({
  name: 'hugeResult',
  version: 1,
  displayName: 'Huge result',
  description: 'Returns a string of the configured size in MiB.',
  config: { mib: p.number({ displayName: 'MiB', default: 12 }) },
  run(ctx) {
    return 'x'.repeat(ctx.config.mib * 1024 * 1024);
  },
});

const hugeRequest = defineAction({
  name: 'hugeRequest',
  version: 1,
  displayName: 'Huge request',
  description: 'Sends an HTTP request whose body is 12 MiB.',
  config: {},
  async run(ctx) {
    return ctx.http.request({ url: 'https://api.example.com/upload', method: 'POST', body: 'x'.repeat(12 * 1024 * 1024) });
  },
});

const logFlood = defineAction({
  name: 'logFlood',
  version: 1,
  displayName: 'Log flood',
  description: 'Writes the configured number of log lines, some of them huge.',
  config: { lines: p.number({ displayName: 'Lines', default: 100_000 }) },
  run(ctx) {
    for (let line = 0; line < ctx.config.lines; line += 1) {
      ctx.log.info(line === 0 ? 'y'.repeat(100_000) : `line ${line}`, line === 0 ? { blob: 'z'.repeat(200_000) } : undefined);
    }
    return ctx.config.lines;
  },
});

const requestFlood = defineAction({
  name: 'requestFlood',
  version: 1,
  displayName: 'Request flood',
  description: 'Starts 100 HTTP requests at once and reports how each ended.',
  config: {},
  async run(ctx) {
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, (_, index) => ctx.http.request({ url: `https://api.example.com/${index}` })),
    );
    return results.map((result) => (result.status === 'fulfilled' ? 'ok' : (result.reason as { code?: string }).code));
  },
});

const bigIntResult = defineAction({
  name: 'bigIntResult',
  version: 1,
  displayName: 'BigInt result',
  description: 'Returns a value that has no JSON form.',
  config: {},
  run() {
    return { big: 1n };
  },
});

const cyclicResult = defineAction({
  name: 'cyclicResult',
  version: 1,
  displayName: 'Cyclic result',
  description: 'Returns an object that contains itself.',
  config: {},
  run() {
    const value: Record<string, unknown> = {};
    value.self = value;
    return value;
  },
});

export default definePlugin({
  name: 'zoo-oversize',
  version: '1.0.0',
  runtime: '^0.1.0',
  displayName: 'Zoo: oversize',
  description: 'Hostile plugin: oversized results, requests and logs.',
  permissions: { hosts: ['api.example.com'] },
  actions: [hugeResult, hugeRequest, logFlood, requestFlood, bigIntResult, cyclicResult],
});
