/**
 * The playground: one generator per task type (chat, image, video, audio). Each picks a provider
 * and model from `GET /v1/task-types`, takes a prompt and options, starts a task and shows its
 * status, the chat text as it streams, the result and the credit cost. A running task can be
 * stopped, which cancels its run.
 */
import { useEffect, useMemo, useState } from 'react';
import { useStore } from 'zustand';
import { toApiError, type ApiError } from '../api/api-error';
import type { NewTask, TaskProviderView, TaskType, TaskTypeView } from '../api/types';
import { useApi } from '../api-context';
import { ErrorNotice } from '../components/error-notice';
import { GenerationAnswer } from '../components/generation-answer';
import { useI18n, type MessageKey } from '../i18n/i18n';
import { createGenerationStore, isGenerating, type GenerationStore } from '../store/generation';

/** One option of a generator, sent in `input` under `field` when it is not empty. */
type OptionSpec =
  | { field: string; label: MessageKey; kind: 'text' }
  | { field: string; label: MessageKey; kind: 'number'; min: number; max: number; step: number }
  | { field: string; label: MessageKey; kind: 'select'; values: string[] };

interface GeneratorSpec {
  id: 'chat' | 'image' | 'video' | 'audio';
  label: MessageKey;
  taskType: TaskType;
  /** The input field of the prompt: `text` for speech, `prompt` otherwise. */
  textField: 'prompt' | 'text';
  options: OptionSpec[];
}

const GENERATORS: readonly GeneratorSpec[] = [
  {
    id: 'chat',
    label: 'playground.generator.chat',
    taskType: 'chat_completion',
    textField: 'prompt',
    options: [
      { field: 'system', label: 'playground.option.system', kind: 'text' },
      { field: 'temperature', label: 'playground.option.temperature', kind: 'number', min: 0, max: 2, step: 0.1 },
    ],
  },
  {
    id: 'image',
    label: 'playground.generator.image',
    taskType: 'text_to_image',
    textField: 'prompt',
    options: [{ field: 'size', label: 'playground.option.size', kind: 'select', values: ['1024x1024', '1536x1024', '1024x1536'] }],
  },
  {
    id: 'video',
    label: 'playground.generator.video',
    taskType: 'text_to_video',
    textField: 'prompt',
    options: [
      { field: 'duration_seconds', label: 'playground.option.duration', kind: 'number', min: 1, max: 60, step: 1 },
      { field: 'aspect_ratio', label: 'playground.option.aspectRatio', kind: 'select', values: ['16:9', '9:16', '1:1'] },
    ],
  },
  {
    id: 'audio',
    label: 'playground.generator.audio',
    taskType: 'text_to_speech',
    textField: 'text',
    options: [
      { field: 'voice', label: 'playground.option.voice', kind: 'text' },
      { field: 'format', label: 'playground.option.format', kind: 'select', values: ['mp3', 'wav', 'opus', 'aac', 'flac'] },
    ],
  },
];

/** Builds a task's `input` from the prompt and the options that are set. */
export function buildTaskInput(spec: GeneratorSpec, prompt: string, options: Record<string, string>): Record<string, unknown> {
  const input: Record<string, unknown> = { [spec.textField]: prompt };
  for (const option of spec.options) {
    const value = options[option.field] ?? '';
    if (value === '') continue;
    input[option.field] = option.kind === 'number' ? Number(value) : value;
  }
  return input;
}

function OptionField({ option, value, onChange }: { option: OptionSpec; value: string; onChange: (value: string) => void }) {
  const { t } = useI18n();
  let control;
  if (option.kind === 'select') {
    control = (
      <select name={option.field} value={value} onChange={(event) => onChange(event.target.value)}>
        <option value="">{t('playground.optionDefault')}</option>
        {option.values.map((choice) => (
          <option key={choice} value={choice}>
            {choice}
          </option>
        ))}
      </select>
    );
  } else if (option.kind === 'number') {
    control = (
      <input
        type="number"
        name={option.field}
        min={option.min}
        max={option.max}
        step={option.step}
        value={value}
        onChange={(event) => onChange(event.target.value)}
      />
    );
  } else {
    control = <input name={option.field} value={value} onChange={(event) => onChange(event.target.value)} />;
  }
  return (
    <label>
      {t(option.label)}
      {control}
    </label>
  );
}

/** Tells why a provider cannot run, or returns null for an available one. */
function unavailableReason(provider: TaskProviderView, t: ReturnType<typeof useI18n>['t']): string | null {
  if (provider.available) return null;
  if (!provider.installed) return t('playground.notInstalled', { provider: provider.provider });
  return t('playground.notConfigured', { provider: provider.provider, types: provider.missing_credential_types.join(', ') });
}

function GenerationStatus({ store }: { store: GenerationStore }) {
  const { t } = useI18n();
  const generation = useStore(store, (state) => state.generation);
  if (generation.phase === 'idle') return null;
  if (generation.phase === 'starting') return <p role="status" data-testid="generation-status" data-status="STARTING">{t('playground.status.starting')}</p>;
  if (generation.phase === 'running') {
    return (
      <p role="status" data-testid="generation-status" data-status={generation.status}>
        {t(generation.status === 'PENDING' ? 'playground.status.PENDING' : 'playground.status.IN_PROGRESS')}
      </p>
    );
  }
  if (generation.phase === 'completed') {
    return <p role="status" data-testid="generation-status" data-status="COMPLETED">{t('playground.status.COMPLETED')}</p>;
  }
  return <p role="status" data-testid="generation-status" data-status="FAILED">{t('playground.status.FAILED')}</p>;
}

/** Renders the stop button of a running generation, and the error of a rejected stop request. */
function StopControl({ store }: { store: GenerationStore }) {
  const { t } = useI18n();
  const running = useStore(store, (state) => state.generation.phase === 'running' && state.runId !== null);
  const cancelError = useStore(store, (state) => state.cancelError);
  return (
    <>
      {running && (
        <button type="button" onClick={() => void store.getState().cancel()}>
          {t('playground.stop')}
        </button>
      )}
      {cancelError !== null && (
        <>
          <p className="field-error">{t('playground.stopFailed')}</p>
          <ErrorNotice error={cancelError} />
        </>
      )}
    </>
  );
}

/** Renders the error and cost of a failed generation below the text that arrived before it. */
function GenerationFailure({ store }: { store: GenerationStore }) {
  const { t } = useI18n();
  const generation = useStore(store, (state) => state.generation);
  if (generation.phase !== 'failed') return null;
  return (
    <>
      <ErrorNotice error={generation.error} />
      {generation.taskId !== null && <p data-testid="credit-cost" data-credits={generation.creditCost}>{t('playground.cost', { credits: generation.creditCost })}</p>}
    </>
  );
}

function GeneratorPanel({ spec, view, store, hidden }: { spec: GeneratorSpec; view: TaskTypeView | undefined; store: GenerationStore; hidden: boolean }) {
  const { t } = useI18n();
  const providers = view?.providers ?? [];
  const firstAvailable = providers.find((provider) => provider.available) ?? providers[0];
  const [providerName, setProviderName] = useState(firstAvailable?.provider ?? '');
  const provider = providers.find((candidate) => candidate.provider === providerName);
  const [model, setModel] = useState(firstAvailable?.models[0] ?? '');
  const [prompt, setPrompt] = useState('');
  const [options, setOptions] = useState<Record<string, string>>({});
  const busy = useStore(store, (state) => isGenerating(state.generation));
  const reason = provider === undefined ? null : unavailableReason(provider, t);

  const pickProvider = (name: string) => {
    setProviderName(name);
    setModel(providers.find((candidate) => candidate.provider === name)?.models[0] ?? '');
  };
  const submit = () => {
    const task: NewTask = { task_type: spec.taskType, provider: providerName, model, input: buildTaskInput(spec, prompt, options) };
    void store.getState().generate(task);
  };

  return (
    <section className="generator" role="tabpanel" hidden={hidden} data-testid={`generator-${spec.id}`} aria-label={t(spec.label)}>
      <form
        className="generator__form"
        onSubmit={(event) => {
          event.preventDefault();
          submit();
        }}
      >
        <div className="generator__pickers">
          <label>
            {t('playground.provider')}
            <select name="provider" value={providerName} onChange={(event) => pickProvider(event.target.value)}>
              {providers.map((candidate) => (
                <option key={candidate.provider} value={candidate.provider}>
                  {candidate.available ? candidate.provider : t('playground.providerUnavailable', { provider: candidate.provider })}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('playground.model')}
            <input name="model" list={`models-${spec.id}`} value={model} required maxLength={200} onChange={(event) => setModel(event.target.value)} />
            <datalist id={`models-${spec.id}`}>
              {(provider?.models ?? []).map((name) => (
                <option key={name} value={name} />
              ))}
            </datalist>
          </label>
        </div>
        {reason !== null && <p className="notice notice--info" data-testid="provider-unavailable">{reason}</p>}
        <label>
          {t(spec.textField === 'text' ? 'playground.text' : 'playground.prompt')}
          <textarea name="prompt" rows={4} required value={prompt} onChange={(event) => setPrompt(event.target.value)} />
        </label>
        <fieldset className="generator__options">
          <legend>{t('playground.options')}</legend>
          {spec.options.map((option) => (
            <OptionField
              key={option.field}
              option={option}
              value={options[option.field] ?? ''}
              onChange={(value) => setOptions({ ...options, [option.field]: value })}
            />
          ))}
        </fieldset>
        <button type="submit" className="primary" disabled={busy || reason !== null || prompt.trim() === '' || model === ''}>
          {t('playground.generate')}
        </button>
      </form>
      <GenerationStatus store={store} />
      <StopControl store={store} />
      <GenerationAnswer store={store} />
      <GenerationFailure store={store} />
    </section>
  );
}

export function PlaygroundScreen() {
  const api = useApi();
  const { t } = useI18n();
  const [views, setViews] = useState<TaskTypeView[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [selected, setSelected] = useState<GeneratorSpec['id']>('chat');
  const stores = useMemo(
    () => Object.fromEntries(GENERATORS.map((spec) => [spec.id, createGenerationStore(api)])) as Record<GeneratorSpec['id'], GenerationStore>,
    [api],
  );

  useEffect(() => {
    api.taskTypes().then(setViews, (caught: unknown) => setError(toApiError(caught)));
    return () => {
      for (const store of Object.values(stores)) store.getState().stop();
    };
  }, [api, stores]);

  return (
    <main className="list playground">
      <div className="list__head">
        <h1>{t('playground.title')}</h1>
      </div>
      <p className="muted">{t('playground.help')}</p>
      {error !== null && <ErrorNotice error={error} />}
      {views === null && error === null && <p>{t('playground.loading')}</p>}
      {views !== null && (
        <>
          <div className="playground__tabs" role="tablist" aria-label={t('playground.generators')}>
            {GENERATORS.map((spec) => (
              <button
                key={spec.id}
                type="button"
                role="tab"
                aria-selected={selected === spec.id}
                className={selected === spec.id ? 'primary' : ''}
                onClick={() => setSelected(spec.id)}
              >
                {t(spec.label)}
              </button>
            ))}
          </div>
          {GENERATORS.map((spec) => (
            <GeneratorPanel
              key={spec.id}
              spec={spec}
              view={views.find((view) => view.task_type === spec.taskType)}
              store={stores[spec.id]}
              hidden={selected !== spec.id}
            />
          ))}
        </>
      )}
    </main>
  );
}
