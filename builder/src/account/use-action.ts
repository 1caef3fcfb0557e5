import { useCallback, useState } from 'react';
import { toApiError, type ApiError } from '../api/api-error';

/** Runs API calls for a screen section and keeps the last failure for its error notice. */
export function useAction(): {
  error: ApiError | null;
  clearError: () => void;
  run: (action: () => Promise<void>) => Promise<boolean>;
} {
  const [error, setError] = useState<ApiError | null>(null);
  const run = useCallback(async (action: () => Promise<void>) => {
    setError(null);
    try {
      await action();
      return true;
    } catch (caught) {
      setError(toApiError(caught));
      return false;
    }
  }, []);
  return { error, clearError: () => setError(null), run };
}
