/**
 * Helpers of the credit checkout dialog: the CPF or CNPJ check that mirrors the server's, and a
 * hook that polls the balance while a charge waits for its payment.
 */
import { useEffect, useState } from 'react';
import type { AccountApi } from '../api/account-api';
import { requestBalanceRefresh } from './balance';

/** Time between balance requests while a charge is pending. */
export const PAYMENT_POLL_MS = 3000;

/** Returns the 11 digits of a CPF or 14 of a CNPJ without punctuation, or null when it has neither. */
export function cpfCnpjDigits(value: string): string | null {
  const digits = value.replace(/[.\-/\s]/g, '');
  return /^(?:\d{11}|\d{14})$/.test(digits) ? digits : null;
}

/**
 * Polls the balance while `watching` until it rises above `startBalance`, then returns the new
 * balance and requests a reload of every shown balance (the header's too). Returns null until then.
 */
export function usePaymentWatch(api: AccountApi, watching: boolean, startBalance: number | null): number | null {
  const [paidBalance, setPaidBalance] = useState<number | null>(null);

  useEffect(() => {
    if (!watching || startBalance === null || paidBalance !== null) return;
    let stopped = false;
    const check = async () => {
      try {
        const page = await api.credits(null, 1);
        if (!stopped && page !== null && page.balance > startBalance) {
          setPaidBalance(page.balance);
          requestBalanceRefresh();
        }
      } catch {
        // A failed poll is retried at the next tick, so the dialog keeps waiting.
      }
    };
    const timer = window.setInterval(() => void check(), PAYMENT_POLL_MS);
    return () => {
      stopped = true;
      window.clearInterval(timer);
    };
  }, [api, watching, startBalance, paidBalance]);

  return paidBalance;
}
