import autocannon, { type Result } from 'autocannon';
import { percentile } from './stats.js';

/** One autocannon run: what to send and for how long. */
export interface LoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Records every response time at full precision (autocannon's histogram has 1 ms steps). */
  recordLatencies?: boolean;
}

/** Measurements of one load run. Latencies are in milliseconds. */
export interface LoadResult {
  connections: number;
  durationSeconds: number;
  /** Responses by status code. */
  statusCounts: Record<string, number>;
  responses: number;
  requestsPerSecond: number;
  errors: number;
  timeouts: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number } | null;
  /** Load generator CPU seconds (user + system) spent during the run. */
  loadCpuSeconds: number;
  /** Wall-clock start and end of the run, in `Date.now()` milliseconds. */
  startedAtMs: number;
  finishedAtMs: number;
}

/**
 * Runs autocannon in this process against `options.url`. The bench starts every server in
 * another process, so the load generator and the server compete only for cores.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  const cpuBefore = process.cpuUsage();
  const startedAtMs = Date.now();
  const instance = autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    method: options.method ?? 'POST',
    headers: options.headers ?? { 'content-type': 'application/json' },
    body: options.body,
    timeout: 30,
  });
  if (options.recordLatencies) {
    instance.on('response', (_client: unknown, _statusCode: number, _bytes: number, responseTimeMs: number) => {
      latencies.push(responseTimeMs);
    });
  }
  const result: Result = await instance;
  const finishedAtMs = Date.now();
  const cpu = process.cpuUsage(cpuBefore);

  const statusCounts: Record<string, number> = {};
  let responses = 0;
  for (const [status, { count }] of Object.entries(result.statusCodeStats)) {
    statusCounts[status] = count;
    responses += count;
  }
  const seconds = (finishedAtMs - startedAtMs) / 1000;
  let latencyMs: LoadResult['latencyMs'] = null;
  if (latencies.length > 0) {
    latencyMs = {
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p99: percentile(latencies, 99),
      max: latencies.reduce((max, value) => Math.max(max, value), 0),
      mean: latencies.reduce((sum, value) => sum + value, 0) / latencies.length,
    };
  }
  return {
    connections: options.connections,
    durationSeconds: seconds,
    statusCounts,
    responses,
    requestsPerSecond: responses / seconds,
    errors: result.errors,
    timeouts: result.timeouts,
    latencyMs,
    loadCpuSeconds: (cpu.user + cpu.system) / 1e6,
    startedAtMs,
    finishedAtMs,
  };
}
