import { createStudio } from './app.js';
import { loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { startMetricsServer } from './metrics-server.js';
import { installBundledPlugins } from './plugins/bundled.js';
import { createSandboxPool } from './plugins/sandbox-pool.js';
import { createScheduling } from './scheduling/scheduling.js';
import { applyRoleArgument } from './scheduling/settings.js';
import { installBundledPluginsOnce } from './scheduling/bundled-plugins.js';
import { seedExamples } from './seed-examples.js';
import { openStudioStorage } from './storage/open-storage.js';

/** Seconds a shutdown waits for running runs before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  const config = loadConfig(applyRoleArgument(process.argv.slice(2), process.env));
  const { role } = config.scheduling;
  const log = createLogger(config.logLevel).child({ role });
  const storage = await openStudioStorage(config, log);
  const executesRuns = role === 'all' || role === 'worker';
  // The pool starts at once where runs execute, so a sandbox that cannot start fails the
  // start-up, not a run. Other roles get the lazy pool of createStudio.
  const sandbox = executesRuns ? createSandboxPool(config.plugins, log) : undefined;
  await sandbox?.ready();
  const scheduling = createScheduling({ config, storage, log });
  const studio = await createStudio({ config, storage, log, sandbox, scheduling });
  await installBundledPluginsOnce(() => installBundledPlugins(studio.ctx.plugins, log));

  const servesHttp = role === 'all' || role === 'api';
  if (servesHttp && process.env.SEED_EXAMPLES !== 'false') {
    await seedExamples(storage, studio.ctx.registry, log);
  }
  const address = servesHttp ? await studio.app.listen({ host: config.host, port: config.port }) : null;
  // Processes without the API serve their metrics and health on METRICS_PORT.
  const metricsServer =
    !servesHttp && config.metrics.port > 0
      ? await startMetricsServer({
          registry: studio.ctx.metrics.registry,
          host: config.host,
          port: config.metrics.port,
          token: config.metrics.token,
          log,
          ping: () => storage.ping(),
        })
      : null;
  const { recovered } = await scheduling.start(studio.ctx);
  log.info({ address, dataDir: config.dataDir, role, recovered }, 'studio ready');
  // A parent process that started this one with an IPC channel learns that it is ready.
  process.send?.({ type: 'ready', role, address });

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'studio stopping');
    const graceMs = role === 'worker' ? config.scheduling.stopGraceMs + SHUTDOWN_GRACE_MS : SHUTDOWN_GRACE_MS;
    const timer = setTimeout(() => {
      log.warn('runs still active at shutdown; they resume on the next start');
      process.exit(0);
    }, graceMs);
    timer.unref();
    stopStudio().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  const stopStudio = async (): Promise<void> => {
    metricsServer?.close();
    if (role === 'worker') {
      const handedBack = await scheduling.stopWorker();
      // Another worker takes these runs once their locks expire, so this process must not
      // write to them again: it exits without waiting for them.
      if (handedBack.length > 0) process.exit(0);
    }
    await studio.close();
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
