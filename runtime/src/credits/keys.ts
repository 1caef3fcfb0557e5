/**
 * Idempotency keys of ledger entries. A key is unique across the ledger, so appending an entry
 * whose key exists stores nothing: the same step repeated (a retry, a restart, a second
 * delivery of a payment event) never moves credits twice.
 *
 * A task's credits move in reservation cycles. Cycle 1 starts when the task first runs, and
 * every attempt of that execution (retries, and attempts after a restart) reuses its hold. A
 * new cycle starts only when the task runs again after its hold was released, that is, when a
 * failed or cancelled run is resumed.
 */

/** Kinds of entries that settle a reservation: a capture charges it, a release returns it. */
export type SettlementKind = 'capture' | 'release';

/** Returns the key of the reserve entry of a task's reservation cycle (1 for the first). */
export function reserveKey(runId: string, taskId: string, cycle: number): string {
  return `task:${runId}:${taskId}:${cycle}:reserve`;
}

/** Returns the key of the capture or release that settles the reserve entry `reservation`. */
export function settlementKey(reservation: string, kind: SettlementKind): string {
  return `${reservation.slice(0, reservation.length - ':reserve'.length)}:${kind}`;
}

/** Returns the cycle number inside a key made by `reserveKey`, or 0 for another key. */
export function cycleOfKey(reservation: string): number {
  const parts = reservation.split(':');
  const cycle = Number(parts[parts.length - 2]);
  return parts[0] === 'task' && Number.isSafeInteger(cycle) && cycle > 0 ? cycle : 0;
}

/** Returns the key of a top-up: one per payment, whichever user it is for. */
export function topUpKey(paymentKey: string): string {
  return `topup:${paymentKey}`;
}

/** Returns the key of an admin's adjustment or refund, unique per user. */
export function adjustmentKey(userId: string, requestKey: string): string {
  return `admin:${userId}:${requestKey}`;
}
