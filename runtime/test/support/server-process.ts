import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A studio started as its own process with `npm start`'s command line. */
export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output: string[];
}

/** Finds a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Spawns the studio and resolves once it logs `studio ready`. */
export function startServerProcess(env: Record<string, string>, port: number, timeoutMs = 30_000): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--no-node-snapshot', '--import', 'tsx', 'runtime/src/main.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'info',
      SEED_EXAMPLES: 'false',
      // High enough for any test; tests of the limits set their own.
      RATE_LIMIT_ANONYMOUS: '1000000',
      RATE_LIMIT_AUTHENTICATED: '1000000',
      RATE_LIMIT_PREMIUM: '1000000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`studio did not start within ${timeoutMs} ms:\n${output.join('')}`));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString();
      output.push(text);
      if (text.includes('"studio ready"')) {
        clearTimeout(timer);
        resolve({ child, url: `http://127.0.0.1:${port}`, output });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`studio exited early (code ${code}, signal ${signal}):\n${output.join('')}`));
    });
  });
}

/** Kills the process with `signal` and resolves when it has exited. */
export function stopServerProcess(server: ServerProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      resolve();
      return;
    }
    server.child.removeAllListeners('exit');
    server.child.once('exit', () => resolve());
    server.child.kill(signal);
  });
}

/**
 * Waits for studios started at once. When one fails to start, it kills the others with SIGKILL
 * and rejects with the first failure, so no process outlives the test.
 */
export async function awaitServerProcesses<T extends ServerProcess>(starts: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(starts);
  const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure === undefined) return results.map((result) => (result as PromiseFulfilledResult<T>).value);
  for (const result of results) {
    if (result.status === 'fulfilled') await stopServerProcess(result.value, 'SIGKILL');
  }
  throw failure.reason;
}
