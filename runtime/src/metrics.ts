import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The Prometheus metrics of one studio process. */
export interface StudioMetrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  runsFinished: Counter<'status'>;
  runDuration: Histogram<'status'>;
  tasksFinished: Counter<'node_type' | 'status'>;
  webhookDeliveries: Counter<'outcome'>;
  runsActive: Gauge;
  runsQueued: Gauge;
  wsClients: Gauge;
  aiRequestDuration: Histogram<'provider' | 'model'>;
}

/** Creates a fresh registry with the process's default metrics and the studio's own. */
export function createMetrics(sources: { activeRuns(): number; queuedRuns(): number }): StudioMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests by method, route pattern and status code',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency in seconds',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
    }),
    runsFinished: new Counter({
      name: 'runs_finished_total',
      help: 'Runs that reached a final status',
      labelNames: ['status'],
      registers: [registry],
    }),
    runDuration: new Histogram({
      name: 'run_duration_seconds',
      help: 'Wall-clock time from run start to its final status',
      labelNames: ['status'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600],
      registers: [registry],
    }),
    tasksFinished: new Counter({
      name: 'tasks_finished_total',
      help: 'Tasks that reached a final status, by node type',
      labelNames: ['node_type', 'status'],
      registers: [registry],
    }),
    webhookDeliveries: new Counter({
      name: 'webhook_deliveries_total',
      help: 'Webhook requests by outcome (accepted, duplicate, ignored, rejected, failed)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    runsActive: new Gauge({
      name: 'runs_active',
      help: 'Runs executing in this process',
      registers: [registry],
      collect() {
        this.set(sources.activeRuns());
      },
    }),
    runsQueued: new Gauge({
      name: 'runs_queued',
      help: 'Runs waiting for an execution slot in this process',
      registers: [registry],
      collect() {
        this.set(sources.queuedRuns());
      },
    }),
    wsClients: new Gauge({
      name: 'websocket_clients',
      help: 'Connected WebSocket clients',
      registers: [registry],
    }),
    aiRequestDuration: new Histogram({
      name: 'ai_provider_request_duration_seconds',
      help: 'Time from sending a request to an AI provider to its last streamed byte or error',
      labelNames: ['provider', 'model'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: [registry],
    }),
  };
}
