import { useCallback, useEffect, useRef, useState } from 'react';
import { requestBalanceRefresh } from '../account/balance';
import { RunStream, webSocketUrl, type StreamState } from '../api/run-stream';
import type { StudioApi } from '../api/studio-api';
import type { RunEvent } from '../api/types';
import { applyRunEvents, newRunView } from '../store/run-state';
import { createRunStore, useRunSummary, type RunStore, type RunSummary } from '../store/run-store';

export interface RunWatcher {
  /** The run on screen with its node statuses; node components subscribe to it per node. */
  store: RunStore;
  /** The run's id, status and error; node events leave it unchanged. */
  view: RunSummary | null;
  streamState: StreamState;
  /** Starts a manual run of the latest saved version with `input`. */
  start(input: unknown): Promise<void>;
  /** Follows an existing run, replaying its events from the first. */
  watch(runId: string): void;
  cancel(): Promise<void>;
  resume(): Promise<void>;
  /** Stops watching and clears the statuses from the canvas. */
  close(): void;
}

/**
 * Longest wait before queued events are applied when no animation frame comes, in milliseconds.
 * Browsers pause animation frames in hidden tabs, and the queue would otherwise grow until the
 * tab is shown.
 */
const HIDDEN_FLUSH_MS = 250;

/**
 * Applies queued events once per animation frame, so a burst of events costs one render. A timer
 * flushes the queue when no frame comes within `HIDDEN_FLUSH_MS`.
 */
class EventBatcher {
  #queue: RunEvent[] = [];
  #frame: number | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  readonly #apply: (events: RunEvent[]) => void;

  constructor(apply: (events: RunEvent[]) => void) {
    this.#apply = apply;
  }

  push(event: RunEvent): void {
    this.#queue.push(event);
    if (this.#timer !== null) return;
    this.#frame = requestAnimationFrame(() => this.flush());
    this.#timer = setTimeout(() => this.flush(), HIDDEN_FLUSH_MS);
  }

  flush(): void {
    this.cancel();
    const events = this.#queue;
    this.#queue = [];
    if (events.length > 0) this.#apply(events);
  }

  /** Drops the scheduled flush; queued events stay queued. */
  cancel(): void {
    if (this.#frame !== null) cancelAnimationFrame(this.#frame);
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#frame = null;
    this.#timer = null;
  }

  clear(): void {
    this.cancel();
    this.#queue = [];
  }
}

/** Starts runs and follows their events into a run store. */
export function useRunWatcher(api: StudioApi, graphId: string): RunWatcher {
  const [store] = useState(createRunStore);
  const view = useRunSummary(store);
  const [streamState, setStreamState] = useState<StreamState>('closed');
  const stream = useRef<RunStream | null>(null);
  const [batcher] = useState(
    () =>
      new EventBatcher((events) => {
        const current = store.getState().view;
        if (current !== null) store.setState({ view: applyRunEvents(current, events) });
      }),
  );

  const watch = useCallback(
    (runId: string) => {
      stream.current?.close();
      batcher.clear();
      store.setState({ view: newRunView(runId) });
      stream.current = new RunStream({
        runId,
        url: async () => webSocketUrl(window.location, await api.client.accessToken()),
        onEvent: (event) => batcher.push(event),
        onSubscribed: (status) => {
          const current = store.getState().view;
          if (current !== null && current.runId === runId) store.setState({ view: { ...current, status } });
        },
        onState: setStreamState,
      });
    },
    [api, store, batcher],
  );

  useEffect(
    () => () => {
      stream.current?.close();
      batcher.clear();
    },
    [batcher],
  );

  const start = useCallback(
    async (input: unknown) => {
      const { runId } = await api.startRun(graphId, input);
      watch(runId);
    },
    [api, graphId, watch],
  );

  // A finished run has charged or released its credits, so the header's balance is stale.
  const finished = view !== null && (view.status === 'succeeded' || view.status === 'failed' || view.status === 'cancelled');
  useEffect(() => {
    if (finished) requestBalanceRefresh();
  }, [finished, view?.runId]);

  const cancel = useCallback(async () => {
    if (view !== null) await api.cancelRun(view.runId);
  }, [api, view]);

  const resume = useCallback(async () => {
    if (view !== null) await api.resumeRun(view.runId);
  }, [api, view]);

  const close = useCallback(() => {
    stream.current?.close();
    stream.current = null;
    batcher.clear();
    store.setState({ view: null });
  }, [store, batcher]);

  return { store, view, streamState, start, watch, cancel, resume, close };
}
