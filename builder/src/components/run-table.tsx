import type { RunRecord } from '../api/types';
import { RUN_TRIGGERS, type RunTrigger } from '../history/run-filters';
import { useI18n, type Translate } from '../i18n/i18n';
import { graphPath, runPath } from '../router';
import { AppLink } from './app-link';

export interface RunTableProps {
  runs: RunRecord[];
  /** Graph names by id; a graph missing here shows its id. */
  graphNames: ReadonlyMap<string, string>;
  /** False hides the graph column, on the history of one graph. */
  showGraph?: boolean;
  caption: string;
}

/** Renders a table of runs in the given order, each linking to its run view. */
export function RunTable({ runs, graphNames, showGraph = true, caption }: RunTableProps) {
  const { t, language } = useI18n();
  const dateFormat = new Intl.DateTimeFormat(language, { dateStyle: 'short', timeStyle: 'medium' });
  return (
    <table className="list__table run-table">
      <caption className="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <th>{t('runs.started')}</th>
          {showGraph && <th>{t('runs.graph')}</th>}
          <th>{t('runs.statusColumn')}</th>
          <th>{t('runs.trigger')}</th>
          <th>{t('runs.versionColumn')}</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => (
          <tr key={run.id} data-run-id={run.id}>
            <td>
              <AppLink href={runPath(run.id)} aria-label={t('runs.openRun', { id: run.id })}>
                {dateFormat.format(new Date(run.createdAt))}
              </AppLink>
            </td>
            {showGraph && (
              <td>
                <AppLink href={graphPath(run.graphId)}>{graphNames.get(run.graphId) ?? run.graphId}</AppLink>
              </td>
            )}
            <td>
              <span className={`status status--${run.status}`}>{t(`status.${run.status}`)}</span>
              {run.error !== null && <div className="muted run-table__error">{run.error.code}</div>}
            </td>
            <td>{triggerLabel(t, run.trigger)}</td>
            <td>v{run.graphVersion}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Returns the translated name of a trigger, or the stored name of a trigger this builder does not list. */
export function triggerLabel(t: Translate, trigger: string): string {
  return (RUN_TRIGGERS as readonly string[]).includes(trigger) ? t(`trigger.${trigger as RunTrigger}`) : trigger;
}
