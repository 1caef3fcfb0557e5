/**
 * The nodes of the run on screen as a list of statuses. Small screens show it under the canvas,
 * where nodes are hard to tap, and a tap opens the node's details in the side panel.
 */
import './phone.css';
import { memo, useCallback } from 'react';
import { useStore } from 'zustand';
import { countRender } from '../components/render-count';
import { useMediaQuery } from '../components/use-media-query';
import { useI18n } from '../i18n/i18n';
import type { EditorStore } from '../store/editor-store';
import { useNodeStatusIn, useRunId, type RunStore } from '../store/run-store';

/** Widths at which the list shows; `phone.css` uses the same query. */
export const STATUS_LIST_MEDIA_QUERY = '(max-width: 600px)';

/**
 * Renders the list only where `phone.css` shows it. Each row follows its own node's status, so
 * a status event re-renders the rows it names, not the whole list.
 */
export function RunStatusList({ store, runStore }: { store: EditorStore; runStore: RunStore }) {
  const shown = useMediaQuery(STATUS_LIST_MEDIA_QUERY);
  const runId = useRunId(runStore);
  if (!shown || runId === null) return null;
  return <StatusRows store={store} runStore={runStore} />;
}

function StatusRows({ store, runStore }: { store: EditorStore; runStore: RunStore }) {
  const { t } = useI18n();
  const nodes = useStore(store, (state) => state.content.nodes);
  const catalog = useStore(store, (state) => state.nodeTypes);
  const selected = useStore(store, (state) => state.selectedNodes);

  const open = useCallback(
    (nodeId: string) => {
      store.getState().select([nodeId], []);
      requestAnimationFrame(() => document.querySelector('.side-panel')?.scrollIntoView({ block: 'start' }));
    },
    [store],
  );

  return (
    <nav className="run-status-list" aria-label={t('run.statusList')}>
      <ul>
        {nodes.map((node) => (
          <StatusRow
            key={node.id}
            nodeId={node.id}
            name={node.label ?? catalog.get(node.type)?.displayName ?? node.type}
            pressed={selected.includes(node.id)}
            runStore={runStore}
            onOpen={open}
          />
        ))}
      </ul>
    </nav>
  );
}

interface StatusRowProps {
  nodeId: string;
  name: string;
  pressed: boolean;
  runStore: RunStore;
  onOpen: (nodeId: string) => void;
}

const StatusRow = memo(function StatusRow({ nodeId, name, pressed, runStore, onOpen }: StatusRowProps) {
  const { t } = useI18n();
  const status = useNodeStatusIn(runStore, nodeId);
  countRender(`status-row:${nodeId}`);
  return (
    <li>
      <button type="button" aria-pressed={pressed} onClick={() => onOpen(nodeId)} data-status-node={nodeId}>
        <span className="run-status-list__name">{name}</span>
        {status !== null && <span className={`status status--${status}`}>{t(`status.${status}`)}</span>}
      </button>
    </li>
  );
});
