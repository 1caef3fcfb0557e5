/** A node's task in the run on screen: status, attempts, duration, input, output, error and log. */
import { useEffect, useState } from 'react';
import { toApiError, type ApiError } from '../api/api-error';
import type { RunEvent, TaskDetail } from '../api/types';
import { useApi } from '../api-context';
import { useI18n } from '../i18n/i18n';
import { LiveText, NodeArtifacts } from '../run-view/artifact-preview';
import { useNodeRun, useNodeStream, useRunId, type RunStore } from '../store/run-store';
import { ErrorNotice } from './error-notice';

export interface TaskInspectorProps {
  store: RunStore;
  nodeId: string;
}

/** Formats a duration in milliseconds as `850 ms` or `12.3 s`. */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function Json({ value, testId }: { value: unknown; testId: string }) {
  return (
    <pre className="json" data-testid={testId}>
      {value === undefined ? '—' : JSON.stringify(value, null, 2)}
    </pre>
  );
}

export function TaskInspector({ store, nodeId }: TaskInspectorProps) {
  const { t } = useI18n();
  const api = useApi();
  const nodeRun = useNodeRun(store, nodeId);
  const streamed = useNodeStream(store, nodeId);
  const runId = useRunId(store);
  const [task, setTask] = useState<TaskDetail | null>(null);
  const [log, setLog] = useState<RunEvent[]>([]);
  const [error, setError] = useState<ApiError | null>(null);

  // Reload whenever the node's status or attempt changes, so the panel follows the run.
  useEffect(() => {
    if (nodeRun === undefined) return;
    let current = true;
    Promise.all([api.getTask(nodeRun.taskId), api.taskLog(nodeRun.taskId)]).then(
      ([detail, events]) => {
        if (!current) return;
        setTask(detail);
        setLog(events.filter((event) => event.type === 'task.log'));
        setError(null);
      },
      (caught: unknown) => {
        if (current) setError(toApiError(caught));
      },
    );
    return () => {
      current = false;
    };
  }, [api, nodeRun?.taskId, nodeRun?.status, nodeRun?.attempt]);

  if (nodeRun === undefined) return <p className="muted">{t('run.noTask')}</p>;
  if (error !== null) return <ErrorNotice error={error} />;
  if (task === null) return <p>{t('app.loading')}</p>;

  const duration =
    task.startedAt !== null && task.finishedAt !== null ? formatDuration(Date.parse(task.finishedAt) - Date.parse(task.startedAt)) : '—';
  return (
    <section className="inspector" data-testid="task-inspector">
      <dl className="settings__facts">
        <dt>{t('run.taskStatus')}</dt>
        <dd>
          <span className={`status status--${nodeRun.status}`}>{t(`status.${nodeRun.status}`)}</span>
        </dd>
        <dt>{t('run.attempts')}</dt>
        <dd>{task.attempts}</dd>
        <dt>{t('run.duration')}</dt>
        <dd data-testid="task-duration">{duration}</dd>
      </dl>
      {task.attemptHistory.length > 1 && (
        <ol className="inspector__attempts">
          {task.attemptHistory.map((attempt) => (
            <li key={attempt.attempt}>
              {t('run.attemptLine', { attempt: attempt.attempt, status: attempt.status })}
              {attempt.error !== null && <> — <code>{attempt.error.code}</code> {attempt.error.message}</>}
            </li>
          ))}
        </ol>
      )}
      <LiveText text={streamed} running={nodeRun.status === 'running'} />
      {runId !== null && <NodeArtifacts runId={runId} nodeId={nodeId} refreshKey={`${nodeRun.status}-${nodeRun.attempt}`} />}
      <h3>{t('run.inputData')}</h3>
      <Json value={task.input} testId="task-input" />
      <h3>{t('run.outputData')}</h3>
      <Json value={task.output ?? undefined} testId="task-output" />
      {task.error !== null && (
        <>
          <h3>{t('run.errorData')}</h3>
          <Json value={task.error} testId="task-error" />
        </>
      )}
      <h3>{t('run.logs')}</h3>
      {log.length === 0 ? (
        <p className="muted">{t('run.noLogs')}</p>
      ) : (
        <ol className="inspector__log">
          {log.map((event) => {
            const data = (event.data ?? {}) as { level?: string; message?: string };
            return (
              <li key={event.seq} className={`log log--${data.level ?? 'info'}`}>
                <time>{new Date(event.at).toLocaleTimeString()}</time> <strong>{data.level}</strong> {data.message}
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
