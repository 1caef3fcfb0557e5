/** The credentials screen: list, create (a form per credential type), rename, test and delete. */
import { useEffect, useState } from 'react';
import type { CredentialView } from '../api/account-api';
import { useAccountApi } from '../account/use-account-api';
import { useAction } from '../account/use-action';
import { ConfirmDialog } from '../components/confirm-dialog';
import { NameDialog } from '../components/name-dialog';
import { ErrorNotice } from '../components/error-notice';
import { CredentialForm } from '../credentials/credential-form';
import { useCredentialCatalog } from '../credentials/use-credential-catalog';
import { useI18n } from '../i18n/i18n';

type Pending = { kind: 'rename' | 'delete'; item: CredentialView };

export function CredentialsScreen() {
  const api = useAccountApi();
  const { t, language } = useI18n();
  const { error, clearError, run } = useAction();
  const { types, credentials: items, reload } = useCredentialCatalog(run);
  const [creating, setCreating] = useState(false);
  const [pending, setPending] = useState<Pending | null>(null);
  const [info, setInfo] = useState<string | null>(null);

  useEffect(() => {
    void reload();
  }, [reload]);

  const act = (action: () => Promise<void>) =>
    run(async () => {
      setInfo(null);
      await action();
      await reload();
    });

  const test = (item: CredentialView) =>
    act(async () => {
      const result = await api.testCredential(item.id);
      setInfo(result.ok ? t('credentials.testPassed', { name: item.name }) : t('credentials.testFailed', { name: item.name, message: result.error?.message ?? '' }));
    });

  const typeOf = (name: string) => types.find((item) => item.type === name);
  const dateFormat = new Intl.DateTimeFormat(language, { dateStyle: 'short', timeStyle: 'short' });

  return (
    <main className="account">
      <div className="account__head">
        <h1>{t('credentials.title')}</h1>
        <button type="button" className="primary" disabled={creating} onClick={() => setCreating(true)}>
          {t('credentials.create')}
        </button>
      </div>
      {error !== null && <ErrorNotice error={error} onDismiss={clearError} />}
      {info !== null && <p className="notice notice--info" role="status">{info}</p>}
      {creating && (
        <section className="account__section" aria-label={t('credentials.createTitle')}>
          <h2>{t('credentials.createTitle')}</h2>
          <CredentialForm
            types={types}
            onCancel={() => setCreating(false)}
            onCreated={(credential) => {
              setCreating(false);
              setInfo(t('credentials.created', { name: credential.name }));
              void reload();
            }}
          />
        </section>
      )}
      {items !== null && items.length === 0 && <p className="muted">{t('credentials.empty')}</p>}
      {items !== null && items.length > 0 && (
        <div className="table-scroll">
          <table className="list__table" aria-label={t('credentials.title')}>
            <thead>
              <tr>
                <th>{t('credentials.name')}</th>
                <th>{t('credentials.type')}</th>
                <th>{t('credentials.updated')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {items.map((item) => (
                <tr key={item.id} data-credential-id={item.id}>
                  <td>{item.name}</td>
                  <td>
                    {typeOf(item.type)?.displayName ?? item.type} <code>{item.type}</code>
                    {item.oauth2 !== undefined && <span className="badge badge--ok">OAuth2</span>}
                  </td>
                  <td>{dateFormat.format(new Date(item.updatedAt))}</td>
                  <td className="list__actions">
                    <button type="button" onClick={() => setPending({ kind: 'rename', item })}>
                      {t('list.rename')}
                    </button>
                    {typeOf(item.type)?.testable === true && (
                      <button type="button" onClick={() => void test(item)}>
                        {t('credentials.test')}
                      </button>
                    )}
                    <button type="button" className="danger" onClick={() => setPending({ kind: 'delete', item })}>
                      {t('list.delete')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pending?.kind === 'rename' && (
        <NameDialog
          title={t('credentials.renameTitle')}
          label={t('credentials.name')}
          submitLabel={t('dialog.save')}
          initialName={pending.item.name}
          onClose={() => setPending(null)}
          onSubmit={(name) =>
            void act(async () => {
              await api.renameCredential(pending.item.id, name);
            })
          }
        />
      )}
      {pending?.kind === 'delete' && (
        <ConfirmDialog
          title={t('credentials.deleteTitle')}
          text={t('credentials.deleteText', { name: pending.item.name })}
          submitLabel={t('dialog.delete')}
          onClose={() => setPending(null)}
          onConfirm={() => void act(() => api.deleteCredential(pending.item.id))}
        />
      )}
    </main>
  );
}
