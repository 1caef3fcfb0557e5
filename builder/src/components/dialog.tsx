import { useEffect, useRef, type FormEvent, type ReactNode } from 'react';
import { useI18n } from '../i18n/i18n';

export interface DialogProps {
  title: string;
  children: ReactNode;
  /** Text of the submit button; without it the dialog has only a close button. */
  submitLabel?: string;
  submitDisabled?: boolean;
  /** Marks the submit button as destructive. */
  danger?: boolean;
  onSubmit?: () => void;
  onClose: () => void;
}

/** Renders a modal dialog on the native `<dialog>` element, which Escape closes and which keeps focus inside. */
export function Dialog({ title, children, submitLabel, submitDisabled, danger, onSubmit, onClose }: DialogProps) {
  const { t } = useI18n();
  const ref = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (dialog !== null && !dialog.open) dialog.showModal();
  }, []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!submitDisabled) onSubmit?.();
  };

  return (
    <dialog ref={ref} className="dialog" aria-label={title} onCancel={(event) => { event.preventDefault(); onClose(); }}>
      <form method="dialog" onSubmit={submit}>
        <h2>{title}</h2>
        <div className="dialog__body">{children}</div>
        <div className="dialog__actions">
          <button type="button" onClick={onClose}>
            {submitLabel === undefined ? t('dialog.close') : t('dialog.cancel')}
          </button>
          {submitLabel !== undefined && (
            <button type="submit" className={danger ? 'danger' : 'primary'} disabled={submitDisabled}>
              {submitLabel}
            </button>
          )}
        </div>
      </form>
    </dialog>
  );
}
