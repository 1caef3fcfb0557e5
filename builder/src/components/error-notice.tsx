import { NETWORK_ERROR, type ApiError } from '../api/api-error';
import { useI18n } from '../i18n/i18n';

export interface ErrorNoticeProps {
  /** The failed call; its code, message and located problems are shown. */
  error: ApiError;
  /** Called by the dismiss button; without it the notice has none. */
  onDismiss?: () => void;
}

/** Shows an API error with its code and each problem's JSON pointer. */
export function ErrorNotice({ error, onDismiss }: ErrorNoticeProps) {
  const { t } = useI18n();
  const message = error.code === NETWORK_ERROR ? t('error.network') : error.message;
  return (
    <div className="notice notice--error" role="alert" data-error-code={error.code}>
      <div className="notice__head">
        <strong>{t('error.title')}</strong> <code>{error.code}</code>
        {onDismiss !== undefined && (
          <button type="button" className="link" onClick={onDismiss}>
            {t('error.dismiss')}
          </button>
        )}
      </div>
      <p>{message}</p>
      {error.errors.length > 0 && (
        <ul className="notice__problems">
          {error.errors.map((problem, index) => (
            <li key={index}>
              <code>{problem.pointer || '/'}</code> {problem.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
