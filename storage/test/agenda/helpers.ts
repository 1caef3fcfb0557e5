import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobParameters } from 'agenda';
import {
  createSqliteAgendaBackend,
  type SqliteAgendaBackend,
  type SqliteAgendaBackendOptions,
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
