/**
 * The nodes of the run on screen as a list of statuses. Small screens show it under the canvas,
 * where nodes are hard to tap, and a tap opens the node's details in the side panel.
 */
import './phone.css';
import { useStore } from 'zustand';
import { useI18n } from '../i18n/i18n';
import type { EditorStore } from '../store/editor-store';
import { nodeStatusOf } from '../store/run-state';
import type { RunStore } from '../store/run-store';

export function RunStatusList({ store, runStore }: { store: EditorStore; runStore: RunStore }) {
  const { t } = useI18n();
  const run = useStore(runStore, (state) => state.view);
  const nodes = useStore(store, (state) => state.content.nodes);
  const catalog = useStore(store, (state) => state.nodeTypes);
  const selected = useStore(store, (state) => state.selectedNodes);
  if (run === null) return null;

  const open = (nodeId: string) => {
    store.getState().select([nodeId], []);
    requestAnimationFrame(() => document.querySelector('.side-panel')?.scrollIntoView({ block: 'start' }));
  };

  return (
    <nav className="run-status-list" aria-label={t('run.statusList')}>
      <ul>
        {nodes.map((node) => {
          const status = nodeStatusOf(run, node.id);
          return (
            <li key={node.id}>
              <button type="button" aria-pressed={selected.includes(node.id)} onClick={() => open(node.id)} data-status-node={node.id}>
                <span className="run-status-list__name">{node.label ?? catalog.get(node.type)?.displayName ?? node.type}</span>
                {status !== null && <span className={`status status--${status}`}>{t(`status.${status}`)}</span>}
              </button>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
