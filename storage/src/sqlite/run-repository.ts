import type Database from 'better-sqlite3';
import { LIMITS, resolveLimit } from '../query-limits.js';
import type {
  DeliveryRecord,
  ErrorData,
  RunDayCount,
  RunLease,
  RunListQuery,
  RunPatch,
  RunRecord,
  RunRepository,
  RunResponse,
  RunStatus,
  TriggerKind,
} from '../types.js';
import { translateConflict } from './conflict.js';
import type { SqliteDeliveryRepository } from './delivery-repository.js';
import { fromJsonText, toJsonText } from './json-columns.js';
import { PatchUpdate } from './patch-update.js';

interface RunRow {
  id: string;
  graph_id: string;
  owner_id: string | null;
  graph_version: number;
  status: string;
  trigger_kind: string;
  input: string | null;
  output: string | null;
  error: string | null;
  response: string | null;
  delivery_id: string | null;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  finished_at: string | null;
}

const RUN_COLUMNS =
  'id, graph_id, owner_id, graph_version, status, trigger_kind, input, output, error, response, ' +
  'delivery_id, created_at, updated_at, started_at, finished_at';

function toRunRow(run: RunRecord): RunRow {
  return {
    id: run.id,
    graph_id: run.graphId,
    owner_id: run.ownerId,
    graph_version: run.graphVersion,
    status: run.status,
    trigger_kind: run.trigger,
    input: toJsonText(run.input),
    output: toJsonText(run.output),
    error: toJsonText(run.error),
    response: toJsonText(run.response),
    delivery_id: run.deliveryId,
    created_at: run.createdAt,
    updated_at: run.updatedAt,
    started_at: run.startedAt,
    finished_at: run.finishedAt,
  };
}

function toRunRecord(row: RunRow): RunRecord {
  return {
    id: row.id,
    graphId: row.graph_id,
    ownerId: row.owner_id,
    graphVersion: row.graph_version,
    status: row.status as RunStatus,
    trigger: row.trigger_kind as TriggerKind,
    input: fromJsonText(row.input),
    output: fromJsonText(row.output),
    error: fromJsonText<ErrorData>(row.error),
    response: fromJsonText<RunResponse>(row.response),
    deliveryId: row.delivery_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

/** The lease columns of a run row. */
interface LeaseRow {
  lease_token: number;
  cancel_requested_at: string | null;
}

function toRunLease(row: LeaseRow | undefined): RunLease | null {
  return row === undefined ? null : { token: row.lease_token, cancelRequestedAt: row.cancel_requested_at };
}

/** Statuses of a run that `claimLease` and `requestCancel` accept, as SQL text. */
const OPEN_STATUSES_SQL = "('queued', 'running')";

/** Named parameters of a `runs.list` query. A null filter matches every run. */
interface RunListParameters {
  owner_id: string | null;
  graph_id: string | null;
  statuses: string | null;
  before: string | null;
  before_id: string | null;
  triggers: string | null;
  since: string | null;
  until: string | null;
  limit: number;
}

/** Columns of the `runs` table that a `RunPatch` sets. */
export const RUN_PATCH_COLUMNS = [
  { field: 'status', column: 'status' },
  { field: 'output', column: 'output', toColumn: toJsonText },
  { field: 'error', column: 'error', toColumn: toJsonText },
  { field: 'response', column: 'response', toColumn: toJsonText },
  { field: 'startedAt', column: 'started_at' },
  { field: 'finishedAt', column: 'finished_at' },
] as const;

/** Runs in the `runs` table. */
export class SqliteRunRepository implements RunRepository {
  private readonly db: Database.Database;
  private readonly insertRow: Database.Statement<[RunRow]>;
  private readonly insertRowUnlessExists: Database.Statement<[RunRow]>;
  private readonly selectById: Database.Statement<[string], RunRow>;
  private readonly selectByStatus: Database.Statement<[string], RunRow>;
  private readonly selectDailyCounts: Database.Statement<{ owner_id: string; since: string }, RunDayCount>;
  private readonly patchRow: PatchUpdate<RunPatch>;
  /** `patchRow` with the lease token as a second key column, so a stale token matches no row. */
  private readonly patchLeasedRow: PatchUpdate<RunPatch>;
  private readonly incrementLease: Database.Statement<[string], LeaseRow>;
  private readonly selectLease: Database.Statement<[string], LeaseRow>;
  private readonly setCancelRequest: Database.Statement<[string, string]>;
  private readonly unsetCancelRequest: Database.Statement<[string]>;
  /** `runs.list` statements by filter combination, each prepared on first use. */
  private readonly listStatements = new Map<string, Database.Statement<[RunListParameters], RunRow>>();
  private readonly createTransaction: (run: RunRecord, delivery: DeliveryRecord | undefined) => void;
  private readonly createManyTransaction: Database.Transaction<(runs: RunRecord[]) => string[]>;

  constructor(db: Database.Database, deliveries: SqliteDeliveryRepository) {
    this.db = db;
    this.insertRow = db.prepare(
      `insert into runs (${RUN_COLUMNS})
       values (@id, @graph_id, @owner_id, @graph_version, @status, @trigger_kind, @input, @output, @error,
               @response, @delivery_id, @created_at, @updated_at, @started_at, @finished_at)`,
    );
    this.insertRowUnlessExists = db.prepare(
      `insert into runs (${RUN_COLUMNS})
       values (@id, @graph_id, @owner_id, @graph_version, @status, @trigger_kind, @input, @output, @error,
               @response, @delivery_id, @created_at, @updated_at, @started_at, @finished_at)
       on conflict (id) do nothing`,
    );
    this.selectById = db.prepare(`select ${RUN_COLUMNS} from runs where id = ?`);
    // The statuses arrive as one JSON array, so a single statement serves any number of them.
    this.selectByStatus = db.prepare(
      `select ${RUN_COLUMNS} from runs
       where status in (select value from json_each(?))
       order by created_at, id`,
    );
    // Served by runs_owner_created_at: the range on created_at is read from the index, and the
    // day is the date part of the stored UTC ISO instant.
    this.selectDailyCounts = db.prepare(
      `select substr(created_at, 1, 10) as day,
              count(*) as runs,
              sum(status = 'succeeded') as succeeded,
              sum(status = 'failed') as failed
       from runs
       where owner_id = @owner_id and created_at >= @since
       group by day
       order by day`,
    );
    this.patchRow = new PatchUpdate<RunPatch>(db, 'runs', ['id'], RUN_PATCH_COLUMNS, 'updated_at');
    this.patchLeasedRow = new PatchUpdate<RunPatch>(db, 'runs', ['id', 'lease_token'], RUN_PATCH_COLUMNS, 'updated_at');
    this.incrementLease = db.prepare(
      `update runs set lease_token = lease_token + 1
       where id = ? and status in ${OPEN_STATUSES_SQL}
       returning lease_token, cancel_requested_at`,
    );
    this.selectLease = db.prepare('select lease_token, cancel_requested_at from runs where id = ?');
    this.setCancelRequest = db.prepare(
      `update runs set cancel_requested_at = coalesce(cancel_requested_at, ?)
       where id = ? and status in ${OPEN_STATUSES_SQL}`,
    );
    this.unsetCancelRequest = db.prepare('update runs set cancel_requested_at = null where id = ?');
    this.createTransaction = db.transaction((run: RunRecord, delivery: DeliveryRecord | undefined) => {
      translateConflict(`run "${run.id}"`, () => this.insertRow.run(toRunRow(run)));
      if (delivery !== undefined) {
        deliveries.insert(delivery);
      }
    });
    this.createManyTransaction = db.transaction((runs: RunRecord[]) =>
      runs.filter((run) => this.insertRowUnlessExists.run(toRunRow(run)).changes === 1).map((run) => run.id),
    );
  }

  async create(run: RunRecord, delivery?: DeliveryRecord): Promise<void> {
    this.createTransaction(run, delivery);
  }

  async createMany(runs: RunRecord[]): Promise<string[]> {
    if (runs.length === 0) return [];
    return this.createManyTransaction.immediate(runs);
  }

  async get(id: string): Promise<RunRecord | null> {
    const row = this.selectById.get(id);
    return row === undefined ? null : toRunRecord(row);
  }

  /** Returns runs newest first by `createdAt`, then by id descending. An empty `status` matches none. */
  async list(query: RunListQuery = {}): Promise<RunRecord[]> {
    const parameters: RunListParameters = {
      owner_id: query.ownerId ?? null,
      graph_id: query.graphId ?? null,
      statuses: query.status === undefined ? null : JSON.stringify(query.status),
      before: query.before ?? null,
      before_id: query.before !== undefined ? (query.beforeId ?? null) : null,
      triggers: query.trigger === undefined ? null : JSON.stringify(query.trigger),
      since: query.since ?? null,
      until: query.until ?? null,
      limit: resolveLimit(query.limit, LIMITS.runs),
    };
    return this.listStatement(parameters).all(parameters).map(toRunRecord);
  }

  async update(id: string, patch: RunPatch, leaseToken?: number): Promise<boolean> {
    if (leaseToken === undefined) return this.patchRow.run({ id }, patch);
    return this.patchLeasedRow.run({ id, lease_token: leaseToken }, patch);
  }

  async claimLease(id: string): Promise<RunLease | null> {
    return toRunLease(this.incrementLease.get(id));
  }

  async getLease(id: string): Promise<RunLease | null> {
    return toRunLease(this.selectLease.get(id));
  }

  async requestCancel(id: string, at: string): Promise<boolean> {
    return this.setCancelRequest.run(at, id).changes > 0;
  }

  async clearCancelRequest(id: string): Promise<void> {
    this.unsetCancelRequest.run(id);
  }

  async listByStatus(statuses: RunStatus[]): Promise<RunRecord[]> {
    return this.selectByStatus.all(JSON.stringify(statuses)).map(toRunRecord);
  }

  async dailyCounts(ownerId: string, since: string): Promise<RunDayCount[]> {
    return this.selectDailyCounts.all({ owner_id: ownerId, since });
  }

  /**
   * Returns the statement for the filters that `parameters` sets. Each combination has its own
   * WHERE clause, because `(@x is null or column = @x)` would keep SQLite from using an index.
   */
  private listStatement(parameters: RunListParameters): Database.Statement<[RunListParameters], RunRow> {
    const conditions: string[] = [];
    if (parameters.owner_id !== null) {
      conditions.push('owner_id = @owner_id');
    }
    if (parameters.graph_id !== null) {
      conditions.push('graph_id = @graph_id');
    }
    if (parameters.statuses !== null) {
      conditions.push('status in (select value from json_each(@statuses))');
    }
    if (parameters.triggers !== null) {
      conditions.push('trigger_kind in (select value from json_each(@triggers))');
    }
    if (parameters.since !== null) {
      conditions.push('created_at >= @since');
    }
    if (parameters.until !== null) {
      conditions.push('created_at < @until');
    }
    if (parameters.before !== null && parameters.before_id !== null) {
      conditions.push('(created_at < @before or (created_at = @before and id < @before_id))');
    } else if (parameters.before !== null) {
      conditions.push('created_at < @before');
    }
    const key = conditions.join(' and ');

    let statement = this.listStatements.get(key);
    if (statement === undefined) {
      const where = conditions.length === 0 ? '' : `where ${key}`;
      statement = this.db.prepare<[RunListParameters], RunRow>(
        `select ${RUN_COLUMNS} from runs ${where}
         order by created_at desc, id desc
         limit @limit`,
      );
      this.listStatements.set(key, statement);
    }
    return statement;
  }
}
