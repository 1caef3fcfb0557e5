import path from 'node:path';

/** Process roles: `all` is the single embedded process; the others split it. */
export const PROCESS_ROLES = ['all', 'api', 'worker', 'scheduler'] as const;
/** Process roles: `all` is the single embedded process; the others split it. */
export type ProcessRole = (typeof PROCESS_ROLES)[number];

/** Run dispatchers of an `all` process: its own queue, or Agenda jobs. */
export const RUN_DISPATCHERS = ['in-process', 'agenda'] as const;
/** Run dispatchers of an `all` process: its own queue, or Agenda jobs. */
export type RunDispatcherKind = (typeof RUN_DISPATCHERS)[number];

/** Settings of process roles, the Agenda job store, cron triggers and cross-process events. */
export interface SchedulingSettings {
  role: ProcessRole;
  /** Run dispatcher of role `all`; the split roles always use `agenda`. */
  runDispatcher: RunDispatcherKind;
  /** SQLite file of the Agenda job store, shared by every process of a studio. */
  jobsDbPath: string;
  /** Time after which another process may take a job whose process stopped touching it, in ms. */
  lockLifetimeMs: number;
  /** Time between two scans of the job store for due jobs (Agenda's `processEvery`), in ms. */
  scanIntervalMs: number;
  /** Time between two reads of the cross-process notification table, in ms. */
  notifyPollMs: number;
  /** Time a stopping worker waits for its runs before it hands them back, in ms. */
  stopGraceMs: number;
  /** Time after its fire time past which a cron fire counts as missed, in ms. */
  cronMissedAfterMs: number;
  /** Time between two reads of stored events for WebSocket clients of remote runs, in ms. */
  eventPollMs: number;
}

const DEFAULTS = {
  ROLE: 'all',
  RUN_DISPATCHER: 'in-process',
  JOB_LOCK_LIFETIME_MS: '60000',
  JOB_SCAN_INTERVAL_MS: '5000',
  JOB_NOTIFY_POLL_MS: '50',
  STOP_GRACE_MS: '10000',
  CRON_MISSED_AFTER_MS: '60000',
  EVENT_POLL_MS: '100',
} as const;

function readChoice<T extends string>(env: NodeJS.ProcessEnv, name: keyof typeof DEFAULTS, choices: readonly T[]): T {
  const value = env[name] ?? DEFAULTS[name];
  if (!(choices as readonly string[]).includes(value)) {
    throw new Error(`${name} must be one of ${choices.join(', ')}, got "${value}"`);
  }
  return value as T;
}

function readMs(env: NodeJS.ProcessEnv, name: keyof typeof DEFAULTS, min: number, max: number): number {
  const raw = env[name] ?? DEFAULTS[name];
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/**
 * Reads the scheduling settings from `env`; throws with the variable's name on an invalid value.
 * `dataDir` is the resolved DATA_DIR, home of the default job store file.
 */
export function loadSchedulingSettings(env: NodeJS.ProcessEnv, dataDir: string): SchedulingSettings {
  return {
    role: readChoice(env, 'ROLE', PROCESS_ROLES),
    runDispatcher: readChoice(env, 'RUN_DISPATCHER', RUN_DISPATCHERS),
    jobsDbPath: path.resolve(env.JOBS_DB_PATH ?? path.join(dataDir, 'jobs.db')),
    lockLifetimeMs: readMs(env, 'JOB_LOCK_LIFETIME_MS', 1000, 86_400_000),
    scanIntervalMs: readMs(env, 'JOB_SCAN_INTERVAL_MS', 50, 3_600_000),
    notifyPollMs: readMs(env, 'JOB_NOTIFY_POLL_MS', 5, 60_000),
    stopGraceMs: readMs(env, 'STOP_GRACE_MS', 0, 3_600_000),
    cronMissedAfterMs: readMs(env, 'CRON_MISSED_AFTER_MS', 1000, 86_400_000),
    eventPollMs: readMs(env, 'EVENT_POLL_MS', 10, 60_000),
  };
}

/** Returns whether runs of this process go through Agenda jobs. */
export function usesAgendaDispatcher(settings: Pick<SchedulingSettings, 'role' | 'runDispatcher'>): boolean {
  return settings.role !== 'all' || settings.runDispatcher === 'agenda';
}

/**
 * Returns `env` with ROLE taken from a `--role <name>` or `--role=<name>` argument, which wins
 * over the environment. Throws on `--role` without a value.
 */
export function applyRoleArgument(argv: readonly string[], env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index];
    if (argument.startsWith('--role=')) return { ...env, ROLE: argument.slice('--role='.length) };
    if (argument === '--role') {
      const value = argv[index + 1];
      if (value === undefined || value.startsWith('--')) {
        throw new Error(`--role needs a value: one of ${PROCESS_ROLES.join(', ')}`);
      }
      return { ...env, ROLE: value };
    }
  }
  return env;
}
