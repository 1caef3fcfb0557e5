import { useCallback } from 'react';
import type { ConnectionRejection } from '../graph/connection-check';
import { useI18n } from '../i18n/i18n';

/** Returns a function that words a connection rejection in the current language. */
export function useRejectionText(): (rejection: ConnectionRejection) => string {
  const { t } = useI18n();
  return useCallback(
    (rejection: ConnectionRejection) => {
      switch (rejection.code) {
        case 'types':
          return t('connect.types', { reason: rejection.reason });
        case 'unknownPort':
          return t('connect.unknownPort', { port: rejection.port });
        default:
          return t(`connect.${rejection.code}`);
      }
    },
    [t],
  );
}
