import type { GraphDocument } from '@gestorlead/sdk-plugin';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/api-error';
import { Autosave, LOCAL_SAVE_DELAY_MS, RETRY_DELAY_MS, SERVER_SAVE_DELAY_MS, type DraftStorage, type LocalDraft, type SaveStatus } from './autosave';

class MemoryDrafts implements DraftStorage {
  readonly drafts = new Map<string, LocalDraft>();
  read(graphId: string) {
    return this.drafts.get(graphId) ?? null;
  }
  write(draft: LocalDraft) {
    this.drafts.set(draft.graphId, structuredClone(draft));
  }
  remove(graphId: string) {
    this.drafts.delete(graphId);
  }
}

function doc(name: string): GraphDocument {
  return { id: 'g1', name, nodes: [], edges: [] };
}

interface Setup {
  autosave: Autosave;
  drafts: MemoryDrafts;
  saved: string[];
  statuses: SaveStatus[];
  save: ReturnType<typeof vi.fn>;
}

function setup(options: { valid?: (document: GraphDocument) => boolean; save?: (document: GraphDocument) => Promise<unknown> } = {}): Setup {
  const drafts = new MemoryDrafts();
  const saved: string[] = [];
  const statuses: SaveStatus[] = [];
  const save = vi.fn(options.save ?? (async (document: GraphDocument) => void saved.push(document.name)));
  const autosave = new Autosave({
    graphId: 'g1',
    drafts,
    save,
    isValid: options.valid ?? (() => true),
    onStatus: (status) => statuses.push(status),
    now: () => 42,
  });
  return { autosave, drafts, saved, statuses, save };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('autosave', () => {
  it('debounces quick changes into one server save', async () => {
    const { autosave, saved } = setup();

    autosave.change(doc('a'));
    await vi.advanceTimersByTimeAsync(SERVER_SAVE_DELAY_MS - 1);
    autosave.change(doc('ab'));
    await vi.advanceTimersByTimeAsync(SERVER_SAVE_DELAY_MS - 1);
    autosave.change(doc('abc'));
    expect(saved).toEqual([]);
    await vi.advanceTimersByTimeAsync(SERVER_SAVE_DELAY_MS);

    expect(saved).toEqual(['abc']);
    expect(autosave.status).toBe('saved');
  });

  it('writes the browser copy before the server save', async () => {
    const { autosave, drafts, saved } = setup();

    autosave.change(doc('draft'));
    await vi.advanceTimersByTimeAsync(LOCAL_SAVE_DELAY_MS);

    expect(drafts.read('g1')).toEqual({ graphId: 'g1', document: doc('draft'), savedAt: 42 });
    expect(saved).toEqual([]);
  });

  it('removes the browser copy once the server has it', async () => {
    const { autosave, drafts } = setup();

    autosave.change(doc('draft'));
    await vi.advanceTimersByTimeAsync(SERVER_SAVE_DELAY_MS);

    expect(drafts.read('g1')).toBeNull();
  });

  it('keeps invalid documents in the browser only', async () => {
    const { autosave, drafts, save } = setup({ valid: (document) => document.name !== 'bad' });

    autosave.change(doc('bad'));
    await vi.advanceTimersByTimeAsync(SERVER_SAVE_DELAY_MS);

    expect(save).not.toHaveBeenCalled();
    expect(autosave.status).toBe('local');
    expect(drafts.read('g1')?.document.name).toBe('bad');
  });

  it('flushLocal writes at once for pagehide', () => {
    const { autosave, drafts } = setup();

    autosave.change(doc('now'));
    autosave.flushLocal();

    expect(drafts.read('g1')?.document.name).toBe('now');
  });

  it('flush saves at once and reports success', async () => {
    const { autosave, saved } = setup();
    autosave.change(doc('run me'));

    await expect(autosave.flush()).resolves.toBe(true);

    expect(saved).toEqual(['run me']);
  });

  it('flush reports an invalid document as not saved', async () => {
    const { autosave } = setup({ valid: () => false });
    autosave.change(doc('x'));

    await expect(autosave.flush()).resolves.toBe(false);
  });

  it('flush with nothing changed succeeds without a save', async () => {
    const { autosave, save } = setup();

    await expect(autosave.flush()).resolves.toBe(true);
    expect(save).not.toHaveBeenCalled();
  });

  it('retries a failed save after the retry delay', async () => {
    let calls = 0;
    const { autosave, statuses } = setup({
      save: async () => {
        calls += 1;
        if (calls === 1) throw new ApiError(503, 'STORAGE_UNAVAILABLE', 'storage is down');
      },
    });

    autosave.change(doc('x'));
    await vi.advanceTimersByTimeAsync(SERVER_SAVE_DELAY_MS);
    expect(autosave.status).toBe('error');
    await vi.advanceTimersByTimeAsync(RETRY_DELAY_MS);

    expect(calls).toBe(2);
    expect(autosave.status).toBe('saved');
    expect(statuses).toContain('error');
  });

  it('does not retry a rejected document', async () => {
    const { autosave, save } = setup({
      save: async () => {
        throw new ApiError(400, 'GRAPH_INVALID', 'graph document has 1 problem(s)');
      },
    });

    autosave.change(doc('x'));
    await vi.advanceTimersByTimeAsync(SERVER_SAVE_DELAY_MS + RETRY_DELAY_MS * 2);

    expect(save).toHaveBeenCalledTimes(1);
    expect(autosave.status).toBe('local');
  });

  it('a change during a save is saved next', async () => {
    let release: () => void = () => undefined;
    const names: string[] = [];
    const { autosave } = setup({
      save: (document) => {
        names.push(document.name);
        return names.length === 1 ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
      },
    });

    autosave.change(doc('first'));
    await vi.advanceTimersByTimeAsync(SERVER_SAVE_DELAY_MS);
    autosave.change(doc('second'));
    release();
    await vi.advanceTimersByTimeAsync(SERVER_SAVE_DELAY_MS);

    expect(names).toEqual(['first', 'second']);
    expect(autosave.status).toBe('saved');
  });

  it('dispose writes the browser copy and stops saving', async () => {
    const { autosave, drafts, save } = setup();

    autosave.change(doc('late'));
    autosave.dispose();
    await vi.advanceTimersByTimeAsync(SERVER_SAVE_DELAY_MS * 2);

    expect(drafts.read('g1')?.document.name).toBe('late');
    expect(save).not.toHaveBeenCalled();
  });
});
