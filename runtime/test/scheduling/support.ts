import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStorage, type Storage } from '@gestorlead/storage';
import { createStudio, type Studio } from '../../src/app.js';
import { loadConfig, type RuntimeConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { CRON_JOB, RUN_JOB } from '../../src/scheduling/job-store.js';
import { createScheduling, type StudioScheduling } from '../../src/scheduling/scheduling.js';
import { addFirstUser, type TestUser } from '../support/studio.js';
import { NodeProbe, testNodeTypes } from '../support/test-node-types.js';

/** A studio with its scheduling services, on a data folder that may be shared with others. */
export interface SchedulingStudio {
  studio: Studio;
  storage: Storage;
  scheduling: StudioScheduling;
  probe: NodeProbe;
  config: RuntimeConfig;
  dataDir: string;
  /** The first account (an admin), which owns the graphs that the tests create through the API. */
  user: TestUser | null;
  /** The default token of `request()`: the first account's access token. */
  token: string | null;
  url: string;
  listen(): Promise<string>;
  /** Closes the studio; removes the data folder unless `keepData`. */
  close(keepData?: boolean): Promise<void>;
}

/** Options of `startSchedulingStudio`. */
export interface SchedulingStudioOptions {
  env?: Record<string, string>;
  /** Data folder to share with another studio; a new one by default. */
  dataDir?: string;
  now?: () => Date;
}

/**
 * Starts a studio whose scheduling clock and data folder the test chooses. It does not start the
 * role. It registers the owner account, or signs it in when a shared data folder already has it.
 */
export async function startSchedulingStudio(options: SchedulingStudioOptions = {}): Promise<SchedulingStudio> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'gestorlead-sched-'));
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', PORT: '0', JOB_SCAN_INTERVAL_MS: '200', ...options.env });
  const storage = openSqliteStorage({ path: path.join(dataDir, 'studio.db') });
  const probe = new NodeProbe();
  const log = createLogger(config.logLevel);
  const scheduling = createScheduling({ config, storage, log, now: options.now });
  const studio = await createStudio({ config, storage, log, extraNodeTypes: testNodeTypes(probe), scheduling });
  const test: SchedulingStudio = {
    studio,
    storage,
    scheduling,
    probe,
    config,
    dataDir,
    user: null,
    token: null,
    url: '',
    async listen() {
      test.url = await studio.app.listen({ host: '127.0.0.1', port: 0 });
      return test.url;
    },
    async close(keepData = false) {
      await studio.close();
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  await addFirstUser(test);
  return test;
}

/** Stored cron jobs, with their data and state. */
export async function cronJobs(scheduling: StudioScheduling) {
  const { jobs } = await scheduling.jobs.agenda.queryJobs({ name: CRON_JOB });
  return jobs as Array<(typeof jobs)[number] & { data: { graphId: string; version: number; cron: string; scheduledAt: string } }>;
}

/** Number of stored run jobs. */
export async function runJobCount(scheduling: StudioScheduling): Promise<number> {
  const { total } = await scheduling.jobs.agenda.queryJobs({ name: RUN_JOB });
  return total;
}

/** Polls `condition` every 20 ms until it returns true, or throws after `timeoutMs`. */
export async function waitUntil(condition: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
