/** The credits part of the account screen: balance, ledger history with paging, top-up and admin grants. */
import { useCallback, useEffect, useState } from 'react';
import type { UserView } from '../api/types';
import { ErrorNotice } from '../components/error-notice';
import { useI18n } from '../i18n/i18n';
import { requestBalanceRefresh } from './balance';
import { appendLedgerPage, firstLedgerPage, formatDelta, type LedgerState } from './ledger-pages';
import { GrantDialog, TopUpDialog } from './top-up-dialog';
import { useAccountApi } from './use-account-api';
import { useAction } from './use-action';

/** Ledger entries per page. */
export const LEDGER_PAGE_SIZE = 20;

export function CreditsSection({ user }: { user: UserView | null }) {
  const api = useAccountApi();
  const { t, language } = useI18n();
  const { error, clearError, run } = useAction();
  const [ledger, setLedger] = useState<LedgerState | null | 'none'>(null);
  const [dialog, setDialog] = useState<'topUp' | 'grant' | null>(null);

  const reload = useCallback(
    () =>
      run(async () => {
        const page = await api.credits(null, LEDGER_PAGE_SIZE);
        setLedger(page === null ? 'none' : firstLedgerPage(page));
      }),
    [api, run],
  );

  useEffect(() => {
    void reload();
  }, [reload]);

  const loadMore = (state: LedgerState) =>
    run(async () => {
      const page = await api.credits(state.nextCursor, LEDGER_PAGE_SIZE);
      if (page !== null) setLedger(appendLedgerPage(state, page));
    });

  const dateFormat = new Intl.DateTimeFormat(language, { dateStyle: 'short', timeStyle: 'medium' });
  const numberFormat = new Intl.NumberFormat(language);

  return (
    <section className="account__section" aria-labelledby="credits-title">
      <div className="account__head">
        <h2 id="credits-title">{t('account.credits')}</h2>
        <button type="button" className="primary" onClick={() => setDialog('topUp')}>
          {t('account.topUp')}
        </button>
        {user?.admin === true && (
          <button type="button" onClick={() => setDialog('grant')}>
            {t('account.grant')}
          </button>
        )}
      </div>
      {error !== null && <ErrorNotice error={error} onDismiss={clearError} />}
      {ledger === null && <p>{t('app.loading')}</p>}
      {ledger === 'none' && <p className="muted">{t('account.noCredits')}</p>}
      {ledger !== null && ledger !== 'none' && (
        <>
          <p className="account__balance" data-testid="account-balance">
            {t('account.balanceText', { balance: numberFormat.format(ledger.balance), held: numberFormat.format(ledger.held) })}
          </p>
          {ledger.entries.length === 0 ? (
            <p className="muted">{t('account.ledgerEmpty')}</p>
          ) : (
            <div className="table-scroll">
              <table className="list__table" aria-label={t('account.ledger')}>
                <thead>
                  <tr>
                    <th>{t('account.when')}</th>
                    <th>{t('account.kind')}</th>
                    <th>{t('account.change')}</th>
                    <th>{t('account.reason')}</th>
                  </tr>
                </thead>
                <tbody>
                  {ledger.entries.map((entry) => (
                    <tr key={entry.id} data-ledger-kind={entry.kind}>
                      <td>{dateFormat.format(new Date(entry.createdAt))}</td>
                      <td>{t(`account.kind.${entry.kind}`)}</td>
                      <td className={entry.delta < 0 ? 'delta delta--minus' : 'delta'}>{formatDelta(entry.delta, language)}</td>
                      <td>
                        {entry.reason ?? ''}
                        {entry.runId !== null && <div className="muted"><code>{entry.runId}</code></div>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {ledger.nextCursor !== null && (
            <button type="button" onClick={() => void loadMore(ledger)}>
              {t('account.loadMore')}
            </button>
          )}
        </>
      )}
      {dialog === 'topUp' && <TopUpDialog onClose={() => setDialog(null)} onPaid={() => void reload()} />}
      {dialog === 'grant' && user !== null && (
        <GrantDialog
          self={user}
          onClose={() => setDialog(null)}
          onGranted={() => {
            setDialog(null);
            requestBalanceRefresh();
            void reload();
          }}
        />
      )}
    </section>
  );
}
