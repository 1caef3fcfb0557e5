import type { GraphSettings } from '@gestorlead/sdk-plugin';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { toApiError, type ApiError } from '../api/api-error';
import { getSchedule, previewSchedule, setSchedulePaused, type ScheduleState } from '../api/history-api';
import type { StudioApi } from '../api/studio-api';
import { ErrorNotice } from '../components/error-notice';
import { useI18n } from '../i18n/i18n';
import { scheduleFormOf, scheduleProblems, timeZoneChoices, type ScheduleForm } from './trigger-form';

/** Delay between the last edit of the expression or zone and the preview request, in milliseconds. */
const PREVIEW_DELAY_MS = 300;
const PREVIEW_COUNT = 5;

export interface ScheduleSectionProps {
  api: StudioApi;
  graphId: string;
  settings: GraphSettings | undefined;
  publishedVersion: number | null;
  /** Saves the form as `settings.schedule` of the draft, or removes it for null. */
  onSave: (form: ScheduleForm | null) => void;
}

/** Renders the cron trigger: expression, time zone, enabled and missed-fire policy, a preview of the next fires, and pause or resume. */
export function ScheduleSection({ api, graphId, settings, publishedVersion, onSave }: ScheduleSectionProps) {
  const { t, language } = useI18n();
  const [form, setForm] = useState<ScheduleForm>(() => scheduleFormOf(settings));
  const [preview, setPreview] = useState<string[] | null>(null);
  const [live, setLive] = useState<ScheduleState | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const zones = useMemo(() => timeZoneChoices(), []);
  const problems = scheduleProblems(form);
  const valid = Object.keys(problems).length === 0;
  const dateFormat = new Intl.DateTimeFormat(language, { dateStyle: 'full', timeStyle: 'long', timeZone: valid ? form.timezone : 'UTC' });

  useEffect(() => {
    if (!valid) {
      setPreview(null);
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      previewSchedule(api, graphId, form.cron.trim(), form.timezone, PREVIEW_COUNT).then(
        (fires) => current && setPreview(fires),
        (caught: unknown) => current && setError(toApiError(caught)),
      );
    }, PREVIEW_DELAY_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [api, graphId, form.cron, form.timezone, valid]);

  const loadLive = useCallback(async () => {
    try {
      setLive(await getSchedule(api, graphId));
    } catch (caught) {
      const apiError = toApiError(caught);
      // A graph whose published version has no schedule has nothing to pause.
      if (apiError.code === 'SCHEDULE_NOT_FOUND') setLive(null);
      else setError(apiError);
    }
  }, [api, graphId]);

  useEffect(() => {
    void loadLive();
  }, [loadLive, publishedVersion]);

  const togglePause = async (paused: boolean) => {
    setError(null);
    try {
      setLive(await setSchedulePaused(api, graphId, paused));
    } catch (caught) {
      setError(toApiError(caught));
    }
  };

  const set = <K extends keyof ScheduleForm>(key: K, value: ScheduleForm[K]) => setForm((previous) => ({ ...previous, [key]: value }));
  return (
    <section className="triggers__section" aria-labelledby="trigger-cron">
      <h3 id="trigger-cron">{t('triggers.schedule')}</h3>
      <label>
        {t('triggers.cron')}
        <input
          name="cron"
          value={form.cron}
          placeholder="0 9 * * MON-FRI"
          spellCheck={false}
          aria-invalid={problems.cron !== undefined}
          onChange={(event) => set('cron', event.target.value)}
        />
      </label>
      {problems.cron !== undefined && form.cron !== '' && <p className="field-error">{problems.cron}</p>}
      <label>
        {t('triggers.timezone')}
        <select name="timezone" value={form.timezone} onChange={(event) => set('timezone', event.target.value)}>
          {!zones.includes(form.timezone) && <option value={form.timezone}>{form.timezone}</option>}
          {zones.map((zone) => (
            <option key={zone} value={zone}>
              {zone}
            </option>
          ))}
        </select>
      </label>
      {problems.timezone !== undefined && <p className="field-error">{problems.timezone}</p>}
      <label className="checkbox">
        <input type="checkbox" checked={form.enabled} onChange={(event) => set('enabled', event.target.checked)} />
        {t('triggers.enabled')}
      </label>
      <label>
        {t('triggers.missed')}
        <select name="missed" value={form.missed} onChange={(event) => set('missed', event.target.value as ScheduleForm['missed'])}>
          <option value="skip">{t('triggers.missedSkip')}</option>
          <option value="runOnce">{t('triggers.missedRunOnce')}</option>
        </select>
      </label>
      <div className="triggers__buttons">
        <button type="button" className="primary" disabled={!valid} onClick={() => onSave(form)}>
          {t('triggers.saveSchedule')}
        </button>
        {settings?.schedule !== undefined && (
          <button type="button" className="danger" onClick={() => onSave(null)}>
            {t('triggers.removeSchedule')}
          </button>
        )}
      </div>
      <p className="muted">{t('triggers.scheduleHelp')}</p>
      {preview !== null && (
        <div data-testid="schedule-preview">
          <h4>{t('triggers.nextRuns', { zone: form.timezone })}</h4>
          <ol className="triggers__preview">
            {preview.map((fire) => (
              <li key={fire}>
                <time dateTime={fire}>{dateFormat.format(new Date(fire))}</time>
              </li>
            ))}
          </ol>
        </div>
      )}
      <h4>{t('triggers.publishedSchedule')}</h4>
      {live === null ? (
        <p className="muted">{t('triggers.noPublishedSchedule')}</p>
      ) : (
        <p data-testid="live-schedule" data-paused={live.paused}>
          {t('triggers.liveSchedule', { cron: live.cron, zone: live.timezone, version: live.version })}{' '}
          <span className={live.paused ? 'badge' : 'badge badge--ok'}>{live.paused ? t('triggers.paused') : t('triggers.active')}</span>{' '}
          <button type="button" onClick={() => void togglePause(!live.paused)}>
            {live.paused ? t('triggers.resume') : t('triggers.pause')}
          </button>
        </p>
      )}
      {error !== null && <ErrorNotice error={error} onDismiss={() => setError(null)} />}
    </section>
  );
}
