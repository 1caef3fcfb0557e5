import { useState } from 'react';
import { Dialog } from './dialog';

export interface NameDialogProps {
  title: string;
  /** Label of the name field. */
  label: string;
  submitLabel: string;
  initialName: string;
  /** Receives the trimmed name, which is never empty. */
  onSubmit: (name: string) => void;
  onClose: () => void;
}

/** Asks for a name of at most 200 characters. Submitting closes the dialog, then passes the trimmed name on. */
export function NameDialog({ title, label, submitLabel, initialName, onSubmit, onClose }: NameDialogProps) {
  const [name, setName] = useState(initialName);
  return (
    <Dialog
      title={title}
      submitLabel={submitLabel}
      submitDisabled={name.trim() === ''}
      onClose={onClose}
      onSubmit={() => {
        onClose();
        onSubmit(name.trim());
      }}
    >
      <label>
        {label}
        <input autoFocus maxLength={200} value={name} onChange={(event) => setName(event.target.value)} />
      </label>
    </Dialog>
  );
}
