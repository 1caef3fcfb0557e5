import { createStudio, type Studio } from '../../runtime/src/app.js';
import { loadConfig } from '../../runtime/src/config.js';
import { createLogger } from '../../runtime/src/logger.js';
import { installBundledPlugins } from '../../runtime/src/plugins/bundled.js';
import { createScheduling } from '../../runtime/src/scheduling/scheduling.js';
import { openStudioStorage } from '../../runtime/src/storage/open-storage.js';

/** A studio running inside the benchmark's own process. */
export interface InProcessStudio {
  url: string;
  studio: Studio;
  stop(): Promise<void>;
}

/**
 * Starts the studio in this process with the steps of `runtime/src/main.ts` for the `all` role,
 * on a free port of 127.0.0.1 and without example graphs. A benchmark can then publish run events
 * on `studio.ctx.events`, the bus the executor publishes on, and they reach browsers through the
 * studio's own WebSocket route. `env` sets configuration variables such as DATA_DIR.
 */
export async function startInProcessStudio(env: Record<string, string>): Promise<InProcessStudio> {
  const config = loadConfig({ ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent', ...env });
  const log = createLogger(config.logLevel);
  const storage = await openStudioStorage(config, log);
  const scheduling = createScheduling({ config, storage, log });
  const studio = await createStudio({ config, storage, log, scheduling });
  await installBundledPlugins(studio.ctx.plugins, log);
  const url = await studio.app.listen({ host: config.host, port: config.port });
  await scheduling.start(studio.ctx);
  return { url, studio, stop: () => studio.close() };
}
