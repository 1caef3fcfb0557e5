import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { GraphDocument } from '@gestorlead/sdk-plugin';
import { openSqliteStorage, RUN_STATUSES, type RunRecord, type Storage } from '@gestorlead/storage';
import { storePublished } from './graphs.js';

/** A temporary studio data folder (`DATA_DIR`) and its SQLite file. */
export interface DataDir {
  path: string;
  databasePath: string;
  /** Opens another connection to the studio's database, for seeding, polling and counting. */
  open(): Storage;
  remove(): void;
}

/** Creates an empty data folder in the OS temp directory. */
export function createDataDir(label: string): DataDir {
  const directory = mkdtempSync(path.join(os.tmpdir(), `gestorlead-bench-${label}-`));
  const databasePath = path.join(directory, 'studio.db');
  return {
    path: directory,
    databasePath,
    open: () => openSqliteStorage({ path: databasePath }),
    remove: () => rmSync(directory, { recursive: true, force: true }),
  };
}

/** Stores and publishes each graph under its id. */
export async function seedGraphs(dataDir: DataDir, graphs: Record<string, GraphDocument>): Promise<void> {
  const storage = dataDir.open();
  try {
    for (const [id, document] of Object.entries(graphs)) await storePublished(storage, id, document);
  } finally {
    await storage.close();
  }
}

/** Waits until no run is queued or running, or throws after `timeoutMs`. Returns the wait in ms. */
export async function waitForDrain(storage: Storage, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const open = await storage.runs.listByStatus(['queued', 'running']);
    if (open.length === 0) return Date.now() - started;
    if (Date.now() - started > timeoutMs) {
      throw new Error(`${open.length} runs were still queued or running after ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Lists every stored run of one graph. */
export async function listRunsOfGraph(storage: Storage, graphId: string): Promise<RunRecord[]> {
  return (await storage.runs.listByStatus([...RUN_STATUSES])).filter((run) => run.graphId === graphId);
}
