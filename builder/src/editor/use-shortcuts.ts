import { useEffect } from 'react';

export interface ShortcutHandlers {
  undo(): void;
  redo(): void;
  copy(): void;
  paste(): void;
  remove(): void;
}

/** Whether a key event belongs to a text field or an open dialog, where shortcuts must not act. */
function isEditing(event: KeyboardEvent): boolean {
  const target = event.target as HTMLElement | null;
  if (target === null) return false;
  if (target.closest('input, textarea, select, [contenteditable="true"], dialog')) return true;
  return document.querySelector('dialog[open]') !== null;
}

/** Installs the canvas shortcuts: undo, redo, copy, paste and delete. */
export function useShortcuts(handlers: ShortcutHandlers): void {
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (isEditing(event)) return;
      const mod = event.ctrlKey || event.metaKey;
      const key = event.key.toLowerCase();
      let handled = true;
      if (mod && key === 'z' && !event.shiftKey) handlers.undo();
      else if (mod && ((key === 'z' && event.shiftKey) || key === 'y')) handlers.redo();
      else if (mod && key === 'c') handlers.copy();
      else if (mod && key === 'v') handlers.paste();
      else if (!mod && (event.key === 'Delete' || event.key === 'Backspace')) handlers.remove();
      else handled = false;
      if (handled) event.preventDefault();
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, [handlers]);
}
