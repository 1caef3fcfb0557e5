import { validateGraph, type GraphDocument } from '@gestorlead/sdk-plugin';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { ApiError } from '../api/api-error';
import type { StudioApi } from '../api/studio-api';
import { Autosave, type DraftStorage, type SaveStatus } from '../store/autosave';
import type { EditorStore } from '../store/editor-store';

/** The autosave of the open graph, as the editor uses it. */
export interface AutosaveHandle {
  change(document: GraphDocument): void;
  /** Saves now; true when the server then has the latest document. */
  flush(): Promise<boolean>;
  /** Stops saving, for a discarded draft. */
  stop(): void;
}

/** Connects the editor store to an `Autosave`: every document change is saved as a draft. */
export function useAutosave(
  api: StudioApi,
  store: EditorStore,
  graphId: string,
  drafts: DraftStorage,
): { autosave: AutosaveHandle; status: SaveStatus; error: ApiError | null } {
  const [status, setStatus] = useState<SaveStatus>('saved');
  const [error, setError] = useState<ApiError | null>(null);
  const current = useRef<Autosave | null>(null);

  // The Autosave lives exactly as long as this effect: React may run an effect's cleanup and
  // then the effect again (Strict Mode does so on mount), and a disposed Autosave saves nothing.
  useEffect(() => {
    const autosave = new Autosave({
      graphId,
      drafts,
      save: (document) => api.saveDraft(graphId, document),
      isValid: (document) => validateGraph(document, { nodeTypes: store.getState().nodeTypes }).ok,
      onStatus: (next, nextError) => {
        setStatus(next);
        setError(nextError);
      },
    });
    current.current = autosave;
    const unsubscribe = watchDocumentChanges(store, (document) => autosave.change(document));
    // A drag in progress has not reached the autosave yet.
    const takeDragInProgress = () => {
      if (store.getState().dragStart !== null) autosave.change(store.getState().toDocument());
    };
    const onPageHide = () => {
      takeDragInProgress();
      autosave.flushLocal();
    };
    window.addEventListener('pagehide', onPageHide);
    return () => {
      unsubscribe();
      window.removeEventListener('pagehide', onPageHide);
      takeDragInProgress();
      autosave.dispose();
      if (current.current === autosave) current.current = null;
    };
  }, [api, store, graphId, drafts]);

  const autosave = useMemo<AutosaveHandle>(
    () => ({
      change: (document) => current.current?.change(document),
      flush: () => current.current?.flush() ?? Promise.resolve(false),
      stop: () => current.current?.dispose(),
    }),
    [],
  );
  return { autosave, status, error };
}

/**
 * Calls `onChange` with the document after each change of the editor store's document. The steps
 * of a drag count as one change, when the drag ends. On a large graph the steps come slower than
 * the autosave's 150 ms local write, so otherwise every step serialised the whole document into
 * `localStorage`.
 */
export function watchDocumentChanges(store: EditorStore, onChange: (document: GraphDocument) => void): () => void {
  return store.subscribe((state, previous) => {
    if (state.dragStart !== null) return;
    const dragEnded = previous.dragStart !== null;
    if ((state.revision !== previous.revision || dragEnded) && state.revision > 0) onChange(state.toDocument());
  });
}
