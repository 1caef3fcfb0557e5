import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { GraphDocument } from '@gestorlead/sdk-plugin';
import type { RunRecord, Storage } from '@gestorlead/storage';
import { createLogger } from '../../runtime/src/logger.js';
import { AgendaDispatcher } from '../../runtime/src/scheduling/agenda-dispatcher.js';
import { JobStore } from '../../runtime/src/scheduling/job-store.js';
import { readProcessCpuSeconds, REPO_ROOT, serverNodeFlags } from './processes.js';

/** A studio process started with a ROLE. */
export interface RoleProcess {
  child: ChildProcess;
  role: string;
  cpuSeconds(): number;
  /** Sends SIGTERM and waits for the exit; SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts `runtime/src/main.ts` with ROLE=`role` and waits for its IPC `ready` message, which
 * every role sends, with or without an HTTP server.
 */
export async function startRoleProcess(role: string, env: Record<string, string>): Promise<RoleProcess> {
  const child = spawn(process.execPath, [...serverNodeFlags(), 'runtime/src/main.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', SEED_EXAMPLES: 'false', ROLE: role, ...env },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    if (stderr.length < 16_384) stderr += chunk;
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${role} did not start within 60 s\n${stderr}`)), 60_000);
    child.once('message', () => {
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${role} exited with code ${code} before it was ready\n${stderr}`));
    });
  });
  child.removeAllListeners('exit');
  return {
    child,
    role,
    cpuSeconds: () => readProcessCpuSeconds(child.pid!),
    stop: (graceMs = 15_000) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** Stores runs and their Agenda jobs directly, as an API process would. */
export class RunEnqueuer {
  readonly #storage: Storage;
  readonly #jobs: JobStore;
  readonly #dispatcher: AgendaDispatcher;

  constructor(storage: Storage, dataDir: string) {
    this.#storage = storage;
    const log = createLogger('silent');
    this.#jobs = new JobStore({
      settings: { jobsDbPath: path.join(dataDir, 'jobs.db'), lockLifetimeMs: 60_000, scanIntervalMs: 5_000, notifyPollMs: 50 },
      log,
      name: 'bench-enqueue',
      maxConcurrency: 1,
    });
    this.#dispatcher = new AgendaDispatcher({ jobs: this.#jobs, storage, log, execute: async () => null, concurrency: 1, lockLifetimeMs: 60_000 });
  }

  get jobs(): JobStore {
    return this.#jobs;
  }

  async open(): Promise<void> {
    await this.#jobs.open();
  }

  /** Stores a queued run of version 1 of `graphId`, then its job. */
  async enqueue(graphId: string, id: string, input: unknown): Promise<void> {
    const at = new Date().toISOString();
    const run: RunRecord = {
      id, graphId, ownerId: null, graphVersion: 1, status: 'queued', trigger: 'manual', input, output: null, error: null,
      response: null, deliveryId: null, createdAt: at, updatedAt: at, startedAt: null, finishedAt: null,
    };
    await this.#storage.runs.create(run);
    await this.#dispatcher.enqueue(id);
  }

  close(): Promise<void> {
    return this.#jobs.close();
  }
}

/** Builds a graph of one `core/http@1` node that POSTs to `url`. */
export function httpCallGraph(url: string, extra: Partial<GraphDocument> = {}): GraphDocument {
  return {
    name: 'bench http call',
    nodes: [{ id: 'call', type: 'core/http@1', position: { x: 0, y: 0 }, config: { method: 'POST', url } }],
    edges: [],
    ...extra,
  };
}
