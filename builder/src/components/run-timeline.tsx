import { formatDuration, layoutTimeline, type TimelineTask } from '../history/timeline-layout';
import { useI18n } from '../i18n/i18n';

export interface RunTimelineProps {
  tasks: TimelineTask[];
  runStartedAt: string | null;
  /** Milliseconds since the epoch that running attempts end at. */
  now: number;
}

/** Maps a task or attempt status to the CSS tone of its bar. */
function tone(status: string): string {
  switch (status) {
    case 'COMPLETED':
      return 'succeeded';
    case 'FAILED':
    case 'INTERRUPTED':
      return 'failed';
    case 'IN_PROGRESS':
      return 'running';
    case 'CANCELLED':
      return 'cancelled';
    case 'SKIPPED':
      return 'skipped';
    default:
      return 'queued';
  }
}

/**
 * Draws the duration of each task as horizontal bars from start to end, one row per node and one
 * bar per attempt, on a time axis shared by the whole run.
 */
export function RunTimeline({ tasks, runStartedAt, now }: RunTimelineProps) {
  const { t } = useI18n();
  const layout = layoutTimeline(tasks, runStartedAt, now);
  if (layout.rows.length === 0) return <p className="muted">{t('runView.noTasks')}</p>;
  return (
    <div className="timeline" role="table" aria-label={t('runView.timeline')} data-testid="timeline">
      <div className="timeline__axis" role="row">
        <span className="timeline__label" role="columnheader">
          {t('runView.node')}
        </span>
        <span className="timeline__track" role="columnheader">
          {layout.ticks.map((tick) => (
            <span key={tick.left} className="timeline__tick" style={{ left: `${tick.left * 100}%` }}>
              {formatDuration(tick.offsetMs)}
            </span>
          ))}
        </span>
      </div>
      {layout.rows.map((row) => (
        <div key={row.taskId} className="timeline__row" role="row" data-node-id={row.nodeId} data-attempts={row.bars.length}>
          <span className="timeline__label" role="rowheader" title={row.nodeType}>
            {row.nodeId}
            <span className="muted"> {row.durationMs === null ? t(`taskStatus.${row.status}`) : formatDuration(row.durationMs)}</span>
          </span>
          <span className="timeline__track" role="cell">
            {row.bars.map((bar) => {
              const text = t('runView.attemptBar', { attempt: bar.attempt, status: t(`taskStatus.${bar.status as 'INTERRUPTED'}`), duration: formatDuration(bar.durationMs) });
              return (
                <span
                  key={bar.attempt}
                  className={`timeline__bar timeline__bar--${tone(bar.status)}${bar.running ? ' timeline__bar--live' : ''}`}
                  style={{ left: `${bar.left * 100}%`, width: `${bar.width * 100}%` }}
                  title={text}
                  aria-label={text}
                  data-attempt={bar.attempt}
                >
                  {row.bars.length > 1 ? bar.attempt : ''}
                </span>
              );
            })}
          </span>
        </div>
      ))}
    </div>
  );
}
