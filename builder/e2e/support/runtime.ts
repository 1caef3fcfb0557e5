/** Starts a real runtime process on 127.0.0.1 with a fresh data folder, serving a builder build. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
/** Maximum wait for the runtime's "studio ready" log line, in milliseconds. */
const START_TIMEOUT_MS = 60_000;

export interface RuntimeProcess {
  url: string;
  dataDir: string;
  /** The runtime's log lines so far, for failure messages. */
  log: string[];
  /** Stops the runtime and deletes its data folder unless `keepData` is set, for a restart. */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/** Starts the runtime on a fresh data folder, or on `options.dataDir` of a stopped runtime. */
export async function startRuntime(builderDir: string, env: Record<string, string> = {}, options: { dataDir?: string } = {}): Promise<RuntimeProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'gestorlead-e2e-'));
  const child: ChildProcess = spawn(process.execPath, ['--no-node-snapshot', '--import', 'tsx', 'runtime/src/main.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: dataDir,
      BUILDER_DIR: builderDir,
      SEED_EXAMPLES: 'false',
      LOG_LEVEL: 'info',
      SANDBOX_POOL_SIZE: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  const lines = createInterface({ input: child.stdout! });
  createInterface({ input: child.stderr! }).on('line', (line) => log.push(line));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`runtime did not start in ${START_TIMEOUT_MS} ms:\n${log.join('\n')}`)), START_TIMEOUT_MS);
    lines.on('line', (line) => {
      log.push(line);
      try {
        const entry = JSON.parse(line) as { msg?: string; address?: string };
        if (entry.msg === 'studio ready' && entry.address !== undefined) {
          clearTimeout(timer);
          resolve(entry.address);
        }
      } catch {
        // Lines that are not JSON are kept in the log only.
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`runtime exited with code ${code} before it was ready:\n${log.join('\n')}`));
    });
  });

  return {
    url,
    dataDir,
    log,
    async stop(stopOptions = {}) {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      if (stopOptions.keepData !== true) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
