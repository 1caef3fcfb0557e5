/**
 * The run on screen as a zustand store. Node components subscribe to their own node's status
 * through `useNodeStatus`, so a status event re-renders the node it names and nothing else.
 */
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { nodeStatusOf, type NodeRun, type NodeRunStatus, type RunView } from './run-state';

export interface RunStoreState {
  view: RunView | null;
}

export type RunStore = StoreApi<RunStoreState>;

/** The fields of a run that the toolbar and notices show; unchanged by node events. */
export type RunSummary = Pick<RunView, 'runId' | 'status' | 'error'>;

export function createRunStore(): RunStore {
  return createStore<RunStoreState>()(() => ({ view: null }));
}

/** The run store of the open editor; null outside an editor, where nodes show no status. */
export const RunStoreContext = createContext<RunStore | null>(null);

const EMPTY_STORE = createRunStore();

/** Returns the status shown on one node, re-rendering only when that status changes. */
export function useNodeStatus(nodeId: string): NodeRunStatus | null {
  const store = useContext(RunStoreContext) ?? EMPTY_STORE;
  return useStore(store, (state) => nodeStatusOf(state.view, nodeId));
}

/** Returns one node's task in the run, or undefined when it has none. */
export function useNodeRun(store: RunStore, nodeId: string): NodeRun | undefined {
  return useStore(store, (state) => state.view?.nodes[nodeId]);
}

/** Returns the text a node's model has streamed so far, or undefined when it streamed none. */
export function useNodeStream(store: RunStore, nodeId: string): string | undefined {
  return useStore(store, (state) => state.view?.streams[nodeId]);
}

/** Returns the id of the run on screen, or null when there is none. */
export function useRunId(store: RunStore): string | null {
  return useStore(store, (state) => state.view?.runId ?? null);
}

/** Returns the run's id, status and error, or null when no run is on screen. */
export function useRunSummary(store: RunStore): RunSummary | null {
  const summary = useStore(
    store,
    useShallow((state) => (state.view === null ? { runId: null } : { runId: state.view.runId, status: state.view.status, error: state.view.error })),
  );
  return summary.runId === null ? null : (summary as RunSummary);
}
