/**
 * The credit service over the ledger: charges tasks for the executor, settles what a run or a
 * dead process left held, and changes balances for top-ups, refunds and admin adjustments.
 */
import type { CreditCost, GraphNode } from '@gestorlead/sdk-plugin';
import type { LedgerAppendResult, LedgerEntry, LedgerKind, RunRecord, Storage } from '@gestorlead/storage';
import type { Logger } from 'pino';
import { StudioError } from '../errors.js';
import { newId } from '../ids.js';
import { adjustmentKey, settlementKey, topUpKey } from './keys.js';
import { priceOf, usesOwnCredential, type CreditPrice } from './pricing.js';
import type { CreditSettings } from './settings.js';
import { TaskCharge, type CreditEvent } from './task-charge.js';

/** Open reservations read per query; the ledger returns at most 1000. */
const OPEN_RESERVATIONS_PAGE = 1000;

/** Services the credit service uses. */
export interface CreditServiceOptions {
  storage: Storage;
  settings: CreditSettings;
  log: Logger;
  /**
   * Returns whether a node uses a credential of the user's own, which may have its own price.
   * By default, a node that picks a stored credential in any slot does.
   */
  usesOwnCredential?: (node: GraphNode) => boolean;
}

/** The executor's request to charge one task. */
export interface TaskChargeRequest {
  run: Pick<RunRecord, 'id' | 'ownerId'>;
  taskId: string;
  node: GraphNode;
  /** The node type's name and declared cost. */
  nodeType: { type: string; credits?: CreditCost };
  publish(event: CreditEvent): void;
}

/** The part of the credit service the executor uses. */
export interface RunCredits {
  /** Returns the charge of a task, or null when the task costs nothing. */
  forTask(request: TaskChargeRequest): TaskCharge | null;
  /** Releases the credits an ended run still has reserved; `taskIds` are its tasks that did not complete. */
  settleRun(runId: string, taskIds: readonly string[]): Promise<void>;
  /** Releases holds whose run no longer executes; returns how many it released. */
  recoverOpenReservations(): Promise<number>;
}

/** Input of `CreditService.adjust`. */
export interface AdjustmentRequest {
  userId: string;
  /** Signed credits: positive adds, negative takes. A refund must be positive. */
  amount: number;
  kind: Extract<LedgerKind, 'adjustment' | 'refund'>;
  reason: string;
  /** The caller's key; the same key for the same user stores one entry. */
  idempotencyKey: string;
  actorId: string;
  /** The run a refund is for. */
  runId?: string | null;
  /** Lets a negative adjustment take the balance below zero. */
  allowNegative?: boolean;
}

/** Charges tasks and changes balances through the ledger. */
export class CreditService implements RunCredits {
  readonly #storage: Storage;
  readonly #settings: CreditSettings;
  readonly #log: Logger;
  readonly #usesOwnCredential: (node: GraphNode) => boolean;

  constructor(options: CreditServiceOptions) {
    this.#storage = options.storage;
    this.#settings = options.settings;
    this.#log = options.log.child({ component: 'credits' });
    this.#usesOwnCredential = options.usesOwnCredential ?? usesOwnCredential;
  }

  /** Whether tasks are charged at all (`CREDITS_ENABLED`). */
  get enabled(): boolean {
    return this.#settings.enabled;
  }

  /** Returns the price of one call of `node`, or null when it costs nothing. */
  priceOfNode(node: GraphNode, nodeType: { type: string; credits?: CreditCost } | undefined): CreditPrice | null {
    return priceOf(this.#settings, node.type, nodeType?.credits, this.#usesOwnCredential(node));
  }

  forTask(request: TaskChargeRequest): TaskCharge | null {
    if (!this.#settings.enabled) return null;
    const price = this.priceOfNode(request.node, request.nodeType);
    if (price === null) return null;
    const userId = request.run.ownerId;
    // NOTE: a run without an owner (stored before any account existed) is not charged, because
    // no balance can pay for it. The first account claims such graphs and their later runs.
    if (userId === null) return null;
    const target = {
      userId,
      runId: request.run.id,
      taskId: request.taskId,
      nodeId: request.node.id,
      nodeType: request.node.type,
      price,
    };
    const log = this.#log.child({ runId: request.run.id, taskId: request.taskId });
    return new TaskCharge(this.#storage.ledger, target, log, request.publish);
  }

  async settleRun(runId: string, taskIds: readonly string[]): Promise<void> {
    if (!this.#settings.enabled) return;
    const ledger = this.#storage.ledger;
    for (const reservation of await ledger.listOpenReservations({ runId, limit: OPEN_RESERVATIONS_PAGE })) {
      await this.#settleReservation(reservation);
    }
    // A capture stored just before a crash leaves the rest of its hold unreleased, and no open
    // reservation shows it, so the tasks that did not complete are checked one by one.
    for (const taskId of taskIds) {
      for (const entry of await ledger.listByTask(taskId)) {
        if (entry.kind === 'reserve') await this.#settleReservation(entry);
      }
    }
  }

  async recoverOpenReservations(): Promise<number> {
    if (!this.#settings.enabled) return 0;
    const statuses = new Map<string, string | null>();
    let released = 0;
    // Released reservations leave the open list, so each query returns the next ones.
    // NOTE: the ledger has no cursor over open reservations. When a whole page belongs to runs
    // that continue, the reservations after it wait for the next start-up or for their run's end.
    for (;;) {
      const page = await this.#storage.ledger.listOpenReservations({ limit: OPEN_RESERVATIONS_PAGE });
      let releasedInPage = 0;
      for (const reservation of page) {
        const runId = reservation.runId;
        if (runId === null) continue;
        if (!statuses.has(runId)) statuses.set(runId, (await this.#storage.runs.get(runId))?.status ?? null);
        const status = statuses.get(runId);
        // A queued or running run reuses its reservations when its tasks run again, and
        // settles the rest when it ends.
        if (status === 'queued' || status === 'running') continue;
        if (await this.#settleReservation(reservation)) releasedInPage += 1;
      }
      released += releasedInPage;
      if (page.length < OPEN_RESERVATIONS_PAGE || releasedInPage === 0) break;
    }
    if (released > 0) this.#log.info({ released }, 'released credits held by runs that ended');
    return released;
  }

  /**
   * Releases what a reserve entry still holds: all of it when nothing settled it, or the rest
   * a capture left. Returns whether it appended a release.
   */
  async #settleReservation(reservation: LedgerEntry): Promise<boolean> {
    const ledger = this.#storage.ledger;
    const releaseKey = settlementKey(reservation.idempotencyKey, 'release');
    if ((await ledger.findByKey(releaseKey)) !== null) return false;
    const capture = await ledger.findByKey(settlementKey(reservation.idempotencyKey, 'capture'));
    const amount = capture === null ? reservation.amount : reservation.amount - capture.amount;
    if (capture !== null && amount <= 0) return false;
    const result = await ledger.append({
      id: newId('ledger'),
      userId: reservation.userId,
      kind: 'release',
      delta: amount,
      amount,
      idempotencyKey: releaseKey,
      runId: reservation.runId,
      taskId: reservation.taskId,
      reservationKey: reservation.idempotencyKey,
      reason: reservation.reason,
      actorId: null,
      createdAt: new Date().toISOString(),
    });
    if (result.created) {
      this.#log.info({ runId: reservation.runId, taskId: reservation.taskId, released: amount }, 'released credits of a task that did not finish');
    }
    return result.created;
  }

  /**
   * Adds `amount` credits to a user for a confirmed payment. `idempotencyKey` is the payment's
   * id: a payment tops up once, however often it is confirmed. Throws `USER_NOT_FOUND`,
   * `CREDITS_IDEMPOTENCY_CONFLICT` when the payment id was used with another user or amount, or
   * RangeError when the balance would leave the safe integers.
   */
  async topUp(userId: string, amount: number, idempotencyKey: string, reason: string): Promise<LedgerAppendResult> {
    if (!Number.isSafeInteger(amount) || amount <= 0) {
      throw new StudioError('REQUEST_INVALID', `a top-up must be a whole number of credits above 0, got ${amount}`);
    }
    await this.#requireUser(userId, null);
    const result = await this.#storage.ledger.append({
      id: newId('ledger'),
      userId,
      kind: 'topup',
      delta: amount,
      amount,
      idempotencyKey: topUpKey(idempotencyKey),
      runId: null,
      taskId: null,
      reservationKey: null,
      reason,
      actorId: null,
      createdAt: new Date().toISOString(),
    });
    if (!result.created) {
      requireSameEntry(result.entry, { userId, kind: 'topup', delta: amount }, idempotencyKey);
    } else {
      this.#log.info({ userId, amount, balance: result.balance }, 'credits topped up');
    }
    return result;
  }

  /**
   * Stores an admin's adjustment or refund once per (user, idempotency key). Throws
   * `USER_NOT_FOUND`, `CREDITS_INSUFFICIENT` when a negative adjustment exceeds the balance
   * without `allowNegative`, `REQUEST_INVALID` when the balance would leave the safe integers,
   * or `CREDITS_IDEMPOTENCY_CONFLICT` when the key was used with other values.
   */
  async adjust(request: AdjustmentRequest): Promise<LedgerAppendResult> {
    await this.#requireUser(request.userId, '/params/id');
    const entry: LedgerEntry = {
      id: newId('ledger'),
      userId: request.userId,
      kind: request.kind,
      delta: request.amount,
      amount: Math.abs(request.amount),
      idempotencyKey: adjustmentKey(request.userId, request.idempotencyKey),
      runId: request.runId ?? null,
      taskId: null,
      reservationKey: null,
      reason: request.reason,
      actorId: request.actorId,
      createdAt: new Date().toISOString(),
    };
    let result: LedgerAppendResult;
    try {
      result = await this.#storage.ledger.append(entry, { allowNegative: request.allowNegative === true });
    } catch (error) {
      if (error instanceof RangeError) {
        throw new StudioError('REQUEST_INVALID', `the adjustment of ${request.amount} credits would take the balance beyond ±${Number.MAX_SAFE_INTEGER}`, {
          problems: [{ pointer: '/body/amount', message: 'would take the balance out of the safe integer range' }],
          cause: error,
        });
      }
      if ((error as { code?: unknown }).code !== 'CREDITS_INSUFFICIENT') throw error;
      const balance = (error as { balance?: number }).balance;
      throw new StudioError(
        'CREDITS_INSUFFICIENT',
        `the adjustment takes ${-request.amount} credits, but the balance is ${balance}; send allowNegative: true to allow a negative balance`,
        {
          problems: [{ pointer: '/body/amount', message: `must not take more than the balance of ${balance} without allowNegative` }],
          details: { balance, required: -request.amount },
          cause: error,
        },
      );
    }
    if (!result.created) {
      requireSameEntry(result.entry, { userId: request.userId, kind: request.kind, delta: request.amount, reason: request.reason }, request.idempotencyKey);
    } else {
      this.#log.info(
        { userId: request.userId, actorId: request.actorId, kind: request.kind, amount: request.amount, balance: result.balance },
        'credits adjusted',
      );
    }
    return result;
  }

  /** Returns the user's available balance and the credits held by open reservations. */
  async balanceOf(userId: string): Promise<{ balance: number; held: number }> {
    const ledger = this.#storage.ledger;
    const [balance, held] = await Promise.all([ledger.balance(userId), ledger.heldBalance(userId)]);
    return { balance, held };
  }

  /** Throws `USER_NOT_FOUND`, with a problem at `pointer` when the id came from a request. */
  async #requireUser(userId: string, pointer: string | null): Promise<void> {
    if ((await this.#storage.users.get(userId)) !== null) return;
    throw new StudioError('USER_NOT_FOUND', `user "${userId}" does not exist`, {
      problems: pointer === null ? [] : [{ pointer, message: 'matches no user' }],
    });
  }
}

/** Throws `CREDITS_IDEMPOTENCY_CONFLICT` unless a stored entry has the `expected` values. */
function requireSameEntry(
  stored: LedgerEntry,
  expected: Partial<Pick<LedgerEntry, 'userId' | 'kind' | 'delta' | 'reason'>>,
  idempotencyKey: string,
): void {
  const differing = (Object.keys(expected) as (keyof typeof expected)[]).filter((field) => stored[field] !== expected[field]);
  if (differing.length === 0) return;
  throw new StudioError(
    'CREDITS_IDEMPOTENCY_CONFLICT',
    `idempotency key "${idempotencyKey}" was used before with a different ${differing.join(', ')}; send a new key for a new change`,
    {
      problems: [{ pointer: '/body/idempotencyKey', message: 'was used for a different change' }],
      details: { fields: differing },
    },
  );
}
