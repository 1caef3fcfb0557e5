/** The landing screen after sign-in: recent runs and failures, daily charts and quick links. */
import { useEffect, useState } from 'react';
import { toApiError, type ApiError } from '../api/api-error';
import { dailyActivity, listRuns, type DailyActivity } from '../api/history-api';
import type { RunRecord } from '../api/types';
import { useApi } from '../api-context';
import { AppLink } from '../components/app-link';
import { BarChart } from '../components/bar-chart';
import { ErrorNotice } from '../components/error-notice';
import { RunTable } from '../components/run-table';
import { failureRate, sumSeries } from '../history/daily-chart';
import { useGraphNames } from '../history/use-graph-names';
import { useI18n } from '../i18n/i18n';
import { GRAPHS_PATH, PLAYGROUND_PATH, runsPath } from '../router';

/** Days of the dashboard charts. */
export const DASHBOARD_DAYS = 30;
const RECENT_RUNS = 8;
const RECENT_FAILURES = 5;

interface DashboardData {
  daily: DailyActivity[];
  recent: RunRecord[];
  failures: RunRecord[];
}

export function DashboardScreen() {
  const api = useApi();
  const { t } = useI18n();
  const graphNames = useGraphNames(api);
  const [data, setData] = useState<DashboardData | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  useEffect(() => {
    let current = true;
    Promise.all([
      dailyActivity(api, DASHBOARD_DAYS),
      listRuns(api, { limit: RECENT_RUNS }),
      listRuns(api, { limit: RECENT_FAILURES, status: ['failed'] }),
    ]).then(
      ([daily, recent, failures]) => current && setData({ daily, recent: recent.items, failures: failures.items }),
      (caught: unknown) => current && setError(toApiError(caught)),
    );
    return () => {
      current = false;
    };
  }, [api]);

  const rate = data === null ? null : failureRate(data.daily);
  return (
    <main className="dashboard">
      <div className="list__head">
        <h1>{t('dashboard.title')}</h1>
        <nav className="dashboard__links" aria-label={t('dashboard.quickLinks')}>
          <AppLink className="button primary" href={GRAPHS_PATH}>
            {t('app.graphs')}
          </AppLink>
          <AppLink className="button" href={PLAYGROUND_PATH}>
            {t('dashboard.playground')}
          </AppLink>
          <AppLink className="button" href={runsPath(null)}>
            {t('dashboard.allRuns')}
          </AppLink>
        </nav>
      </div>
      {error !== null && <ErrorNotice error={error} onDismiss={() => setError(null)} />}
      {data === null ? (
        error === null && <p>{t('app.loading')}</p>
      ) : (
        <>
          <section className="dashboard__figures" aria-label={t('dashboard.totals', { days: DASHBOARD_DAYS })}>
            <Figure label={t('dashboard.runsTotal', { days: DASHBOARD_DAYS })} value={String(sumSeries(data.daily, (day) => day.runs))} />
            <Figure label={t('dashboard.failureRate')} value={rate === null ? '–' : `${rate}%`} />
            <Figure label={t('dashboard.creditsTotal', { days: DASHBOARD_DAYS })} value={String(sumSeries(data.daily, (day) => day.credits))} />
          </section>
          <section className="dashboard__charts">
            <figure>
              <figcaption>{t('dashboard.runsPerDay')}</figcaption>
              <BarChart
                tone="runs"
                title={t('dashboard.runsPerDay')}
                points={data.daily.map((day) => ({ label: day.day, value: day.runs }))}
                describe={(point) => t('dashboard.runsOnDay', { day: point.label, count: point.value })}
              />
            </figure>
            <figure>
              <figcaption>{t('dashboard.creditsPerDay')}</figcaption>
              <BarChart
                tone="credits"
                title={t('dashboard.creditsPerDay')}
                points={data.daily.map((day) => ({ label: day.day, value: day.credits }))}
                describe={(point) => t('dashboard.creditsOnDay', { day: point.label, count: point.value })}
              />
            </figure>
          </section>
          <section className="dashboard__tables">
            <div>
              <h2>{t('dashboard.recentRuns')}</h2>
              {data.recent.length === 0 ? (
                <p className="muted">{t('dashboard.noRuns')}</p>
              ) : (
                <RunTable runs={data.recent} graphNames={graphNames} caption={t('dashboard.recentRuns')} />
              )}
            </div>
            <div>
              <h2>{t('dashboard.recentFailures')}</h2>
              {data.failures.length === 0 ? (
                <p className="muted">{t('dashboard.noFailures')}</p>
              ) : (
                <RunTable runs={data.failures} graphNames={graphNames} caption={t('dashboard.recentFailures')} />
              )}
            </div>
          </section>
        </>
      )}
    </main>
  );
}

function Figure({ label, value }: { label: string; value: string }) {
  return (
    <div className="figure">
      <span className="figure__value">{value}</span>
      <span className="figure__label">{label}</span>
    </div>
  );
}
