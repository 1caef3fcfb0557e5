import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'builder/**'],
    pool: 'forks',
    execArgv: ['--no-node-snapshot'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // LangSmith tracing would send the AI nodes' runs to LangSmith's servers, so tests turn it
    // off whatever the shell sets.
    env: { LANGSMITH_TRACING: 'false', LANGCHAIN_TRACING_V2: 'false', LANGSMITH_API_KEY: '' },
  },
});
