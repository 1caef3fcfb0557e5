import { useEffect, useState } from 'react';
import type { RunEstimate } from '../api/types';
import { useApi } from '../api-context';
import { Dialog } from '../components/dialog';
import type { LocatedProblem } from '../graph/problems';
import { useI18n } from '../i18n/i18n';

export interface RunDialogProps {
  graphId: string;
  /** Starts the run; the dialog closes when it resolves. */
  onStart: (input: unknown) => Promise<void>;
  onClose: () => void;
}

/** Asks for the run's JSON input and shows the credit estimate when the studio charges runs. */
export function RunDialog({ graphId, onStart, onClose }: RunDialogProps) {
  const { t } = useI18n();
  const api = useApi();
  const [text, setText] = useState('{}');
  const [estimate, setEstimate] = useState<RunEstimate | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api.estimate(graphId).then(setEstimate, () => setEstimate(null));
  }, [api, graphId]);

  let parseError: string | null = null;
  let input: unknown = null;
  try {
    input = text.trim() === '' ? null : JSON.parse(text);
  } catch (error) {
    parseError = error instanceof Error ? error.message : String(error);
  }

  return (
    <Dialog
      title={t('run.dialogTitle')}
      submitLabel={t('run.start')}
      submitDisabled={parseError !== null || busy}
      onClose={onClose}
      onSubmit={() => {
        setBusy(true);
        onStart(input).finally(() => setBusy(false));
      }}
    >
      <label>
        {t('run.input')}
        <textarea name="runInput" rows={8} spellCheck={false} value={text} onChange={(event) => setText(event.target.value)} />
      </label>
      {parseError !== null && <p className="field-error">{t('run.inputInvalid', { message: parseError })}</p>}
      {estimate !== null &&
        (estimate.charged ? (
          <p data-testid="run-estimate">{t('run.estimate', { min: estimate.total.min, max: estimate.total.max })}</p>
        ) : (
          <p className="muted">{t('run.estimateFree')}</p>
        ))}
    </Dialog>
  );
}

export interface ProblemsDialogProps {
  problems: readonly LocatedProblem[];
  /** Selects the node or edge of a problem on the canvas. */
  onLocate: (problem: LocatedProblem) => void;
  onClose: () => void;
}

/** Lists the problems that block a run. */
export function ProblemsDialog({ problems, onLocate, onClose }: ProblemsDialogProps) {
  const { t } = useI18n();
  return (
    <Dialog title={t('run.blockedTitle')} onClose={onClose}>
      <p>{t('run.blockedHelp')}</p>
      <ul className="problems" data-testid="run-blocked">
        {problems.map((problem, index) => (
          <li key={index}>
            <button type="button" className="link" onClick={() => onLocate(problem)}>
              <code>{problem.pointer || '/'}</code>
            </button>{' '}
            {problem.message}
          </li>
        ))}
      </ul>
    </Dialog>
  );
}
