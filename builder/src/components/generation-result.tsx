/** The outcome of one playground generation: text, an image, a video or audio player, and its cost. */
import { useEffect, useState } from 'react';
import { toApiError } from '../api/api-error';
import type { TaskArtifactRef, TaskState } from '../api/types';
import { useApi } from '../api-context';
import { useI18n } from '../i18n/i18n';

/** Loads an artifact with the session's token and returns an object URL for media elements. */
function useArtifactUrl(url: string): { src: string | null; error: string | null } {
  const api = useApi();
  const [state, setState] = useState<{ src: string | null; error: string | null }>({ src: null, error: null });
  useEffect(() => {
    let src: string | null = null;
    let live = true;
    api.artifactBlob(url).then(
      (blob) => {
        src = URL.createObjectURL(blob);
        if (live) setState({ src, error: null });
        else URL.revokeObjectURL(src);
      },
      (error: unknown) => {
        if (live) setState({ src: null, error: toApiError(error).message });
      },
    );
    return () => {
      live = false;
      if (src !== null) URL.revokeObjectURL(src);
    };
  }, [api, url]);
  return state;
}

function ArtifactView({ artifact }: { artifact: TaskArtifactRef }) {
  const { t } = useI18n();
  const { src, error } = useArtifactUrl(artifact.url);
  if (error !== null) return <p className="field-error">{t('playground.artifactFailed', { message: error })}</p>;
  if (src === null) return <p className="muted">{t('app.loading')}</p>;
  const kind = artifact.content_type.split('/')[0];
  return (
    <figure className="generation__artifact" data-artifact-id={artifact.id} data-content-type={artifact.content_type}>
      {kind === 'image' && <img src={src} alt={artifact.name} data-testid="result-image" />}
      {kind === 'video' && <video src={src} controls data-testid="result-video" />}
      {kind === 'audio' && <audio src={src} controls data-testid="result-audio" />}
      <figcaption>
        <a href={src} download={artifact.name}>
          {t('playground.download', { name: artifact.name })}
        </a>
      </figcaption>
    </figure>
  );
}

/** Reads the reply text of a chat task's output. */
function chatTextOf(output: unknown): { text: string; cached: boolean } | null {
  if (output === null || typeof output !== 'object') return null;
  const { text, cached } = output as { text?: unknown; cached?: unknown };
  return typeof text === 'string' ? { text, cached: cached === true } : null;
}

/** Shows a completed task's result and credit cost. */
export function GenerationResult({ task }: { task: TaskState }) {
  const { t } = useI18n();
  const artifacts = task.result?.artifacts ?? [];
  const chat = chatTextOf(task.result?.output);
  return (
    <section className="generation__result" data-testid="generation-result">
      {chat !== null && (
        <pre className="generation__text" data-testid="result-text">
          {chat.text}
        </pre>
      )}
      {artifacts.map((artifact) => (
        <ArtifactView key={artifact.id} artifact={artifact} />
      ))}
      {chat === null && artifacts.length === 0 && <p className="muted">{t('playground.noArtifact')}</p>}
      <p className="generation__cost" data-testid="credit-cost" data-credits={task.credit_cost}>
        {t('playground.cost', { credits: task.credit_cost })}
        {chat?.cached === true && <span className="badge">{t('playground.cached')}</span>}
      </p>
    </section>
  );
}
