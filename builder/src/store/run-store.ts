/**
 * The run on screen as a zustand store. Node components subscribe to their own node's status
 * through `useNodeStatus`, so a status event re-renders the node it names and nothing else.
 */
import { createContext, useCallback, useContext, useSyncExternalStore } from 'react';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { isRunActive, nodeStatusOf, type NodeRun, type NodeRunStatus, type RunView } from './run-state';

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

/**
 * Listeners of single nodes' statuses in one run store. Its one store listener calls only the
 * listeners of nodes whose task changed, where a zustand selector per node would run the selector
 * of every mounted node on every change. A change of run, or of whether the run is active, calls
 * them all, because it changes the `queued` status of nodes without a task.
 */
export class NodeStatusFeed {
  readonly #store: RunStore;
  readonly #listeners = new Map<string, Set<() => void>>();
  #unsubscribe: (() => void) | null = null;

  constructor(store: RunStore) {
    this.#store = store;
  }

  /** Calls `listener` after changes of `nodeId`'s task; returns the function that stops it. */
  subscribe(nodeId: string, listener: () => void): () => void {
    let listeners = this.#listeners.get(nodeId);
    if (listeners === undefined) {
      listeners = new Set();
      this.#listeners.set(nodeId, listeners);
    }
    listeners.add(listener);
    this.#unsubscribe ??= this.#store.subscribe((state, previous) => this.#notify(state.view, previous.view));
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) this.#listeners.delete(nodeId);
      if (this.#listeners.size === 0) {
        this.#unsubscribe?.();
        this.#unsubscribe = null;
      }
    };
  }

  #notify(view: RunView | null, previous: RunView | null): void {
    if (view === previous) return;
    const everyNode =
      view === null || previous === null || view.runId !== previous.runId || isRunActive(view) !== isRunActive(previous);
    if (everyNode) {
      for (const nodeId of [...this.#listeners.keys()]) this.#call(nodeId);
      return;
    }
    if (view.nodes === previous.nodes) return;
    // NOTE: finding the changed nodes still compares one entry per node with a task or per
    // subscribed node, whichever is fewer, on every change of `nodes`.
    const candidates = Object.keys(view.nodes).length < this.#listeners.size ? Object.keys(view.nodes) : [...this.#listeners.keys()];
    for (const nodeId of candidates) {
      if (view.nodes[nodeId] !== previous.nodes[nodeId]) this.#call(nodeId);
    }
  }

  #call(nodeId: string): void {
    const listeners = this.#listeners.get(nodeId);
    if (listeners === undefined) return;
    for (const listener of [...listeners]) listener();
  }
}

const FEEDS = new WeakMap<RunStore, NodeStatusFeed>();

/** Returns the node status feed of `store`, created on first use. */
export function nodeStatusFeed(store: RunStore): NodeStatusFeed {
  let feed = FEEDS.get(store);
  if (feed === undefined) {
    feed = new NodeStatusFeed(store);
    FEEDS.set(store, feed);
  }
  return feed;
}

/** Returns the status shown on one node of `store`, re-rendering only when that status changes. */
export function useNodeStatusIn(store: RunStore, nodeId: string): NodeRunStatus | null {
  const subscribe = useCallback((listener: () => void) => nodeStatusFeed(store).subscribe(nodeId, listener), [store, nodeId]);
  const snapshot = useCallback(() => nodeStatusOf(store.getState().view, nodeId), [store, nodeId]);
  return useSyncExternalStore(subscribe, snapshot);
}

/** Returns the status shown on one node of the editor's run, re-rendering only when it changes. */
export function useNodeStatus(nodeId: string): NodeRunStatus | null {
  return useNodeStatusIn(useContext(RunStoreContext) ?? EMPTY_STORE, nodeId);
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
