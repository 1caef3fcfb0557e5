/**
 * Undo and redo over immutable snapshots. Edits that share a coalescing key and follow each
 * other within `COALESCE_WINDOW_MS` form one step, so typing in a field undoes as one edit.
 */

/** Maximum undo steps kept per graph. */
export const HISTORY_LIMIT = 100;
/** Edits with the same key closer together than this form one undo step, in milliseconds. */
export const COALESCE_WINDOW_MS = 1_000;

export interface History<T> {
  past: T[];
  future: T[];
  lastKey: string | null;
  lastAt: number;
}

export function emptyHistory<T>(): History<T> {
  return { past: [], future: [], lastKey: null, lastAt: 0 };
}

/**
 * Records `before`, the state an edit replaced. With a `key` equal to the previous edit's and
 * within the window, the previous step already holds the older state and nothing is added.
 */
export function record<T>(history: History<T>, before: T, now: number, key: string | null = null): History<T> {
  const coalesce = key !== null && key === history.lastKey && now - history.lastAt < COALESCE_WINDOW_MS;
  if (coalesce) return { ...history, future: [], lastAt: now };
  const past = [...history.past, before];
  if (past.length > HISTORY_LIMIT) past.splice(0, past.length - HISTORY_LIMIT);
  return { past, future: [], lastKey: key, lastAt: now };
}

/** Steps back: returns the state to restore, or null when there is nothing to undo. */
export function undo<T>(history: History<T>, current: T): { history: History<T>; state: T } | null {
  const state = history.past[history.past.length - 1];
  if (state === undefined) return null;
  return {
    history: { past: history.past.slice(0, -1), future: [...history.future, current], lastKey: null, lastAt: 0 },
    state,
  };
}

/** Steps forward again: returns the state to restore, or null when there is nothing to redo. */
export function redo<T>(history: History<T>, current: T): { history: History<T>; state: T } | null {
  const state = history.future[history.future.length - 1];
  if (state === undefined) return null;
  return {
    history: { past: [...history.past, current], future: history.future.slice(0, -1), lastKey: null, lastAt: 0 },
    state,
  };
}
