/** One run: its status, input, output and error, the timeline of its tasks, and cancel or resume. */
import { useCallback, useEffect, useState } from 'react';
import { toApiError, type ApiError } from '../api/api-error';
import { getRunWithAttempts, type RunWithAttempts } from '../api/history-api';
import { useApi } from '../api-context';
import { AppLink } from '../components/app-link';
import { ErrorNotice } from '../components/error-notice';
import { RunTimeline } from '../components/run-timeline';
import { triggerLabel } from '../components/run-table';
import { useI18n } from '../i18n/i18n';
import { graphPath, runsPath } from '../router';

/** How often a queued or running run is read again, in milliseconds. */
const REFRESH_MS = 1_000;

function isActive(run: RunWithAttempts | null): boolean {
  return run !== null && (run.status === 'queued' || run.status === 'running');
}

export function RunScreen({ runId }: { runId: string }) {
  const api = useApi();
  const { t, language } = useI18n();
  const [run, setRun] = useState<RunWithAttempts | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [now, setNow] = useState(() => Date.now());

  const load = useCallback(async () => {
    try {
      setRun(await getRunWithAttempts(api, runId));
      setNow(Date.now());
    } catch (caught) {
      setError(toApiError(caught));
    }
  }, [api, runId]);

  useEffect(() => {
    void load();
  }, [load]);

  const active = isActive(run);
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [active, load]);

  const act = async (action: () => Promise<unknown>) => {
    setError(null);
    try {
      await action();
    } catch (caught) {
      setError(toApiError(caught));
    }
    await load();
  };

  if (run === null) {
    return <main className="centered">{error === null ? <p>{t('app.loading')}</p> : <ErrorNotice error={error} />}</main>;
  }
  const dateFormat = new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'medium' });
  return (
    <main className="run-view">
      <div className="list__head">
        <h1>{t('runView.title', { id: run.id })}</h1>
        <span className={`status status--${run.status}`} data-testid="run-status">
          {t(`status.${run.status}`)}
        </span>
        <AppLink className="button" href={graphPath(run.graphId)}>
          {t('runs.openEditor')}
        </AppLink>
        <AppLink className="button" href={runsPath(run.graphId)}>
          {t('runView.graphRuns')}
        </AppLink>
        {active && (
          <button type="button" className="danger" onClick={() => void act(() => api.cancelRun(run.id))}>
            {t('run.cancel')}
          </button>
        )}
        {(run.status === 'failed' || run.status === 'cancelled') && (
          <button type="button" onClick={() => void act(() => api.resumeRun(run.id))}>
            {t('run.resume')}
          </button>
        )}
      </div>
      {error !== null && <ErrorNotice error={error} onDismiss={() => setError(null)} />}
      <dl className="run-view__facts">
        <dt>{t('runs.trigger')}</dt>
        <dd>{triggerLabel(t, run.trigger)}</dd>
        <dt>{t('runs.versionColumn')}</dt>
        <dd>v{run.graphVersion}</dd>
        <dt>{t('runs.started')}</dt>
        <dd>{dateFormat.format(new Date(run.startedAt ?? run.createdAt))}</dd>
        <dt>{t('runView.finished')}</dt>
        <dd>{run.finishedAt === null ? '–' : dateFormat.format(new Date(run.finishedAt))}</dd>
      </dl>
      {run.error !== null && (
        <p className="notice notice--error" role="alert">
          <code>{run.error.code}</code> {run.error.message}
        </p>
      )}
      <section>
        <h2>{t('runView.timeline')}</h2>
        <RunTimeline tasks={run.tasks} runStartedAt={run.startedAt} now={active ? now : Date.parse(run.finishedAt ?? run.createdAt)} />
      </section>
      <section className="run-view__data">
        <div>
          <h2>{t('run.inputData')}</h2>
          <pre>{JSON.stringify(run.input, null, 2)}</pre>
        </div>
        <div>
          <h2>{t('run.outputData')}</h2>
          <pre>{JSON.stringify(run.output, null, 2)}</pre>
        </div>
      </section>
    </main>
  );
}
