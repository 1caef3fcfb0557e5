import { useEffect, useState } from 'react';
import { toApiError, type ApiError } from '../api/api-error';
import { listTemplates, type TemplateSummary } from '../api/history-api';
import { useApi } from '../api-context';
import { useI18n } from '../i18n/i18n';
import { Dialog } from './dialog';
import { ErrorNotice } from './error-notice';

export interface TemplateDialogProps {
  /** Creates the graph; the dialog stays open with the error when it rejects. */
  onCreate: (template: TemplateSummary) => Promise<void>;
  onClose: () => void;
}

/** Lists the example graphs of the studio and creates a graph from the chosen one. */
export function TemplateDialog({ onCreate, onClose }: TemplateDialogProps) {
  const api = useApi();
  const { t } = useI18n();
  const [templates, setTemplates] = useState<TemplateSummary[] | null>(null);
  const [chosen, setChosen] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    listTemplates(api).then(
      (items) => {
        setTemplates(items);
        setChosen(items[0]?.id ?? null);
      },
      (caught: unknown) => setError(toApiError(caught)),
    );
  }, [api]);

  const template = templates?.find((item) => item.id === chosen) ?? null;
  return (
    <Dialog
      title={t('templates.title')}
      submitLabel={t('templates.create')}
      submitDisabled={template === null || busy}
      onClose={onClose}
      onSubmit={() => {
        if (template === null) return;
        setBusy(true);
        setError(null);
        onCreate(template).catch((caught: unknown) => {
          setError(toApiError(caught));
          setBusy(false);
        });
      }}
    >
      {error !== null && <ErrorNotice error={error} />}
      {templates === null ? (
        error === null && <p>{t('app.loading')}</p>
      ) : templates.length === 0 ? (
        <p className="muted">{t('templates.none')}</p>
      ) : (
        <fieldset className="templates">
          <legend>{t('templates.choose')}</legend>
          {templates.map((item) => (
            <label key={item.id} className="templates__item">
              <input type="radio" name="template" value={item.id} checked={chosen === item.id} onChange={() => setChosen(item.id)} />
              <span>
                <strong>{item.name}</strong> <span className="muted">{t('templates.nodes', { count: item.nodeCount })}</span>
                {item.description !== null && <span className="templates__description">{item.description}</span>}
              </span>
            </label>
          ))}
        </fieldset>
      )}
    </Dialog>
  );
}
