import { describe, expect, it } from 'vitest';
import { COALESCE_WINDOW_MS, emptyHistory, HISTORY_LIMIT, record, redo, undo } from './history';

describe('history', () => {
  it('undo returns the recorded state', () => {
    const history = record(emptyHistory<string>(), 'a', 0);

    const step = undo(history, 'b');

    expect(step?.state).toBe('a');
    expect(step?.history.past).toEqual([]);
    expect(step?.history.future).toEqual(['b']);
  });

  it('redo reapplies an undone state', () => {
    const afterUndo = undo(record(emptyHistory<string>(), 'a', 0), 'b')!;

    const step = redo(afterUndo.history, 'a');

    expect(step?.state).toBe('b');
    expect(step?.history.past).toEqual(['a']);
    expect(step?.history.future).toEqual([]);
  });

  it('undo and redo on empty history return null', () => {
    expect(undo(emptyHistory<string>(), 'x')).toBeNull();
    expect(redo(emptyHistory<string>(), 'x')).toBeNull();
  });

  it('new edit clears the redo stack', () => {
    const afterUndo = undo(record(emptyHistory<string>(), 'a', 0), 'b')!;

    const history = record(afterUndo.history, 'a', 10);

    expect(history.future).toEqual([]);
    expect(history.past).toEqual(['a']);
  });

  it('edits with one key inside the window form one step', () => {
    let history = record(emptyHistory<string>(), 'v0', 0, 'name');
    history = record(history, 'v1', COALESCE_WINDOW_MS - 1, 'name');
    history = record(history, 'v2', 2 * COALESCE_WINDOW_MS - 2, 'name');

    expect(history.past).toEqual(['v0']);
  });

  it('edits with one key after the window are separate steps', () => {
    let history = record(emptyHistory<string>(), 'v0', 0, 'name');
    history = record(history, 'v1', COALESCE_WINDOW_MS, 'name');

    expect(history.past).toEqual(['v0', 'v1']);
  });

  it('edits with different keys are separate steps', () => {
    let history = record(emptyHistory<string>(), 'v0', 0, 'a');
    history = record(history, 'v1', 1, 'b');
    history = record(history, 'v2', 2);
    history = record(history, 'v3', 3);

    expect(history.past).toEqual(['v0', 'v1', 'v2', 'v3']);
  });

  it('history keeps the newest steps up to the limit', () => {
    let history = emptyHistory<number>();
    for (let index = 0; index < HISTORY_LIMIT + 5; index += 1) history = record(history, index, index * 10_000);

    expect(history.past).toHaveLength(HISTORY_LIMIT);
    expect(history.past[0]).toBe(5);
    expect(history.past.at(-1)).toBe(HISTORY_LIMIT + 4);
  });
});
