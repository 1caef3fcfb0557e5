import type Database from 'better-sqlite3';
import { LIMITS, resolveLimit } from '../query-limits.js';
import type { EventRepository, RunEventRecord } from '../types.js';
import { translateConflict } from './conflict.js';
import { fromJsonText, toJsonText } from './json-columns.js';

interface EventRow {
  run_id: string;
  seq: number;
  type: string;
  at: string;
  task_id: string | null;
  node_id: string | null;
  data: string | null;
}

const EVENT_COLUMNS = 'run_id, seq, type, at, task_id, node_id, data';

/** Converts a row to a record. Absent `taskId`, `nodeId` and `data` read back as null. */
function toEventRecord(row: EventRow): RunEventRecord {
  return {
    runId: row.run_id,
    seq: row.seq,
    type: row.type,
    at: row.at,
    taskId: row.task_id,
    nodeId: row.node_id,
    data: fromJsonText(row.data),
  };
}

/** Run events in the `run_events` table. */
export class SqliteEventRepository implements EventRepository {
  private readonly insertRow: Database.Statement<[EventRow]>;
  private readonly selectByRun: Database.Statement<[string, number, number], EventRow>;
  private readonly selectByTask: Database.Statement<
    [{ task_id: string; types: string | null; limit: number }],
    EventRow
  >;
  private readonly selectMaxSeq: Database.Statement<[string], number | null>;
  private readonly appendTransaction: (events: RunEventRecord[]) => void;

  constructor(db: Database.Database) {
    this.insertRow = db.prepare(
      `insert into run_events (${EVENT_COLUMNS})
       values (@run_id, @seq, @type, @at, @task_id, @node_id, @data)`,
    );
    this.selectByRun = db.prepare(
      `select ${EVENT_COLUMNS} from run_events where run_id = ? and seq > ? order by seq limit ?`,
    );
    // The types arrive as one JSON array, so a single statement serves any number of them.
    this.selectByTask = db.prepare(
      `select ${EVENT_COLUMNS} from run_events
       where task_id = @task_id and (@types is null or type in (select value from json_each(@types)))
       order by run_id, seq
       limit @limit`,
    );
    this.selectMaxSeq = db.prepare<[string], number | null>(
      'select max(seq) from run_events where run_id = ?',
    ).pluck();
    this.appendTransaction = db.transaction((events: RunEventRecord[]) => {
      for (const event of events) {
        this.insertEvent(event);
      }
    });
  }

  /** Appends the batch in one transaction, so a conflict on any event inserts none of them. */
  async append(events: RunEventRecord[]): Promise<void> {
    if (events.length === 0) {
      return;
    }
    this.appendTransaction(events);
  }

  async listByRun(runId: string, query: { after?: number; limit?: number } = {}): Promise<RunEventRecord[]> {
    const limit = resolveLimit(query.limit, LIMITS.eventsByRun);
    return this.selectByRun.all(runId, query.after ?? 0, limit).map(toEventRecord);
  }

  /** Returns events of a task ordered by run id, then seq. Without `limit` it returns all of them. */
  async listByTask(
    taskId: string,
    query: { types?: string[]; limit?: number } = {},
  ): Promise<RunEventRecord[]> {
    // SQLite reads a negative LIMIT as no limit.
    const limit = query.limit === undefined ? -1 : resolveLimit(query.limit, { default: 1 });
    const rows = this.selectByTask.all({
      task_id: taskId,
      types: query.types === undefined ? null : JSON.stringify(query.types),
      limit,
    });
    return rows.map(toEventRecord);
  }

  async maxSeq(runId: string): Promise<number> {
    return this.selectMaxSeq.get(runId) ?? 0;
  }

  private insertEvent(event: RunEventRecord): void {
    const subject = `event seq ${event.seq} of run "${event.runId}"`;
    translateConflict(subject, () =>
      this.insertRow.run({
        run_id: event.runId,
        seq: event.seq,
        type: event.type,
        at: event.at,
        task_id: event.taskId ?? null,
        node_id: event.nodeId ?? null,
        data: toJsonText(event.data),
      }),
    );
  }
}
