import type { ReactNode } from 'react';
import { useStore } from 'zustand';
import type { StreamState } from '../api/run-stream';
import { useI18n } from '../i18n/i18n';
import type { SaveStatus } from '../store/autosave';
import type { EditorStore } from '../store/editor-store';
import { isRunActive } from '../store/run-state';
import type { RunSummary } from '../store/run-store';

export interface EditorToolbarProps {
  store: EditorStore;
  saveStatus: SaveStatus;
  problemCount: number;
  publishedVersion: number | null;
  run: RunSummary | null;
  streamState: StreamState;
  onLayout: () => void;
  onFit: () => void;
  onCopy: () => void;
  onPaste: () => void;
  onPublish: () => void;
  onExport: () => void;
  onRun: () => void;
  onShowProblems: () => void;
  onCancelRun: () => void;
  onResumeRun: () => void;
  onCloseRun: () => void;
  /** Controls shown after the published badge, such as the version and trigger panel toggles. */
  extra?: ReactNode;
}

/** Renders the editor's top bar: name, save state, edit commands, publish, export and run controls. */
export function EditorToolbar(props: EditorToolbarProps) {
  const { t } = useI18n();
  const { store, run } = props;
  const name = useStore(store, (state) => state.name);
  const canUndo = useStore(store, (state) => state.history.past.length > 0);
  const canRedo = useStore(store, (state) => state.history.future.length > 0);
  const hasSelection = useStore(store, (state) => state.selectedNodes.length + state.selectedEdges.length > 0);
  const active = isRunActive(run);

  return (
    <div className="toolbar" role="toolbar" aria-label={t('editor.canvas')}>
      <input
        className="toolbar__name"
        aria-label={t('editor.name')}
        value={name}
        maxLength={200}
        onChange={(event) => store.getState().rename(event.target.value)}
      />
      <span className={`save save--${props.saveStatus}`} data-testid="save-status" data-status={props.saveStatus}>
        {t(`save.${props.saveStatus}`)}
      </span>
      <span className="toolbar__group">
        <button type="button" onClick={() => store.getState().undo()} disabled={!canUndo} title="Ctrl+Z">
          {t('editor.undo')}
        </button>
        <button type="button" onClick={() => store.getState().redo()} disabled={!canRedo} title="Ctrl+Shift+Z">
          {t('editor.redo')}
        </button>
        <button type="button" onClick={props.onCopy} disabled={!hasSelection} title="Ctrl+C">
          {t('editor.copy')}
        </button>
        <button type="button" onClick={props.onPaste} title="Ctrl+V">
          {t('editor.paste')}
        </button>
        <button type="button" onClick={() => store.getState().removeSelection()} disabled={!hasSelection} title="Delete">
          {t('editor.deleteSelection')}
        </button>
        <button type="button" onClick={props.onLayout}>
          {t('editor.layout')}
        </button>
        <button type="button" onClick={props.onFit}>
          {t('editor.fit')}
        </button>
      </span>
      <span className="toolbar__spacer" />
      <button
        type="button"
        className={props.problemCount > 0 ? 'problem-count problem-count--bad' : 'problem-count'}
        data-testid="problem-count"
        data-count={props.problemCount}
        onClick={props.onShowProblems}
        disabled={props.problemCount === 0}
      >
        {props.problemCount > 0 ? t('editor.problems', { count: props.problemCount }) : t('editor.noProblems')}
      </button>
      <span className={props.publishedVersion === null ? 'badge' : 'badge badge--ok'} data-testid="published-badge">
        {props.publishedVersion === null ? t('editor.notPublished') : t('editor.published', { version: props.publishedVersion })}
      </span>
      {props.extra}
      <button type="button" onClick={props.onPublish}>
        {t('editor.publish')}
      </button>
      <button type="button" onClick={props.onExport}>
        {t('editor.export')}
      </button>
      {run !== null && (
        <span className="run-bar" data-testid="run-bar" data-run-status={run.status}>
          <span className={`status status--${run.status}`}>{t('run.status', { status: t(`status.${run.status}`) })}</span>
          {props.streamState === 'reconnecting' && <span className="muted">{t('run.connection.reconnecting')}</span>}
          {active && (
            <button type="button" className="danger" onClick={props.onCancelRun}>
              {t('run.cancel')}
            </button>
          )}
          {(run.status === 'failed' || run.status === 'cancelled') && (
            <button type="button" onClick={props.onResumeRun}>
              {t('run.resume')}
            </button>
          )}
          <button type="button" onClick={props.onCloseRun} disabled={active}>
            {t('run.close')}
          </button>
        </span>
      )}
      <button type="button" className="primary" onClick={props.onRun} disabled={active}>
        {t('editor.run')}
      </button>
    </div>
  );
}
