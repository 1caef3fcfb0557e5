/**
 * The answer area of one playground generation: the model text while it streams, then the
 * completed task's result, or the text that arrived before the task failed or was cancelled.
 */
import { useStore } from 'zustand';
import { useI18n } from '../i18n/i18n';
import type { GenerationStore } from '../store/generation';
import { GenerationResult } from './generation-result';

/** Shows streamed model text under a caption that shows whether more text is arriving. */
function StreamedText({ text, streaming }: { text: string; streaming: boolean }) {
  const { t } = useI18n();
  return (
    <figure className="generation__streamed" data-testid="streamed-answer" data-streaming={streaming}>
      <figcaption className="muted">{t(streaming ? 'playground.stream.growing' : 'playground.stream.partial')}</figcaption>
      <pre className="generation__text" data-testid="streamed-text">
        {text}
      </pre>
    </figure>
  );
}

/**
 * Renders the answer inside one polite live region that stays mounted across phases. The region
 * is `aria-busy` while the task runs, so screen readers wait for the end instead of reading each
 * batch of tokens, then read the final answer or the partial one.
 */
export function GenerationAnswer({ store }: { store: GenerationStore }) {
  const generation = useStore(store, (state) => state.generation);
  const streamedText = useStore(store, (state) => state.streamedText);
  const running = generation.phase === 'starting' || generation.phase === 'running';
  return (
    <div className="generation__answer" aria-live="polite" aria-busy={running} data-testid="generation-answer">
      {running && streamedText !== '' && <StreamedText text={streamedText} streaming />}
      {generation.phase === 'failed' && streamedText !== '' && <StreamedText text={streamedText} streaming={false} />}
      {generation.phase === 'completed' && <GenerationResult task={generation.task} />}
    </div>
  );
}
