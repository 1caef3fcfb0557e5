import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Node flags of `npm start`: no startup snapshot, TypeScript loaded through tsx. */
export const NODE_TS_FLAGS = ['--no-node-snapshot', '--import', 'tsx'];

/**
 * Node flags for a server process. With BENCH_CPU_PROF_DIR set, the process also writes a V8
 * CPU profile there when it exits.
 */
export function serverNodeFlags(): string[] {
  const profileDir = process.env.BENCH_CPU_PROF_DIR;
  return profileDir ? [...NODE_TS_FLAGS, '--cpu-prof', '--cpu-prof-dir', profileDir] : NODE_TS_FLAGS;
}

/** Clock ticks per second of `/proc/<pid>/stat` times (USER_HZ, which Linux fixes at 100 on x86-64). */
const CLOCK_TICKS_PER_SECOND = 100;

/** Returns a TCP port that was free on 127.0.0.1 a moment ago. */
export async function findFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP address was assigned');
  return address.port;
}

/** A server process started by the bench. */
export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** CPU seconds (user + system) the process has used so far, read from `/proc/<pid>/stat`. */
  cpuSeconds(): number;
  /** Sends SIGTERM and waits for the exit; SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** Reads user + system CPU seconds of a Linux process. */
export function readProcessCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name in field 2 may contain spaces, so count fields after its closing bracket.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const userTicks = Number(fields[11]);
  const systemTicks = Number(fields[12]);
  return (userTicks + systemTicks) / CLOCK_TICKS_PER_SECOND;
}

/**
 * Returns the CPU seconds of the direct children of process `pid` that are alive now, such as a
 * worker's sandbox processes (Linux only; 0 when `/proc` cannot be read).
 */
export function readChildrenCpuSeconds(pid: number): number {
  let children: string[];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').filter(Boolean);
  } catch {
    return 0;
  }
  let seconds = 0;
  for (const child of children) {
    try {
      seconds += readProcessCpuSeconds(Number(child));
    } catch {
      // The child exited between the two reads.
    }
  }
  return seconds;
}

/** Polls `GET url` until the response status is 200, or throws after `timeoutMs`. */
export async function waitForHttpOk(url: string, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode} before ${url} responded`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // Not listening yet, or no response within 2 s.
    }
    if (Date.now() > deadline) throw new Error(`${url} did not respond with 200 within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Collects a child's stderr so a failed start can show it. */
function captureStderr(child: ChildProcess): () => string {
  let text = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    if (text.length < 16_384) text += chunk;
  });
  return () => text;
}

function wrap(child: ChildProcess, url: string): ServerProcess {
  return {
    child,
    url,
    cpuSeconds: () => readProcessCpuSeconds(child.pid!),
    stop: (graceMs = 15_000) => stopChild(child, graceMs),
  };
}

/**
 * Starts the studio as `npm start` does (`runtime/src/main.ts`) on a free port of 127.0.0.1 and
 * waits for `/health`. `env` adds variables such as DATA_DIR.
 */
export async function startStudioProcess(env: Record<string, string>, startTimeoutMs = 30_000): Promise<ServerProcess> {
  const port = await findFreePort();
  const child = spawn(process.execPath, [...serverNodeFlags(), 'runtime/src/main.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'silent', SEED_EXAMPLES: 'false', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stderr = captureStderr(child);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttpOk(`${url}/health`, startTimeoutMs, child);
  } catch (error) {
    await stopChild(child, 1000);
    throw new Error(`studio did not start: ${(error as Error).message}\n${stderr()}`);
  }
  return wrap(child, url);
}

/**
 * Starts `bench/servers/bare-http.ts` on a free port: a plain `node:http` server that reads
 * the body and replies like the webhook route. `mode` is `async` (202) or `sync` (200).
 */
export async function startBareHttpProcess(mode: 'async' | 'sync'): Promise<ServerProcess> {
  const port = await findFreePort();
  const child = spawn(process.execPath, [...NODE_TS_FLAGS, 'bench/servers/bare-http.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: String(port), MODE: mode },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stderr = captureStderr(child);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttpOk(`${url}/health`, 30_000, child);
  } catch (error) {
    await stopChild(child, 1000);
    throw new Error(`bare HTTP server did not start: ${(error as Error).message}\n${stderr()}`);
  }
  return wrap(child, url);
}
