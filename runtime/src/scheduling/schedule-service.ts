import type { ScheduleMissedPolicy } from '@gestorlead/sdk-plugin';
import type { Storage } from '@gestorlead/storage';
import type { JobsResult, JobWithState } from 'agenda';
import type { Logger } from 'pino';
import { StudioError } from '../errors.js';
import { nextFireAt, resolveSchedule, type ResolvedSchedule } from './cron-schedule.js';
import { CRON_JOB, type JobStore } from './job-store.js';

/** Data of a graph's cron job: the published version's schedule and the fire time it waits for. */
export interface CronJobData {
  graphId: string;
  version: number;
  cron: string;
  timezone: string;
  missed: ScheduleMissedPolicy;
  /** ISO instant of the fire the job waits for; the job's `nextRunAt`. */
  scheduledAt: string;
}

/** A graph's schedule as the API returns it. */
export interface ScheduleState {
  graphId: string;
  /** The published version whose schedule fires. */
  version: number;
  cron: string;
  timezone: string;
  enabled: boolean;
  missed: ScheduleMissedPolicy;
  paused: boolean;
  /** ISO instant of the next fire, or null when the schedule is disabled. */
  nextFireAt: string | null;
}

/** Options of `ScheduleService`. */
export interface ScheduleServiceOptions {
  jobs: JobStore;
  storage: Storage;
  log: Logger;
  now?: () => Date;
}

/** Graphs read per page by `syncAll`. */
const GRAPH_PAGE = 500;

export function scheduleNotFound(graphId: string, pointer = '/params/id'): StudioError {
  return new StudioError('SCHEDULE_NOT_FOUND', `graph "${graphId}" has no schedule in its published version; add settings.schedule and publish`, {
    problems: [{ pointer, message: 'matches no graph with a published schedule' }],
  });
}

/**
 * Keeps one cron job per graph in step with the graph's published version. Publishing replaces
 * the job, so an older version never fires again; unpublishing the schedule or deleting the
 * graph removes it. Pausing disables the job and survives later publishes.
 */
export class ScheduleService {
  readonly #jobs: JobStore;
  readonly #storage: Storage;
  readonly #log: Logger;
  readonly #now: () => Date;

  constructor(options: ScheduleServiceOptions) {
    this.#jobs = options.jobs;
    this.#storage = options.storage;
    this.#log = options.log.child({ component: 'schedules' });
    this.#now = options.now ?? (() => new Date());
  }

  /** The published version of a graph and its schedule, or null when it has neither. */
  async publishedSchedule(graphId: string): Promise<{ version: number; schedule: ResolvedSchedule } | null> {
    const graph = await this.#storage.graphs.get(graphId);
    if (!graph || graph.publishedVersion === null) return null;
    const record = await this.#storage.graphs.getVersion(graphId, graph.publishedVersion);
    const schedule = record ? resolveSchedule(record.document) : null;
    return schedule ? { version: graph.publishedVersion, schedule } : null;
  }

  /**
   * Makes the graph's cron job match its published schedule: removes jobs of other versions and
   * of a removed or disabled schedule, and stores the job of the published one, paused when the
   * job it replaces was paused.
   */
  async sync(graphId: string): Promise<void> {
    const target = await this.publishedSchedule(graphId);
    const existing = await this.#cronJobsOf(graphId);
    const paused = existing.some((job) => job.disabled === true);
    const desired = target?.schedule.enabled ? target : null;

    let current = false;
    for (const job of existing) {
      if (desired && job.data.version === desired.version && !current) {
        current = true;
        continue;
      }
      await this.#jobs.agenda.cancel({ id: String(job._id) });
    }
    if (!desired || current) return;

    const { schedule, version } = desired;
    const first = nextFireAt(schedule.cron, schedule.timezone, this.#now());
    const data: CronJobData = {
      graphId,
      version,
      cron: schedule.cron,
      timezone: schedule.timezone,
      missed: schedule.missed,
      scheduledAt: first.toISOString(),
    };
    const job = this.#jobs.agenda
      .create<CronJobData>(CRON_JOB, data)
      .unique({ 'data.graphId': graphId, 'data.version': version }, { insertOnly: true })
      .schedule(first);
    if (paused) job.disable();
    await job.save();
    this.#log.info({ graphId, version, cron: schedule.cron, timezone: schedule.timezone, firstFireAt: data.scheduledAt, paused }, 'schedule stored');
  }

  /** Removes cron jobs of graphs that are gone and stores missing ones. Returns the graphs checked. */
  async syncAll(): Promise<number> {
    const graphIds = new Set<string>();
    for (let offset = 0; ; offset += GRAPH_PAGE) {
      const page = await this.#storage.graphs.list({ limit: GRAPH_PAGE, offset });
      for (const graph of page) if (graph.publishedVersion !== null) graphIds.add(graph.id);
      if (page.length < GRAPH_PAGE) break;
    }
    const { jobs } = (await this.#jobs.agenda.queryJobs({ name: CRON_JOB })) as JobsResult<CronJobData>;
    for (const job of jobs) graphIds.add(job.data.graphId);
    for (const graphId of graphIds) await this.sync(graphId);
    return graphIds.size;
  }

  /** The graph's schedule with its job's state, or null when its published version has none. */
  async describe(graphId: string): Promise<ScheduleState | null> {
    const target = await this.publishedSchedule(graphId);
    if (!target) return null;
    const job = (await this.#cronJobsOf(graphId)).find((item) => item.data.version === target.version);
    return {
      graphId,
      version: target.version,
      ...target.schedule,
      paused: job?.disabled === true,
      nextFireAt: job ? job.data.scheduledAt : null,
    };
  }

  /** Stops the graph's schedule from firing until `resume`. Fires due meanwhile count as missed. */
  pause(graphId: string): Promise<ScheduleState> {
    return this.#setPaused(graphId, true);
  }

  /** Lets a paused schedule fire again; the missed-fire policy decides about the fires it missed. */
  resume(graphId: string): Promise<ScheduleState> {
    return this.#setPaused(graphId, false);
  }

  async #setPaused(graphId: string, paused: boolean): Promise<ScheduleState> {
    await this.sync(graphId);
    const state = await this.describe(graphId);
    if (!state || !state.enabled) throw scheduleNotFound(graphId);
    const filter = { name: CRON_JOB, data: { graphId } };
    const changed = paused ? await this.#jobs.agenda.disable(filter) : await this.#jobs.agenda.enable(filter);
    if (changed > 0) this.#log.info({ graphId, version: state.version }, paused ? 'schedule paused' : 'schedule resumed');
    return { ...state, paused };
  }

  async #cronJobsOf(graphId: string): Promise<JobWithState<CronJobData>[]> {
    const result = await this.#jobs.agenda.queryJobs({ name: CRON_JOB, data: { graphId } });
    return (result as JobsResult<CronJobData>).jobs;
  }
}
