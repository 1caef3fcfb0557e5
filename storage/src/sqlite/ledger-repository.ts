import type Database from 'better-sqlite3';
import { SETTLING_KINDS, checkBalanceRange, insufficientCredits, validateLedgerEntry } from '../ledger-rules.js';
import { LIMITS, resolveLimit } from '../query-limits.js';
import type { LedgerAppendResult, LedgerEntry, LedgerKind, LedgerRepository } from '../types.js';
import { translateConflict } from './conflict.js';

interface LedgerRow {
  id: string;
  user_id: string;
  kind: string;
  delta: number;
  amount: number;
  idempotency_key: string;
  run_id: string | null;
  task_id: string | null;
  reservation_key: string | null;
  reason: string | null;
  actor_id: string | null;
  created_at: string;
}

/** Named parameters of a `ledger.list` query. A null filter matches every entry of the user. */
interface LedgerListParameters {
  user_id: string;
  kinds: string | null;
  before: string | null;
  before_id: string | null;
  limit: number;
}

const LEDGER_COLUMNS =
  'id, user_id, kind, delta, amount, idempotency_key, run_id, task_id, reservation_key, reason, actor_id, ' +
  'created_at';

/** The WHERE terms of the partial indexes on open reserve entries, repeated so queries use them. */
const OPEN_RESERVE = "kind = 'reserve' and settled_at is null";

function toLedgerRow(entry: LedgerEntry): LedgerRow {
  return {
    id: entry.id,
    user_id: entry.userId,
    kind: entry.kind,
    delta: entry.delta,
    amount: entry.amount,
    idempotency_key: entry.idempotencyKey,
    run_id: entry.runId,
    task_id: entry.taskId,
    reservation_key: entry.reservationKey,
    reason: entry.reason,
    actor_id: entry.actorId,
    created_at: entry.createdAt,
  };
}

function toLedgerEntry(row: LedgerRow): LedgerEntry {
  return {
    id: row.id,
    userId: row.user_id,
    kind: row.kind as LedgerKind,
    delta: row.delta,
    amount: row.amount,
    idempotencyKey: row.idempotency_key,
    runId: row.run_id,
    taskId: row.task_id,
    reservationKey: row.reservation_key,
    reason: row.reason,
    actorId: row.actor_id,
    createdAt: row.created_at,
  };
}

/**
 * The credit ledger in `ledger_entries`, with each user's balance kept in `credit_balances`.
 * Every append runs in a BEGIN IMMEDIATE transaction, which takes the database's write lock
 * before the balance is read. Appends from other connections and processes therefore wait (up to
 * the connection's busy timeout) instead of reading a balance that is about to change.
 */
export class SqliteLedgerRepository implements LedgerRepository {
  private readonly db: Database.Database;
  private readonly insertRow: Database.Statement<[LedgerRow & { settled_at: string | null }]>;
  private readonly selectByKey: Database.Statement<[string], LedgerRow>;
  private readonly selectBalance: Database.Statement<[string], number>;
  private readonly addToBalance: Database.Statement<[{ user_id: string; delta: number; updated_at: string }]>;
  private readonly selectSettlement: Database.Statement<[string], string>;
  private readonly settleReserve: Database.Statement<[{ idempotency_key: string; settled_at: string }]>;
  private readonly selectByTask: Database.Statement<[string], LedgerRow>;
  private readonly selectOpenReserves: Database.Statement<[{ limit: number }], LedgerRow>;
  private readonly selectOpenReservesOfRun: Database.Statement<[{ run_id: string; limit: number }], LedgerRow>;
  private readonly selectHeld: Database.Statement<[string], number>;
  private readonly selectDailyUsage: Database.Statement<
    [{ user_id: string; since: string }],
    { day: string; credits: number }
  >;
  /** `ledger.list` statements by filter combination, each prepared on first use. */
  private readonly listStatements = new Map<string, Database.Statement<[LedgerListParameters], LedgerRow>>();
  private readonly appendTransaction: Database.Transaction<
    (entry: LedgerEntry, allowNegative: boolean) => LedgerAppendResult
  >;

  constructor(db: Database.Database) {
    this.db = db;
    this.insertRow = db.prepare(
      `insert into ledger_entries (${LEDGER_COLUMNS}, settled_at)
       values (@id, @user_id, @kind, @delta, @amount, @idempotency_key, @run_id, @task_id, @reservation_key,
               @reason, @actor_id, @created_at, @settled_at)`,
    );
    this.selectByKey = db.prepare(`select ${LEDGER_COLUMNS} from ledger_entries where idempotency_key = ?`);
    this.selectBalance = db
      .prepare<[string], number>('select balance from credit_balances where user_id = ?')
      .pluck();
    this.addToBalance = db.prepare(
      `insert into credit_balances (user_id, balance, updated_at) values (@user_id, @delta, @updated_at)
       on conflict (user_id) do update
       set balance = balance + excluded.balance, updated_at = excluded.updated_at`,
    );
    this.selectSettlement = db
      .prepare<[string], string>(
        `select min(created_at) from ledger_entries
         where reservation_key = ? and kind in ('capture', 'release')`,
      )
      .pluck();
    this.settleReserve = db.prepare(
      `update ledger_entries set settled_at = @settled_at
       where idempotency_key = @idempotency_key and ${OPEN_RESERVE}`,
    );
    this.selectByTask = db.prepare(
      `select ${LEDGER_COLUMNS} from ledger_entries where task_id = ? order by created_at, rowid`,
    );
    this.selectOpenReserves = db.prepare(
      `select ${LEDGER_COLUMNS} from ledger_entries where ${OPEN_RESERVE}
       order by created_at, id
       limit @limit`,
    );
    this.selectOpenReservesOfRun = db.prepare(
      `select ${LEDGER_COLUMNS} from ledger_entries where run_id = @run_id and ${OPEN_RESERVE}
       order by created_at, id
       limit @limit`,
    );
    this.selectHeld = db
      .prepare<[string], number>(`select coalesce(sum(amount), 0) from ledger_entries where user_id = ? and ${OPEN_RESERVE}`)
      .pluck();
    // A day is the date part of the ISO instant, which is the UTC day because every instant ends in Z.
    this.selectDailyUsage = db.prepare(
      `select substr(created_at, 1, 10) as day,
              sum(case kind when 'capture' then amount else -amount end) as credits
       from ledger_entries
       where user_id = @user_id and created_at >= @since and kind in ('capture', 'refund')
       group by day
       order by day`,
    );

    this.appendTransaction = db.transaction((entry: LedgerEntry, allowNegative: boolean) =>
      this.insertEntry(entry, allowNegative),
    );
  }

  /**
   * Appends `entry` and adds its delta to the user's balance. Throws RangeError for a fractional
   * delta or amount, a negative amount, or a balance that would leave the safe integers, before
   * anything is stored.
   */
  async append(entry: LedgerEntry, options: { allowNegative?: boolean } = {}): Promise<LedgerAppendResult> {
    validateLedgerEntry(entry);
    return this.appendTransaction.immediate(entry, options.allowNegative === true);
  }

  async balance(userId: string): Promise<number> {
    return this.selectBalance.get(userId) ?? 0;
  }

  async findByKey(idempotencyKey: string): Promise<LedgerEntry | null> {
    const row = this.selectByKey.get(idempotencyKey);
    return row === undefined ? null : toLedgerEntry(row);
  }

  /** Returns the user's entries newest `createdAt` first, then by id descending. */
  async list(
    userId: string,
    query: { limit?: number; before?: string; beforeId?: string; kinds?: LedgerKind[] } = {},
  ): Promise<LedgerEntry[]> {
    const parameters: LedgerListParameters = {
      user_id: userId,
      kinds: query.kinds === undefined ? null : JSON.stringify(query.kinds),
      before: query.before ?? null,
      before_id: query.before !== undefined ? (query.beforeId ?? null) : null,
      limit: resolveLimit(query.limit, LIMITS.ledger),
    };
    return this.listStatement(parameters).all(parameters).map(toLedgerEntry);
  }

  async listByTask(taskId: string): Promise<LedgerEntry[]> {
    return this.selectByTask.all(taskId).map(toLedgerEntry);
  }

  async listOpenReservations(query: { runId?: string; limit?: number } = {}): Promise<LedgerEntry[]> {
    const limit = resolveLimit(query.limit, LIMITS.openReservations);
    const rows =
      query.runId === undefined
        ? this.selectOpenReserves.all({ limit })
        : this.selectOpenReservesOfRun.all({ run_id: query.runId, limit });
    return rows.map(toLedgerEntry);
  }

  async heldBalance(userId: string): Promise<number> {
    return this.selectHeld.get(userId) ?? 0;
  }

  /** Sums capture amounts minus refund amounts per UTC day, for entries created at `since` or later. */
  async dailyUsage(userId: string, since: string): Promise<{ day: string; credits: number }[]> {
    return this.selectDailyUsage.all({ user_id: userId, since });
  }

  /** Inserts the entry and adds its delta to the balance. Runs inside the append transaction. */
  private insertEntry(entry: LedgerEntry, allowNegative: boolean): LedgerAppendResult {
    const existing = this.selectByKey.get(entry.idempotencyKey);
    if (existing !== undefined) {
      return { entry: toLedgerEntry(existing), created: false, balance: this.selectBalance.get(existing.user_id) ?? 0 };
    }

    const balance = this.selectBalance.get(entry.userId) ?? 0;
    if (entry.delta < 0 && balance + entry.delta < 0 && !allowNegative) {
      throw insufficientCredits(entry, balance);
    }
    checkBalanceRange(entry, balance);

    const row = toLedgerRow(entry);
    // A capture or release may arrive before its reserve; the reserve is then stored as settled.
    const settledAt = entry.kind === 'reserve' ? this.selectSettlement.get(entry.idempotencyKey) ?? null : null;
    translateConflict(`ledger entry "${entry.id}"`, () => this.insertRow.run({ ...row, settled_at: settledAt }));
    if (SETTLING_KINDS.includes(entry.kind) && entry.reservationKey !== null) {
      this.settleReserve.run({ idempotency_key: entry.reservationKey, settled_at: entry.createdAt });
    }
    this.addToBalance.run({ user_id: entry.userId, delta: entry.delta, updated_at: new Date().toISOString() });
    return { entry: toLedgerEntry(row), created: true, balance: balance + entry.delta };
  }

  /**
   * Returns the statement for the filters that `parameters` sets. Each combination has its own
   * WHERE clause, because `(@x is null or column = @x)` would keep SQLite from using an index.
   */
  private listStatement(parameters: LedgerListParameters): Database.Statement<[LedgerListParameters], LedgerRow> {
    const conditions = ['user_id = @user_id'];
    if (parameters.kinds !== null) {
      conditions.push('kind in (select value from json_each(@kinds))');
    }
    if (parameters.before !== null && parameters.before_id !== null) {
      conditions.push('(created_at < @before or (created_at = @before and id < @before_id))');
    } else if (parameters.before !== null) {
      conditions.push('created_at < @before');
    }
    const key = conditions.join(' and ');

    let statement = this.listStatements.get(key);
    if (statement === undefined) {
      statement = this.db.prepare<[LedgerListParameters], LedgerRow>(
        `select ${LEDGER_COLUMNS} from ledger_entries where ${key}
         order by created_at desc, id desc
         limit @limit`,
      );
      this.listStatements.set(key, statement);
    }
    return statement;
  }
}
