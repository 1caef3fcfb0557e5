import { lazy, Suspense, useEffect, useState } from 'react';
import { TaskInspector } from '../components/task-inspector';
import type { LocatedProblem } from '../graph/problems';
import { useI18n } from '../i18n/i18n';
import type { EditorStore } from '../store/editor-store';
import type { RunStore } from '../store/run-store';

/** The settings form and react-jsonschema-form load when a node is first selected. */
const NodeSettings = lazy(() => import('../components/node-settings').then((module) => ({ default: module.NodeSettings })));

export interface SidePanelProps {
  store: EditorStore;
  nodeId: string | null;
  problems: readonly LocatedProblem[];
  /** Id of the run on screen, or null. */
  runId: string | null;
  runStore: RunStore;
}

/** Renders the right panel: the selected node's settings and, during a run, its task. */
export function SidePanel({ store, nodeId, problems, runId, runStore }: SidePanelProps) {
  const { t } = useI18n();
  const [tab, setTab] = useState<'settings' | 'run'>(runId !== null ? 'run' : 'settings');
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
  const showRun = runId !== null && tab === 'run';
  return (
    <aside className="side-panel" aria-label={t('settings.title')}>
      {runId !== null && (
        <div className="tabs" role="tablist">
          <button type="button" role="tab" aria-selected={!showRun} onClick={() => setTab('settings')}>
            {t('settings.tabSettings')}
          </button>
          <button type="button" role="tab" aria-selected={showRun} onClick={() => setTab('run')}>
            {t('settings.tabRun')}
          </button>
        </div>
      )}
      {showRun ? (
        <TaskInspector store={runStore} nodeId={nodeId} />
      ) : (
        <Suspense fallback={<p className="muted">{t('app.loading')}</p>}>
          <NodeSettings store={store} nodeId={nodeId} problems={problems} />
        </Suspense>
      )}
    </aside>
  );
}
