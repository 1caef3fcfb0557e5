import { useEffect, useState } from 'react';
import { NodeSettings } from '../components/node-settings';
import { TaskInspector } from '../components/task-inspector';
import type { LocatedProblem } from '../graph/problems';
import { useI18n } from '../i18n/i18n';
import type { EditorStore } from '../store/editor-store';
import type { RunView } from '../store/run-state';

export interface SidePanelProps {
  store: EditorStore;
  nodeId: string | null;
  problems: readonly LocatedProblem[];
  run: RunView | null;
}

/** Renders the right panel: the selected node's settings and, during a run, its task. */
export function SidePanel({ store, nodeId, problems, run }: SidePanelProps) {
  const { t } = useI18n();
  const [tab, setTab] = useState<'settings' | 'run'>(run !== null ? 'run' : 'settings');
  const runId = run?.runId ?? null;
  // A new run shows its data: that is what the user looks for once Run is pressed.
  useEffect(() => {
    if (runId !== null) setTab('run');
  }, [runId]);
  if (nodeId === null) {
    return (
      <aside className="side-panel">
        <p className="muted">{t('settings.select')}</p>
      </aside>
    );
  }
  const showRun = run !== null && tab === 'run';
  return (
    <aside className="side-panel" aria-label={t('settings.title')}>
      {run !== null && (
        <div className="tabs" role="tablist">
          <button type="button" role="tab" aria-selected={!showRun} onClick={() => setTab('settings')}>
            {t('settings.tabSettings')}
          </button>
          <button type="button" role="tab" aria-selected={showRun} onClick={() => setTab('run')}>
            {t('settings.tabRun')}
          </button>
        </div>
      )}
      {showRun ? <TaskInspector run={run} nodeId={nodeId} /> : <NodeSettings store={store} nodeId={nodeId} problems={problems} />}
    </aside>
  );
}
