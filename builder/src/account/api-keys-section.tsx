/** API keys of the account screen: list, create with a name and expiry, show the new key once, revoke. */
import { useCallback, useEffect, useState } from 'react';
import type { ApiKeyView } from '../api/account-api';
import { ConfirmDialog } from '../components/confirm-dialog';
import { Dialog } from '../components/dialog';
import { ErrorNotice } from '../components/error-notice';
import { useI18n } from '../i18n/i18n';
import { useAccountApi } from './use-account-api';
import { useAction } from './use-action';

/** Lifetimes offered for a new key, in days; 0 means no expiry. */
export const KEY_LIFETIMES_DAYS = [0, 7, 30, 90, 365] as const;

type Pending = { kind: 'create'; name: string; days: number } | { kind: 'created'; key: string; copied: boolean } | { kind: 'revoke'; item: ApiKeyView };

export function ApiKeysSection() {
  const api = useAccountApi();
  const { t, language } = useI18n();
  const { error, clearError, run } = useAction();
  const [keys, setKeys] = useState<ApiKeyView[] | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);

  const reload = useCallback(() => run(async () => setKeys(await api.apiKeys())), [api, run]);
  useEffect(() => {
    void reload();
  }, [reload]);

  const create = (name: string, days: number) =>
    run(async () => {
      const created = await api.createApiKey(days === 0 ? { name } : { name, expiresInDays: days });
      setPending({ kind: 'created', key: created.key, copied: false });
      await reload();
    });

  const revoke = (item: ApiKeyView) =>
    run(async () => {
      await api.revokeApiKey(item.id);
      await reload();
    });

  const copy = (key: string) =>
    run(async () => {
      await navigator.clipboard.writeText(key);
      setPending({ kind: 'created', key, copied: true });
    });

  const dateFormat = new Intl.DateTimeFormat(language, { dateStyle: 'short' });
  const date = (value: string | null) => (value === null ? '—' : dateFormat.format(new Date(value)));

  return (
    <section className="account__section" aria-labelledby="keys-title">
      <div className="account__head">
        <h2 id="keys-title">{t('account.apiKeys')}</h2>
        <button type="button" onClick={() => setPending({ kind: 'create', name: '', days: 90 })}>
          {t('account.createKey')}
        </button>
      </div>
      {error !== null && <ErrorNotice error={error} onDismiss={clearError} />}
      {keys !== null && keys.length === 0 && <p className="muted">{t('account.noKeys')}</p>}
      {keys !== null && keys.length > 0 && (
        <div className="table-scroll">
          <table className="list__table" aria-label={t('account.apiKeys')}>
            <thead>
              <tr>
                <th>{t('account.keyName')}</th>
                <th>{t('account.keyPrefix')}</th>
                <th>{t('account.keyExpires')}</th>
                <th>{t('account.keyLastUsed')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {keys.map((item) => (
                <tr key={item.id} data-key-id={item.id}>
                  <td>{item.name}</td>
                  <td><code>{item.prefix}…</code></td>
                  <td>{date(item.expiresAt)}</td>
                  <td>{date(item.lastUsedAt)}</td>
                  <td className="list__actions">
                    {item.revokedAt === null ? (
                      <button type="button" className="danger" aria-label={t('account.revokeNamed', { name: item.name })} onClick={() => setPending({ kind: 'revoke', item })}>
                        {t('account.revoke')}
                      </button>
                    ) : (
                      <span className="badge">{t('account.revoked')}</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pending?.kind === 'create' && (
        <Dialog
          title={t('account.createKeyTitle')}
          submitLabel={t('dialog.create')}
          submitDisabled={pending.name.trim() === ''}
          onClose={() => setPending(null)}
          onSubmit={() => {
            setPending(null);
            void create(pending.name.trim(), pending.days);
          }}
        >
          <label>
            {t('account.keyName')}
            <input autoFocus maxLength={100} value={pending.name} onChange={(event) => setPending({ ...pending, name: event.target.value })} />
          </label>
          <label>
            {t('account.keyLifetime')}
            <select value={pending.days} onChange={(event) => setPending({ ...pending, days: Number(event.target.value) })}>
              {KEY_LIFETIMES_DAYS.map((days) => (
                <option key={days} value={days}>
                  {days === 0 ? t('account.neverExpires') : t('account.days', { days })}
                </option>
              ))}
            </select>
          </label>
        </Dialog>
      )}
      {pending?.kind === 'created' && (
        <Dialog title={t('account.keyCreatedTitle')} onClose={() => setPending(null)}>
          <p>{t('account.keyShownOnce')}</p>
          <div className="account__secret">
            <input readOnly aria-label={t('account.newKey')} value={pending.key} onFocus={(event) => event.target.select()} />
            <button type="button" onClick={() => void copy(pending.key)}>
              {pending.copied ? t('account.copied') : t('account.copy')}
            </button>
          </div>
        </Dialog>
      )}
      {pending?.kind === 'revoke' && (
        <ConfirmDialog
          title={t('account.revokeTitle')}
          text={t('account.revokeText', { name: pending.item.name })}
          submitLabel={t('account.revoke')}
          onClose={() => setPending(null)}
          onConfirm={() => void revoke(pending.item)}
        />
      )}
    </section>
  );
}
