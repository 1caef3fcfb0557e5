import { describe, expect, it } from 'vitest';
import { InsufficientCreditsError, type LedgerEntry } from '../../src/types.js';
import type { ContractContext } from './context.js';
import {
  buildLedgerEntry,
  buildReserve,
  expectConflict,
  expectInsufficientCredits,
  isoAt,
} from './fixtures.js';

/** Milliseconds in one day. */
const DAY_MS = 24 * 3600_000;

export function defineLedgerContract(context: ContractContext): void {
  describe('ledger', () => {
    async function appendAll(entries: LedgerEntry[]): Promise<void> {
      for (const entry of entries) {
        await context.storage().ledger.append(entry, { allowNegative: true });
      }
    }

    /** Appends a top-up of `credits` for `userId`. */
    async function topUp(credits: number, userId = 'user-1'): Promise<void> {
      await context.storage().ledger.append(buildLedgerEntry({ userId, delta: credits, amount: credits }));
    }

    it('append stores every entry field', async () => {
      const entry = buildLedgerEntry({
        kind: 'adjustment',
        delta: 25,
        amount: 25,
        runId: 'run-9',
        taskId: 'task-9',
        reservationKey: 'reserve-key-9',
        reason: 'Compensation for an outage — ação',
        actorId: 'admin-1',
        createdAt: isoAt(42),
      });

      const result = await context.storage().ledger.append(entry);

      expect(result).toEqual({ entry, created: true, balance: 25 });
      expect(await context.storage().ledger.findByKey(entry.idempotencyKey)).toEqual(entry);
    });

    it('balance sums the deltas', async () => {
      await topUp(100);
      await context.storage().ledger.append(buildReserve(30));
      const last = await context.storage().ledger.append(buildLedgerEntry({ kind: 'refund', delta: 5, amount: 5 }));

      expect(last.balance).toBe(75);
      expect(await context.storage().ledger.balance('user-1')).toBe(75);
    });

    it('balance of unknown user is zero', async () => {
      await topUp(100, 'user-1');

      expect(await context.storage().ledger.balance('user-2')).toBe(0);
    });

    it('balances are kept per user', async () => {
      await topUp(100, 'user-2');

      await expectInsufficientCredits(context.storage().ledger.append(buildReserve(1, { userId: 'user-1' })));

      expect(await context.storage().ledger.balance('user-1')).toBe(0);
      expect(await context.storage().ledger.balance('user-2')).toBe(100);
    });

    it('findByKey of unknown key returns null', async () => {
      expect(await context.storage().ledger.findByKey('unknown')).toBeNull();
    });

    it('repeated idempotency key stores one entry', async () => {
      const entry = buildLedgerEntry({ idempotencyKey: 'payment-1', delta: 100, amount: 100 });
      await context.storage().ledger.append(entry);

      const repeated = await context.storage().ledger.append(
        buildLedgerEntry({ idempotencyKey: 'payment-1', delta: 500, amount: 500 }),
      );

      expect(repeated).toEqual({ entry, created: false, balance: 100 });
      expect(await context.storage().ledger.balance('user-1')).toBe(100);
      expect(await context.storage().ledger.list('user-1')).toEqual([entry]);
    });

    it('repeated key skips the balance check', async () => {
      await topUp(10);
      const reserve = buildReserve(10);
      await context.storage().ledger.append(reserve);

      const repeated = await context.storage().ledger.append(reserve);

      expect(repeated.created).toBe(false);
      expect(repeated.balance).toBe(0);
      expect(await context.storage().ledger.balance('user-1')).toBe(0);
    });

    it('concurrent appends of one key store one entry', async () => {
      const appends = Array.from({ length: 10 }, (_, index) =>
        context.storage().ledger.append(buildLedgerEntry({ idempotencyKey: 'payment-1', reason: `attempt ${index}` })),
      );

      const results = await Promise.all(appends);

      expect(results.filter((result) => result.created)).toHaveLength(1);
      expect(new Set(results.map((result) => result.entry.id)).size).toBe(1);
      expect(await context.storage().ledger.balance('user-1')).toBe(100);
    });

    it('append beyond balance throws and stores nothing', async () => {
      await topUp(10);
      const reserve = buildReserve(11);

      const error = await expectInsufficientCredits(context.storage().ledger.append(reserve));

      expect(error.balance).toBe(10);
      expect(error.required).toBe(11);
      expect(error.message).toContain(reserve.idempotencyKey);
      expect(await context.storage().ledger.findByKey(reserve.idempotencyKey)).toBeNull();
      expect(await context.storage().ledger.balance('user-1')).toBe(10);
    });

    it('append may spend the balance exactly', async () => {
      await topUp(10);

      const result = await context.storage().ledger.append(buildReserve(10));

      expect(result.created).toBe(true);
      expect(result.balance).toBe(0);
    });

    it('positive delta is accepted below zero', async () => {
      await context.storage().ledger.append(
        buildLedgerEntry({ kind: 'adjustment', delta: -50, amount: 50 }),
        { allowNegative: true },
      );

      const result = await context.storage().ledger.append(buildLedgerEntry({ delta: 20, amount: 20 }));

      expect(result.balance).toBe(-30);
    });

    it('allowNegative lets balance go below zero', async () => {
      await topUp(10);
      const adjustment = buildLedgerEntry({ kind: 'adjustment', delta: -25, amount: 25, actorId: 'admin-1' });

      const result = await context.storage().ledger.append(adjustment, { allowNegative: true });

      expect(result.balance).toBe(-15);
      expect(await context.storage().ledger.balance('user-1')).toBe(-15);
      await expectInsufficientCredits(context.storage().ledger.append(buildReserve(1)));
    });

    it('zero delta needs no credits', async () => {
      const capture = buildLedgerEntry({ kind: 'capture', delta: 0, amount: 5, reservationKey: 'reserve-1' });

      const result = await context.storage().ledger.append(capture);

      expect(result.created).toBe(true);
      expect(result.balance).toBe(0);
    });

    it('concurrent appends never overdraw', async () => {
      await topUp(10);
      const reserves = Array.from({ length: 30 }, () => buildReserve(1));

      const outcomes = await Promise.allSettled(reserves.map((reserve) => context.storage().ledger.append(reserve)));

      const created = outcomes.filter((outcome) => outcome.status === 'fulfilled');
      const rejected = outcomes.filter((outcome) => outcome.status === 'rejected');
      expect(created).toHaveLength(10);
      expect(rejected).toHaveLength(20);
      for (const outcome of rejected) {
        expect(outcome.reason).toBeInstanceOf(InsufficientCreditsError);
      }
      expect(await context.storage().ledger.balance('user-1')).toBe(0);
      expect(await context.storage().ledger.list('user-1', { kinds: ['reserve'] })).toHaveLength(10);
    });

    it('append rejects fractional credits', async () => {
      const fractional = buildLedgerEntry({ delta: 1.5, amount: 1.5 });

      await expect(context.storage().ledger.append(fractional)).rejects.toThrow(RangeError);

      expect(await context.storage().ledger.findByKey(fractional.idempotencyKey)).toBeNull();
      expect(await context.storage().ledger.balance('user-1')).toBe(0);
    });

    it('append rejects negative amount', async () => {
      await expect(context.storage().ledger.append(buildLedgerEntry({ delta: 5, amount: -5 }))).rejects.toThrow(RangeError);
    });

    it('append rejects unknown kind', async () => {
      const entry = buildLedgerEntry({ kind: 'gift' as LedgerEntry['kind'] });

      await expect(context.storage().ledger.append(entry)).rejects.toThrow(RangeError);
    });

    it('repeated entry id conflicts', async () => {
      await context.storage().ledger.append(buildLedgerEntry({ id: 'entry-1', idempotencyKey: 'key-a' }));

      await expectConflict(context.storage().ledger.append(buildLedgerEntry({ id: 'entry-1', idempotencyKey: 'key-b' })));

      expect(await context.storage().ledger.findByKey('key-b')).toBeNull();
      expect(await context.storage().ledger.balance('user-1')).toBe(100);
    });

    it('list returns newest first', async () => {
      await appendAll([
        buildLedgerEntry({ id: 'entry-old', createdAt: isoAt(0) }),
        buildLedgerEntry({ id: 'entry-new', createdAt: isoAt(2000) }),
        buildLedgerEntry({ id: 'entry-b', createdAt: isoAt(1000) }),
        buildLedgerEntry({ id: 'entry-a', createdAt: isoAt(1000) }),
        buildLedgerEntry({ id: 'entry-other', userId: 'user-2', createdAt: isoAt(3000) }),
      ]);

      const entries = await context.storage().ledger.list('user-1');

      expect(entries.map((entry) => entry.id)).toEqual(['entry-new', 'entry-b', 'entry-a', 'entry-old']);
    });

    it('list filters by kinds', async () => {
      await appendAll([
        buildLedgerEntry({ id: 'topup', createdAt: isoAt(1) }),
        buildReserve(5, { id: 'reserve', createdAt: isoAt(2) }),
        buildLedgerEntry({ id: 'capture', kind: 'capture', delta: 0, amount: 5, createdAt: isoAt(3) }),
        buildLedgerEntry({ id: 'refund', kind: 'refund', delta: 5, amount: 5, createdAt: isoAt(4) }),
      ]);

      const entries = await context.storage().ledger.list('user-1', { kinds: ['refund', 'topup'] });

      expect(entries.map((entry) => entry.id)).toEqual(['refund', 'topup']);
      expect(await context.storage().ledger.list('user-1', { kinds: [] })).toEqual([]);
    });

    it('list pages through equal instants', async () => {
      await appendAll(
        ['entry-a', 'entry-b', 'entry-c', 'entry-d', 'entry-e'].map((id, index) =>
          buildLedgerEntry({ id, createdAt: index < 4 ? isoAt(5000) : isoAt(1000) }),
        ),
      );

      const first = await context.storage().ledger.list('user-1', { limit: 2 });
      const last = first[first.length - 1];
      const second = await context.storage().ledger.list('user-1', {
        limit: 2,
        before: last.createdAt,
        beforeId: last.id,
      });
      const third = await context.storage().ledger.list('user-1', { limit: 2, before: isoAt(5000) });

      expect(first.map((entry) => entry.id)).toEqual(['entry-d', 'entry-c']);
      expect(second.map((entry) => entry.id)).toEqual(['entry-b', 'entry-a']);
      expect(third.map((entry) => entry.id)).toEqual(['entry-e']);
    });

    it('list returns fifty by default', async () => {
      await appendAll(Array.from({ length: 55 }, (_, index) => buildLedgerEntry({ createdAt: isoAt(index) })));

      expect(await context.storage().ledger.list('user-1')).toHaveLength(50);
    });

    it('list caps limit at 500', async () => {
      await appendAll(Array.from({ length: 501 }, (_, index) => buildLedgerEntry({ createdAt: isoAt(index) })));

      expect(await context.storage().ledger.list('user-1', { limit: 1000 })).toHaveLength(500);
    });

    it('list rejects zero limit', async () => {
      await expect(context.storage().ledger.list('user-1', { limit: 0 })).rejects.toThrow(RangeError);
    });

    it('listByTask returns oldest first', async () => {
      await appendAll([
        buildLedgerEntry({ id: 'capture', kind: 'capture', delta: 0, amount: 3, taskId: 'task-1', createdAt: isoAt(20) }),
        buildReserve(5, { id: 'reserve', taskId: 'task-1', createdAt: isoAt(10) }),
        buildReserve(5, { id: 'other-task', taskId: 'task-2', createdAt: isoAt(15) }),
        buildLedgerEntry({ id: 'no-task', createdAt: isoAt(5) }),
      ]);

      const entries = await context.storage().ledger.listByTask('task-1');

      expect(entries.map((entry) => entry.id)).toEqual(['reserve', 'capture']);
      expect(await context.storage().ledger.listByTask('task-3')).toEqual([]);
    });

    it('reserve stays open until settled', async () => {
      await topUp(100);
      const captured = buildReserve(5, { idempotencyKey: 'reserve-a', createdAt: isoAt(1) });
      const released = buildReserve(5, { idempotencyKey: 'reserve-b', createdAt: isoAt(2) });
      const open = buildReserve(5, { idempotencyKey: 'reserve-c', createdAt: isoAt(3) });
      await appendAll([captured, released, open]);

      expect((await context.storage().ledger.listOpenReservations()).map((entry) => entry.idempotencyKey)).toEqual([
        'reserve-a',
        'reserve-b',
        'reserve-c',
      ]);

      await context.storage().ledger.append(
        buildLedgerEntry({ kind: 'capture', delta: 0, amount: 5, reservationKey: 'reserve-a', createdAt: isoAt(4) }),
      );
      await context.storage().ledger.append(
        buildLedgerEntry({ kind: 'release', delta: 5, amount: 5, reservationKey: 'reserve-b', createdAt: isoAt(5) }),
      );

      expect(await context.storage().ledger.listOpenReservations()).toEqual([open]);
    });

    it('only capture and release settle', async () => {
      await topUp(100);
      await context.storage().ledger.append(buildReserve(5, { idempotencyKey: 'reserve-a' }));

      await context.storage().ledger.append(
        buildLedgerEntry({ kind: 'refund', delta: 5, amount: 5, reservationKey: 'reserve-a' }),
      );
      await context.storage().ledger.append(
        buildLedgerEntry({ kind: 'capture', delta: 0, amount: 5, reservationKey: 'reserve-other' }),
      );

      const open = await context.storage().ledger.listOpenReservations();
      expect(open.map((entry) => entry.idempotencyKey)).toEqual(['reserve-a']);
    });

    it('settlement before reserve closes it', async () => {
      await topUp(100);
      await context.storage().ledger.append(
        buildLedgerEntry({ kind: 'release', delta: 5, amount: 5, reservationKey: 'reserve-late' }),
      );

      await context.storage().ledger.append(buildReserve(5, { idempotencyKey: 'reserve-late' }));

      expect(await context.storage().ledger.listOpenReservations()).toEqual([]);
    });

    it('listOpenReservations filters by run', async () => {
      await topUp(100);
      await appendAll([
        buildReserve(1, { idempotencyKey: 'reserve-1', runId: 'run-1', createdAt: isoAt(2) }),
        buildReserve(1, { idempotencyKey: 'reserve-2', runId: 'run-2', createdAt: isoAt(1) }),
        buildReserve(1, { idempotencyKey: 'reserve-3', runId: 'run-1', createdAt: isoAt(3) }),
      ]);

      const open = await context.storage().ledger.listOpenReservations({ runId: 'run-1' });

      expect(open.map((entry) => entry.idempotencyKey)).toEqual(['reserve-1', 'reserve-3']);
      expect(await context.storage().ledger.listOpenReservations({ runId: 'run-3' })).toEqual([]);
    });

    it('listOpenReservations respects the limit', async () => {
      await topUp(100);
      await appendAll(Array.from({ length: 5 }, (_, index) => buildReserve(1, { createdAt: isoAt(index) })));

      expect(await context.storage().ledger.listOpenReservations({ limit: 2 })).toHaveLength(2);
      await expect(context.storage().ledger.listOpenReservations({ limit: 0 })).rejects.toThrow(RangeError);
    });

    it('heldBalance sums open reserves of one user', async () => {
      await topUp(100, 'user-1');
      await topUp(100, 'user-2');
      await appendAll([
        buildReserve(3, { idempotencyKey: 'held-1', createdAt: isoAt(1) }),
        buildReserve(4, { idempotencyKey: 'held-2', createdAt: isoAt(2) }),
        buildReserve(9, { idempotencyKey: 'held-other', userId: 'user-2', createdAt: isoAt(3) }),
      ]);

      expect(await context.storage().ledger.heldBalance('user-1')).toBe(7);
      expect(await context.storage().ledger.heldBalance('user-2')).toBe(9);
      expect(await context.storage().ledger.heldBalance('user-3')).toBe(0);
    });

    it('heldBalance leaves out settled reserves', async () => {
      await topUp(100);
      await appendAll([
        buildReserve(5, { idempotencyKey: 'held-captured', createdAt: isoAt(1) }),
        buildReserve(6, { idempotencyKey: 'held-released', createdAt: isoAt(2) }),
        buildReserve(7, { idempotencyKey: 'held-open', createdAt: isoAt(3) }),
      ]);
      await context.storage().ledger.append(
        buildLedgerEntry({ kind: 'capture', delta: 0, amount: 5, reservationKey: 'held-captured', createdAt: isoAt(4) }),
      );
      await context.storage().ledger.append(
        buildLedgerEntry({ kind: 'release', delta: 6, amount: 6, reservationKey: 'held-released', createdAt: isoAt(5) }),
      );

      expect(await context.storage().ledger.heldBalance('user-1')).toBe(7);
    });

    it('heldBalance counts beyond one page', async () => {
      await topUp(5000, 'user-2');
      await topUp(10, 'user-1');
      // Older reserve entries of another user fill the first page that listOpenReservations returns.
      await appendAll(
        Array.from({ length: 1001 }, (_, index) =>
          buildReserve(1, { idempotencyKey: `other-${index}`, userId: 'user-2', createdAt: isoAt(index) }),
        ),
      );
      await context.storage().ledger.append(buildReserve(2, { idempotencyKey: 'late', createdAt: isoAt(2000) }));

      expect(await context.storage().ledger.heldBalance('user-1')).toBe(2);
      expect(await context.storage().ledger.heldBalance('user-2')).toBe(1001);
    });

    it('dailyUsage sums captures minus refunds per day', async () => {
      const day1 = Date.parse('2024-05-01T00:00:00.000Z') - Date.parse(isoAt(0));
      const at = (offsetMs: number) => isoAt(day1 + offsetMs);
      await appendAll([
        buildLedgerEntry({ kind: 'capture', delta: 0, amount: 7, createdAt: at(1000) }),
        buildLedgerEntry({ kind: 'capture', delta: -2, amount: 3, createdAt: at(DAY_MS - 1) }),
        buildLedgerEntry({ kind: 'refund', delta: 4, amount: 4, createdAt: at(DAY_MS) }),
        buildLedgerEntry({ kind: 'capture', delta: 0, amount: 9, createdAt: at(DAY_MS + 5) }),
        buildLedgerEntry({ kind: 'topup', delta: 100, amount: 100, createdAt: at(2 * DAY_MS) }),
        buildReserve(8, { createdAt: at(2 * DAY_MS) }),
        buildLedgerEntry({ kind: 'refund', delta: 2, amount: 2, createdAt: at(3 * DAY_MS) }),
        buildLedgerEntry({ userId: 'user-2', kind: 'capture', delta: 0, amount: 50, createdAt: at(1000) }),
      ]);

      const usage = await context.storage().ledger.dailyUsage('user-1', at(0));

      expect(usage).toEqual([
        { day: '2024-05-01', credits: 10 },
        { day: '2024-05-02', credits: 5 },
        { day: '2024-05-04', credits: -2 },
      ]);
    });

    it('dailyUsage starts at since', async () => {
      await appendAll([
        buildLedgerEntry({ kind: 'capture', delta: 0, amount: 7, createdAt: '2024-05-01T10:00:00.000Z' }),
        buildLedgerEntry({ kind: 'capture', delta: 0, amount: 3, createdAt: '2024-05-02T09:59:59.999Z' }),
        buildLedgerEntry({ kind: 'capture', delta: 0, amount: 4, createdAt: '2024-05-02T10:00:00.000Z' }),
      ]);

      const usage = await context.storage().ledger.dailyUsage('user-1', '2024-05-02T10:00:00.000Z');

      expect(usage).toEqual([{ day: '2024-05-02', credits: 4 }]);
      expect(await context.storage().ledger.dailyUsage('user-2', '2024-05-01T00:00:00.000Z')).toEqual([]);
    });
  });
}
