import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** WAL size in bytes from which the background checkpoints start (256 pages of 4 KiB). */
const START_WAL_BYTES = 1024 * 1024;
/** How often the WAL size is checked until the background checkpoints start, in ms. */
const WAL_SIZE_CHECK_MS = 250;
/** Time between two background checkpoints, in ms. */
const CHECKPOINT_INTERVAL_MS = 10;

/**
 * Runs in the worker thread as a CommonJS script, so it needs no TypeScript loader. It opens its
 * own connection and runs a PASSIVE checkpoint every CHECKPOINT_INTERVAL_MS until the stop flag
 * is set. A PASSIVE checkpoint does not wait for readers or writers to finish (SQLite
 * documentation of sqlite3_wal_checkpoint_v2). A failed checkpoint is skipped and tried again on
 * the next interval.
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const Database = require(workerData.driverPath);
const stop = new Int32Array(workerData.stopFlag);
let db;
try {
  db = new Database(workerData.path, { fileMustExist: true, timeout: 0 });
  // The same setting as the writer's connection: the checkpoint fsyncs the WAL and the database.
  db.pragma('synchronous = NORMAL');
} catch {
  // Without its own connection the worker does nothing; the writer's automatic checkpoints remain.
}
while (db !== undefined && Atomics.load(stop, 0) === 0) {
  Atomics.wait(stop, 0, 0, workerData.intervalMs);
  if (Atomics.load(stop, 0) !== 0) break;
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Another checkpoint is running or the file is gone; the next interval tries again.
  }
}
if (db !== undefined) db.close();
`;

/**
 * Moves WAL checkpoints off the event loop. By default SQLite checkpoints a WAL database in the
 * connection whose commit makes the WAL reach 1000 pages. That checkpoint copies the pages back
 * into the database file and, with `synchronous = NORMAL`, fsyncs both files, so it blocks the
 * event loop for milliseconds (about 5 ms on a 2-vCPU VM with a virtio disk).
 *
 * Once the WAL of `path` grows past START_WAL_BYTES, a worker thread with its own connection
 * checkpoints every CHECKPOINT_INTERVAL_MS, so the WAL rarely reaches the writer's threshold. The
 * writer keeps its automatic checkpoint as a fallback. The stored data and its durability are the
 * same as without the worker.
 */
export class BackgroundCheckpointer {
  readonly #path: string;
  readonly #stopFlag = new Int32Array(new SharedArrayBuffer(4));
  #sizeCheck: NodeJS.Timeout | null = null;
  #worker: Worker | null = null;
  #workerExited: Promise<void> | null = null;
  #stopped = false;

  constructor(path: string) {
    this.#path = path;
    this.#sizeCheck = setInterval(() => this.#checkWalSize(), WAL_SIZE_CHECK_MS);
    // Neither the timer nor the worker keeps a process alive that forgot to close its storage.
    this.#sizeCheck.unref();
  }

  /** Whether the worker thread has started. */
  get started(): boolean {
    return this.#worker !== null;
  }

  /** Stops the size checks and the worker, and waits until the worker has closed its connection. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#sizeCheck !== null) clearInterval(this.#sizeCheck);
    this.#sizeCheck = null;
    Atomics.store(this.#stopFlag, 0, 1);
    Atomics.notify(this.#stopFlag, 0);
    // Referenced again, the worker keeps the event loop alive until it has exited.
    this.#worker?.ref();
    await this.#workerExited;
  }

  #checkWalSize(): void {
    let size: number;
    try {
      size = statSync(`${this.#path}-wal`).size;
    } catch {
      return;
    }
    if (size >= START_WAL_BYTES) this.#startWorker();
  }

  #startWorker(): void {
    if (this.#stopped || this.#worker !== null) return;
    if (this.#sizeCheck !== null) clearInterval(this.#sizeCheck);
    this.#sizeCheck = null;
    const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        path: this.#path,
        driverPath,
        stopFlag: this.#stopFlag.buffer,
        intervalMs: CHECKPOINT_INTERVAL_MS,
      },
    });
    worker.unref();
    this.#workerExited = new Promise((resolve) => {
      worker.once('exit', () => resolve());
      // An error ends the worker; the writer's automatic checkpoints still run.
      worker.once('error', () => resolve());
    });
    this.#worker = worker;
  }
}
