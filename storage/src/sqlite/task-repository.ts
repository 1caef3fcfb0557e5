import type Database from 'better-sqlite3';
import type {
  AttemptRecord,
  AttemptStatus,
  ErrorData,
  RunPatch,
  TaskPatch,
  TaskRecord,
  TaskRepository,
  TaskStatus,
  TaskWrite,
} from '../types.js';
import { translateConflict } from './conflict.js';
import { fromJsonText, toJsonText } from './json-columns.js';
import { PatchUpdate } from './patch-update.js';
import { RUN_PATCH_COLUMNS } from './run-repository.js';

interface TaskRow {
  id: string;
  run_id: string;
  node_id: string;
  node_type: string;
  status: string;
  attempts: number;
  input: string | null;
  output: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  finished_at: string | null;
}

interface AttemptRow {
  task_id: string;
  attempt: number;
  run_id: string;
  status: string;
  error: string | null;
  started_at: string;
  finished_at: string | null;
}

/** Fields of an attempt that `updateAttempt` may change. */
type AttemptPatch = Partial<Pick<AttemptRecord, 'status' | 'error' | 'finishedAt'>>;

const TASK_COLUMNS =
  'id, run_id, node_id, node_type, status, attempts, input, output, error, created_at, updated_at, ' +
  'started_at, finished_at';
const ATTEMPT_COLUMNS = 'task_id, attempt, run_id, status, error, started_at, finished_at';

function toTaskRecord(row: TaskRow): TaskRecord {
  return {
    id: row.id,
    runId: row.run_id,
    nodeId: row.node_id,
    nodeType: row.node_type,
    status: row.status as TaskStatus,
    attempts: row.attempts,
    input: fromJsonText(row.input),
    output: fromJsonText<Record<string, unknown>>(row.output),
    error: fromJsonText<ErrorData>(row.error),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

function toAttemptRecord(row: AttemptRow): AttemptRecord {
  return {
    taskId: row.task_id,
    runId: row.run_id,
    attempt: row.attempt,
    status: row.status as AttemptStatus,
    error: fromJsonText<ErrorData>(row.error),
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

/** Tasks in the `tasks` table and their attempts in `task_attempts`. */
export class SqliteTaskRepository implements TaskRepository {
  private readonly insertTask: Database.Statement<[TaskRow]>;
  private readonly selectTask: Database.Statement<[string], TaskRow>;
  private readonly selectTasksByRun: Database.Statement<[string], TaskRow>;
  private readonly patchTask: PatchUpdate<TaskPatch>;
  private readonly insertAttempt: Database.Statement<[AttemptRow]>;
  private readonly selectAttempts: Database.Statement<[string], AttemptRow>;
  private readonly patchAttempt: PatchUpdate<AttemptPatch>;
  private readonly patchRun: PatchUpdate<RunPatch>;
  private readonly selectLeaseToken: Database.Statement<[string], number>;
  private readonly applyLeasedTransaction: Database.Transaction<(runId: string, leaseToken: number, writes: readonly TaskWrite[]) => boolean>;

  constructor(db: Database.Database) {
    this.insertTask = db.prepare(
      `insert into tasks (${TASK_COLUMNS})
       values (@id, @run_id, @node_id, @node_type, @status, @attempts, @input, @output, @error,
               @created_at, @updated_at, @started_at, @finished_at)`,
    );
    this.selectTask = db.prepare(`select ${TASK_COLUMNS} from tasks where id = ?`);
    this.selectTasksByRun = db.prepare(
      `select ${TASK_COLUMNS} from tasks where run_id = ? order by created_at, id`,
    );
    this.patchTask = new PatchUpdate<TaskPatch>(
      db,
      'tasks',
      ['id'],
      [
        { field: 'status', column: 'status' },
        { field: 'attempts', column: 'attempts' },
        { field: 'input', column: 'input', toColumn: toJsonText },
        { field: 'output', column: 'output', toColumn: toJsonText },
        { field: 'error', column: 'error', toColumn: toJsonText },
        { field: 'startedAt', column: 'started_at' },
        { field: 'finishedAt', column: 'finished_at' },
      ],
      'updated_at',
    );
    this.insertAttempt = db.prepare(
      `insert into task_attempts (${ATTEMPT_COLUMNS})
       values (@task_id, @attempt, @run_id, @status, @error, @started_at, @finished_at)`,
    );
    this.selectAttempts = db.prepare(
      `select ${ATTEMPT_COLUMNS} from task_attempts where task_id = ? order by attempt`,
    );
    this.patchAttempt = new PatchUpdate<AttemptPatch>(db, 'task_attempts', ['task_id', 'attempt'], [
      { field: 'status', column: 'status' },
      { field: 'error', column: 'error', toColumn: toJsonText },
      { field: 'finishedAt', column: 'finished_at' },
    ]);
    this.patchRun = new PatchUpdate<RunPatch>(db, 'runs', ['id'], RUN_PATCH_COLUMNS, 'updated_at');
    this.selectLeaseToken = db.prepare<[string], number>('select lease_token from runs where id = ?').pluck();
    this.applyLeasedTransaction = db.transaction((runId: string, leaseToken: number, writes: readonly TaskWrite[]) => {
      if (this.selectLeaseToken.get(runId) !== leaseToken) return false;
      for (const write of writes) this.applyWrite(runId, write);
      return true;
    });
  }

  async create(task: TaskRecord): Promise<void> {
    this.insertTaskRow(task);
  }

  /** Synchronous, unlike `create`, so `applyLeasedTransaction` can call it inside its transaction. */
  private insertTaskRow(task: TaskRecord): void {
    const subject = `task "${task.id}" (run "${task.runId}", node "${task.nodeId}")`;
    translateConflict(subject, () =>
      this.insertTask.run({
        id: task.id,
        run_id: task.runId,
        node_id: task.nodeId,
        node_type: task.nodeType,
        status: task.status,
        attempts: task.attempts,
        input: toJsonText(task.input),
        output: toJsonText(task.output),
        error: toJsonText(task.error),
        created_at: task.createdAt,
        updated_at: task.updatedAt,
        started_at: task.startedAt,
        finished_at: task.finishedAt,
      }),
    );
  }

  async get(id: string): Promise<TaskRecord | null> {
    const row = this.selectTask.get(id);
    return row === undefined ? null : toTaskRecord(row);
  }

  /** Tasks of a run, oldest `createdAt` first, then by id. */
  async listByRun(runId: string): Promise<TaskRecord[]> {
    return this.selectTasksByRun.all(runId).map(toTaskRecord);
  }

  /** Applies `patch` and sets `updatedAt`. Returns false when the task does not exist. */
  async update(id: string, patch: TaskPatch): Promise<boolean> {
    return this.patchTask.run({ id }, patch);
  }

  async createAttempt(attempt: AttemptRecord): Promise<void> {
    this.insertAttemptRow(attempt);
  }

  private insertAttemptRow(attempt: AttemptRecord): void {
    const subject = `attempt ${attempt.attempt} of task "${attempt.taskId}"`;
    translateConflict(subject, () =>
      this.insertAttempt.run({
        task_id: attempt.taskId,
        attempt: attempt.attempt,
        run_id: attempt.runId,
        status: attempt.status,
        error: toJsonText(attempt.error),
        started_at: attempt.startedAt,
        finished_at: attempt.finishedAt,
      }),
    );
  }

  /** Applies `patch` to one attempt. Returns false when the attempt does not exist. */
  async updateAttempt(taskId: string, attempt: number, patch: AttemptPatch): Promise<boolean> {
    return this.patchAttempt.run({ task_id: taskId, attempt }, patch);
  }

  async applyLeased(runId: string, leaseToken: number, writes: readonly TaskWrite[]): Promise<boolean> {
    // BEGIN IMMEDIATE takes the write lock before the token is read, so no claim lands in between.
    return this.applyLeasedTransaction.immediate(runId, leaseToken, writes);
  }

  private applyWrite(runId: string, write: TaskWrite): void {
    switch (write.kind) {
      case 'updateRun':
        this.patchRun.run({ id: runId }, write.patch);
        return;
      case 'createTask':
        this.insertTaskRow(write.task);
        return;
      case 'updateTask':
        this.patchTask.run({ id: write.id }, write.patch);
        return;
      case 'createAttempt':
        this.insertAttemptRow(write.attempt);
        return;
      case 'updateAttempt':
        this.patchAttempt.run({ task_id: write.taskId, attempt: write.attempt }, write.patch);
        return;
    }
  }

  /** Attempts of a task in ascending attempt order. */
  async listAttempts(taskId: string): Promise<AttemptRecord[]> {
    return this.selectAttempts.all(taskId).map(toAttemptRecord);
  }
}
