import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/api-error';
import type { NewTask, RunEvent, TaskState } from '../api/types';
import { createGenerationStore, FALLBACK_POLL_INTERVAL_MS, POLL_INTERVAL_MS, type GenerationApi } from './generation';

const TASK: NewTask = { task_type: 'chat_completion', provider: 'openai', model: 'gpt-4o-mini', input: { prompt: 'Olá 👋' } };

function state(status: TaskState['status'], fields: Partial<TaskState> = {}): TaskState {
  return { task_id: 'task_1', status, credit_cost: 0, result: null, error: null, ...fields };
}

let seq = 0;

/** Builds the next event of run_1. With `text`, the event is a `model output` line of the chat node. */
function runEvent(type: string, text?: string): RunEvent {
  seq += 1;
  const data = text === undefined ? {} : { level: 'info', message: 'model output', data: { text } };
  return { runId: 'run_1', seq, type, at: '2026-01-01T00:00:00.000Z', taskId: 'task_1', nodeId: 'chat_completion', data };
}

/** An API whose task reads return `states` in order, repeating the last. */
function fakeApi(states: TaskState[], start: () => Promise<{ task_id: string }> = async () => ({ task_id: 'task_1' })) {
  const reads: string[] = [];
  const started: NewTask[] = [];
  const api: GenerationApi = {
    async startTask(task) {
      started.push(task);
      return start();
    },
    async taskState(id) {
      reads.push(id);
      return states[Math.min(reads.length - 1, states.length - 1)];
    },
  };
  return { api, reads, started };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('generation store', () => {
  it('polls until the task completes', async () => {
    const completed = state('COMPLETED', { credit_cost: 4, result: { output: { text: 'Oi' }, artifacts: [] } });
    const { api, reads, started } = fakeApi([state('PENDING'), state('IN_PROGRESS'), completed]);
    const store = createGenerationStore(api);

    const done = store.getState().generate(TASK);
    await vi.advanceTimersByTimeAsync(0);
    expect(store.getState().generation).toEqual({ phase: 'running', taskId: 'task_1', status: 'PENDING' });
    await vi.advanceTimersByTimeAsync(POLL_INTERVAL_MS);
    expect(store.getState().generation).toEqual({ phase: 'running', taskId: 'task_1', status: 'IN_PROGRESS' });
    await vi.advanceTimersByTimeAsync(POLL_INTERVAL_MS);
    await done;

    expect(store.getState().generation).toEqual({ phase: 'completed', taskId: 'task_1', task: completed });
    expect(started).toEqual([TASK]);
    expect(reads).toEqual(['task_1', 'task_1', 'task_1']);
  });

  it('reports a failed task with its code and cost', async () => {
    const failed = state('FAILED', { credit_cost: 0, error: { code: 'AI_PROVIDER_BAD_REQUEST', message: 'model not found' } });
    const store = createGenerationStore(fakeApi([failed]).api);

    await store.getState().generate(TASK);

    const generation = store.getState().generation;
    expect(generation.phase).toBe('failed');
    if (generation.phase !== 'failed') return;
    expect(generation.taskId).toBe('task_1');
    expect(generation.error.code).toBe('AI_PROVIDER_BAD_REQUEST');
    expect(generation.error.message).toBe('model not found');
    expect(generation.creditCost).toBe(0);
  });

  it('reports a rejected request with its problems', async () => {
    const rejection = new ApiError(400, 'REQUEST_INVALID', 'input is invalid', [{ pointer: '/body/input/prompt', message: 'is required' }]);
    const store = createGenerationStore(fakeApi([], () => Promise.reject(rejection)).api);

    await store.getState().generate(TASK);

    const generation = store.getState().generation;
    expect(generation.phase).toBe('failed');
    if (generation.phase !== 'failed') return;
    expect(generation.taskId).toBeNull();
    expect(generation.error.errors).toEqual([{ pointer: '/body/input/prompt', message: 'is required' }]);
  });

  it('stops polling when stopped', async () => {
    const { api, reads } = fakeApi([state('IN_PROGRESS')]);
    const store = createGenerationStore(api);

    void store.getState().generate(TASK);
    await vi.advanceTimersByTimeAsync(0);
    store.getState().stop();
    await vi.advanceTimersByTimeAsync(POLL_INTERVAL_MS * 5);

    expect(reads).toHaveLength(1);
    expect(store.getState().generation).toEqual({ phase: 'running', taskId: 'task_1', status: 'IN_PROGRESS' });
  });

  it('reads again on each run event', async () => {
    const completed = state('COMPLETED', { runId: 'run_1', result: { output: { text: 'Oi' }, artifacts: [] } });
    const { api, reads } = fakeApi([state('PENDING', { runId: 'run_1' }), state('IN_PROGRESS', { runId: 'run_1' }), completed]);
    const followed: string[] = [];
    let emit: (event: RunEvent) => void = () => {};
    let closed = 0;
    api.followRun = (runId, onEvent) => {
      followed.push(runId);
      emit = onEvent;
      return () => (closed += 1);
    };
    const store = createGenerationStore(api);

    const done = store.getState().generate(TASK);
    await vi.advanceTimersByTimeAsync(0);
    expect(followed).toEqual(['run_1']);
    // Without an event, no read happens before the fallback interval.
    await vi.advanceTimersByTimeAsync(POLL_INTERVAL_MS * 2);
    expect(reads).toHaveLength(1);
    emit(runEvent('task.started'));
    await vi.advanceTimersByTimeAsync(0);
    expect(store.getState().generation).toEqual({ phase: 'running', taskId: 'task_1', status: 'IN_PROGRESS' });
    emit(runEvent('task.completed'));
    await vi.advanceTimersByTimeAsync(0);
    await done;

    expect(store.getState().generation).toEqual({ phase: 'completed', taskId: 'task_1', task: completed });
    expect(reads).toHaveLength(3);
    expect(followed).toEqual(['run_1']);
    expect(closed).toBe(1);
  });

  it('polls slowly while events are silent', async () => {
    const completed = state('COMPLETED', { runId: 'run_1' });
    const { api, reads } = fakeApi([state('PENDING', { runId: 'run_1' }), completed]);
    api.followRun = () => () => {};
    const store = createGenerationStore(api);

    const done = store.getState().generate(TASK);
    await vi.advanceTimersByTimeAsync(FALLBACK_POLL_INTERVAL_MS - 1);
    expect(reads).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await done;

    expect(reads).toHaveLength(2);
    expect(store.getState().generation.phase).toBe('completed');
  });

  it('keeps an event between two reads', async () => {
    const { api, reads } = fakeApi([state('PENDING', { runId: 'run_1' }), state('COMPLETED', { runId: 'run_1' })]);
    // The event arrives while the first read is in flight, before the store waits.
    api.followRun = (_runId, onEvent) => {
      onEvent(runEvent('task.completed'));
      return () => {};
    };
    const store = createGenerationStore(api);

    await store.getState().generate(TASK);

    expect(reads).toHaveLength(2);
    expect(store.getState().generation.phase).toBe('completed');
  });
});

describe('generation store streaming', () => {
  /** An API that follows run_1 and hands its event callback to the test. */
  function followedApi(states: TaskState[]) {
    const fake = fakeApi(states);
    const emitter: { emit: (event: RunEvent) => void } = { emit: () => {} };
    const cancelled: string[] = [];
    fake.api.followRun = (_runId, onEvent) => {
      emitter.emit = onEvent;
      return () => {};
    };
    fake.api.cancelRun = async (runId) => {
      cancelled.push(runId);
      return {};
    };
    return { ...fake, emitter, cancelled };
  }

  it('grows the text from model output lines', async () => {
    const running = state('IN_PROGRESS', { runId: 'run_1' });
    const { api, reads, emitter } = followedApi([running]);
    const store = createGenerationStore(api);

    void store.getState().generate(TASK);
    await vi.advanceTimersByTimeAsync(0);
    expect(store.getState().streamedText).toBe('');
    emitter.emit(runEvent('task.started'));
    await vi.advanceTimersByTimeAsync(0);
    const readsBefore = reads.length;
    const first = runEvent('task.log', 'Olá, ');
    emitter.emit(first);
    expect(store.getState().streamedText).toBe('Olá, ');
    emitter.emit(runEvent('task.log', 'mundo 👋'));
    expect(store.getState().streamedText).toBe('Olá, mundo 👋');
    // A replay after a reconnect repeats events; the text does not grow twice.
    emitter.emit(first);
    expect(store.getState().streamedText).toBe('Olá, mundo 👋');
    await vi.advanceTimersByTimeAsync(0);

    // Text lines change no status, so they trigger no read of the task.
    expect(reads.length).toBe(readsBefore);
    store.getState().stop();
  });

  it('restarts the text on a retry', async () => {
    const { api, emitter } = followedApi([state('IN_PROGRESS', { runId: 'run_1' })]);
    const store = createGenerationStore(api);

    void store.getState().generate(TASK);
    await vi.advanceTimersByTimeAsync(0);
    emitter.emit(runEvent('task.started'));
    emitter.emit(runEvent('task.log', 'first try'));
    emitter.emit(runEvent('task.retrying'));
    expect(store.getState().streamedText).toBe('');
    emitter.emit(runEvent('task.log', 'second'));

    expect(store.getState().streamedText).toBe('second');
    store.getState().stop();
  });

  it('keeps the text when the task fails', async () => {
    const failed = state('FAILED', { runId: 'run_1', error: { code: 'RUNTIME_TASK_CANCELLED', message: 'the run was cancelled' } });
    const { api, emitter, cancelled } = followedApi([state('IN_PROGRESS', { runId: 'run_1' }), failed]);
    const store = createGenerationStore(api);

    const done = store.getState().generate(TASK);
    await vi.advanceTimersByTimeAsync(0);
    expect(store.getState().runId).toBe('run_1');
    emitter.emit(runEvent('task.log', 'Era uma vez'));
    await store.getState().cancel();
    emitter.emit(runEvent('task.cancelled'));
    await done;

    expect(cancelled).toEqual(['run_1']);
    const generation = store.getState().generation;
    expect(generation.phase).toBe('failed');
    if (generation.phase !== 'failed') return;
    expect(generation.error.code).toBe('RUNTIME_TASK_CANCELLED');
    expect(store.getState().streamedText).toBe('Era uma vez');
  });

  it('reports a rejected cancel', async () => {
    const { api } = followedApi([state('IN_PROGRESS', { runId: 'run_1' })]);
    api.cancelRun = async () => {
      throw new ApiError(409, 'RUN_NOT_CANCELLABLE', 'run run_1 has ended');
    };
    const store = createGenerationStore(api);

    void store.getState().generate(TASK);
    await vi.advanceTimersByTimeAsync(0);
    await store.getState().cancel();

    expect(store.getState().cancelError?.code).toBe('RUN_NOT_CANCELLABLE');
    store.getState().stop();
  });

  it('clears the text for a new generation', async () => {
    const { api, emitter } = followedApi([state('IN_PROGRESS', { runId: 'run_1' })]);
    const store = createGenerationStore(api);

    void store.getState().generate(TASK);
    await vi.advanceTimersByTimeAsync(0);
    emitter.emit(runEvent('task.log', 'old answer'));
    void store.getState().generate(TASK);

    expect(store.getState().streamedText).toBe('');
    expect(store.getState().runId).toBeNull();
    store.getState().stop();
  });
});
