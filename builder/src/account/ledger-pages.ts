/** Keyset paging of the credit ledger: pages are appended in order, each entry once. */
import type { CreditsPage, LedgerEntry } from '../api/account-api';

export interface LedgerState {
  balance: number;
  held: number;
  entries: LedgerEntry[];
  /** Cursor of the next older page; null once the oldest entry is loaded. */
  nextCursor: string | null;
}

/** Returns the state after the first page: the balance and the newest entries. */
export function firstLedgerPage(page: CreditsPage): LedgerState {
  return { balance: page.balance, held: page.held, entries: page.history.items, nextCursor: page.history.nextCursor };
}

/**
 * Appends an older page. Its balance replaces the shown one, since it is newer. An entry already
 * shown is skipped, which happens when a page is requested twice.
 */
export function appendLedgerPage(state: LedgerState, page: CreditsPage): LedgerState {
  const seen = new Set(state.entries.map((entry) => entry.id));
  const fresh = page.history.items.filter((entry) => !seen.has(entry.id));
  return { balance: page.balance, held: page.held, entries: [...state.entries, ...fresh], nextCursor: page.history.nextCursor };
}

/** Formats a signed credit change, with a plus sign for credits added. */
export function formatDelta(delta: number, locale: string): string {
  const text = new Intl.NumberFormat(locale).format(Math.abs(delta));
  if (delta > 0) return `+${text}`;
  if (delta < 0) return `−${text}`;
  return text;
}
