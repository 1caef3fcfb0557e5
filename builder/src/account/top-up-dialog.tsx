/**
 * Top-up lists the credit packages of the billing plugin and opens its payment page; a studio
 * without billing gets an explanation instead. Admins grant credits through the admin route.
 */
import { useEffect, useState } from 'react';
import type { AdminUserView, CreditPackage } from '../api/account-api';
import type { UserView } from '../api/types';
import { Dialog } from '../components/dialog';
import { ErrorNotice } from '../components/error-notice';
import { useI18n } from '../i18n/i18n';
import { useAccountApi } from './use-account-api';
import { useAction } from './use-action';

/** Returns 128 random bits as hex. `crypto.randomUUID` exists only in secure contexts, this works on plain HTTP too. */
function randomKey(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

export function TopUpDialog({ onClose }: { onClose: () => void }) {
  const api = useAccountApi();
  const { t, language } = useI18n();
  const { error, clearError, run } = useAction();
  const [packages, setPackages] = useState<CreditPackage[] | null | 'none'>(null);

  useEffect(() => {
    void run(async () => setPackages((await api.creditPackages()) ?? 'none'));
  }, [api, run]);

  const buy = (item: CreditPackage) =>
    run(async () => {
      const { paymentUrl } = await api.checkout(item.id);
      // A window opened after an await would meet the pop-up blocker, so the page itself goes there.
      window.location.assign(paymentUrl);
    });

  const price = (item: CreditPackage) =>
    new Intl.NumberFormat(language, { style: 'currency', currency: item.currency }).format(item.priceCents / 100);

  return (
    <Dialog title={t('account.topUpTitle')} onClose={onClose}>
      {error !== null && <ErrorNotice error={error} onDismiss={clearError} />}
      {packages === null && error === null && <p>{t('app.loading')}</p>}
      {packages === 'none' && <p data-testid="billing-missing">{t('account.billingMissing')}</p>}
      {Array.isArray(packages) && packages.length === 0 && <p>{t('account.noPackages')}</p>}
      {Array.isArray(packages) && packages.length > 0 && (
        <ul className="account__packages">
          {packages.map((item) => (
            <li key={item.id}>
              <strong>{item.displayName}</strong> {t('account.packageText', { credits: item.credits, price: price(item) })}
              <button type="button" onClick={() => void buy(item)}>
                {t('account.buy')}
              </button>
            </li>
          ))}
        </ul>
      )}
    </Dialog>
  );
}

export function GrantDialog({ self, onClose, onGranted }: { self: UserView; onClose: () => void; onGranted: () => void }) {
  const api = useAccountApi();
  const { t } = useI18n();
  const { error, clearError, run } = useAction();
  const [users, setUsers] = useState<AdminUserView[]>([self]);
  const [userId, setUserId] = useState(self.id);
  const [amount, setAmount] = useState('100');
  const [reason, setReason] = useState('');
  // One key per open dialog, so a double submit stores one grant.
  const [idempotencyKey] = useState(randomKey);

  useEffect(() => {
    void run(async () => setUsers(await api.adminUsers()));
  }, [api, run]);

  const amountValue = Number(amount);
  const valid = Number.isInteger(amountValue) && amountValue !== 0 && reason.trim() !== '';
  const submit = () =>
    run(async () => {
      await api.grantCredits(userId, { amount: amountValue, reason: reason.trim(), idempotencyKey });
      onGranted();
    });

  return (
    <Dialog title={t('account.grantTitle')} submitLabel={t('account.grantSubmit')} submitDisabled={!valid} onClose={onClose} onSubmit={() => void submit()}>
      {error !== null && <ErrorNotice error={error} onDismiss={clearError} />}
      <label>
        {t('account.grantUser')}
        <select value={userId} onChange={(event) => setUserId(event.target.value)}>
          {users.map((user) => (
            <option key={user.id} value={user.id}>
              {user.fullName} ({user.email})
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('account.grantAmount')}
        <input type="number" step={1} value={amount} onChange={(event) => setAmount(event.target.value)} />
      </label>
      <label>
        {t('account.reason')}
        <input value={reason} maxLength={500} onChange={(event) => setReason(event.target.value)} />
      </label>
    </Dialog>
  );
}
