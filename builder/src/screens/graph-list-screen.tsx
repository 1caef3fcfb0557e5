/** The graph list: search, create (empty or from a template), rename, duplicate, delete, import and export. */
import { useCallback, useEffect, useRef, useState, type ChangeEvent } from 'react';
import { ApiError, toApiError } from '../api/api-error';
import type { GraphSummary } from '../api/types';
import { useApi } from '../api-context';
import { AppLink } from '../components/app-link';
import { ConfirmDialog } from '../components/confirm-dialog';
import { NameDialog } from '../components/name-dialog';
import { TemplateDialog } from '../components/template-dialog';
import { ErrorNotice } from '../components/error-notice';
import { downloadBlob, graphFileName } from '../graph/file-io';
import { useI18n } from '../i18n/i18n';
import { graphPath, navigate, PLAYGROUND_PATH, runsPath } from '../router';

type Pending =
  | { kind: 'create' }
  | { kind: 'rename' | 'delete'; graph: GraphSummary }
  | { kind: 'template' };

/** Delay between the last key in the search box and the server request, in milliseconds. */
const SEARCH_DELAY_MS = 250;

export function GraphListScreen() {
  const api = useApi();
  const { t, language } = useI18n();
  const [search, setSearch] = useState('');
  const [graphs, setGraphs] = useState<GraphSummary[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [info, setInfo] = useState<string | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  const load = useCallback(async (text: string) => {
    try {
      setGraphs(await api.listGraphs(text));
    } catch (caught) {
      setError(toApiError(caught));
    }
  }, [api]);

  useEffect(() => {
    const timer = setTimeout(() => void load(search), search === '' ? 0 : SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [load, search]);

  /** Runs an action, shows its error if it fails, and reloads the list either way. */
  const act = async (action: () => Promise<void>) => {
    setError(null);
    setInfo(null);
    try {
      await action();
    } catch (caught) {
      setError(toApiError(caught));
    }
    await load(search);
  };

  const create = (name: string) =>
    act(async () => {
      const created = await api.createGraph({ name, nodes: [], edges: [] });
      navigate(graphPath(created.id));
    });

  const rename = (graph: GraphSummary, name: string) =>
    act(async () => {
      const detail = await api.getGraph(graph.id);
      await api.saveDraft(graph.id, { ...detail.document, name });
    });

  const duplicate = (graph: GraphSummary) =>
    act(async () => {
      const detail = await api.getGraph(graph.id);
      const { id: _id, version: _version, ...document } = detail.document;
      await api.createGraph({ ...document, name: t('list.copyName', { name: graph.name }) });
    });

  const remove = (graph: GraphSummary) => act(() => api.deleteGraph(graph.id));

  const exportGraph = (graph: GraphSummary) =>
    act(async () => {
      const { blob, fileName } = await api.exportGraph(graph.id);
      downloadBlob(blob, fileName ?? graphFileName(graph.name));
    });

  const importFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (file === undefined) return;
    const text = await file.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (caught) {
      const message = caught instanceof Error ? caught.message : String(caught);
      setError(new ApiError(0, 'IMPORT_JSON_INVALID', t('list.importInvalidJson', { message })));
      return;
    }
    await act(async () => {
      const created = await api.importGraph(parsed);
      const name = typeof (parsed as { name?: unknown }).name === 'string' ? (parsed as { name: string }).name : file.name;
      setInfo(t('list.imported', { name }));
      navigate(graphPath(created.id));
    });
  };

  const dateFormat = new Intl.DateTimeFormat(language, { dateStyle: 'short', timeStyle: 'short' });

  return (
    <main className="list">
      <div className="list__head">
        <h1>{t('list.title')}</h1>
        <input
          type="search"
          className="list__search"
          placeholder={t('list.search')}
          aria-label={t('list.search')}
          value={search}
          onChange={(event) => setSearch(event.target.value)}
        />
        <button type="button" className="primary" onClick={() => setPending({ kind: 'create' })}>
          {t('list.create')}
        </button>
        <button type="button" onClick={() => setPending({ kind: 'template' })}>
          {t('templates.open')}
        </button>
        <button type="button" onClick={() => fileInput.current?.click()}>
          {t('list.import')}
        </button>
        <input ref={fileInput} type="file" accept="application/json,.json" hidden data-testid="import-file" onChange={importFile} />
        <a
          className="list__link"
          href={PLAYGROUND_PATH}
          onClick={(event) => {
            event.preventDefault();
            navigate(PLAYGROUND_PATH);
          }}
        >
          {t('list.playground')}
        </a>
      </div>
      {error !== null && <ErrorNotice error={error} onDismiss={() => setError(null)} />}
      {info !== null && <p className="notice notice--info" role="status">{info}</p>}
      {graphs === null ? (
        <p>{t('app.loading')}</p>
      ) : graphs.length === 0 ? (
        <p className="list__empty">{search === '' ? t('list.empty') : t('list.noMatch', { search })}</p>
      ) : (
        <table className="list__table">
          <thead>
            <tr>
              <th>{t('list.name')}</th>
              <th>{t('list.version')}</th>
              <th>{t('list.updated')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {graphs.map((graph) => (
              <tr key={graph.id} data-graph-id={graph.id}>
                <td>
                  <a
                    href={graphPath(graph.id)}
                    onClick={(event) => {
                      event.preventDefault();
                      navigate(graphPath(graph.id));
                    }}
                  >
                    {graph.name}
                  </a>
                  {graph.description !== null && <div className="muted">{graph.description}</div>}
                </td>
                <td>
                  v{graph.latestVersion}{' '}
                  <span className={graph.publishedVersion === null ? 'badge' : 'badge badge--ok'}>
                    {graph.publishedVersion === null ? t('list.draft') : t('list.published', { version: graph.publishedVersion })}
                  </span>
                </td>
                <td>{dateFormat.format(new Date(graph.updatedAt))}</td>
                <td className="list__actions">
                  <button type="button" onClick={() => setPending({ kind: 'rename', graph })}>
                    {t('list.rename')}
                  </button>
                  <AppLink className="button" href={runsPath(graph.id)}>
                    {t('runs.link')}
                  </AppLink>
                  <button type="button" onClick={() => void duplicate(graph)}>
                    {t('list.duplicate')}
                  </button>
                  <button type="button" onClick={() => void exportGraph(graph)}>
                    {t('list.export')}
                  </button>
                  <button type="button" className="danger" onClick={() => setPending({ kind: 'delete', graph })}>
                    {t('list.delete')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {pending?.kind === 'template' && (
        <TemplateDialog
          onClose={() => setPending(null)}
          onCreate={async (template) => {
            const created = await api.importGraph(template.document);
            navigate(graphPath(created.id));
          }}
        />
      )}
      {pending?.kind === 'create' && (
        <NameDialog
          title={t('list.createTitle')}
          label={t('list.name')}
          submitLabel={t('dialog.create')}
          initialName={t('list.newName')}
          onClose={() => setPending(null)}
          onSubmit={(name) => void create(name)}
        />
      )}
      {pending?.kind === 'rename' && (
        <NameDialog
          title={t('list.renameTitle')}
          label={t('list.name')}
          submitLabel={t('dialog.save')}
          initialName={pending.graph.name}
          onClose={() => setPending(null)}
          onSubmit={(name) => void rename(pending.graph, name)}
        />
      )}
      {pending !== null && pending.kind === 'delete' && (
        <ConfirmDialog
          title={t('list.deleteTitle')}
          text={t('list.deleteText', { name: pending.graph.name })}
          submitLabel={t('dialog.delete')}
          onClose={() => setPending(null)}
          onConfirm={() => void remove(pending.graph)}
        />
      )}
    </main>
  );
}
