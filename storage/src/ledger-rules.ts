/** Checks of ledger entries shared by all adapters, so each accepts and rejects the same entries. */
import { InsufficientCreditsError, LEDGER_KINDS, type LedgerEntry } from './types.js';

/** Kinds of the entries that settle a reserve entry named by their `reservationKey`. */
export const SETTLING_KINDS: readonly LedgerEntry['kind'][] = ['capture', 'release'];

/**
 * Throws RangeError unless `entry.kind` is a ledger kind, `delta` is a safe integer and `amount`
 * is a safe integer of at least 0. Credits are whole numbers, and a fraction would make balances
 * drift once they are summed.
 */
export function validateLedgerEntry(entry: LedgerEntry): void {
  if (!LEDGER_KINDS.includes(entry.kind)) {
    throw new RangeError(
      `Invalid ledger kind "${String(entry.kind)}" of entry "${entry.idempotencyKey}": expected one of ` +
        `${LEDGER_KINDS.join(', ')}.`,
    );
  }
  if (!Number.isSafeInteger(entry.delta)) {
    throw new RangeError(
      `Invalid delta ${String(entry.delta)} of ledger entry "${entry.idempotencyKey}": expected a whole ` +
        'number of credits.',
    );
  }
  if (!Number.isSafeInteger(entry.amount) || entry.amount < 0) {
    throw new RangeError(
      `Invalid amount ${String(entry.amount)} of ledger entry "${entry.idempotencyKey}": expected a whole ` +
        'number of credits of at least 0.',
    );
  }
}

/**
 * Returns the error for an append whose negative `entry.delta` would take the user's available
 * `balance` below zero.
 */
export function insufficientCredits(entry: LedgerEntry, balance: number): InsufficientCreditsError {
  const required = -entry.delta;
  return new InsufficientCreditsError(
    `Cannot append ledger entry "${entry.idempotencyKey}" (${entry.kind}) for user "${entry.userId}": ` +
      `it needs ${required} credits, but the available balance is ${balance}. Top up credits or lower ` +
      'the amount.',
    { balance, required },
  );
}

/**
 * Throws RangeError when appending `entry` would take the user's `balance` outside the safe
 * integers, where sums of entries stop being exact.
 */
export function checkBalanceRange(entry: LedgerEntry, balance: number): void {
  if (Number.isSafeInteger(balance + entry.delta)) return;
  throw new RangeError(
    `Cannot append ledger entry "${entry.idempotencyKey}" (${entry.kind}) for user "${entry.userId}": ` +
      `the balance of ${balance} plus ${entry.delta} would leave the safe integer range of ` +
      `±${Number.MAX_SAFE_INTEGER} credits.`,
  );
}
