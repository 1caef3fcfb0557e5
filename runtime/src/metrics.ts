import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LiveRunEvent } from './events/event-bus.js';

/** Jobs of one Agenda job name in the job store. */
export interface JobCounts {
  name: string;
  /** Unlocked jobs whose `nextRunAt` has passed. */
  queued: number;
  /** Locked jobs, which a process is running. */
  running: number;
  /** The earliest `nextRunAt` of the queued jobs in ms since the epoch, or null when none is queued. */
  oldestDueAt: number | null;
}

/** State of the sandbox pool, as `Sandbox.stats()` returns it. */
export interface SandboxStats {
  children: number;
  busy: number;
  crashes: number;
  queued: number;
}

/** Readings the gauges take at each scrape. */
export interface MetricSources {
  activeRuns(): number;
  queuedRuns(): number;
  sandbox?(): SandboxStats;
  /** Job counts by name, or null when the job store is not open or cannot be read. */
  jobs?(): Promise<JobCounts[] | null>;
}

/** Options of `createMetrics`. */
export interface MetricsOptions {
  /**
   * Whether run and task series carry the graph id in their `graph` label. A published graph's
   * id is also its webhook address, so the id is shown only when `/metrics` needs a token;
   * otherwise every series has `graph="hidden"`.
   */
  graphLabels: boolean;
}

/** The Prometheus metrics of one studio process. */
export interface StudioMetrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  runsFinished: Counter<'graph' | 'status'>;
  runDuration: Histogram<'graph' | 'status'>;
  tasksFinished: Counter<'graph' | 'node_type' | 'status'>;
  taskDuration: Histogram<'graph' | 'node_type' | 'status'>;
  webhookDeliveries: Counter<'outcome'>;
  runsActive: Gauge;
  runsQueued: Gauge;
  wsClients: Gauge;
  aiRequestDuration: Histogram<'provider' | 'model'>;
  jobLateness: Histogram<'name'>;
  creditsCaptured: Counter<'node_type'>;
  /** Counts run, task and credit events of runs that execute in this process. */
  observeRunEvent(event: LiveRunEvent): void;
}

/** Label value of `graph` when graph ids are not shown. */
export const HIDDEN_GRAPH_LABEL = 'hidden';

const TASK_FINAL_EVENTS: Record<string, string> = {
  'task.completed': 'completed',
  'task.failed': 'failed',
  'task.cancelled': 'cancelled',
  'task.skipped': 'skipped',
};

/** Creates a fresh registry with the process's default metrics and the studio's own. */
export function createMetrics(sources: MetricSources, options: MetricsOptions = { graphLabels: false }): StudioMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const metrics = {
    registry,
    httpRequests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests by method, route pattern and status code',
      labelNames: ['method', 'route', 'status'],
      registers,
    }),
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency in seconds',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers,
    }),
    runsFinished: new Counter({
      name: 'runs_finished_total',
      help: 'Runs that reached a final status in this process',
      labelNames: ['graph', 'status'],
      registers,
    }),
    runDuration: new Histogram({
      name: 'run_duration_seconds',
      help: 'Wall-clock time from run start (or resume) in this process to its final status',
      labelNames: ['graph', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600],
      registers,
    }),
    tasksFinished: new Counter({
      name: 'tasks_finished_total',
      help: 'Tasks that reached a final status in this process, by graph and node type',
      labelNames: ['graph', 'node_type', 'status'],
      registers,
    }),
    taskDuration: new Histogram({
      name: 'task_duration_seconds',
      help: 'Wall-clock time from the first attempt of a task to its final status, retries included',
      labelNames: ['graph', 'node_type', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600],
      registers,
    }),
    webhookDeliveries: new Counter({
      name: 'webhook_deliveries_total',
      help: 'Webhook requests by outcome (accepted, duplicate, ignored, rejected, failed)',
      labelNames: ['outcome'],
      registers,
    }),
    runsActive: new Gauge({
      name: 'runs_active',
      help: 'Runs executing in this process',
      registers,
      collect() {
        this.set(sources.activeRuns());
      },
    }),
    runsQueued: new Gauge({
      name: 'runs_queued',
      help: 'Runs waiting for an execution slot in this process',
      registers,
      collect() {
        this.set(sources.queuedRuns());
      },
    }),
    wsClients: new Gauge({
      name: 'websocket_clients',
      help: 'Connected WebSocket clients',
      registers,
    }),
    aiRequestDuration: new Histogram({
      name: 'ai_provider_request_duration_seconds',
      help: 'Time from sending a request to an AI provider to its last streamed byte or error',
      labelNames: ['provider', 'model'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    }),
    jobLateness: new Histogram({
      name: 'scheduled_job_lateness_seconds',
      help: 'Time from the nextRunAt of an Agenda job (a run job, or the fire time of a cron job) to its start in this process',
      labelNames: ['name'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    creditsCaptured: new Counter({
      name: 'credits_captured_total',
      help: 'Credits charged to users for successful tasks in this process, by node type',
      labelNames: ['node_type'],
      registers,
    }),
  };
  registerPoolGauges(registry, sources);
  return { ...metrics, observeRunEvent: createRunEventObserver(metrics, options) };
}

/** Registers the gauges of the job store and the sandbox pool, read at each scrape. */
function registerPoolGauges(registry: Registry, sources: MetricSources): void {
  const registers = [registry];
  const jobs = sharePendingReading(async () => (await sources.jobs?.()) ?? []);
  new Gauge({
    name: 'scheduled_jobs_queued',
    help: 'Agenda jobs that are due and not locked, by job name; every process reads the same shared job store',
    labelNames: ['name'],
    registers,
    async collect() {
      const counts = await jobs();
      this.reset();
      for (const row of counts) this.set({ name: row.name }, row.queued);
    },
  });
  new Gauge({
    name: 'scheduled_jobs_running',
    help: 'Agenda jobs locked by a process, by job name; every process reads the same shared job store',
    labelNames: ['name'],
    registers,
    async collect() {
      const counts = await jobs();
      this.reset();
      for (const row of counts) this.set({ name: row.name }, row.running);
    },
  });
  new Gauge({
    name: 'scheduled_jobs_queued_lateness_seconds',
    help: 'Time since the nextRunAt of the oldest queued Agenda job, by job name, 0 when none is queued; every process reads the same shared job store',
    labelNames: ['name'],
    registers,
    async collect() {
      const counts = await jobs();
      const now = Date.now();
      this.reset();
      for (const row of counts) {
        const latenessMs = row.oldestDueAt === null ? 0 : Math.max(0, now - row.oldestDueAt);
        this.set({ name: row.name }, latenessMs / 1000);
      }
    },
  });
  const sandbox = (): SandboxStats => sources.sandbox?.() ?? { children: 0, busy: 0, crashes: 0, queued: 0 };
  new Gauge({
    name: 'sandbox_children',
    help: 'Child processes of the sandbox pool that are alive',
    registers,
    collect() {
      this.set(sandbox().children);
    },
  });
  new Gauge({
    name: 'sandbox_busy_slots',
    help: 'Plugin calls running in the sandbox pool',
    registers,
    collect() {
      this.set(sandbox().busy);
    },
  });
  new Gauge({
    name: 'sandbox_queued_calls',
    help: 'Plugin calls waiting for a free slot of the sandbox pool',
    registers,
    collect() {
      this.set(sandbox().queued);
    },
  });
  new Counter({
    name: 'sandbox_crashes_total',
    help: 'Sandbox child processes that exited unexpectedly or stopped replying to heartbeats',
    registers,
    collect() {
      this.reset();
      this.inc(sandbox().crashes);
    },
  });
}

/**
 * Wraps `read` so that calls made while a reading is pending share it. prom-client collects the
 * metrics of a scrape concurrently, so the job gauges of one scrape query the job store once.
 */
function sharePendingReading<T>(read: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | null = null;
  return () => {
    pending ??= read().finally(() => {
      pending = null;
    });
    return pending;
  };
}

type RunEventMetrics = Pick<StudioMetrics, 'runsFinished' | 'runDuration' | 'tasksFinished' | 'taskDuration' | 'creditsCaptured'>;

/**
 * Returns the listener that turns run events into run, task and credit series. It keeps the
 * start time of each run and task until its final event, so a run or task that started in
 * another process (or before a restart) is counted without a duration.
 */
function createRunEventObserver(metrics: RunEventMetrics, options: MetricsOptions): (event: LiveRunEvent) => void {
  const runStarts = new Map<string, number>();
  const tasks = new Map<string, { startedAt: number; nodeType: string }>();
  const graphOf = (event: LiveRunEvent): string => (options.graphLabels ? event.graphId : HIDDEN_GRAPH_LABEL);

  return (event) => {
    const now = performance.now();
    if (event.type === 'run.started' || event.type === 'run.resumed') {
      runStarts.set(event.runId, now);
      return;
    }
    if (event.type === 'run.finished') {
      const status = (event.data as { status?: string } | null)?.status ?? 'unknown';
      const labels = { graph: graphOf(event), status };
      metrics.runsFinished.inc(labels);
      const startedAt = runStarts.get(event.runId);
      runStarts.delete(event.runId);
      if (startedAt !== undefined) metrics.runDuration.observe(labels, (now - startedAt) / 1000);
      return;
    }
    const taskId = event.taskId;
    if (!taskId) return;
    if (event.type === 'task.started') {
      const nodeType = (event.data as { nodeType?: string } | null)?.nodeType ?? 'unknown';
      if (!tasks.has(taskId)) tasks.set(taskId, { startedAt: now, nodeType });
      return;
    }
    if (event.type === 'task.charged') {
      const captured = (event.data as { captured?: number } | null)?.captured ?? 0;
      const nodeType = tasks.get(taskId)?.nodeType ?? 'unknown';
      if (captured > 0) metrics.creditsCaptured.inc({ node_type: nodeType }, captured);
      return;
    }
    const status = TASK_FINAL_EVENTS[event.type];
    if (status === undefined) return;
    const started = tasks.get(taskId);
    tasks.delete(taskId);
    // A task skipped or cancelled before it started has no task.started event in this process.
    const labels = { graph: graphOf(event), node_type: started?.nodeType ?? 'unknown', status };
    metrics.tasksFinished.inc(labels);
    if (started !== undefined) metrics.taskDuration.observe(labels, (now - started.startedAt) / 1000);
  };
}
