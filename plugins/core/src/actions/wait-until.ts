import { defineAction, p, PluginError, type HttpRequestData } from '@gestorlead/sdk-plugin/plugin';
import { interpolate, jsonEqual, readPointer, templateScope } from '../values.js';

/**
 * Pauses the isolate for `ms` milliseconds and returns true, or returns false when it cannot.
 * The sandbox has no timers, so this blocks on `Atomics.wait`, which holds the isolate's
 * thread without using CPU time. The studio's isolates have no `SharedArrayBuffer`, so there
 * the action polls once per attempt instead (see `waitUntilAction`).
 */
function pause(ms: number): boolean {
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics?.wait !== 'function') return false;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  return true;
}

/** Returns the pause before poll `poll + 1` (the first poll is 1), in milliseconds. */
function pauseAfter(poll: number, config: { intervalMs: number; backoffFactor: number; maxIntervalMs: number }): number {
  return Math.min(config.intervalMs * config.backoffFactor ** (poll - 1), config.maxIntervalMs);
}

/** Returns whether polling goes on after `status`, because the endpoint may recover. */
function isTransient(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * `core/wait-until@1`: polls a URL until the JSON pointer `pointer` of the response body equals
 * `equals`, pausing `intervalMs`, then `intervalMs × backoffFactor`, and so on up to
 * `maxIntervalMs`, for at most `timeoutMs`.
 *
 * Where the isolate cannot pause (the studio's sandbox), each attempt polls once and a
 * mismatch fails with the retryable `CORE_WAIT_PENDING`, whose `details.retryAfterMs` is the
 * next pause. The node's retry policy then does the waiting, so such a node needs
 * `retry: { maxAttempts, retryOn: ["CORE_WAIT_PENDING"] }`. The elapsed time is then the sum of
 * the pauses so far, an estimate that leaves out the requests' own durations.
 */
export const waitUntilAction = defineAction({
  name: 'wait-until',
  version: 1,
  displayName: 'Wait until',
  description: 'Polls a URL with backoff until a value in the JSON response equals the expected one, or times out.',
  group: 'Network',
  config: {
    url: p.text({ displayName: 'URL', required: true, placeholder: 'https://api.example.com/jobs/{{ input.jobId }}' }),
    method: p.select({ displayName: 'Method', options: ['GET', 'POST'], default: 'GET' }),
    headers: p.json({ displayName: 'Headers', schema: { type: 'object' } }),
    body: p.json({ displayName: 'Body (POST)' }),
    pointer: p.text({ displayName: 'JSON pointer', required: true, pattern: '^(/.*)?$', placeholder: '/status' }),
    equals: p.json({ displayName: 'Expected value', required: true }),
    intervalMs: p.number({ displayName: 'First pause (ms)', integer: true, minimum: 10, maximum: 600_000, default: 1_000 }),
    backoffFactor: p.number({ displayName: 'Backoff factor', minimum: 1, maximum: 10, default: 2 }),
    maxIntervalMs: p.number({ displayName: 'Longest pause (ms)', integer: true, minimum: 10, maximum: 600_000, default: 30_000 }),
    timeoutMs: p.number({ displayName: 'Give up after (ms)', integer: true, minimum: 10, maximum: 900_000, default: 60_000 }),
  },
  limits: { timeoutMs: 900_000, cpuTimeMs: 10_000 },
  async run(ctx) {
    const scope = templateScope(ctx.input);
    const url = interpolate(ctx.config.url, scope);
    if (typeof url !== 'string' || url === '') {
      throw new PluginError('CORE_WAIT_CONFIG_INVALID', 'url must be a text, after placeholders are filled');
    }
    const request: HttpRequestData = { method: ctx.config.method, url, responseType: 'json' };
    const headers = interpolate(ctx.config.headers, scope);
    if (headers !== undefined) request.headers = headers as Record<string, string>;
    if (ctx.config.method === 'POST' && ctx.config.body !== undefined) request.body = interpolate(ctx.config.body, scope);
    const expected = interpolate(ctx.config.equals, scope);

    const started = Date.now();
    // Attempts before this one already waited these pauses, when the retry policy drives polling.
    let poll = ctx.run.attempt;
    const waitedBefore = Array.from({ length: poll - 1 }, (_, index) => pauseAfter(index + 1, ctx.config)).reduce(
      (sum, ms) => sum + ms,
      0,
    );
    let lastValue: unknown = null;
    let lastStatus = 0;
    for (;;) {
      ctx.signal.throwIfAborted();
      const response = await ctx.http.request(request);
      lastStatus = response.status;
      if (response.status >= 400 && !isTransient(response.status)) {
        throw new PluginError('CORE_WAIT_HTTP_STATUS', `${url} responded with ${response.status} while polling`, {
          details: { status: response.status, polls: poll },
        });
      }
      if (response.status < 400) {
        const value = readPointer(response.body, ctx.config.pointer);
        lastValue = value === undefined ? null : value;
        if (jsonEqual(value, expected)) {
          return { value, polls: poll, elapsedMs: waitedBefore + Date.now() - started, body: response.body };
        }
      }

      const remaining = ctx.config.timeoutMs - waitedBefore - (Date.now() - started);
      if (remaining <= 0) {
        throw new PluginError('CORE_WAIT_TIMEOUT', `the value at ${ctx.config.pointer} did not become the expected one within ${ctx.config.timeoutMs} ms`, {
          details: { polls: poll, lastValue, lastStatus },
        });
      }
      const next = Math.min(pauseAfter(poll, ctx.config), remaining);
      ctx.log.debug('value not reached yet', { poll, lastValue, nextPollMs: next });
      if (!pause(next)) {
        throw new PluginError(
          'CORE_WAIT_PENDING',
          `the value at ${ctx.config.pointer} is not the expected one yet; give the node a retry policy with retryOn ["CORE_WAIT_PENDING"] to poll again`,
          { retryable: true, details: { retryAfterMs: next, polls: poll, lastValue, lastStatus } },
        );
      }
      poll += 1;
    }
  },
});
