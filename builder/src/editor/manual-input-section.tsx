import type { GraphSettings } from '@gestorlead/sdk-plugin';
import { useState } from 'react';
import { useI18n } from '../i18n/i18n';
import { parseManualInput, sampleFromSchema, schemaFields } from './trigger-form';

export interface ManualInputSectionProps {
  settings: GraphSettings | undefined;
  /** Saves the draft and starts a manual run with the input. */
  onRun: (input: unknown) => Promise<void>;
}

/** Renders the manual trigger: a JSON input checked against the graph's input schema as it is typed, and a run button. */
export function ManualInputSection({ settings, onRun }: ManualInputSectionProps) {
  const { t } = useI18n();
  const schema = settings?.inputSchema;
  const [text, setText] = useState(() => JSON.stringify(sampleFromSchema(schema), null, 2));
  const [busy, setBusy] = useState(false);
  const parsed = parseManualInput(text, settings);
  const fields = schemaFields(schema);

  return (
    <section className="triggers__section" aria-labelledby="trigger-manual">
      <h3 id="trigger-manual">{t('triggers.manual')}</h3>
      <label>
        {t('triggers.manualInput')}
        <textarea
          name="manualInput"
          rows={8}
          spellCheck={false}
          value={text}
          aria-invalid={!parsed.ok}
          aria-describedby="manual-input-problems"
          onChange={(event) => setText(event.target.value)}
        />
      </label>
      <div id="manual-input-problems" aria-live="polite">
        {!parsed.ok && (
          <ul className="field-error triggers__problems" data-testid="manual-input-problems">
            {parsed.problems.map((problem) => (
              <li key={`${problem.pointer}:${problem.message}`}>
                <code>{problem.pointer === '' ? '/' : problem.pointer}</code> {problem.message}
              </li>
            ))}
          </ul>
        )}
      </div>
      {schema === undefined ? (
        <p className="muted">{t('triggers.noSchema')}</p>
      ) : (
        <details className="triggers__schema">
          <summary>{t('triggers.schemaHelp')}</summary>
          <ul>
            {fields.map((field) => (
              <li key={field.pointer}>
                <code>{field.pointer}</code> {field.type}
                {field.required && <strong> {t('triggers.required')}</strong>}
                {field.description !== null && <span className="muted"> – {field.description}</span>}
              </li>
            ))}
          </ul>
          <button type="button" onClick={() => setText(JSON.stringify(sampleFromSchema(schema), null, 2))}>
            {t('triggers.insertSample')}
          </button>
        </details>
      )}
      <button
        type="button"
        className="primary"
        disabled={!parsed.ok || busy}
        onClick={() => {
          if (!parsed.ok) return;
          setBusy(true);
          onRun(parsed.value).finally(() => setBusy(false));
        }}
      >
        {t('triggers.runManual')}
      </button>
    </section>
  );
}
