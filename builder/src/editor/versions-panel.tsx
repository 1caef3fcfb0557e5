import { useState } from 'react';
import { toApiError, type ApiError } from '../api/api-error';
import { getVersionDocument, type VersionSummary } from '../api/history-api';
import type { StudioApi } from '../api/studio-api';
import type { GraphDocument } from '../api/types';
import { Dialog } from '../components/dialog';
import { ErrorNotice } from '../components/error-notice';
import { useI18n, type Translate } from '../i18n/i18n';

export interface VersionsPanelProps {
  api: StudioApi;
  graphId: string;
  versions: VersionSummary[] | null;
  publishedVersion: number | null;
  /** Replaces the draft by a version's document, as one undoable edit. */
  onRestore: (version: number, document: GraphDocument) => void;
  onPublish: (version: number) => Promise<void>;
  onClose: () => void;
}

/** Returns the date a version was saved, or the date and publisher of its last publish. */
function versionDate(item: VersionSummary, dateFormat: Intl.DateTimeFormat, t: Translate): string {
  if (item.publishedAt === null) return t('versions.savedAt', { date: dateFormat.format(new Date(item.updatedAt)) });
  const date = dateFormat.format(new Date(item.publishedAt));
  const publisher = item.publishedBy ?? null;
  if (publisher === null) return t('versions.publishedAt', { date });
  return t('versions.publishedBy', { date, user: publisher.email ?? publisher.id });
}

/** The version history of the open graph: when each version was saved and published, with view, restore and publish. */
export function VersionsPanel({ api, graphId, versions, publishedVersion, onRestore, onPublish, onClose }: VersionsPanelProps) {
  const { t, language } = useI18n();
  const [viewing, setViewing] = useState<{ version: number; document: GraphDocument } | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const dateFormat = new Intl.DateTimeFormat(language, { dateStyle: 'short', timeStyle: 'medium' });

  const withDocument = async (version: number, use: (document: GraphDocument) => void) => {
    setError(null);
    try {
      use(await getVersionDocument(api, graphId, version));
    } catch (caught) {
      setError(toApiError(caught));
    }
  };

  return (
    <aside className="drawer" aria-label={t('versions.title')} data-testid="versions-panel">
      <div className="drawer__head">
        <h2>{t('versions.title')}</h2>
        <button type="button" className="link" onClick={onClose}>
          {t('dialog.close')}
        </button>
      </div>
      <p className="muted">{t('versions.help')}</p>
      {error !== null && <ErrorNotice error={error} onDismiss={() => setError(null)} />}
      {versions === null ? (
        <p>{t('app.loading')}</p>
      ) : (
        <ol className="versions">
          {versions.map((item) => (
            <li key={item.version} className="versions__item" data-version={item.version}>
              <div className="versions__title">
                <strong>v{item.version}</strong>{' '}
                {item.version === publishedVersion ? (
                  <span className="badge badge--ok">{t('versions.live')}</span>
                ) : item.frozenAt === null ? (
                  <span className="badge">{t('versions.draft')}</span>
                ) : null}
              </div>
              <div className="muted">
                {versionDate(item, dateFormat, t)}
              </div>
              <div className="versions__actions">
                <button type="button" onClick={() => void withDocument(item.version, (document) => setViewing({ version: item.version, document }))}>
                  {t('versions.view', { version: item.version })}
                </button>
                <button type="button" onClick={() => void withDocument(item.version, (document) => onRestore(item.version, document))}>
                  {t('versions.restore', { version: item.version })}
                </button>
                {item.version !== publishedVersion && (
                  <button type="button" onClick={() => void onPublish(item.version)}>
                    {t('versions.publish', { version: item.version })}
                  </button>
                )}
              </div>
            </li>
          ))}
        </ol>
      )}
      {viewing !== null && <VersionDialog version={viewing.version} document={viewing.document} onClose={() => setViewing(null)} />}
    </aside>
  );
}

/** Shows one version read-only: its nodes, edge count and the whole document. */
function VersionDialog({ version, document, onClose }: { version: number; document: GraphDocument; onClose: () => void }) {
  const { t } = useI18n();
  return (
    <Dialog title={t('versions.viewTitle', { version, name: document.name })} onClose={onClose}>
      <p>{t('versions.summary', { nodes: document.nodes.length, edges: document.edges.length })}</p>
      <table className="list__table">
        <thead>
          <tr>
            <th>{t('versions.nodeId')}</th>
            <th>{t('versions.nodeLabel')}</th>
            <th>{t('versions.nodeType')}</th>
          </tr>
        </thead>
        <tbody>
          {document.nodes.map((node) => (
            <tr key={node.id}>
              <td>
                <code>{node.id}</code>
              </td>
              <td>{node.label ?? ''}</td>
              <td>
                <code>{node.type}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <details>
        <summary>{t('versions.document')}</summary>
        <pre className="versions__json" aria-readonly="true">
          {JSON.stringify(document, null, 2)}
        </pre>
      </details>
    </Dialog>
  );
}
