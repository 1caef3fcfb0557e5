import path from 'node:path';
import { openSqliteStorage } from '@gestorlead/storage';
import { createStudio } from './app.js';
import { loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { installBundledPlugins } from './plugins/bundled.js';
import { createSandboxPool } from './plugins/sandbox-pool.js';
import { seedExamples } from './seed-examples.js';

/** Seconds a shutdown waits for running runs before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const storage = openSqliteStorage({ path: path.join(config.dataDir, 'studio.db') });
  // The pool starts at once, so a sandbox that cannot start fails the start-up, not a run.
  const sandbox = createSandboxPool(config.plugins, log);
  await sandbox.ready();
  const studio = await createStudio({ config, storage, log, sandbox });
  await installBundledPlugins(studio.ctx.plugins, log);

  if (process.env.SEED_EXAMPLES !== 'false') {
    await seedExamples(storage, studio.ctx.registry, log);
  }
  const address = await studio.app.listen({ host: config.host, port: config.port });
  const recovered = await studio.ctx.executor.recover();
  log.info({ address, dataDir: config.dataDir, recovered }, 'studio ready');

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'studio stopping');
    const timer = setTimeout(() => {
      log.warn('runs still active at shutdown; they resume on the next start');
      process.exit(0);
    }, SHUTDOWN_GRACE_MS);
    timer.unref();
    studio.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('unhandledRejection', (reason) => {
    log.error({ err: reason }, 'unhandled promise rejection');
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
