/** Header links to the credentials and account screens, and the credit balance, kept current. */
import './account.css';
import type { MouseEvent } from 'react';
import { useI18n } from '../i18n/i18n';
import { ACCOUNT_PATH, CREDENTIALS_PATH, navigate } from '../router';
import { useBalance } from './balance';
import { useAccountApi } from './use-account-api';

function follow(path: string) {
  return (event: MouseEvent<HTMLAnchorElement>) => {
    event.preventDefault();
    navigate(path);
  };
}

export function AccountLinks() {
  const api = useAccountApi();
  const { t, language } = useI18n();
  const balance = useBalance(api);
  return (
    <nav className="topbar__links" aria-label={t('account.navigation')}>
      <a href={CREDENTIALS_PATH} onClick={follow(CREDENTIALS_PATH)}>
        {t('credentials.title')}
      </a>
      <a href={ACCOUNT_PATH} onClick={follow(ACCOUNT_PATH)} data-testid="header-balance">
        {typeof balance === 'number' ? t('account.balanceShort', { balance: new Intl.NumberFormat(language).format(balance) }) : t('account.title')}
      </a>
    </nav>
  );
}
