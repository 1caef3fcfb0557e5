import { useCallback, useEffect, useRef, useState } from 'react';
import { requestBalanceRefresh } from '../account/balance';
import { RunStream, webSocketUrl, type StreamState } from '../api/run-stream';
import type { StudioApi } from '../api/studio-api';
import type { RunEvent } from '../api/types';
import { applyRunEvent, newRunView, type RunView } from '../store/run-state';

export interface RunWatcher {
  view: RunView | null;
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

/** Events that arrive within this window are applied together, in milliseconds. */
const EVENT_BATCH_MS = 50;

/**
 * Starts runs and follows their events. Events are applied in batches, so a burst of events
 * costs one render. A timer, not an animation frame, drives the batches, because browsers pause
 * animation frames in hidden tabs and the queue would grow until the tab is shown.
 */
export function useRunWatcher(api: StudioApi, graphId: string): RunWatcher {
  const [view, setView] = useState<RunView | null>(null);
  const [streamState, setStreamState] = useState<StreamState>('closed');
  const stream = useRef<RunStream | null>(null);
  const queue = useRef<RunEvent[]>([]);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const flush = useCallback(() => {
    timer.current = null;
    const events = queue.current;
    queue.current = [];
    setView((current) => (current === null ? current : events.reduce(applyRunEvent, current)));
  }, []);

  const watch = useCallback(
    (runId: string) => {
      stream.current?.close();
      queue.current = [];
      setView(newRunView(runId));
      stream.current = new RunStream({
        runId,
        url: async () => webSocketUrl(window.location, await api.client.accessToken()),
        onEvent: (event) => {
          queue.current.push(event);
          timer.current ??= setTimeout(flush, EVENT_BATCH_MS);
        },
        onSubscribed: (status) => setView((current) => (current === null || current.runId !== runId ? current : { ...current, status })),
        onState: setStreamState,
      });
    },
    [api, flush],
  );

  useEffect(
    () => () => {
      stream.current?.close();
      if (timer.current !== null) clearTimeout(timer.current);
    },
    [],
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
    setView(null);
  }, []);

  return { view, streamState, start, watch, cancel, resume, close };
}
