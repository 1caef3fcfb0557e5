/**
 * Rate limits shared between processes: two studios on one data folder count against the same
 * limits in `DATA_DIR/rate-limits.db`, as two real processes do, and two studios on different
 * folders share them through a real redis-server when one is installed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { expectError, request } from '../support/http.js';
import { awaitServerProcesses, freePort, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { startTestStudio, type TestStudio } from '../support/studio.js';
import { startSchedulingStudio, type SchedulingStudio } from '../scheduling/support.js';

/** Time one studio process may take to start on a busy machine, in ms. */
const PROCESS_START_TIMEOUT_MS = 60_000;
const studios: Array<TestStudio | SchedulingStudio> = [];
const children: ChildProcess[] = [];
const folders: string[] = [];

afterEach(async () => {
  for (const studio of studios.splice(0)) await studio.close();
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** Starts a studio on `dataDir` (shared with others) with `env`. */
async function studioOn(dataDir: string, env: Record<string, string>): Promise<SchedulingStudio> {
  const studio = await startSchedulingStudio({ dataDir, env });
  studios.push(studio);
  return studio;
}

function tempFolder(): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'gestorlead-limits-'));
  folders.push(folder);
  return folder;
}

const setup = (studio: SchedulingStudio | TestStudio) => request(studio, { method: 'GET', url: '/v1/setup', token: null });

describe('rate limits on one data folder', () => {
  it('two studios share the anonymous limit', async () => {
    const dataDir = tempFolder();
    // Each start registers or signs in the owner, which counts one anonymous request.
    const first = await studioOn(dataDir, { RATE_LIMIT_ANONYMOUS: '6' });
    const second = await studioOn(dataDir, { RATE_LIMIT_ANONYMOUS: '6' });

    const statuses = [(await setup(first)).status, (await setup(second)).status, (await setup(first)).status, (await setup(second)).status];
    const limited = await setup(first);

    expect(statuses).toEqual([200, 200, 200, 200]);
    expectError(limited, { status: 429, code: 'RATE_LIMIT_EXCEEDED' });
    expect(limited.headers['x-ratelimit-limit']).toBe('6');
    expectError(await setup(second), { status: 429, code: 'RATE_LIMIT_EXCEEDED' });
  });

  it('two studios share the sign-in lock', async () => {
    const dataDir = tempFolder();
    const first = await studioOn(dataDir, { LOGIN_MAX_FAILURES: '3' });
    const second = await studioOn(dataDir, { LOGIN_MAX_FAILURES: '3' });
    const owner = first.user!;
    const login = (studio: SchedulingStudio, password: string) =>
      request(studio, { method: 'POST', url: '/v1/auth/login', payload: { email: owner.email, password }, token: null });

    const failures = [(await login(first, 'wrong-password')).status, (await login(second, 'wrong-password')).status, (await login(first, 'wrong-password')).status];
    const locked = await login(second, owner.password);

    expect(failures).toEqual([401, 401, 401]);
    expectError(locked, { status: 429, code: 'AUTH_LOGIN_RATE_LIMITED' });
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('a window that ended starts a new count', async () => {
    const studio = await startTestStudio({ RATE_LIMIT_ANONYMOUS: '2', RATE_LIMIT_WINDOW_MS: '1000' });
    studios.push(studio);
    // The registration of the first account counted one request, in its own window.
    await new Promise((resolve) => setTimeout(resolve, 1_100));

    const statuses = [(await setup(studio)).status, (await setup(studio)).status, (await setup(studio)).status];
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const after = await setup(studio);

    expect(statuses).toEqual([200, 200, 429]);
    expect(after.status).toBe(200);
  });
});

describe('rate limits of two processes', () => {
  it('count against one limit', async () => {
    const dataDir = tempFolder();
    const env = { DATA_DIR: dataDir, RATE_LIMIT_ANONYMOUS: '5' };
    // Both start at once, as the roles of a deployment do, and migrate the new folder under its
    // lock. Two starts share the CPUs, so each gets twice the timeout of a single start.
    const startOne = async (): Promise<ServerProcess> => startServerProcess(env, await freePort(), 2 * PROCESS_START_TIMEOUT_MS);
    const processes = await awaitServerProcesses([startOne(), startOne()]);
    for (const started of processes) children.push(started.child);
    const get = async (server: ServerProcess) => (await fetch(`${server.url}/v1/setup`)).status;

    const statuses: number[] = [];
    for (let index = 0; index < 6; index += 1) statuses.push(await get(processes[index % 2]));

    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect(await get(processes[1])).toBe(429);
  }, 3 * PROCESS_START_TIMEOUT_MS);
});

const redisServer = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
const redisMissing = redisServer.error !== undefined || redisServer.status !== 0;
if (redisMissing) {
  console.warn('SKIPPED Redis rate-limit tests: redis-server is not installed (apt-get install redis-server, as .ci/run does)');
}

/** Starts redis-server on a free loopback port without persistence, and waits until it accepts connections. */
async function startRedis(): Promise<string> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('redis-server did not start within 10 s')), 10_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
  });
  return `redis://127.0.0.1:${port}`;
}

describe.skipIf(redisMissing)('rate limits on Redis', () => {
  it('two studios on different folders share the limit', async () => {
    const redisUrl = await startRedis();
    const first = await studioOn(tempFolder(), { REDIS_URL: redisUrl, RATE_LIMIT_ANONYMOUS: '6' });
    const second = await studioOn(tempFolder(), { REDIS_URL: redisUrl, RATE_LIMIT_ANONYMOUS: '6' });

    const statuses = [(await setup(first)).status, (await setup(second)).status, (await setup(first)).status, (await setup(second)).status];
    const limited = await setup(second);

    expect(statuses).toEqual([200, 200, 200, 200]);
    expectError(limited, { status: 429, code: 'RATE_LIMIT_EXCEEDED' });
  });

  it('two studios share the sign-in lock', async () => {
    const redisUrl = await startRedis();
    const first = await studioOn(tempFolder(), { REDIS_URL: redisUrl, LOGIN_MAX_FAILURES: '2' });
    const second = await studioOn(tempFolder(), { REDIS_URL: redisUrl, LOGIN_MAX_FAILURES: '2' });
    const email = first.user!.email;
    const login = (studio: SchedulingStudio, password: string) =>
      request(studio, { method: 'POST', url: '/v1/auth/login', payload: { email, password }, token: null });

    const failures = [(await login(first, 'wrong-password')).status, (await login(second, 'wrong-password')).status];
    const locked = await login(first, first.user!.password);

    // Each folder has an owner account with the same email, so both failures count for one key.
    expect(failures).toEqual([401, 401]);
    expectError(locked, { status: 429, code: 'AUTH_LOGIN_RATE_LIMITED' });
  });
});
