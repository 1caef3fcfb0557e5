import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobParameters } from 'agenda';
import { afterEach, beforeEach } from 'vitest';
import {
  createSqliteAgendaBackend,
  type SqliteAgendaBackend,
  type SqliteAgendaBackendOptions,
  type SqliteJobRepository,
} from '../../src/index.js';

/** A temporary directory with a database path, removed by `remove`. */
export interface TempDatabase {
  directory: string;
  path: string;
  remove(): void;
}

export function createTempDatabase(): TempDatabase {
  const directory = mkdtempSync(join(tmpdir(), 'gestorlead-agenda-'));
  return {
    directory,
    path: join(directory, 'jobs.db'),
    remove: () => rmSync(directory, { recursive: true, force: true }),
  };
}

/** Opens backends on one file and disconnects them all in `closeAll`. */
export class BackendPool {
  readonly #backends: SqliteAgendaBackend[] = [];

  open(
    path: string,
    options: Omit<SqliteAgendaBackendOptions, 'path' | 'db'> = {},
  ): SqliteAgendaBackend {
    const backend = createSqliteAgendaBackend({ path, notifications: false, ...options });
    this.#backends.push(backend);
    return backend;
  }

  async closeAll(): Promise<void> {
    for (const backend of this.#backends.splice(0)) {
      await backend.disconnect();
    }
  }
}

/** Builds a job as `agenda.create` does, due a minute ago unless overridden. */
export function buildJob(overrides: Partial<JobParameters> = {}): JobParameters {
  return {
    name: 'job',
    priority: 0,
    nextRunAt: new Date(Date.now() - 60_000),
    type: 'normal',
    data: {},
    ...overrides,
  };
}

/** A job as the repository returns it after a save, with its id. */
export type SavedJob = JobParameters & { _id: string };

/** The job repository of the running test, on a database file of its own. */
export interface JobRepositoryFixture {
  temp: TempDatabase;
  /** Backends opened on `temp.path`. A test adds another connection with `pool.open(temp.path)`. */
  pool: BackendPool;
  repo: SqliteJobRepository;
  /** Saves `buildJob` of the suite's job defaults and `overrides` through `repo`. */
  save(overrides?: Partial<JobParameters>): Promise<SavedJob>;
}

/**
 * Registers hooks of the calling suite that open a job repository on a fresh database file
 * before each test, and disconnect it and delete the file after the test.
 */
export function useJobRepository(jobDefaults: Partial<JobParameters> = {}): JobRepositoryFixture {
  const fixture: JobRepositoryFixture = {
    temp: undefined as unknown as TempDatabase,
    pool: undefined as unknown as BackendPool,
    repo: undefined as unknown as SqliteJobRepository,
    save: async (overrides = {}) =>
      (await fixture.repo.saveJob(buildJob({ ...jobDefaults, ...overrides }), undefined)) as SavedJob,
  };

  beforeEach(() => {
    fixture.temp = createTempDatabase();
    fixture.pool = new BackendPool();
    fixture.repo = fixture.pool.open(fixture.temp.path).repository;
  });

  afterEach(async () => {
    await fixture.pool.closeAll();
    fixture.temp.remove();
  });

  return fixture;
}

/** Resolves after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` every 20 ms until it returns true, and rejects after `timeoutMs`. */
export async function waitFor(
  description: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${description}.`);
    }
    await delay(20);
  }
}
