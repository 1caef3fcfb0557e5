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
    const unsubscribe = store.subscribe((state, previous) => {
      if (state.revision !== previous.revision && state.revision > 0) autosave.change(state.toDocument());
    });
    const onPageHide = () => autosave.flushLocal();
    window.addEventListener('pagehide', onPageHide);
    return () => {
      unsubscribe();
      window.removeEventListener('pagehide', onPageHide);
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
