import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'server',
          include: ['**/test/**/*.test.ts'],
          exclude: ['**/node_modules/**', 'builder/**'],
          pool: 'forks',
          execArgv: ['--no-node-snapshot'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
          // LangSmith tracing would send the AI nodes' runs to LangSmith's servers, so tests turn
          // it off whatever the shell sets.
          env: { LANGSMITH_TRACING: 'false', LANGCHAIN_TRACING_V2: 'false', LANGSMITH_API_KEY: '' },
        },
      },
      {
        plugins: [react()],
        test: {
          name: 'builder',
          root: 'builder',
          include: ['src/**/*.test.{ts,tsx}'],
          environment: 'happy-dom',
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'e2e',
          root: 'builder',
          include: ['e2e/**/*.e2e.ts'],
          environment: 'node',
          globalSetup: ['e2e/support/global-setup.ts'],
          // Each spec starts a runtime and a browser, so specs run one at a time. The group
          // order runs them after the unit and server tests, which would otherwise compete for CPU.
          fileParallelism: false,
          sequence: { groupOrder: 1 },
          testTimeout: 90_000,
          hookTimeout: 90_000,
        },
      },
    ],
  },
});
