/** Inline previews of the artifacts a node made: image, audio and video players, or text. */
import { useEffect, useState } from 'react';
import { toApiError, type ApiError } from '../api/api-error';
import { useApi } from '../api-context';
import { ErrorNotice } from '../components/error-notice';
import { downloadBlob } from '../graph/file-io';
import { useI18n } from '../i18n/i18n';
import { nodeArtifacts, previewKindOf, type ArtifactView } from './artifacts';

/** Maximum characters of a text artifact shown inline. */
const MAX_TEXT_CHARS = 20_000;

function ArtifactContent({ artifact }: { artifact: ArtifactView }) {
  const api = useApi();
  const [source, setSource] = useState<{ url: string; text: string | null } | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const kind = previewKindOf(artifact);

  useEffect(() => {
    if (kind === null) return;
    let url: string | null = null;
    let current = true;
    api.client.download(artifact.url).then(
      async ({ blob }) => {
        if (kind === 'text') {
          const text = (await blob.text()).slice(0, MAX_TEXT_CHARS);
          if (current) setSource({ url: '', text });
          return;
        }
        if (!current) return;
        url = URL.createObjectURL(blob);
        setSource({ url, text: null });
      },
      (caught: unknown) => {
        if (current) setError(toApiError(caught));
      },
    );
    return () => {
      current = false;
      if (url !== null) URL.revokeObjectURL(url);
    };
  }, [api, artifact.url, kind]);

  if (error !== null) return <ErrorNotice error={error} />;
  if (kind === null || source === null) return null;
  if (kind === 'image') return <img className="artifact__media" src={source.url} alt={artifact.prompt ?? artifact.name} />;
  if (kind === 'audio') return <audio className="artifact__media" src={source.url} controls aria-label={artifact.name} />;
  if (kind === 'video') return <video className="artifact__media" src={source.url} controls aria-label={artifact.name} />;
  return <pre className="json">{source.text}</pre>;
}

export function NodeArtifacts({ runId, nodeId, refreshKey }: { runId: string; nodeId: string; refreshKey: string }) {
  const api = useApi();
  const { t } = useI18n();
  const [artifacts, setArtifacts] = useState<ArtifactView[]>([]);
  const [error, setError] = useState<ApiError | null>(null);

  useEffect(() => {
    let current = true;
    nodeArtifacts(api.client, runId, nodeId).then(
      (items) => {
        if (current) setArtifacts(items);
      },
      (caught: unknown) => {
        if (current) setError(toApiError(caught));
      },
    );
    return () => {
      current = false;
    };
  }, [api, runId, nodeId, refreshKey]);

  const download = async (artifact: ArtifactView) => {
    try {
      const { blob } = await api.client.download(`${artifact.url}?download=true`);
      downloadBlob(blob, artifact.name);
    } catch (caught) {
      setError(toApiError(caught));
    }
  };

  if (error !== null) return <ErrorNotice error={error} onDismiss={() => setError(null)} />;
  if (artifacts.length === 0) return null;
  return (
    <>
      <h3>{t('run.artifacts')}</h3>
      <ul className="artifacts" data-testid="task-artifacts">
        {artifacts.map((artifact) => (
          <li key={artifact.id} className="artifact" data-artifact-id={artifact.id}>
            <div className="artifact__head">
              <strong>{artifact.name}</strong> <span className="muted">{artifact.contentType}</span>
              <button type="button" className="link" onClick={() => void download(artifact)}>
                {t('run.download')}
              </button>
            </div>
            <ArtifactContent artifact={artifact} />
          </li>
        ))}
      </ul>
    </>
  );
}

/** Shows the model text a node has streamed so far, which grows while the task runs. */
export function LiveText({ text, running }: { text: string | undefined; running: boolean }) {
  const { t } = useI18n();
  if (text === undefined) return null;
  return (
    <>
      <h3>{running ? t('run.streaming') : t('run.streamed')}</h3>
      <pre className="json live-text" data-testid="task-stream" aria-live="polite" aria-busy={running}>
        {text}
      </pre>
    </>
  );
}
