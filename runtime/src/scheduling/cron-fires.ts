import { createHash } from 'node:crypto';
import type { GraphRecord, Storage } from '@gestorlead/storage';
import type { Logger } from 'pino';
import type { Executor, NewRunWithoutExtras } from '../executor/executor.js';
import { nextFireAt, planFire } from './cron-schedule.js';
import type { CronJobData } from './schedule-service.js';

/** Outcome of one fire of a cron job. */
export interface FireResult {
  /** The run started for this fire, or null when none was. */
  runId: string | null;
  /** True when another scheduler already started the run of this fire time. */
  duplicate: boolean;
  /** True when the job belongs to a version that is no longer published, so it is removed. */
  stale: boolean;
  /** Fire times that passed unfired. */
  missed: number;
  /** The job's next fire time, or null for a stale job. */
  next: Date | null;
}

/** One cron job to fire, as `fireCronJobs` takes it. */
export interface CronFire {
  data: CronJobData;
  /**
   * True when an earlier claim took this fire on time and its process stopped before it ended.
   * The fire then counts as on time whatever its lateness now, so the missed-fire policy does
   * not drop it. The deterministic run id keeps it from starting a second run.
   */
  claimedOnTime?: boolean;
}

/** Services and settings of `fireCronJobs`. */
export interface CronFireContext {
  storage: Pick<Storage, 'graphs'>;
  executor: Pick<Executor, 'createRuns'>;
  log: Logger;
  /** Time after its fire time past which a fire counts as missed, in ms. */
  missedAfterMs: number;
}

/**
 * Returns the id of the run of one fire: the same graph and fire time always give the same id,
 * so the run store's unique id turns a second fire by another scheduler into a conflict.
 */
export function cronRunId(graphId: string, scheduledAt: Date): string {
  const digest = createHash('sha256').update(`${graphId}\n${scheduledAt.toISOString()}`).digest('base64url');
  return `run_cron_${digest.slice(0, 32)}`;
}

/** A fire that starts a run, with the index of its job in the batch. */
interface PlannedRun {
  index: number;
  run: NewRunWithoutExtras & { id: string };
}

/**
 * Fires cron jobs due at their `data.scheduledAt` and returns one result per job, in order. A
 * job of a version that is no longer published fires nothing. A fire on time starts its run,
 * and a late one follows the missed-fire policy. All runs are stored with one
 * `Executor.createRuns` call, and a run whose id exists already counts as a duplicate. Next
 * fire times of on-time fires are computed only after the runs are stored, because cron-parser
 * costs about 0.2 to 0.4 ms per fire (measured on the 2-core machine of bench/README.md).
 * `graphs` are the fires' graphs read earlier with `readGraphs`; by default they are read here.
 */
export async function fireCronJobs(
  context: CronFireContext,
  fires: readonly CronFire[],
  now: Date,
  graphs?: ReadonlyMap<string, GraphRecord | null>,
): Promise<FireResult[]> {
  graphs ??= await readGraphs(context.storage, fires);
  const results: FireResult[] = [];
  const planned: PlannedRun[] = [];

  for (const [index, fire] of fires.entries()) {
    const { data } = fire;
    const graph = graphs.get(data.graphId);
    if (graph?.publishedVersion !== data.version) {
      results.push({ runId: null, duplicate: false, stale: true, missed: 0, next: null });
      continue;
    }

    const scheduledAt = new Date(data.scheduledAt);
    const onTime = fire.claimedOnTime === true || now.getTime() - scheduledAt.getTime() <= context.missedAfterMs;
    let fireTime: Date | null = scheduledAt;
    let result: FireResult = { runId: null, duplicate: false, stale: false, missed: 0, next: null };
    if (!onTime) {
      const plan = planFire(data, scheduledAt, now, context.missedAfterMs);
      context.log.warn(
        { graphId: data.graphId, version: data.version, scheduledAt: data.scheduledAt, missed: plan.missed, policy: data.missed },
        'schedule missed fire times',
      );
      fireTime = plan.fire;
      result = { ...result, missed: plan.missed, next: plan.next };
    }
    if (fireTime !== null) {
      const input = { scheduledAt: fireTime.toISOString(), firedAt: now.toISOString() };
      const id = cronRunId(data.graphId, fireTime);
      planned.push({ index, run: { graphId: data.graphId, version: data.version, input, trigger: 'cron', id, ownerId: graph.ownerId } });
      result.runId = id;
    }
    results.push(result);
  }

  await startRuns(context, planned, results);
  for (const [index, result] of results.entries()) {
    if (result.stale || result.next !== null) continue;
    const { cron, timezone, scheduledAt } = fires[index].data;
    result.next = nextFireAt(cron, timezone, new Date(scheduledAt));
  }
  return results;
}

/** Reads the graph of each fire once, for `fireCronJobs`. */
export async function readGraphs(storage: Pick<Storage, 'graphs'>, fires: readonly CronFire[]): Promise<Map<string, GraphRecord | null>> {
  const graphs = new Map<string, GraphRecord | null>();
  for (const { data } of fires) {
    if (!graphs.has(data.graphId)) graphs.set(data.graphId, await storage.graphs.get(data.graphId));
  }
  return graphs;
}

/** Stores the planned runs in one write and marks the results whose run existed already. */
async function startRuns(context: CronFireContext, planned: readonly PlannedRun[], results: FireResult[]): Promise<void> {
  if (planned.length === 0) return;
  const created = await context.executor.createRuns(planned.map((item) => item.run));
  const createdIds = new Set(created.map((run) => run.id));
  for (const { index, run } of planned) {
    if (createdIds.has(run.id)) continue;
    results[index].duplicate = true;
    context.log.info({ graphId: run.graphId, runId: run.id, scheduledAt: (run.input as { scheduledAt: string }).scheduledAt }, 'cron fire already started by another scheduler');
  }
}
