/**
 * Top-up lists the credit packages on sale and creates an Asaas charge for one. It shows the PIX
 * code or invoice link until the payment raises the balance. A studio without billing gets an
 * explanation instead. Admins grant credits through the admin route.
 */
import { useEffect, useRef, useState } from 'react';
import { PAYMENT_METHODS, type AdminUserView, type CheckoutResult, type CreditPackage, type PaymentMethod } from '../api/account-api';
import type { UserView } from '../api/types';
import { Dialog } from '../components/dialog';
import { ErrorNotice } from '../components/error-notice';
import { useI18n } from '../i18n/i18n';
import { cpfCnpjDigits, usePaymentWatch } from './checkout';
import { useAccountApi } from './use-account-api';
import { useAction } from './use-action';

/** Returns 128 random bits as hex. `crypto.randomUUID` exists only in secure contexts, this works on plain HTTP too. */
function randomKey(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * Lists the packages, creates the charge of the chosen one, and waits for its payment;
 * `onPaid` runs once the balance has risen.
 */
export function TopUpDialog({ onClose, onPaid }: { onClose: () => void; onPaid?: () => void }) {
  const api = useAccountApi();
  const { t } = useI18n();
  const { error, clearError, run } = useAction();
  const [packages, setPackages] = useState<CreditPackage[] | null | 'none'>(null);
  const [packageId, setPackageId] = useState('');
  const [method, setMethod] = useState<PaymentMethod>('PIX');
  const [cpfCnpj, setCpfCnpj] = useState('');
  const [charge, setCharge] = useState<CheckoutResult | null>(null);
  const [startBalance, setStartBalance] = useState<number | null>(null);
  const paidBalance = usePaymentWatch(api, charge !== null, startBalance);

  // A ref keeps the latest callback, so a parent that passes a new function on every render
  // still gets one call per payment.
  const onPaidRef = useRef(onPaid);
  onPaidRef.current = onPaid;
  useEffect(() => {
    if (paidBalance !== null) onPaidRef.current?.();
  }, [paidBalance]);

  useEffect(() => {
    void run(async () => {
      const items = await api.creditPackages();
      setPackages(items ?? 'none');
      if (items !== null && items.length > 0) setPackageId(items[0].id);
    });
  }, [api, run]);

  const valid = packageId !== '' && cpfCnpjDigits(cpfCnpj) !== null;
  const buy = () =>
    run(async () => {
      // The balance before the charge is what a payment must raise.
      const page = await api.credits(null, 1);
      setStartBalance(page?.balance ?? 0);
      setCharge(await api.checkout({ packageId, method, cpfCnpj: cpfCnpjDigits(cpfCnpj)! }));
    });
  const choosing = Array.isArray(packages) && packages.length > 0 && charge === null;

  return (
    <Dialog
      title={t('account.topUpTitle')}
      submitLabel={choosing ? t('billing.pay') : undefined}
      submitDisabled={!valid}
      onSubmit={() => void buy()}
      onClose={onClose}
    >
      {error !== null && <ErrorNotice error={error} onDismiss={clearError} />}
      {packages === null && error === null && <p>{t('app.loading')}</p>}
      {packages === 'none' && <p data-testid="billing-missing">{t('account.billingMissing')}</p>}
      {Array.isArray(packages) && packages.length === 0 && <p>{t('account.noPackages')}</p>}
      {choosing && (
        <CheckoutForm
          packages={packages}
          packageId={packageId}
          method={method}
          cpfCnpj={cpfCnpj}
          onPackage={setPackageId}
          onMethod={setMethod}
          onCpfCnpj={setCpfCnpj}
        />
      )}
      {charge !== null && <ChargeView charge={charge} paidBalance={paidBalance} />}
    </Dialog>
  );
}

function formatPrice(language: string, cents: number, currency = 'BRL'): string {
  return new Intl.NumberFormat(language, { style: 'currency', currency }).format(cents / 100);
}

interface CheckoutFormProps {
  packages: CreditPackage[];
  packageId: string;
  method: PaymentMethod;
  cpfCnpj: string;
  onPackage: (id: string) => void;
  onMethod: (method: PaymentMethod) => void;
  onCpfCnpj: (value: string) => void;
}

function CheckoutForm({ packages, packageId, method, cpfCnpj, onPackage, onMethod, onCpfCnpj }: CheckoutFormProps) {
  const { t, language } = useI18n();
  return (
    <>
      <fieldset className="account__packages">
        <legend>{t('billing.package')}</legend>
        {packages.map((item) => (
          <label key={item.id}>
            <input type="radio" name="package" value={item.id} checked={item.id === packageId} onChange={() => onPackage(item.id)} />
            <strong>{item.displayName}</strong> {t('account.packageText', { credits: item.credits, price: formatPrice(language, item.priceCents, item.currency) })}
          </label>
        ))}
      </fieldset>
      <label>
        {t('billing.method')}
        <select value={method} onChange={(event) => onMethod(event.target.value as PaymentMethod)}>
          {PAYMENT_METHODS.map((name) => (
            <option key={name} value={name}>
              {t(`billing.method.${name}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('billing.cpfCnpj')}
        <input value={cpfCnpj} inputMode="numeric" autoComplete="off" maxLength={18} onChange={(event) => onCpfCnpj(event.target.value)} />
      </label>
      <p className="muted">{t('billing.cpfCnpjHelp')}</p>
    </>
  );
}

function ChargeView({ charge, paidBalance }: { charge: CheckoutResult; paidBalance: number | null }) {
  const { t, language } = useI18n();
  const [copied, setCopied] = useState(false);
  const copy = async (text: string) => {
    await navigator.clipboard.writeText(text);
    setCopied(true);
  };
  const dueDate = new Intl.DateTimeFormat(language, { timeZone: 'UTC' }).format(new Date(`${charge.dueDate}T00:00:00Z`));

  return (
    <div className="checkout" data-testid="checkout-charge">
      <p>
        {t('billing.chargeText', {
          price: formatPrice(language, Math.round(charge.value * 100)),
          credits: new Intl.NumberFormat(language).format(charge.credits),
          dueDate,
        })}
      </p>
      {charge.pix !== null && (
        <>
          {charge.pix.image !== null && <img className="checkout__qr" src={charge.pix.image} alt={t('billing.pixQr')} />}
          <div className="account__secret">
            <input readOnly aria-label={t('billing.pixCode')} value={charge.pix.payload} />
            <button type="button" onClick={() => void copy(charge.pix!.payload)}>
              {t('billing.copy')}
            </button>
          </div>
          {copied && <p role="status">{t('billing.copied')}</p>}
        </>
      )}
      {charge.bankSlipUrl !== null && (
        <p>
          <a href={charge.bankSlipUrl} target="_blank" rel="noreferrer">
            {t('billing.bankSlip')}
          </a>
        </p>
      )}
      {charge.invoiceUrl !== null && (
        <p>
          <a href={charge.invoiceUrl} target="_blank" rel="noreferrer">
            {t('billing.invoice')}
          </a>
        </p>
      )}
      <p role="status" data-testid="checkout-status">
        {paidBalance === null ? t('billing.waiting') : t('billing.paid', { balance: new Intl.NumberFormat(language).format(paidBalance) })}
      </p>
    </div>
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
