import os from 'node:os';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

/**
 * Server test files that assert a wall-time or CPU-time bound, compare timings, or start several
 * runtime processes. They run one at a time after the parallel group, so the other test files
 * take no CPU from them.
 */
const TIMED_SERVER_FILES = [
  'runtime/test/accounts-review.test.ts',
  'runtime/test/adversarial.test.ts',
  'runtime/test/auth/secrets.test.ts',
  'runtime/test/auth/shared-rate-limits.test.ts',
  'runtime/test/crash.test.ts',
  'runtime/test/credits/crash.test.ts',
  'runtime/test/deploy/scripts.test.ts',
  'runtime/test/executor.test.ts',
  'runtime/test/plugins/http-gateway.test.ts',
  'runtime/test/plugins/new-user.test.ts',
  'runtime/test/plugins/review.test.ts',
  'runtime/test/plugins/triggers.test.ts',
  'runtime/test/sandbox/**/*.test.ts',
  'runtime/test/scheduling/agenda-dispatcher.test.ts',
  'runtime/test/scheduling/cron-batch.test.ts',
  'runtime/test/scheduling/processes.test.ts',
  'storage/test/agenda/agenda.test.ts',
  'storage/test/agenda/two-processes.test.ts',
  'storage/test/sqlite.test.ts',
];

/**
 * Workers of the parallel group: one per CPU. Most server test files spend their time waiting
 * for loopback servers and timers, so a second worker on two CPUs runs in that time. Vitest's
 * default is one worker less than the CPU count, which is a single worker on two CPUs.
 */
const PARALLEL_WORKERS = os.availableParallelism();

const serverTest = {
  pool: 'forks' as const,
  execArgv: ['--no-node-snapshot'],
  testTimeout: 30_000,
  hookTimeout: 30_000,
  // LangSmith tracing would send the AI nodes' runs to LangSmith's servers, so tests turn
  // it off whatever the shell sets.
  env: { LANGSMITH_TRACING: 'false', LANGCHAIN_TRACING_V2: 'false', LANGSMITH_API_KEY: '' },
};

// Groups run in `sequence.groupOrder` order: 0 is the server and builder unit tests in parallel,
// 1 the timed server tests one at a time, 2 the browser specs one at a time.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...serverTest,
          name: 'server',
          include: ['**/test/**/*.test.ts'],
          exclude: ['**/node_modules/**', 'builder/**', ...TIMED_SERVER_FILES],
          maxWorkers: PARALLEL_WORKERS,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          ...serverTest,
          name: 'server-timed',
          include: TIMED_SERVER_FILES,
          exclude: ['**/node_modules/**'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
      {
        plugins: [react()],
        test: {
          name: 'builder',
          root: 'builder',
          include: ['src/**/*.test.{ts,tsx}'],
          environment: 'happy-dom',
          setupFiles: ['src/test-support/setup.ts'],
          testTimeout: 30_000,
          maxWorkers: PARALLEL_WORKERS,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'e2e',
          root: 'builder',
          include: ['e2e/**/*.e2e.ts'],
          environment: 'node',
          globalSetup: ['e2e/support/global-setup.ts'],
          // Each spec starts a runtime and a browser, so specs run one at a time.
          fileParallelism: false,
          sequence: { groupOrder: 2 },
          testTimeout: 90_000,
          hookTimeout: 90_000,
        },
      },
    ],
  },
});
