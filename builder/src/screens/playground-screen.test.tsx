import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { StudioApi } from '../api/studio-api';
import type { NewTask, TaskState, TaskTypeView } from '../api/types';
import { ApiContext } from '../api-context';
import { I18nProvider, type Language } from '../i18n/i18n';
import { PlaygroundScreen } from './playground-screen';

function provider(name: string, fields: Partial<TaskTypeView['providers'][number]> = {}): TaskTypeView['providers'][number] {
  return { provider: name, node_type: `${name}/x@1`, installed: true, configured: true, available: true, models: ['model-a', 'model-b'], missing_credential_types: [], ...fields };
}

const VIEWS: TaskTypeView[] = [
  { task_type: 'chat_completion', input_schema: {}, providers: [provider('openai'), provider('gemini', { configured: false, available: false, missing_credential_types: ['ai/gemini'] })] },
  { task_type: 'text_to_image', input_schema: {}, providers: [provider('openai')] },
  { task_type: 'text_to_video', input_schema: {}, providers: [provider('piapi', { installed: false, configured: false, available: false, models: [] })] },
  { task_type: 'text_to_speech', input_schema: {}, providers: [provider('elevenlabs'), provider('openai')] },
];

/** Builds a fake of the API calls the playground makes; each task ends on its first read. */
function fakeApi(results: Record<string, TaskState>) {
  const started: NewTask[] = [];
  const blobs: string[] = [];
  const api = {
    taskTypes: async () => VIEWS,
    startTask: async (task: NewTask) => {
      started.push(task);
      return { task_id: `task_${task.task_type}`, status: 'PENDING' };
    },
    taskState: async (id: string) => results[id],
    artifactBlob: async (url: string) => {
      blobs.push(url);
      return new Blob([new Uint8Array([137, 80, 78, 71])], { type: 'image/png' });
    },
  };
  return { api: api as unknown as StudioApi, started, blobs };
}

function renderScreen(api: StudioApi, language: Language = 'en') {
  return render(
    <ApiContext.Provider value={api}>
      <I18nProvider initial={language}>
        <PlaygroundScreen />
      </I18nProvider>
    </ApiContext.Provider>,
  );
}

afterEach(cleanup);

describe('PlaygroundScreen', () => {
  it('generates chat text with its cost', async () => {
    const reply = 'Legenda: café ☕️ — مرحبا — שלום';
    const { api, started } = fakeApi({
      task_chat_completion: { task_id: 'task_chat_completion', status: 'COMPLETED', credit_cost: 7, error: null, result: { output: { text: reply, cached: false }, artifacts: [] } },
    });
    renderScreen(api);
    const panel = await screen.findByTestId('generator-chat');

    fireEvent.change(within(panel).getByRole('textbox', { name: 'Prompt' }), { target: { value: 'Olá 👋 مرحبا' } });
    fireEvent.change(within(panel).getByRole('spinbutton', { name: 'Temperature (0 to 2)' }), { target: { value: '0.4' } });
    fireEvent.click(within(panel).getByRole('button', { name: 'Generate' }));

    expect((await within(panel).findByTestId('result-text')).textContent).toBe(reply);
    expect(within(panel).getByTestId('credit-cost').textContent).toBe('Cost: 7 credits');
    expect(within(panel).getByTestId('generation-status').getAttribute('data-status')).toBe('COMPLETED');
    expect(started).toEqual([{ task_type: 'chat_completion', provider: 'openai', model: 'model-a', input: { prompt: 'Olá 👋 مرحبا', temperature: 0.4 } }]);
  });

  it('shows an image result inline', async () => {
    const { api, blobs, started } = fakeApi({
      task_text_to_image: {
        task_id: 'task_text_to_image',
        status: 'COMPLETED',
        credit_cost: 3,
        error: null,
        result: { output: {}, artifacts: [{ id: 'art_1', name: 'image.png', content_type: 'image/png', size: 4, url: '/v1/artifacts/art_1' }] },
      },
    });
    renderScreen(api);
    fireEvent.click(await screen.findByRole('tab', { name: 'Image' }));
    const panel = screen.getByTestId('generator-image');

    fireEvent.change(within(panel).getByRole('textbox', { name: 'Prompt' }), { target: { value: 'a lighthouse' } });
    fireEvent.change(within(panel).getByRole('combobox', { name: 'Size' }), { target: { value: '1024x1024' } });
    fireEvent.click(within(panel).getByRole('button', { name: 'Generate' }));

    const image = await within(panel).findByTestId('result-image');
    expect(image.getAttribute('alt')).toBe('image.png');
    expect(image.getAttribute('src')).toMatch(/^blob:/);
    expect(blobs).toEqual(['/v1/artifacts/art_1']);
    expect(within(panel).getByTestId('credit-cost').textContent).toBe('Cost: 3 credits');
    expect(started[0].input).toEqual({ prompt: 'a lighthouse', size: '1024x1024' });
  });

  it('shows a failed task with its code', async () => {
    const { api } = fakeApi({
      task_text_to_speech: { task_id: 'task_text_to_speech', status: 'FAILED', credit_cost: 0, result: null, error: { code: 'PROVIDER_CONTENT_REJECTED', message: 'the provider rejected the prompt' } },
    });
    renderScreen(api);
    fireEvent.click(await screen.findByRole('tab', { name: 'Audio' }));
    const panel = screen.getByTestId('generator-audio');

    fireEvent.change(within(panel).getByRole('textbox', { name: 'Text to speak' }), { target: { value: 'forbidden words' } });
    fireEvent.click(within(panel).getByRole('button', { name: 'Generate' }));

    const alert = await within(panel).findByRole('alert');
    expect(alert.getAttribute('data-error-code')).toBe('PROVIDER_CONTENT_REJECTED');
    expect(alert.textContent).toContain('the provider rejected the prompt');
    expect(within(panel).getByTestId('generation-status').getAttribute('data-status')).toBe('FAILED');
  });

  it('explains an unavailable provider in Portuguese', async () => {
    const { api } = fakeApi({});
    renderScreen(api, 'pt-BR');
    fireEvent.click(await screen.findByRole('tab', { name: 'Vídeo' }));
    const panel = screen.getByTestId('generator-video');

    expect(within(panel).getByTestId('provider-unavailable').textContent).toBe('O plugin de piapi não está instalado.');
    expect(within(panel).getByRole('button', { name: 'Gerar' }).hasAttribute('disabled')).toBe(true);
    await waitFor(() => expect(within(panel).getByRole('option', { name: 'piapi (indisponível)' })).toBeTruthy());
  });
});
