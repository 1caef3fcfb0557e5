/**
 * The graph editor: palette, canvas, node settings, autosave, publish, export, and running the
 * graph with live node statuses.
 */
import { ReactFlowProvider, useReactFlow } from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useStore } from 'zustand';
import { toApiError, type ApiError } from '../api/api-error';
import { publishVersion } from '../api/history-api';
import type { GraphDocument } from '../api/types';
import type { StudioApi } from '../api/studio-api';
import { useApi } from '../api-context';
import { AppLink } from '../components/app-link';
import { Canvas } from '../components/canvas';
import { ErrorNotice } from '../components/error-notice';
import { Palette } from '../components/palette';
import { useRejectionText } from '../components/rejection-text';
import { EditorToolbar } from '../editor/editor-toolbar';
import { ProblemsDialog, RunDialog } from '../editor/run-dialog';
import { SidePanel } from '../editor/side-panel';
import { withSchedule, type ScheduleForm } from '../editor/trigger-form';
import { TriggersPanel } from '../editor/triggers-panel';
import { useAutosave } from '../editor/use-autosave';
import { useNodeCatalog } from '../editor/use-node-catalog';
import { useRunWatcher } from '../editor/use-run-watcher';
import { useShortcuts } from '../editor/use-shortcuts';
import { useVersions, type EditingState } from '../editor/use-versions';
import { VersionsPanel } from '../editor/versions-panel';
import type { ConnectionRejection } from '../graph/connection-check';
import { downloadBlob, graphFileName } from '../graph/file-io';
import type { NodeCatalog } from '../graph/node-catalog';
import { findProblems, type LocatedProblem } from '../graph/problems';
import { sameDocument } from '../graph/same-document';
import { useI18n, type Translate } from '../i18n/i18n';
import { RunStatusList } from '../run-view/run-status-list';
import { runIdOfSearch, runsPath } from '../router';
import { LocalDraftStorage, type DraftStorage } from '../store/autosave';
import { createEditorStore, type EditorStore } from '../store/editor-store';
import { RunStoreContext } from '../store/run-store';

/** How long an information notice stays, in milliseconds. */
const NOTICE_MS = 4_000;

interface Notice {
  id: number;
  text?: string;
  error?: ApiError;
  action?: { label: string; run: () => void };
}

interface Loaded {
  store: EditorStore;
  publishedVersion: number | null;
  restoredDraft: boolean;
}

export function EditorScreen({ graphId }: { graphId: string }) {
  const api = useApi();
  const { t } = useI18n();
  const { catalog, error: catalogError } = useNodeCatalog(api);
  const drafts = useMemo<DraftStorage>(() => new LocalDraftStorage(), []);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [loadError, setLoadError] = useState<ApiError | null>(null);

  useEffect(() => {
    if (catalog === null) return;
    let current = true;
    loadEditor(api, graphId, catalog, drafts).then(
      (result) => current && setLoaded(result),
      (caught: unknown) => current && setLoadError(toApiError(caught)),
    );
    return () => {
      current = false;
    };
  }, [api, graphId, catalog, drafts]);

  const error = catalogError ?? loadError;
  if (error !== null) {
    return (
      <main className="centered">
        <ErrorNotice error={error} />
      </main>
    );
  }
  if (loaded === null || catalog === null) return <p className="centered">{t('editor.loading')}</p>;
  return (
    <ReactFlowProvider>
      <Editor api={api} graphId={graphId} catalog={catalog} drafts={drafts} loaded={loaded} />
    </ReactFlowProvider>
  );
}

/** Loads the graph, and the browser's unsaved draft of it when there is one. */
async function loadEditor(api: StudioApi, graphId: string, catalog: NodeCatalog, drafts: DraftStorage): Promise<Loaded> {
  const detail = await api.getGraph(graphId);
  const draft = drafts.read(graphId);
  const restoredDraft = draft !== null && !sameDocument(draft.document, detail.document);
  if (draft !== null && !restoredDraft) drafts.remove(graphId);
  const store = createEditorStore({ nodeTypes: catalog });
  store.getState().load(restoredDraft ? draft.document : detail.document, graphId);
  return { store, publishedVersion: detail.publishedVersion, restoredDraft };
}

interface EditorProps {
  api: StudioApi;
  graphId: string;
  catalog: NodeCatalog;
  drafts: DraftStorage;
  loaded: Loaded;
}

function Editor({ api, graphId, drafts, loaded }: EditorProps) {
  const { t } = useI18n();
  const { store } = loaded;
  const flow = useReactFlow();
  const describeRejection = useRejectionText();
  const { autosave, status: saveStatus, error: saveError } = useAutosave(api, store, graphId, drafts);
  const runs = useRunWatcher(api, graphId);
  const [publishedVersion, setPublishedVersion] = useState(loaded.publishedVersion);
  const [dialog, setDialog] = useState<'run' | 'problems' | null>(null);
  const [drawer, setDrawer] = useState<'versions' | 'triggers' | null>(null);
  const versions = useVersions(api, graphId, saveStatus, publishedVersion);
  const settings = useStore(store, (state) => state.settings);
  const [notices, setNotices] = useState<Notice[]>([]);
  const noticeId = useRef(0);

  // Node moves leave the problems as they are, so a drag does not validate the graph again.
  const structureRevision = useStore(store, (state) => state.structureRevision);
  const catalog = useStore(store, (state) => state.nodeTypes);
  const selectedNodes = useStore(store, (state) => state.selectedNodes);
  const problems = useMemo(() => findProblems(store.getState().toDocument(), catalog), [store, structureRevision, catalog]);

  const notify = useCallback((notice: Omit<Notice, 'id'>) => {
    noticeId.current += 1;
    const id = noticeId.current;
    setNotices((list) => [...list, { ...notice, id }]);
    if (notice.error === undefined && notice.action === undefined) {
      setTimeout(() => setNotices((list) => list.filter((item) => item.id !== id)), NOTICE_MS);
    }
  }, []);
  const dismiss = (id: number) => setNotices((list) => list.filter((item) => item.id !== id));

  /** Runs an API action and shows its error as a notice. */
  const attempt = useCallback(
    async (action: () => Promise<void>) => {
      try {
        await action();
      } catch (caught) {
        notify({ error: toApiError(caught) });
      }
    },
    [notify],
  );

  const draftNoticeShown = useRef(false);
  useEffect(() => {
    if (!loaded.restoredDraft || draftNoticeShown.current) return;
    draftNoticeShown.current = true;
    // The restored draft goes to the server as soon as it is valid.
    autosave.change(store.getState().toDocument());
    notify({
      text: t('editor.restoredDraft'),
      action: {
        label: t('editor.discardDraft'),
        run: () => {
          autosave.stop();
          drafts.remove(graphId);
          window.location.reload();
        },
      },
    });
    // Shown once, when the editor opens.
  }, []);

  // `?run=<id>` opens the editor on that run, finished or not.
  useEffect(() => {
    const runId = runIdOfSearch(window.location.search);
    if (runId !== null) runs.watch(runId);
  }, []);

  const onRejected = useCallback(
    (rejection: ConnectionRejection) => notify({ text: t('connect.refused', { reason: describeRejection(rejection) }) }),
    [notify, t, describeRejection],
  );

  const copy = useCallback(() => {
    const count = store.getState().copySelection();
    if (count > 0) notify({ text: t('editor.copied', { count }) });
  }, [store, notify, t]);
  const paste = useCallback(() => {
    const count = store.getState().paste();
    if (count > 0) notify({ text: t('editor.pasted', { count }) });
  }, [store, notify, t]);

  const shortcuts = useMemo(
    () => ({
      undo: () => store.getState().undo(),
      redo: () => store.getState().redo(),
      copy,
      paste,
      remove: () => store.getState().removeSelection(),
    }),
    [store, copy, paste],
  );
  useShortcuts(shortcuts);

  /** Saves the latest draft to the server; false, with a notice, when it cannot be saved. */
  const saveNow = useCallback(async () => {
    if (await autosave.flush()) return true;
    notify({ text: t('save.flushFailed') });
    return false;
  }, [autosave, notify, t]);

  const addAtCentre = useCallback(
    (type: string) => {
      const bounds = document.querySelector('.canvas')?.getBoundingClientRect();
      const centre = bounds === undefined ? { x: 0, y: 0 } : { x: bounds.left + bounds.width / 2, y: bounds.top + bounds.height / 2 };
      // Nodes added in a row are offset, so they do not cover each other.
      const count = store.getState().content.nodes.length % 8;
      const position = flow.screenToFlowPosition(centre);
      store.getState().addNode(type, { x: position.x - 100 + count * 24, y: position.y - 36 + count * 24 });
    },
    [store, flow],
  );

  const locate = (problem: LocatedProblem) => {
    setDialog(null);
    if (problem.nodeId !== undefined) store.getState().select([problem.nodeId], []);
    else if (problem.edgeId !== undefined) store.getState().select([], [problem.edgeId]);
  };

  const onRun = () => setDialog(problems.list.length > 0 ? 'problems' : 'run');
  const startRun = async (input: unknown) => {
    if (!(await saveNow())) return;
    await attempt(async () => {
      await runs.start(input);
      setDialog(null);
    });
  };

  const publish = () =>
    attempt(async () => {
      if (!(await saveNow())) return;
      const result = await api.publish(graphId);
      setPublishedVersion(result.publishedVersion);
      notify({ text: t('editor.publishedOk', { version: result.publishedVersion }) });
    });

  const publishOlder = (version: number) =>
    attempt(async () => {
      const result = await publishVersion(api, graphId, version);
      setPublishedVersion(result.publishedVersion);
      notify({ text: t('editor.publishedOk', { version: result.publishedVersion }) });
    });

  const restoreVersion = (version: number, document: GraphDocument) => {
    store.getState().restoreVersion(document);
    notify({ text: t('versions.restored', { version }), action: { label: t('editor.undo'), run: () => store.getState().undo() } });
  };

  const saveSchedule = (form: ScheduleForm | null) => {
    store.getState().setSettings(withSchedule(store.getState().settings, form));
    notify({ text: form === null ? t('triggers.scheduleRemoved') : t('triggers.scheduleSaved') });
  };

  const runFromPanel = async (input: unknown) => {
    if (!(await saveNow())) return;
    await attempt(() => runs.start(input));
  };

  const exportGraph = () =>
    attempt(async () => {
      if (!(await saveNow())) return;
      const { blob, fileName } = await api.exportGraph(graphId);
      downloadBlob(blob, fileName ?? graphFileName(store.getState().name));
    });

  const selectedNode = selectedNodes.length === 1 ? selectedNodes[0] : null;
  return (
    <div className="editor">
      <EditorToolbar
        store={store}
        saveStatus={saveStatus}
        problemCount={problems.list.length}
        publishedVersion={publishedVersion}
        run={runs.view}
        streamState={runs.streamState}
        onLayout={() => {
          store.getState().autoLayout();
          requestAnimationFrame(() => void flow.fitView({ maxZoom: 1.2 }));
        }}
        onFit={() => void flow.fitView({ maxZoom: 1.2 })}
        onCopy={copy}
        onPaste={paste}
        onPublish={() => void publish()}
        onExport={() => void exportGraph()}
        onRun={onRun}
        onShowProblems={() => setDialog('problems')}
        onCancelRun={() => void attempt(runs.cancel)}
        onResumeRun={() => void attempt(runs.resume)}
        onCloseRun={runs.close}
        extra={
          <>
            <EditingBadge editing={versions.editing} t={t} />
            <button type="button" aria-pressed={drawer === 'versions'} onClick={() => setDrawer(drawer === 'versions' ? null : 'versions')}>
              {t('versions.open')}
            </button>
            <button type="button" aria-pressed={drawer === 'triggers'} onClick={() => setDrawer(drawer === 'triggers' ? null : 'triggers')}>
              {t('triggers.open')}
            </button>
            <AppLink className="button" href={runsPath(graphId)}>
              {t('runs.link')}
            </AppLink>
          </>
        }
      />
      {saveError !== null && saveStatus !== 'saved' && <ErrorNotice error={saveError} />}
      {runs.view?.error != null && (
        <p className="notice notice--error" role="alert" data-testid="run-error">
          {t('run.runError', { message: `${runs.view.error.code}: ${runs.view.error.message}` })}
        </p>
      )}
      <div className="editor__body">
        <Palette catalog={catalog} onAdd={addAtCentre} />
        <RunStoreContext.Provider value={runs.store}>
          <Canvas store={store} problems={problems} onRejected={onRejected} />
        </RunStoreContext.Provider>
        <RunStatusList store={store} runStore={runs.store} />
        {drawer === 'versions' && (
          <VersionsPanel
            api={api}
            graphId={graphId}
            versions={versions.versions}
            publishedVersion={publishedVersion}
            onRestore={restoreVersion}
            onPublish={publishOlder}
            onClose={() => setDrawer(null)}
          />
        )}
        {drawer === 'triggers' && (
          <TriggersPanel
            api={api}
            graphId={graphId}
            settings={settings}
            publishedVersion={publishedVersion}
            onRun={runFromPanel}
            onSaveSchedule={saveSchedule}
            onClose={() => setDrawer(null)}
          />
        )}
        {drawer === null && (
          <SidePanel
            key={selectedNode ?? ''}
            store={store}
            nodeId={selectedNode}
            problems={selectedNode === null ? [] : (problems.byNode.get(selectedNode) ?? [])}
            runId={runs.view?.runId ?? null}
            runStore={runs.store}
          />
        )}
      </div>
      <div className="notices" aria-live="polite">
        {notices.map((notice) =>
          notice.error !== undefined ? (
            <ErrorNotice key={notice.id} error={notice.error} onDismiss={() => dismiss(notice.id)} />
          ) : (
            <div key={notice.id} className="notice notice--info" role="status">
              {notice.text}
              {notice.action !== undefined && (
                <button type="button" className="link" onClick={notice.action.run}>
                  {notice.action.label}
                </button>
              )}
              <button type="button" className="link" onClick={() => dismiss(notice.id)} aria-label={t('error.dismiss')}>
                ×
              </button>
            </div>
          ),
        )}
      </div>
      {dialog === 'run' && <RunDialog graphId={graphId} onStart={startRun} onClose={() => setDialog(null)} />}
      {dialog === 'problems' && <ProblemsDialog problems={problems.list} onLocate={locate} onClose={() => setDialog(null)} />}
    </div>
  );
}

const EDITING_TEXT = {
  draft: 'versions.editingDraft',
  published: 'versions.editingPublished',
  frozen: 'versions.editingFrozen',
} as const;

/** Says which version the editor changes: a draft, or the published version until the next save starts a draft. */
function EditingBadge({ editing, t }: { editing: EditingState; t: Translate }) {
  if (editing.kind === 'unknown') return null;
  return (
    <span className="badge badge--draft" data-testid="editing-badge" data-kind={editing.kind}>
      {t(EDITING_TEXT[editing.kind], { version: editing.version })}
    </span>
  );
}
