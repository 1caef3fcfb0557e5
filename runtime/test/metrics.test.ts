import { afterEach, describe, expect, it } from 'vitest';
import { HIDDEN_GRAPH_LABEL } from '../src/metrics.js';
import { startMetricsServer } from '../src/metrics-server.js';
import { createLogger } from '../src/logger.js';
import { startSchedulingStudio, waitUntil, type SchedulingStudio } from './scheduling/support.js';
import { request } from './support/http.js';
import { samplesOf, scrape, valueOf } from './support/prometheus.js';
import { buildChain } from './support/studio.js';

const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';
const PRICE = 3;
const studios: SchedulingStudio[] = [];

afterEach(async () => {
  for (const studio of studios.splice(0)) await studio.close();
});

/** Starts a studio whose runs go through Agenda jobs, and its HTTP server on a real port. */
async function startStudio(env: Record<string, string>): Promise<SchedulingStudio> {
  const studio = await startSchedulingStudio({
    env: {
      RUN_DISPATCHER: 'agenda',
      JOB_NOTIFY_POLL_MS: '20',
      CREDITS_PRICING: JSON.stringify({ 'test/echo@1': { fixed: PRICE } }),
      ...env,
    },
  });
  studios.push(studio);
  await studio.scheduling.start(studio.studio.ctx);
  await studio.listen();
  return studio;
}

/** Creates a two-node graph through the API, runs it twice and waits for both runs. */
async function runTwice(studio: SchedulingStudio): Promise<string> {
  const created = await request(studio, { method: 'POST', url: '/v1/graphs', payload: buildChain(2) });
  expect(created.status).toBe(201);
  const graphId = created.body.id as string;
  await studio.studio.ctx.credits.topUp(studio.user!.id, 100, `top-up-${graphId}`, 'metrics test');
  const runIds: string[] = [];
  for (let index = 0; index < 2; index += 1) {
    const started = await request(studio, { method: 'POST', url: `/v1/graphs/${graphId}/runs`, payload: { input: { index } } });
    expect(started.status).toBe(202);
    runIds.push(started.body.runId);
  }
  await waitUntil(
    async () => {
      const runs = await Promise.all(runIds.map((id) => studio.storage.runs.get(id)));
      return runs.every((run) => run?.status === 'succeeded');
    },
    20_000,
    'both runs to succeed',
  );
  return graphId;
}

describe('metrics endpoint', () => {
  it('exposes request, run, task, job, sandbox and credit series', async () => {
    const studio = await startStudio({ METRICS_TOKEN });
    const graphId = await runTwice(studio);
    const fetched = await request(studio, { method: 'GET', url: `/v1/graphs/${graphId}` });
    expect(fetched.status).toBe(200);
    const missing = await request(studio, { method: 'GET', url: '/v1/graphs/graph_does_not_exist' });
    expect(missing.status).toBe(404);
    const unmatched = await fetch(`${studio.url}/no/such/route/${graphId}`);
    expect(unmatched.status).toBe(404);

    const scraped = await scrape(`${studio.url}/metrics`, METRICS_TOKEN);

    // Route templates, never raw URLs, so the label set stays bounded.
    expect(valueOf(scraped, 'http_requests_total', { method: 'GET', route: '/v1/graphs/:id', status: '200' })).toBe(1);
    expect(valueOf(scraped, 'http_requests_total', { method: 'GET', route: '/v1/graphs/:id', status: '404' })).toBe(1);
    expect(valueOf(scraped, 'http_requests_total', { method: 'POST', route: '/v1/graphs/:id/runs', status: '202' })).toBe(2);
    expect(valueOf(scraped, 'http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    const routes = samplesOf(scraped, 'http_requests_total').map((sample) => sample.labels.route);
    for (const route of routes) expect(route).not.toContain(graphId);
    expect(valueOf(scraped, 'http_request_duration_seconds_count', { method: 'POST', route: '/v1/graphs/:id/runs' })).toBe(2);
    expect(samplesOf(scraped, 'http_request_duration_seconds_bucket', { route: '/v1/graphs/:id/runs', le: '+Inf' })).toHaveLength(1);

    expect(valueOf(scraped, 'runs_finished_total', { graph: graphId, status: 'succeeded' })).toBe(2);
    expect(valueOf(scraped, 'run_duration_seconds_count', { graph: graphId, status: 'succeeded' })).toBe(2);
    const taskLabels = { graph: graphId, node_type: 'test/echo@1', status: 'completed' };
    expect(valueOf(scraped, 'tasks_finished_total', taskLabels)).toBe(4);
    expect(valueOf(scraped, 'task_duration_seconds_count', taskLabels)).toBe(4);
    expect(valueOf(scraped, 'credits_captured_total', { node_type: 'test/echo@1' })).toBe(4 * PRICE);

    expect(valueOf(scraped, 'scheduled_job_lateness_seconds_count', { name: 'run' })).toBe(2);
    expect(scraped.families.get('scheduled_jobs_queued')).toBe('gauge');
    expect(scraped.families.get('scheduled_jobs_running')).toBe('gauge');
    for (const name of ['sandbox_children', 'sandbox_busy_slots', 'sandbox_queued_calls', 'sandbox_crashes_total']) {
      expect(samplesOf(scraped, name), name).toHaveLength(1);
    }
    expect(scraped.families.get('ai_provider_request_duration_seconds')).toBe('histogram');
    expect(scraped.families.get('process_cpu_seconds_total')).toBe('counter');
  });

  it('counts queued and running jobs', async () => {
    const studio = await startStudio({});
    const { jobs } = studio.scheduling;
    const jobName = 'metrics-test-job';
    const dueAt = Date.now() - 90_000;
    await jobs.agenda.schedule(new Date(dueAt), jobName, {});
    await jobs.agenda.schedule(new Date(dueAt + 30_000), jobName, {});
    await jobs.agenda.schedule(new Date(Date.now() + 3_600_000), jobName, {});
    const claimed = await jobs.batches.claimDueJobs({
      name: jobName,
      now: new Date(),
      dueBy: new Date(dueAt),
      lockDeadline: new Date(0),
      limit: 1,
      lockedBy: 'metrics-test',
    });
    expect(claimed).toHaveLength(1);

    const scrapedAt = Date.now();
    const scraped = await scrape(`${studio.url}/metrics`);

    // No process defines this job name, so the claimed job stays locked, the other due job
    // stays queued and the later one is not due.
    expect(valueOf(scraped, 'scheduled_jobs_queued', { name: jobName })).toBe(1);
    expect(valueOf(scraped, 'scheduled_jobs_running', { name: jobName })).toBe(1);
    const lateness = valueOf(scraped, 'scheduled_jobs_queued_lateness_seconds', { name: jobName });
    expect(lateness).toBeGreaterThanOrEqual((scrapedAt - dueAt - 30_000) / 1000);
    expect(lateness).toBeLessThan((Date.now() - dueAt - 30_000) / 1000 + 1);
    expect(scraped.families.get('scheduled_jobs_queued_lateness_seconds')).toBe('gauge');
  });

  it('reports zero lateness without queued jobs', async () => {
    const studio = await startStudio({});
    await studio.scheduling.jobs.agenda.schedule(new Date(Date.now() + 3_600_000), 'metrics-test-job', {});

    const scraped = await scrape(`${studio.url}/metrics`);

    expect(valueOf(scraped, 'scheduled_jobs_queued', { name: 'metrics-test-job' })).toBe(0);
    expect(valueOf(scraped, 'scheduled_jobs_queued_lateness_seconds', { name: 'metrics-test-job' })).toBe(0);
  });

  it('hides graph ids without a token', async () => {
    const studio = await startStudio({});
    const graphId = await runTwice(studio);

    const scraped = await scrape(`${studio.url}/metrics`);

    expect(valueOf(scraped, 'runs_finished_total', { graph: HIDDEN_GRAPH_LABEL, status: 'succeeded' })).toBe(2);
    expect(scraped.text).not.toContain(graphId);
  });

  it('requires the token when one is set', async () => {
    const studio = await startStudio({ METRICS_TOKEN });

    const anonymous = await fetch(`${studio.url}/metrics`);
    const wrong = await fetch(`${studio.url}/metrics`, { headers: { authorization: 'Bearer wrong-token' } });

    expect(anonymous.status).toBe(401);
    expect((await anonymous.json()).code).toBe('AUTH_REQUIRED');
    expect(wrong.status).toBe(401);
  });
});

describe('metrics server of worker and scheduler processes', () => {
  it('serves metrics and health', async () => {
    const studio = await startStudio({});
    const server = await startMetricsServer({
      registry: studio.studio.ctx.metrics.registry,
      host: '127.0.0.1',
      port: 0,
      token: METRICS_TOKEN,
      log: createLogger('silent'),
      ping: () => studio.storage.ping(),
    });
    try {
      const address = server.address() as { port: number };
      const base = `http://127.0.0.1:${address.port}`;

      const scraped = await scrape(`${base}/metrics`, METRICS_TOKEN);
      const health = await fetch(`${base}/health`);
      const anonymous = await fetch(`${base}/metrics`);
      const other = await fetch(`${base}/v1/graphs`);

      expect(scraped.families.get('runs_finished_total')).toBe('counter');
      expect(health.status).toBe(200);
      expect(anonymous.status).toBe(401);
      expect(other.status).toBe(404);
      expect((await other.json()).code).toBe('ROUTE_NOT_FOUND');
    } finally {
      server.close();
    }
  });
});

