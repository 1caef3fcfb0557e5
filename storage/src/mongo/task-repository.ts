import type { ClientSession, Connection } from 'mongoose';
import { toJsonText } from '../sqlite/json-columns.js';
import type { AttemptRecord, TaskPatch, TaskRecord, TaskRepository, TaskWrite } from '../types.js';
import { translateConflict } from './conflict.js';
import { inTransaction, type MongoModels } from './models.js';
import { definedSet } from './patch.js';
import { fromAttemptDoc, fromTaskDoc, runPatchSet, toAttemptDoc, toTaskDoc } from './run-documents.js';

/** Fields of an attempt that `updateAttempt` may change. */
type AttemptPatch = Partial<Pick<AttemptRecord, 'status' | 'error' | 'finishedAt'>>;

const keep = (value: unknown): unknown => value;

/** Tasks in `tasks` and their attempts in `taskAttempts`. */
export class MongoTaskRepository implements TaskRepository {
  readonly #connection: Connection;
  readonly #models: MongoModels;

  constructor(connection: Connection, models: MongoModels) {
    this.#connection = connection;
    this.#models = models;
  }

  async create(task: TaskRecord, session?: ClientSession): Promise<void> {
    const subject = `task "${task.id}" (run "${task.runId}", node "${task.nodeId}")`;
    await translateConflict(subject, () => this.#models.tasks.insertMany([toTaskDoc(task)], { session }));
  }

  async get(id: string): Promise<TaskRecord | null> {
    const doc = await this.#models.tasks.findById(id).lean();
    return doc === null ? null : fromTaskDoc(doc);
  }

  /** Tasks of a run, oldest `createdAt` first, then by id. */
  async listByRun(runId: string): Promise<TaskRecord[]> {
    const docs = await this.#models.tasks.find({ runId }).sort({ createdAt: 1, _id: 1 }).lean();
    return docs.map(fromTaskDoc);
  }

  /** Applies `patch` and sets `updatedAt`. Returns false when the task does not exist. */
  async update(id: string, patch: TaskPatch, session?: ClientSession): Promise<boolean> {
    const set = definedSet(patch, {
      status: keep,
      attempts: keep,
      input: toJsonText,
      output: toJsonText,
      error: toJsonText,
      startedAt: keep,
      finishedAt: keep,
    });
    set.updatedAt = new Date().toISOString();
    const result = await this.#models.tasks.updateOne({ _id: id }, { $set: set }, { session });
    return result.matchedCount > 0;
  }

  async createAttempt(attempt: AttemptRecord, session?: ClientSession): Promise<void> {
    const subject = `attempt ${attempt.attempt} of task "${attempt.taskId}"`;
    await translateConflict(subject, () => this.#models.attempts.insertMany([toAttemptDoc(attempt)], { session }));
  }

  /** Applies `patch` to one attempt. Returns false when the attempt does not exist. */
  async updateAttempt(taskId: string, attempt: number, patch: AttemptPatch, session?: ClientSession): Promise<boolean> {
    const set = definedSet(patch, { status: keep, error: toJsonText, finishedAt: keep });
    if (Object.keys(set).length === 0) {
      return (await this.#models.attempts.exists({ taskId, attempt }).session(session ?? null)) !== null;
    }
    const result = await this.#models.attempts.updateOne({ taskId, attempt }, { $set: set }, { session });
    return result.matchedCount > 0;
  }

  async applyLeased(runId: string, leaseToken: number, writes: readonly TaskWrite[]): Promise<boolean> {
    return inTransaction(this.#connection, async (session) => {
      // A write to the run, not a read, so a claim committed meanwhile makes this transaction
      // conflict and retry instead of passing a token that is no longer current.
      const tokenFilter = leaseToken === 0 ? { $in: [0, null] } : leaseToken;
      const fenced = await this.#models.runs.updateOne(
        { _id: runId, leaseToken: tokenFilter },
        { $set: { leaseWrittenAt: new Date().toISOString() } },
        { session },
      );
      if (fenced.matchedCount === 0) return false;
      for (const write of writes) await this.#applyWrite(runId, write, session);
      return true;
    });
  }

  async #applyWrite(runId: string, write: TaskWrite, session: ClientSession): Promise<void> {
    switch (write.kind) {
      case 'updateRun':
        await this.#models.runs.updateOne({ _id: runId }, { $set: runPatchSet(write.patch) }, { session });
        return;
      case 'createTask':
        return this.create(write.task, session);
      case 'updateTask':
        await this.update(write.id, write.patch, session);
        return;
      case 'createAttempt':
        return this.createAttempt(write.attempt, session);
      case 'updateAttempt':
        await this.updateAttempt(write.taskId, write.attempt, write.patch, session);
        return;
    }
  }

  /** Attempts of a task in ascending attempt order. */
  async listAttempts(taskId: string): Promise<AttemptRecord[]> {
    const docs = await this.#models.attempts.find({ taskId }).sort({ attempt: 1 }).lean();
    return docs.map(fromAttemptDoc);
  }
}
