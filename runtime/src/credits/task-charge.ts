/**
 * The credits of one task execution: reserve before the first attempt, then capture on success
 * or release on failure and cancel. Every step appends ledger entries under keys derived from
 * (run, task, reservation cycle), so repeating a step after a crash changes nothing.
 */
import {
  InsufficientCreditsError,
  type ErrorData,
  type LedgerEntry,
  type LedgerKind,
  type LedgerRepository,
} from '@gestorlead/storage';
import type { Logger } from 'pino';
import { newId } from '../ids.js';
import { cycleOfKey, reserveKey, settlementKey } from './keys.js';
import { costOf, holdOf, type CreditPrice } from './pricing.js';

/** Code of the task error when the owner's balance cannot cover the reservation. */
export const CREDITS_INSUFFICIENT = 'CREDITS_INSUFFICIENT';

/** Attempts to append a capture above the hold before the capture settles at the hold alone. */
const CAPTURE_ATTEMPTS = 5;

/** The payer, task and price of one charge. */
export interface TaskChargeTarget {
  userId: string;
  runId: string;
  taskId: string;
  nodeId: string;
  nodeType: string;
  price: CreditPrice;
}

/** A run event about credits, published into the run's stream. */
export interface CreditEvent {
  type: 'task.credits-reserved' | 'task.charged' | 'task.credits-released';
  taskId: string;
  nodeId: string;
  data: Record<string, unknown>;
}

/** The reserve entry a task execution holds. */
interface Hold {
  key: string;
  cycle: number;
  amount: number;
}

/** The reservation of one task execution and its settlement. */
export class TaskCharge {
  readonly #ledger: LedgerRepository;
  readonly #target: TaskChargeTarget;
  readonly #log: Logger;
  readonly #publish: (event: CreditEvent) => void;
  #hold: Hold | null = null;

  constructor(
    ledger: LedgerRepository,
    target: TaskChargeTarget,
    log: Logger,
    publish: (event: CreditEvent) => void,
  ) {
    this.#ledger = ledger;
    this.#target = target;
    this.#log = log;
    this.#publish = publish;
  }

  /** Whether the reservation is in place, so later attempts need no new one. */
  get held(): boolean {
    return this.#hold !== null;
  }

  /**
   * Holds the task's maximum cost. Returns null once held, or the task error
   * `CREDITS_INSUFFICIENT` when the owner's balance cannot cover it (nothing is then held). A
   * hold that a dead process left open, or that it already captured, is taken over instead of
   * reserving again, so a restart never charges twice.
   */
  async reserve(): Promise<ErrorData | null> {
    if (this.#hold !== null) return null;
    const { userId, runId, taskId, nodeId, nodeType, price } = this.#target;
    const { previous, nextCycle: cycle } = await this.#readCycles();
    if (previous !== null) {
      this.#hold = previous;
      this.#publishEvent('task.credits-reserved', { reserved: previous.amount, cycle: previous.cycle, reused: true });
      return null;
    }

    const amount = holdOf(price);
    const key = reserveKey(runId, taskId, cycle);
    try {
      await this.#append('reserve', { key, amount, delta: -amount, reservationKey: null, reason: nodeType });
    } catch (error) {
      if (!(error instanceof InsufficientCreditsError)) throw error;
      this.#log.info({ userId, nodeId, required: amount, balance: error.balance }, 'task not started: credits insufficient');
      return {
        code: CREDITS_INSUFFICIENT,
        message:
          `node "${nodeId}" (${nodeType}) needs ${amount} credits, but the balance is ${error.balance}; ` +
          'top up credits and resume the run',
        retryable: false,
        details: { required: amount, balance: error.balance, nodeType },
      };
    }
    this.#hold = { key, cycle, amount };
    this.#publishEvent('task.credits-reserved', { reserved: amount, cycle, reused: false });
    return null;
  }

  /**
   * Charges a successful call: `fixed` plus `perUnit` for the reported `units`, and releases
   * the rest of the hold. An action with a per-unit price that reported no units is charged the
   * reserved maximum. A cost above the hold takes the difference from the balance as far as it
   * goes, and the part it cannot take is recorded as uncollected.
   */
  async capture(units: number | undefined): Promise<void> {
    const hold = this.#hold;
    if (hold === null) return;
    const { price, nodeId } = this.#target;
    let measured = 0;
    if (price.perUnit > 0) {
      if (units === undefined) {
        this.#log.warn({ nodeId, maxUnits: price.maxUnits }, 'per-unit action reported no usage; charging the reserved maximum');
      }
      measured = units ?? price.maxUnits;
    }
    const cost = costOf(price, measured);
    const captureKey = settlementKey(hold.key, 'capture');
    const capture = (await this.#ledger.findByKey(captureKey)) ?? (await this.#appendCapture(hold, captureKey, cost));
    const released = await this.#releaseRest(hold, capture.amount);
    const uncollected = Math.max(0, cost - capture.amount);
    if (uncollected > 0) {
      this.#log.warn({ userId: this.#target.userId, nodeId, cost, uncollected }, 'task cost more than the balance could cover');
    }
    this.#publishEvent('task.charged', {
      reserved: hold.amount,
      captured: capture.amount,
      released,
      units: measured,
      unit: price.unit,
      uncollected,
      cycle: hold.cycle,
    });
  }

  /**
   * Releases the hold of a task that ends without success. A hold that an earlier process
   * already captured stays charged, because its call succeeded, and only its rest is released.
   */
  async release(): Promise<void> {
    const hold = this.#hold;
    if (hold === null) return;
    const capture = await this.#ledger.findByKey(settlementKey(hold.key, 'capture'));
    const released = capture === null ? await this.#releaseAll(hold) : await this.#releaseRest(hold, capture.amount);
    this.#publishEvent('task.credits-released', { reserved: hold.amount, released, cycle: hold.cycle });
  }

  /**
   * Reads the task's earlier cycles. `previous` is the latest hold when it is still open or was
   * captured. A captured hold means that the call succeeded but a crash came before its
   * completion was stored. `nextCycle` numbers a new hold.
   */
  async #readCycles(): Promise<{ previous: Hold | null; nextCycle: number }> {
    const entries = await this.#ledger.listByTask(this.#target.taskId);
    let latest: LedgerEntry | null = null;
    for (const entry of entries) {
      if (entry.kind !== 'reserve') continue;
      if (latest === null || cycleOfKey(entry.idempotencyKey) > cycleOfKey(latest.idempotencyKey)) latest = entry;
    }
    if (latest === null) return { previous: null, nextCycle: 1 };
    const latestKey = latest.idempotencyKey;
    const cycle = cycleOfKey(latestKey);
    const settlements = entries.filter((entry) => entry.reservationKey === latestKey);
    const captured = settlements.some((entry) => entry.kind === 'capture');
    const released = settlements.some((entry) => entry.kind === 'release');
    if (released && !captured) return { previous: null, nextCycle: cycle + 1 };
    return { previous: { key: latestKey, cycle, amount: latest.amount }, nextCycle: cycle + 1 };
  }

  /**
   * Appends the capture. Up to the hold, it moves no credits. Above it, the extra is taken
   * from the balance read just before. A concurrent spend can make that append fail, so it is
   * tried again with a fresh balance, and in the end settled at the hold.
   */
  async #appendCapture(hold: Hold, key: string, cost: number): Promise<LedgerEntry> {
    const base = { key, reservationKey: hold.key };
    if (cost <= hold.amount) {
      return this.#append('capture', { ...base, amount: cost, delta: 0, reason: this.#target.nodeType });
    }
    const extra = cost - hold.amount;
    for (let attempt = 0; attempt < CAPTURE_ATTEMPTS; attempt += 1) {
      const balance = await this.#ledger.balance(this.#target.userId);
      const collected = Math.max(0, Math.min(extra, balance));
      const reason = this.#captureReason(cost, hold.amount + collected);
      try {
        return await this.#append('capture', { ...base, amount: hold.amount + collected, delta: -collected, reason });
      } catch (error) {
        if (!(error instanceof InsufficientCreditsError)) throw error;
      }
    }
    const reason = this.#captureReason(cost, hold.amount);
    return this.#append('capture', { ...base, amount: hold.amount, delta: 0, reason });
  }

  #captureReason(cost: number, captured: number): string {
    const nodeType = this.#target.nodeType;
    return captured >= cost ? nodeType : `${nodeType}; ${cost - captured} of ${cost} credits uncollected: balance too low`;
  }

  /** Releases the part of the hold that a capture left, and returns the credits released. */
  async #releaseRest(hold: Hold, captured: number): Promise<number> {
    const rest = hold.amount - captured;
    if (rest <= 0) return 0;
    await this.#append('release', {
      key: settlementKey(hold.key, 'release'),
      amount: rest,
      delta: rest,
      reservationKey: hold.key,
      reason: this.#target.nodeType,
    });
    return rest;
  }

  /** Releases the whole hold, even one of 0 credits, so the reservation counts as settled. */
  async #releaseAll(hold: Hold): Promise<number> {
    await this.#append('release', {
      key: settlementKey(hold.key, 'release'),
      amount: hold.amount,
      delta: hold.amount,
      reservationKey: hold.key,
      reason: this.#target.nodeType,
    });
    return hold.amount;
  }

  async #append(
    kind: LedgerKind,
    fields: { key: string; amount: number; delta: number; reservationKey: string | null; reason: string },
  ): Promise<LedgerEntry> {
    const { userId, runId, taskId } = this.#target;
    const result = await this.#ledger.append({
      id: newId('ledger'),
      userId,
      kind,
      delta: fields.delta,
      amount: fields.amount,
      idempotencyKey: fields.key,
      runId,
      taskId,
      reservationKey: fields.reservationKey,
      reason: fields.reason,
      actorId: null,
      createdAt: new Date().toISOString(),
    });
    return result.entry;
  }

  #publishEvent(type: CreditEvent['type'], data: Record<string, unknown>): void {
    this.#publish({ type, taskId: this.#target.taskId, nodeId: this.#target.nodeId, data });
  }
}
