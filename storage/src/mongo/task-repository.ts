import { toJsonText } from '../sqlite/json-columns.js';
import type { AttemptRecord, TaskPatch, TaskRecord, TaskRepository } from '../types.js';
import { translateConflict } from './conflict.js';
import type { MongoModels } from './models.js';
import { definedSet } from './patch.js';
import { fromAttemptDoc, fromTaskDoc, toAttemptDoc, toTaskDoc } from './run-documents.js';

/** Fields of an attempt that `updateAttempt` may change. */
type AttemptPatch = Partial<Pick<AttemptRecord, 'status' | 'error' | 'finishedAt'>>;

const keep = (value: unknown): unknown => value;

/** Tasks in `tasks` and their attempts in `taskAttempts`. */
export class MongoTaskRepository implements TaskRepository {
  readonly #models: MongoModels;

  constructor(models: MongoModels) {
    this.#models = models;
  }

  async create(task: TaskRecord): Promise<void> {
    const subject = `task "${task.id}" (run "${task.runId}", node "${task.nodeId}")`;
    await translateConflict(subject, () => this.#models.tasks.insertMany([toTaskDoc(task)]));
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
  async update(id: string, patch: TaskPatch): Promise<boolean> {
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
    const result = await this.#models.tasks.updateOne({ _id: id }, { $set: set });
    return result.matchedCount > 0;
  }

  async createAttempt(attempt: AttemptRecord): Promise<void> {
    const subject = `attempt ${attempt.attempt} of task "${attempt.taskId}"`;
    await translateConflict(subject, () => this.#models.attempts.insertMany([toAttemptDoc(attempt)]));
  }

  /** Applies `patch` to one attempt. Returns false when the attempt does not exist. */
  async updateAttempt(taskId: string, attempt: number, patch: AttemptPatch): Promise<boolean> {
    const set = definedSet(patch, { status: keep, error: toJsonText, finishedAt: keep });
    if (Object.keys(set).length === 0) {
      return (await this.#models.attempts.exists({ taskId, attempt })) !== null;
    }
    const result = await this.#models.attempts.updateOne({ taskId, attempt }, { $set: set });
    return result.matchedCount > 0;
  }

  /** Attempts of a task in ascending attempt order. */
  async listAttempts(taskId: string): Promise<AttemptRecord[]> {
    const docs = await this.#models.attempts.find({ taskId }).sort({ attempt: 1 }).lean();
    return docs.map(fromAttemptDoc);
  }
}
