/**
 * The signed-in user's credit balance for the header. Screens that change it (a finished run, a
 * grant) call `requestBalanceRefresh`, and every mounted `useBalance` reloads.
 */
import { useCallback, useEffect, useState } from 'react';
import type { AccountApi } from '../api/account-api';

const REFRESH_EVENT = 'gestorlead:balance-refresh';

/** Asks every shown balance to reload. */
export function requestBalanceRefresh(): void {
  window.dispatchEvent(new Event(REFRESH_EVENT));
}

/** Returns the balance, null while loading, or 'none' on a studio without the credits routes. */
export function useBalance(api: AccountApi): number | null | 'none' {
  const [balance, setBalance] = useState<number | null | 'none'>(null);

  const load = useCallback(async () => {
    try {
      const page = await api.credits(null, 1);
      setBalance(page === null ? 'none' : page.balance);
    } catch {
      // A failed refresh keeps the last balance; the account screen shows the error itself.
    }
  }, [api]);

  useEffect(() => {
    void load();
    const onRefresh = () => void load();
    window.addEventListener(REFRESH_EVENT, onRefresh);
    return () => window.removeEventListener(REFRESH_EVENT, onRefresh);
  }, [load]);

  return balance;
}
