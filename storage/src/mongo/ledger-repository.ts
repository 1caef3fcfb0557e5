import type { ClientSession, Connection } from 'mongoose';
import { SETTLING_KINDS, checkBalanceRange, insufficientCredits, validateLedgerEntry } from '../ledger-rules.js';
import { LIMITS, resolveLimit } from '../query-limits.js';
import type { LedgerAppendResult, LedgerEntry, LedgerKind, LedgerRepository } from '../types.js';
import { fromLedgerDoc, toLedgerDoc } from './account-documents.js';
import { conflictError, isDuplicateKey } from './conflict.js';
import { beforeClause, stringEquals } from './filters.js';
import { inTransaction, type MongoModels } from './models.js';

/**
 * The credit ledger in `ledgerEntries`, with each user's balance in `creditBalances`. Every
 * append is one transaction that first adds the delta to the balance document, so appends for
 * one user conflict there and the driver retries the later one after the earlier commits: no
 * two appends decide on the same balance, as with SQLite's BEGIN IMMEDIATE.
 */
export class MongoLedgerRepository implements LedgerRepository {
  readonly #connection: Connection;
  readonly #models: MongoModels;

  constructor(connection: Connection, models: MongoModels) {
    this.#connection = connection;
    this.#models = models;
  }

  /**
   * Appends `entry` and adds its delta to the user's balance. Throws RangeError for a fractional
   * delta or amount, a negative amount, or a balance that would leave the safe integers, before
   * anything is stored.
   */
  async append(entry: LedgerEntry, options: { allowNegative?: boolean } = {}): Promise<LedgerAppendResult> {
    validateLedgerEntry(entry);
    try {
      return await inTransaction(this.#connection, (session) =>
        this.#insertEntry(entry, options.allowNegative === true, session),
      );
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // A concurrent append of the same key committed after this transaction read the ledger.
      const existing = await this.#models.ledger.findOne({ idempotencyKey: entry.idempotencyKey }).lean();
      if (existing === null) throw conflictError(`ledger entry "${entry.id}"`, error);
      return { entry: fromLedgerDoc(existing), created: false, balance: await this.balance(existing.userId) };
    }
  }

  async balance(userId: string): Promise<number> {
    const doc = await this.#models.balances.findById(userId).lean();
    return doc?.balance ?? 0;
  }

  async findByKey(idempotencyKey: string): Promise<LedgerEntry | null> {
    const doc = await this.#models.ledger.findOne({ idempotencyKey }).lean();
    return doc === null ? null : fromLedgerDoc(doc);
  }

  /** Returns the user's entries newest `createdAt` first, then by id descending. */
  async list(
    userId: string,
    query: { limit?: number; before?: string; beforeId?: string; kinds?: LedgerKind[] } = {},
  ): Promise<LedgerEntry[]> {
    const limit = resolveLimit(query.limit, LIMITS.ledger);
    const filter: Record<string, unknown> = { userId, ...beforeClause('createdAt', query.before, query.beforeId) };
    if (query.kinds !== undefined) filter.kind = { $in: query.kinds };
    const docs = await this.#models.ledger.find(filter).sort({ createdAt: -1, _id: -1 }).limit(limit).lean();
    return docs.map(fromLedgerDoc);
  }

  /** Entries about a task, oldest first; entries of one instant in the order they were appended. */
  async listByTask(taskId: string): Promise<LedgerEntry[]> {
    const docs = await this.#models.ledger.find({ taskId: stringEquals(taskId) }).sort({ createdAt: 1, seq: 1 }).lean();
    return docs.map(fromLedgerDoc);
  }

  async listOpenReservations(query: { runId?: string; limit?: number } = {}): Promise<LedgerEntry[]> {
    const limit = resolveLimit(query.limit, LIMITS.openReservations);
    const filter: Record<string, unknown> = { openReserve: true };
    if (query.runId !== undefined) filter.runId = query.runId;
    const docs = await this.#models.ledger.find(filter).sort({ createdAt: 1, _id: 1 }).limit(limit).lean();
    return docs.map(fromLedgerDoc);
  }

  async heldBalance(userId: string): Promise<number> {
    const [row] = await this.#models.ledger.aggregate<{ held: number }>([
      { $match: { userId, openReserve: true } },
      { $group: { _id: null, held: { $sum: '$amount' } } },
    ]);
    return row?.held ?? 0;
  }

  /** Sums capture amounts minus refund amounts per UTC day, for entries created at `since` or later. */
  async dailyUsage(userId: string, since: string): Promise<{ day: string; credits: number }[]> {
    // A day is the date part of the ISO instant, which is the UTC day because every instant ends in Z.
    return this.#models.ledger.aggregate<{ day: string; credits: number }>([
      { $match: { userId, kind: { $in: ['capture', 'refund'] }, createdAt: { $gte: since } } },
      {
        $group: {
          _id: { $substrCP: ['$createdAt', 0, 10] },
          credits: { $sum: { $cond: [{ $eq: ['$kind', 'capture'] }, '$amount', { $multiply: ['$amount', -1] }] } },
        },
      },
      { $sort: { _id: 1 } },
      { $project: { _id: 0, day: '$_id', credits: 1 } },
    ]);
  }

  /** Inserts the entry and adds its delta to the balance, inside the append's transaction. */
  async #insertEntry(entry: LedgerEntry, allowNegative: boolean, session: ClientSession): Promise<LedgerAppendResult> {
    const existing = await this.#models.ledger.findOne({ idempotencyKey: entry.idempotencyKey }).session(session).lean();
    if (existing !== null) {
      const stored = await this.#models.balances.findById(existing.userId).session(session).lean();
      return { entry: fromLedgerDoc(existing), created: false, balance: stored?.balance ?? 0 };
    }

    const after = await this.#models.balances
      .findOneAndUpdate(
        { _id: entry.userId },
        { $inc: { balance: entry.delta, entries: 1 }, $set: { updatedAt: new Date().toISOString() } },
        { upsert: true, returnDocument: 'after', session },
      )
      .lean();
    const balance = after.balance - entry.delta;
    if (entry.delta < 0 && after.balance < 0 && !allowNegative) throw insufficientCredits(entry, balance);
    checkBalanceRange(entry, balance);

    // A capture or release may arrive before its reserve; the reserve is then stored as settled.
    let settledAt: string | null = null;
    if (entry.kind === 'reserve') {
      const settlement = await this.#models.ledger
        .findOne({ reservationKey: stringEquals(entry.idempotencyKey), kind: { $in: SETTLING_KINDS } }, { createdAt: 1 })
        .sort({ createdAt: 1 })
        .session(session)
        .lean();
      settledAt = settlement?.createdAt ?? null;
    }
    await this.#models.ledger.insertMany([toLedgerDoc(entry, after.entries, settledAt)], { session });
    if (SETTLING_KINDS.includes(entry.kind) && entry.reservationKey !== null) {
      await this.#models.ledger.updateOne(
        { idempotencyKey: entry.reservationKey, kind: 'reserve', openReserve: true },
        { $set: { settledAt: entry.createdAt, openReserve: false } },
        { session },
      );
    }
    return { entry, created: true, balance: after.balance };
  }
}
