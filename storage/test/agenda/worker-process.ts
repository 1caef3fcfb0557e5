import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { waitFor } from './helpers.js';

const WORKER_SCRIPT = fileURLToPath(new URL('./fixtures/agenda-worker.ts', import.meta.url));
const REPOSITORY_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** One JSON line that the worker wrote to stdout. */
export interface WorkerEvent {
  event: 'ready' | 'started' | 'start' | 'done' | 'claimed';
  pid: number;
  id?: string;
  at?: number;
  data?: unknown;
  /** Ids of the jobs locked by a `claim` command. */
  ids?: string[];
}

/**
 * A child process running `fixtures/agenda-worker.ts` with tsx. `env` contains its AGENDA_*
 * settings. The events it writes are collected in `events`, its stderr in `stderr`.
 */
export class WorkerProcess {
  readonly child: ChildProcess;
  readonly events: WorkerEvent[] = [];
  stderr = '';
  readonly #exited: Promise<unknown>;

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, ['--import', 'tsx', WORKER_SCRIPT], {
      cwd: REPOSITORY_ROOT,
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.#exited = once(this.child, 'exit');

    let pending = '';
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines.filter((text) => text.trim() !== '')) {
        this.events.push(JSON.parse(line) as WorkerEvent);
      }
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Events of one kind. */
  list(kind: WorkerEvent['event']): WorkerEvent[] {
    return this.events.filter((event) => event.event === kind);
  }

  /** Waits for the first event of `kind`, and fails with the worker's stderr if it exits first. */
  async waitForEvent(kind: WorkerEvent['event'], timeoutMs = 15_000): Promise<WorkerEvent> {
    await waitFor(
      `event "${kind}" from worker ${this.pid}`,
      () => {
        if (this.exited && this.list(kind).length === 0) {
          const message = `Worker ${this.pid} exited before "${kind}". Its stderr:\n${this.stderr}`;
          throw new Error(message);
        }
        return this.list(kind).length > 0;
      },
      timeoutMs,
    );
    return this.list(kind)[0];
  }

  send(command: 'start' | 'stop' | `claim ${number}`): void {
    this.child.stdin!.write(`${command}\n`);
  }

  /** Asks the worker to stop Agenda and exit, and kills it after `timeoutMs`. */
  async stop(timeoutMs = 5000): Promise<void> {
    if (this.exited) {
      return;
    }
    this.send('stop');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.#exited;
    clearTimeout(timer);
  }

  /** Kills the worker with SIGKILL, as a crash would end it, and waits for the exit. */
  async kill(): Promise<void> {
    if (!this.exited) {
      this.child.kill('SIGKILL');
    }
    await this.#exited;
  }
}
