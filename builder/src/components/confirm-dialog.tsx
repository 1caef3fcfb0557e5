import { Dialog } from './dialog';

export interface ConfirmDialogProps {
  title: string;
  /** The question, naming what the action changes. */
  text: string;
  submitLabel: string;
  onConfirm: () => void;
  onClose: () => void;
}

/** Asks before a destructive action; confirming closes the dialog, then runs the action. */
export function ConfirmDialog({ title, text, submitLabel, onConfirm, onClose }: ConfirmDialogProps) {
  return (
    <Dialog
      title={title}
      submitLabel={submitLabel}
      danger
      onClose={onClose}
      onSubmit={() => {
        onClose();
        onConfirm();
      }}
    >
      <p>{text}</p>
    </Dialog>
  );
}
