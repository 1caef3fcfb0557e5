/**
 * Artifacts: files that runs produce. The bytes go to the blob store and a record in storage
 * links them to the run, task, node, plugin, model and prompt that made them. A periodic sweep
 * deletes artifacts once their retention period has passed, the object first and the record
 * second, so a failed object deletion leaves the record for the next sweep to retry.
 */
import type { Readable } from 'node:stream';
import type { ArtifactRecord, BlobStore, Storage } from '@gestorlead/storage';
import type { Logger } from 'pino';
import { newId } from '../ids.js';
import type { ArtifactSettings } from './settings.js';

/** Maximum prompt length an artifact record keeps, in characters. A longer prompt is cut to this length. */
export const MAX_ARTIFACT_PROMPT_CHARS = 65_536;
/** Maximum model name length an artifact record keeps, in characters. A longer name is cut. */
export const MAX_ARTIFACT_MODEL_CHARS = 200;
const DAY_MS = 24 * 60 * 60 * 1000;

/** A file to store as an artifact of one task. */
export interface NewArtifact {
  runId: string;
  taskId: string | null;
  nodeId: string | null;
  plugin: string | null;
  model?: string | null;
  prompt?: string | null;
  /** The file name, offered as the download name. */
  name: string;
  contentType: string;
  data: Buffer | Readable;
  /** The owner of the run; read from the run when absent. */
  ownerId?: string | null;
  /** Largest content accepted, in bytes; longer content rejects with `BlobTooLargeError`. */
  maxBytes?: number;
}

/** Outcome of one retention sweep. */
export interface SweepResult {
  deleted: number;
  /** Artifacts whose object or record could not be deleted; the next sweep tries again. */
  failed: number;
}

/** Dependencies of `ArtifactService`. */
export interface ArtifactServiceOptions {
  storage: Storage;
  blobs: BlobStore;
  settings: ArtifactSettings;
  log: Logger;
  /** The current time in epoch milliseconds; tests pass a fake clock. */
  now?: () => number;
}

function cut(value: string | null | undefined, maxChars: number): string | null {
  if (value === undefined || value === null) return null;
  return value.length > maxChars ? value.slice(0, maxChars) : value;
}

/** Stores, finds and expires artifacts. */
export class ArtifactService {
  readonly blobs: BlobStore;
  readonly settings: ArtifactSettings;
  readonly #storage: Storage;
  readonly #log: Logger;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #sweeping: Promise<SweepResult> | null = null;

  constructor(options: ArtifactServiceOptions) {
    this.blobs = options.blobs;
    this.settings = options.settings;
    this.#storage = options.storage;
    this.#log = options.log.child({ component: 'artifacts' });
    this.#now = options.now ?? Date.now;
  }

  /** Stores the content, then the record. When the record cannot be stored, the object is deleted. */
  async store(artifact: NewArtifact): Promise<ArtifactRecord> {
    const ownerId = artifact.ownerId !== undefined ? artifact.ownerId : await this.#runOwner(artifact.runId);
    const attributes: Record<string, string> = { name: artifact.name, runId: artifact.runId };
    if (artifact.nodeId !== null) attributes.nodeId = artifact.nodeId;
    if (artifact.taskId !== null) attributes.taskId = artifact.taskId;
    const put = await this.blobs.put(
      artifact.data,
      { contentType: artifact.contentType, attributes },
      artifact.maxBytes === undefined ? {} : { maxBytes: artifact.maxBytes },
    );
    const createdAtMs = this.#now();
    const record: ArtifactRecord = {
      id: newId('art'),
      ownerId,
      runId: artifact.runId,
      taskId: artifact.taskId,
      nodeId: artifact.nodeId,
      plugin: artifact.plugin,
      model: cut(artifact.model, MAX_ARTIFACT_MODEL_CHARS),
      prompt: cut(artifact.prompt, MAX_ARTIFACT_PROMPT_CHARS),
      name: artifact.name,
      contentType: artifact.contentType,
      size: put.size,
      sha256: put.sha256,
      storageKey: put.key,
      createdAt: new Date(createdAtMs).toISOString(),
      expiresAt: this.settings.retentionDays === 0 ? null : new Date(createdAtMs + this.settings.retentionDays * DAY_MS).toISOString(),
    };
    try {
      await this.#storage.artifacts.create(record);
    } catch (error) {
      await this.blobs.delete(put.key).catch((cleanupError: unknown) => {
        this.#log.warn({ err: cleanupError, storageKey: put.key }, 'artifact object left without a record');
      });
      throw error;
    }
    this.#log.debug({ artifactId: record.id, runId: record.runId, taskId: record.taskId, size: record.size }, 'artifact stored');
    return record;
  }

  get(id: string): Promise<ArtifactRecord | null> {
    return this.#storage.artifacts.get(id);
  }

  /**
   * Deletes every artifact whose `expiresAt` has passed, in batches. Concurrent calls share one
   * sweep. An artifact that fails to delete is logged, counted and left for the next sweep.
   */
  sweepExpired(): Promise<SweepResult> {
    this.#sweeping ??= this.#sweep().finally(() => {
      this.#sweeping = null;
    });
    return this.#sweeping;
  }

  /** Starts the periodic sweep; `stop` ends it. The timer does not keep the process alive. */
  start(): void {
    if (this.#timer !== undefined || this.settings.retentionDays === 0) return;
    this.#timer = setInterval(() => {
      this.sweepExpired().catch((error: unknown) => {
        this.#log.error({ err: error }, 'artifact retention sweep failed');
      });
    }, this.settings.sweepIntervalMs);
    this.#timer.unref();
  }

  /** Stops the periodic sweep and waits for a running one to end. */
  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#sweeping?.catch(() => undefined);
  }

  async #sweep(): Promise<SweepResult> {
    const result: SweepResult = { deleted: 0, failed: 0 };
    const before = new Date(this.#now()).toISOString();
    const failedIds = new Set<string>();
    for (;;) {
      const batch = await this.#storage.artifacts.listExpired(before);
      const pending = batch.filter((record) => !failedIds.has(record.id));
      if (pending.length === 0) break;
      for (const record of pending) {
        if (await this.#deleteExpired(record)) result.deleted += 1;
        else failedIds.add(record.id);
      }
    }
    result.failed = failedIds.size;
    if (result.deleted > 0 || result.failed > 0) this.#log.info({ ...result }, 'artifact retention sweep finished');
    return result;
  }

  async #deleteExpired(record: ArtifactRecord): Promise<boolean> {
    try {
      // A missing object (deleted by an earlier sweep that failed on the record) is fine.
      await this.blobs.delete(record.storageKey);
      await this.#storage.artifacts.delete(record.id);
      return true;
    } catch (error) {
      this.#log.warn({ err: error, artifactId: record.id, runId: record.runId }, 'expired artifact not deleted');
      return false;
    }
  }

  async #runOwner(runId: string): Promise<string | null> {
    const run = await this.#storage.runs.get(runId);
    return run?.ownerId ?? null;
  }
}
