import type { GraphSettings } from '@gestorlead/sdk-plugin';
import type { StudioApi } from '../api/studio-api';
import { useI18n } from '../i18n/i18n';
import { ManualInputSection } from './manual-input-section';
import { ScheduleSection } from './schedule-section';
import type { ScheduleForm } from './trigger-form';
import { WebhookSection } from './webhook-section';

export interface TriggersPanelProps {
  api: StudioApi;
  graphId: string;
  settings: GraphSettings | undefined;
  publishedVersion: number | null;
  onRun: (input: unknown) => Promise<void>;
  onSaveSchedule: (form: ScheduleForm | null) => void;
  onClose: () => void;
}

/** Renders the ways to start the open graph: manual input, webhook URLs with a test listener, and the cron schedule. */
export function TriggersPanel(props: TriggersPanelProps) {
  const { t } = useI18n();
  return (
    <aside className="drawer triggers" aria-label={t('triggers.title')} data-testid="triggers-panel">
      <div className="drawer__head">
        <h2>{t('triggers.title')}</h2>
        <button type="button" className="link" onClick={props.onClose}>
          {t('dialog.close')}
        </button>
      </div>
      <ManualInputSection settings={props.settings} onRun={props.onRun} />
      <WebhookSection api={props.api} graphId={props.graphId} publishedVersion={props.publishedVersion} />
      <ScheduleSection
        api={props.api}
        graphId={props.graphId}
        settings={props.settings}
        publishedVersion={props.publishedVersion}
        onSave={props.onSaveSchedule}
      />
    </aside>
  );
}
