import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { StudioApi } from '../api/studio-api';
import type { RunEvent, TaskState, TaskTypeView } from '../api/types';
import { ApiContext } from '../api-context';
import { I18nProvider, type Language } from '../i18n/i18n';
import { PlaygroundScreen } from './playground-screen';

const VIEWS: TaskTypeView[] = [
  {
    task_type: 'chat_completion',
    input_schema: {},
    providers: [{ provider: 'openai', node_type: 'ai/chat@1', installed: true, configured: true, available: true, models: ['gpt-test'], missing_credential_types: [] }],
  },
];

/**
 * Builds a fake of the playground's API calls for one chat task on run_1. The test sets the
 * state that task reads return and emits the run's events through `emit`.
 */
function streamingApi() {
  let seq = 0;
  let onEvent: ((event: RunEvent) => void) | null = null;
  const cancelled: string[] = [];
  const fake = {
    task: { task_id: 'task_1', runId: 'run_1', status: 'IN_PROGRESS', credit_cost: 0, result: null, error: null } as TaskState,
    cancelled,
    emit(type: string, text?: string) {
      seq += 1;
      const data = text === undefined ? {} : { level: 'info', message: 'model output', data: { text } };
      act(() => onEvent?.({ runId: 'run_1', seq, type, at: '2026-01-01T00:00:00.000Z', taskId: 'task_1', nodeId: 'chat_completion', data }));
    },
    api: {
      taskTypes: async () => VIEWS,
      startTask: async () => ({ task_id: 'task_1', status: 'PENDING' }),
      taskState: async () => fake.task,
      followRun: (_runId: string, listener: (event: RunEvent) => void) => {
        onEvent = listener;
        return () => {
          onEvent = null;
        };
      },
      cancelRun: async (runId: string) => {
        cancelled.push(runId);
        return {};
      },
    } as unknown as StudioApi,
  };
  return fake;
}

async function startChat(api: StudioApi, language: Language = 'en') {
  render(
    <ApiContext.Provider value={api}>
      <I18nProvider initial={language}>
        <PlaygroundScreen />
      </I18nProvider>
    </ApiContext.Provider>,
  );
  const panel = await screen.findByTestId('generator-chat');
  // The prompt label reads "Prompt" in both languages.
  fireEvent.change(within(panel).getByRole('textbox', { name: 'Prompt' }), { target: { value: 'Tell a story.' } });
  fireEvent.click(within(panel).getByRole('button', { name: language === 'en' ? 'Generate' : 'Gerar' }));
  await waitFor(() => expect(within(panel).getByTestId('generation-status').getAttribute('data-status')).toBe('IN_PROGRESS'));
  return panel;
}

afterEach(cleanup);

describe('playground streamed answer', () => {
  it('grows, then shows the final answer', async () => {
    const fake = streamingApi();
    const panel = await startChat(fake.api);
    const region = within(panel).getByTestId('generation-answer');
    expect(region.getAttribute('aria-live')).toBe('polite');
    expect(region.getAttribute('aria-busy')).toBe('true');

    fake.emit('task.started');
    fake.emit('task.log', 'Once upon ');
    expect(within(panel).getByTestId('streamed-text').textContent).toBe('Once upon ');
    expect(within(panel).getByTestId('streamed-answer').textContent).toContain('Answer so far (still arriving)');
    fake.emit('task.log', 'a time 🌅');
    expect(within(panel).getByTestId('streamed-text').textContent).toBe('Once upon a time 🌅');
    expect(region.getAttribute('aria-busy')).toBe('true');

    fake.task = { ...fake.task, status: 'COMPLETED', credit_cost: 3, result: { output: { text: 'Once upon a time 🌅', cached: false }, artifacts: [] } };
    fake.emit('task.completed');
    await waitFor(() => expect(within(panel).getByTestId('generation-status').getAttribute('data-status')).toBe('COMPLETED'));

    expect(within(panel).getByTestId('result-text').textContent).toBe('Once upon a time 🌅');
    expect(within(panel).queryByTestId('streamed-answer')).toBeNull();
    expect(within(panel).getByTestId('credit-cost').getAttribute('data-credits')).toBe('3');
    // The same region stays mounted, so screen readers read the final answer once it is not busy.
    expect(within(panel).getByTestId('generation-answer')).toBe(region);
    expect(region.getAttribute('aria-busy')).toBe('false');
  });

  it('keeps the partial answer after a stop', async () => {
    const fake = streamingApi();
    const panel = await startChat(fake.api, 'pt-BR');
    fake.emit('task.started');
    fake.emit('task.log', 'Era uma vez');

    fireEvent.click(within(panel).getByRole('button', { name: 'Parar' }));
    await waitFor(() => expect(fake.cancelled).toEqual(['run_1']));
    fake.task = { ...fake.task, status: 'FAILED', error: { code: 'RUNTIME_TASK_CANCELLED', message: 'the run was cancelled' } };
    fake.emit('task.cancelled');
    await waitFor(() => expect(within(panel).getByTestId('generation-status').getAttribute('data-status')).toBe('FAILED'));

    expect(within(panel).getByTestId('streamed-text').textContent).toBe('Era uma vez');
    expect(within(panel).getByTestId('streamed-answer').textContent).toContain('Resposta recebida antes do fim da tarefa');
    expect(within(panel).getByRole('alert').getAttribute('data-error-code')).toBe('RUNTIME_TASK_CANCELLED');
    expect(within(panel).queryByRole('button', { name: 'Parar' })).toBeNull();
    expect(within(panel).getByTestId('generation-answer').getAttribute('aria-busy')).toBe('false');
  });
});
