/** Sticky notes on the canvas: plain text the runtime stores with the graph and never executes. */
import { NOTE_COLORS, type GraphNote, type NoteColor } from '@gestorlead/sdk-plugin';
import { NodeResizer, type Node, type NodeProps } from '@xyflow/react';
import { createContext, memo, useContext } from 'react';
import { useI18n } from '../i18n/i18n';
import type { EditorStore } from '../store/editor-store';
import { countRender } from './render-count';

/** Size of a note that has never been resized, in canvas pixels. */
export const DEFAULT_NOTE_SIZE = { width: 220, height: 140 };
export const MIN_NOTE_SIZE = { width: 120, height: 80 };
/** Largest note side, below the graph schema's maximum of 4,000 px. */
export const MAX_NOTE_SIDE_PX = 2_000;

/** Prefix of the React Flow ids of notes, so a note and a node may share an id. */
export const NOTE_ID_PREFIX = 'note:';

export interface StickyNoteData extends Record<string, unknown> {
  note: GraphNote;
}

export type NoteCanvasNode = Node<StickyNoteData, 'note'>;

/** The editor store that notes edit; the canvas provides it. */
export const NoteStoreContext = createContext<EditorStore | null>(null);

function StickyNoteView({ data, selected }: NodeProps<NoteCanvasNode>) {
  const { t } = useI18n();
  const store = useContext(NoteStoreContext);
  const { note } = data;
  const color: NoteColor = note.color ?? 'yellow';
  countRender(`note:${note.id}`);

  return (
    <div
      className={`sticky-note sticky-note--${color}${selected ? ' sticky-note--selected' : ''}`}
      data-testid={`note-${note.id}`}
      data-color={color}
    >
      <NodeResizer
        isVisible={selected}
        minWidth={MIN_NOTE_SIZE.width}
        minHeight={MIN_NOTE_SIZE.height}
        maxWidth={MAX_NOTE_SIDE_PX}
        maxHeight={MAX_NOTE_SIDE_PX}
        lineClassName="sticky-note__resize-line"
        handleClassName="sticky-note__resize-handle"
      />
      <div className="sticky-note__bar">
        <span className="sticky-note__colors" role="group">
          {NOTE_COLORS.map((option) => (
            <button
              key={option}
              type="button"
              className={`sticky-note__swatch sticky-note--${option}`}
              aria-label={t('notes.color', { color: t(`notes.color.${option}`) })}
              aria-pressed={option === color}
              onClick={() => store?.getState().updateNote(note.id, { color: option })}
            />
          ))}
        </span>
        <button
          type="button"
          className="sticky-note__delete link"
          aria-label={t('notes.delete')}
          title={t('notes.delete')}
          onClick={() => store?.getState().removeNote(note.id)}
        >
          ×
        </button>
      </div>
      <textarea
        className="sticky-note__text nodrag nowheel"
        aria-label={t('notes.text')}
        placeholder={t('notes.placeholder')}
        value={note.text}
        onChange={(event) => store?.getState().updateNote(note.id, { text: event.target.value }, 'text')}
      />
    </div>
  );
}

export const StickyNote = memo(StickyNoteView);
