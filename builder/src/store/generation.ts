/**
 * One generator of the playground as a zustand store: it starts a task with `POST /v1/tasks`,
 * reads `GET /v1/tasks/:id` until the task completes or fails, and keeps the outcome. While the
 * run's WebSocket events arrive, each event triggers the next read, and polling slows to a
 * fallback. Tests drive it without React.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { ApiError, toApiError } from '../api/api-error';
import type { NewTask, TaskState } from '../api/types';

/** Time between two reads of a running task without run events, in milliseconds. */
export const POLL_INTERVAL_MS = 500;
/** Time between two reads while the run's events are followed, in ms, in case the socket stays silent. */
export const FALLBACK_POLL_INTERVAL_MS = 5000;

/** The calls a generator makes. */
export interface GenerationApi {
  startTask(task: NewTask): Promise<{ task_id: string }>;
  taskState(id: string): Promise<TaskState>;
  /**
   * Follows a run's events, calling `onEvent` with each event type, and returns a function that
   * stops following. Without it the store polls at `POLL_INTERVAL_MS`.
   */
  followRun?(runId: string, onEvent: (type: string) => void): () => void;
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
  /** Starts a task; a generation already running is abandoned (its task runs on, unwatched). */
  generate(task: NewTask): Promise<void>;
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

  const watch = async (attempt: number, taskId: string, set: StoreApi<GenerationState>['setState']) => {
    const events = new EventWait();
    let unfollow: (() => void) | null = null;
    stopWatching = () => events.notify();
    try {
      for (;;) {
        const task = await api.taskState(taskId);
        if (attempt !== current) return;
        if (unfollow === null && api.followRun !== undefined && task.runId !== undefined) {
          unfollow = api.followRun(task.runId, () => events.notify());
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
        const error = task.error ?? { code: task.status, message: task.status };
        set({ generation: { phase: 'failed', taskId, error: new ApiError(0, error.code, error.message), creditCost: task.credit_cost } });
        return;
      }
    } finally {
      unfollow?.();
    }
  };

  return createStore<GenerationState>()((set) => ({
    generation: { phase: 'idle' },
    async generate(task) {
      current += 1;
      stopWatching?.();
      const attempt = current;
      set({ generation: { phase: 'starting' } });
      let taskId: string | null = null;
      try {
        taskId = (await api.startTask(task)).task_id;
        if (attempt !== current) return;
        set({ generation: { phase: 'running', taskId, status: 'PENDING' } });
        await watch(attempt, taskId, set);
      } catch (error) {
        if (attempt !== current) return;
        set({ generation: { phase: 'failed', taskId, error: toApiError(error), creditCost: 0 } });
      }
    },
    stop() {
      current += 1;
      stopWatching?.();
    },
  }));
}
