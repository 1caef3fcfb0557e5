/** Run history of one graph or of all graphs: filters kept in the URL and keyset paging. */
import { useCallback, useEffect, useState } from 'react';
import { toApiError, type ApiError } from '../api/api-error';
import { listRuns } from '../api/history-api';
import { RUN_STATUSES, type RunRecord } from '../api/types';
import { useApi } from '../api-context';
import { AppLink } from '../components/app-link';
import { ErrorNotice } from '../components/error-notice';
import { RunTable, triggerLabel } from '../components/run-table';
import { filterProblem, filtersFromSearch, filtersToQuery, filtersToSearch, RUN_TRIGGERS, type RunFilters } from '../history/run-filters';
import { useGraphNames } from '../history/use-graph-names';
import { useI18n } from '../i18n/i18n';
import { graphPath, runsPath } from '../router';

/** Runs per page. */
export const RUNS_PAGE_SIZE = 25;

interface Page {
  items: RunRecord[];
  nextCursor: string | null;
}

export function RunsScreen({ graphId }: { graphId: string | null }) {
  const api = useApi();
  const { t } = useI18n();
  const graphNames = useGraphNames(api);
  const [filters, setFilters] = useState<RunFilters>(() => filtersFromSearch(window.location.search));
  const [page, setPage] = useState<Page | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const problem = filterProblem(filters);

  useEffect(() => {
    // The filters live in the query string, so a reload or a shared link shows the same runs.
    window.history.replaceState(null, '', `${runsPath(graphId)}${filtersToSearch(filters)}`);
    if (problem !== null) return;
    let current = true;
    setPage(null);
    listRuns(api, filtersToQuery(filters, graphId, undefined, RUNS_PAGE_SIZE)).then(
      (result) => current && setPage(result),
      (caught: unknown) => current && setError(toApiError(caught)),
    );
    return () => {
      current = false;
    };
  }, [api, graphId, filters, problem]);

  const loadMore = useCallback(async () => {
    if (page?.nextCursor == null) return;
    setLoadingMore(true);
    try {
      const next = await listRuns(api, filtersToQuery(filters, graphId, page.nextCursor, RUNS_PAGE_SIZE));
      setPage({ items: [...page.items, ...next.items], nextCursor: next.nextCursor });
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setLoadingMore(false);
    }
  }, [api, filters, graphId, page]);

  const set = <K extends keyof RunFilters>(key: K, value: RunFilters[K]) => setFilters((previous) => ({ ...previous, [key]: value }));
  const graphName = graphId === null ? null : (graphNames.get(graphId) ?? graphId);
  return (
    <main className="list runs">
      <div className="list__head">
        <h1>{graphName === null ? t('runs.titleAll') : t('runs.titleGraph', { name: graphName })}</h1>
        {graphId !== null && (
          <>
            <AppLink className="button" href={graphPath(graphId)}>
              {t('runs.openEditor')}
            </AppLink>
            <AppLink className="button" href={runsPath(null)}>
              {t('runs.allGraphs')}
            </AppLink>
          </>
        )}
      </div>
      <form className="runs__filters" aria-label={t('runs.filters')} onSubmit={(event) => event.preventDefault()}>
        <label>
          {t('runs.statusColumn')}
          <select value={filters.status} onChange={(event) => set('status', event.target.value as RunFilters['status'])}>
            <option value="">{t('runs.any')}</option>
            {RUN_STATUSES.map((status) => (
              <option key={status} value={status}>
                {t(`status.${status}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('runs.trigger')}
          <select value={filters.trigger} onChange={(event) => set('trigger', event.target.value as RunFilters['trigger'])}>
            <option value="">{t('runs.any')}</option>
            {RUN_TRIGGERS.map((trigger) => (
              <option key={trigger} value={trigger}>
                {triggerLabel(t, trigger)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('runs.from')}
          <input type="date" value={filters.from} onChange={(event) => set('from', event.target.value)} />
        </label>
        <label>
          {t('runs.to')}
          <input type="date" value={filters.to} onChange={(event) => set('to', event.target.value)} />
        </label>
        <button type="button" onClick={() => setFilters({ status: '', trigger: '', from: '', to: '' })}>
          {t('runs.clearFilters')}
        </button>
      </form>
      {problem !== null && (
        <p className="field-error" role="alert">
          {t(problem)}
        </p>
      )}
      {error !== null && <ErrorNotice error={error} onDismiss={() => setError(null)} />}
      {page === null ? (
        problem === null && error === null && <p>{t('app.loading')}</p>
      ) : page.items.length === 0 ? (
        <p className="list__empty">{t('runs.none')}</p>
      ) : (
        <>
          <RunTable runs={page.items} graphNames={graphNames} showGraph={graphId === null} caption={t('runs.titleAll')} />
          <p className="runs__count muted" data-testid="runs-count">
            {t('runs.shown', { count: page.items.length })}
          </p>
          {page.nextCursor !== null && (
            <button type="button" onClick={() => void loadMore()} disabled={loadingMore}>
              {t('runs.more')}
            </button>
          )}
        </>
      )}
    </main>
  );
}
