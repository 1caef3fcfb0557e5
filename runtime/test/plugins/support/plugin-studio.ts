import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStorage, type Storage } from '@gestorlead/storage';
import { createStudio, type Studio, type StudioOptions } from '../../../src/app.js';
import { loadConfig, type RuntimeConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import { createLazySandbox, createSandboxPool } from '../../../src/plugins/sandbox-pool.js';
import type { ActionCallRequest, Sandbox } from '../../../src/sandbox/types.js';
import { addFirstUser, TEST_RATE_LIMITS, type TestStudio } from '../../support/studio.js';
import { NodeProbe, testNodeTypes } from '../../support/test-node-types.js';

/** A sandbox that records each action call before it passes the call on. */
export interface RecordingSandbox extends Sandbox {
  calls: ActionCallRequest[];
}

function recording(sandbox: Sandbox): RecordingSandbox {
  const calls: ActionCallRequest[] = [];
  return {
    calls,
    callAction: (request) => {
      calls.push(request);
      return sandbox.callAction(request);
    },
    callTrigger: (request) => sandbox.callTrigger(request),
    stats: () => sandbox.stats(),
    close: () => sandbox.close(),
  };
}

/** A test studio with the real plugin sandbox pool. */
export interface PluginTestStudio extends TestStudio {
  sandbox: RecordingSandbox;
  /** Closes the studio but keeps its data folder, for restart tests. */
  stop(): Promise<void>;
}

/** Extra options of `startPluginStudio`. */
export interface PluginStudioOptions extends Pick<StudioOptions, 'credentials' | 'resolveHost'> {
  env?: Record<string, string>;
  /** Reuse a data folder of an earlier studio. */
  dataDir?: string;
}

/** Starts a studio on a fresh (or given) data folder with the real plugin sandbox pool. */
export async function startPluginStudio(options: PluginStudioOptions = {}): Promise<PluginTestStudio> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'gestorlead-plugins-'));
  const config: RuntimeConfig = loadConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    PORT: '0',
    SANDBOX_POOL_SIZE: '1',
    ...TEST_RATE_LIMITS,
    ...options.env,
  });
  const storage: Storage = openSqliteStorage({ path: path.join(dataDir, 'studio.db') });
  const probe = new NodeProbe();
  const log = createLogger(config.logLevel);
  // The real sandbox pool, started on the first plugin call, as a studio without `sandbox` has.
  const sandbox = recording(createLazySandbox(() => createSandboxPool(config.plugins, log)));
  const studio: Studio = await createStudio({
    config,
    storage,
    log,
    extraNodeTypes: testNodeTypes(probe),
    sandbox,
    credentials: options.credentials,
    resolveHost: options.resolveHost,
  });
  const test: PluginTestStudio = {
    studio,
    storage,
    probe,
    dataDir,
    config,
    sandbox,
    user: null,
    token: null,
    url: '',
    async listen() {
      test.url = await studio.app.listen({ host: '127.0.0.1', port: 0 });
      return test.url;
    },
    async stop() {
      await studio.close();
    },
    async close() {
      await studio.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  await addFirstUser(test);
  return test;
}
