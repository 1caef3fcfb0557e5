import { describe, expect, it } from 'vitest';
import type { CreditsPage, LedgerEntry } from '../api/account-api';
import { appendLedgerPage, firstLedgerPage, formatDelta } from './ledger-pages';

function entry(id: string, delta: number): LedgerEntry {
  return { id, kind: delta > 0 ? 'topup' : 'capture', delta, amount: Math.abs(delta), runId: null, taskId: null, reason: null, createdAt: '2026-12-01T10:00:00.000Z' };
}

function page(items: LedgerEntry[], nextCursor: string | null, balance = 100): CreditsPage {
  return { balance, held: 2, history: { items, nextCursor } };
}

describe('ledger pages', () => {
  it('starts from the first page', () => {
    const state = firstLedgerPage(page([entry('a', 5), entry('b', -1)], 'cursor-1'));

    expect(state.entries.map((item) => item.id)).toEqual(['a', 'b']);
    expect(state.nextCursor).toBe('cursor-1');
    expect(state.balance).toBe(100);
    expect(state.held).toBe(2);
  });

  it('appends older pages in order', () => {
    const first = firstLedgerPage(page([entry('a', 5), entry('b', -1)], 'cursor-1'));
    const second = appendLedgerPage(first, page([entry('c', 3)], null, 90));

    expect(second.entries.map((item) => item.id)).toEqual(['a', 'b', 'c']);
    expect(second.nextCursor).toBeNull();
    expect(second.balance).toBe(90);
  });

  it('skips entries already shown', () => {
    const first = firstLedgerPage(page([entry('a', 5), entry('b', -1)], 'cursor-1'));
    const again = appendLedgerPage(first, page([entry('b', -1), entry('c', 3)], 'cursor-2'));

    expect(again.entries.map((item) => item.id)).toEqual(['a', 'b', 'c']);
    expect(again.nextCursor).toBe('cursor-2');
  });

  it('formats signed deltas', () => {
    expect(formatDelta(1500, 'en')).toBe('+1,500');
    expect(formatDelta(-3, 'en')).toBe('−3');
    expect(formatDelta(0, 'en')).toBe('0');
    expect(formatDelta(1500, 'pt-BR')).toBe('+1.500');
  });
});
