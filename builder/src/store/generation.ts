/**
 * One generator of the playground as a zustand store: it starts a task with `POST /v1/tasks`,
 * reads `GET /v1/tasks/:id` until the task completes or fails, and keeps the outcome. While the
 * run's WebSocket events arrive, each status event triggers the next read, and polling slows to
 * a fallback. The `model output` log lines of the run build the streamed text, folded by the
 * same `applyRunEvent` as the run view. Tests drive it without React.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { ApiError, toApiError } from '../api/api-error';
import type { NewTask, RunEvent, TaskState } from '../api/types';
import { applyRunEvent, newRunView, type RunView } from './run-state';

/** Time between two reads of a running task without run events, in milliseconds. */
export const POLL_INTERVAL_MS = 500;
/** Time between two reads while the run's events are followed, in ms, in case the socket stays silent. */
export const FALLBACK_POLL_INTERVAL_MS = 5000;

/** The calls a generator makes. */
export interface GenerationApi {
  startTask(task: NewTask): Promise<{ task_id: string }>;
  taskState(id: string): Promise<TaskState>;
  /**
   * Follows a run's events, calling `onEvent` with each event in order, and returns a function
   * that stops following. Without it the store polls at `POLL_INTERVAL_MS`.
   */
  followRun?(runId: string, onEvent: (event: RunEvent) => void): () => void;
  /** Cancels a run, which fails its task with `RUNTIME_TASK_CANCELLED`. */
  cancelRun?(runId: string): Promise<unknown>;
}

/** The phase of a generation, with its task id and outcome. */
export type Generation =
  | { phase: 'idle' }
  | { phase: 'starting' }
  | { phase: 'running'; taskId: string; status: 'PENDING' | 'IN_PROGRESS' }
  | { phase: 'completed'; taskId: string; task: TaskState }
  /** The request was rejected (`taskId` null) or the task failed; `creditCost` is what it charged. */
  | { phase: 'failed'; taskId: string | null; error: ApiError; creditCost: number };

export interface GenerationState {
  generation: Generation;
  /**
   * Model text that the task's run has streamed so far, '' before the first `model output`
   * line and for task types that stream nothing. A retry of the task starts it again.
   */
  streamedText: string;
  /** The run of the current generation, once the first read of its task returned it. */
  runId: string | null;
  /** The rejection of the last `cancel` request, or null. */
  cancelError: ApiError | null;
  /** Starts a task; a generation already running is abandoned (its task runs on, unwatched). */
  generate(task: NewTask): Promise<void>;
  /**
   * Requests the cancel of the running task's run. The task then fails with
   * `RUNTIME_TASK_CANCELLED`, which the next read reports, and `streamedText` keeps what arrived.
   */
  cancel(): Promise<void>;
  /** Stops polling, for a screen that goes away. */
  stop(): void;
}

export type GenerationStore = StoreApi<GenerationState>;

/** Returns whether a generation is waiting for its task. */
export function isGenerating(generation: Generation): boolean {
  return generation.phase === 'starting' || generation.phase === 'running';
}

/**
 * A pause that a run event ends early. An event that arrives while no pause is waiting ends the
 * next pause at once, so no event between two reads is lost.
 */
class EventWait {
  #pending = false;
  #wake: (() => void) | null = null;

  notify(): void {
    if (this.#wake === null) this.#pending = true;
    else this.#wake();
  }

  pause(ms: number): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.#end(resolve), ms);
      this.#wake = () => {
        clearTimeout(timer);
        this.#end(resolve);
      };
    });
  }

  #end(resolve: () => void): void {
    this.#wake = null;
    resolve();
  }
}

/** Creates the store of one generator. */
export function createGenerationStore(api: GenerationApi, pollIntervalMs = POLL_INTERVAL_MS): GenerationStore {
  // Each generate call takes a new number; a loop whose number is no longer current stops.
  let current = 0;

  let stopWatching: (() => void) | null = null;

  const watch = async (attempt: number, taskId: string, nodeId: string, set: StoreApi<GenerationState>['setState']) => {
    const events = new EventWait();
    let unfollow: (() => void) | null = null;
    let view: RunView | null = null;
    stopWatching = () => events.notify();

    const onEvent = (event: RunEvent) => {
      if (attempt !== current || view === null) return;
      view = applyRunEvent(view, event);
      const text = view.streams[nodeId] ?? '';
      if (text !== store.getState().streamedText) set({ streamedText: text });
      // Streamed text changes no status, so only the other events make the task worth reading.
      if (event.type !== 'task.log') events.notify();
    };

    try {
      for (;;) {
        const task = await api.taskState(taskId);
        if (attempt !== current) return;
        if (unfollow === null && api.followRun !== undefined && task.runId !== undefined) {
          view = newRunView(task.runId);
          set({ runId: task.runId });
          unfollow = api.followRun(task.runId, onEvent);
        }
        if (task.status === 'COMPLETED') {
          set({ generation: { phase: 'completed', taskId, task } });
          return;
        }
        if (task.status === 'PENDING' || task.status === 'IN_PROGRESS') {
          set({ generation: { phase: 'running', taskId, status: task.status } });
          await events.pause(unfollow === null ? pollIntervalMs : FALLBACK_POLL_INTERVAL_MS);
          if (attempt !== current) return;
          continue;
        }
        // NOTE: a fallback read can see the failure before the socket delivers the last text
        // lines, and following stops here, so `streamedText` may then lack its last batch.
        const error = task.error ?? { code: task.status, message: task.status };
        set({ generation: { phase: 'failed', taskId, error: new ApiError(0, error.code, error.message), creditCost: task.credit_cost } });
        return;
      }
    } finally {
      unfollow?.();
    }
  };

  const store = createStore<GenerationState>()((set, get) => ({
    generation: { phase: 'idle' },
    streamedText: '',
    runId: null,
    cancelError: null,
    async generate(task) {
      current += 1;
      stopWatching?.();
      const attempt = current;
      set({ generation: { phase: 'starting' }, streamedText: '', runId: null, cancelError: null });
      let taskId: string | null = null;
      try {
        taskId = (await api.startTask(task)).task_id;
        if (attempt !== current) return;
        set({ generation: { phase: 'running', taskId, status: 'PENDING' } });
        // The one node of a task's run has the task type as its id (runtime/src/tasks/run-document.ts).
        await watch(attempt, taskId, task.task_type, set);
      } catch (error) {
        if (attempt !== current) return;
        set({ generation: { phase: 'failed', taskId, error: toApiError(error), creditCost: 0 } });
      }
    },
    async cancel() {
      const { runId, generation } = get();
      if (runId === null || generation.phase !== 'running' || api.cancelRun === undefined) return;
      set({ cancelError: null });
      try {
        await api.cancelRun(runId);
      } catch (error) {
        if (get().runId === runId) set({ cancelError: toApiError(error) });
      }
    },
    stop() {
      current += 1;
      stopWatching?.();
    },
  }));
  return store;
}
