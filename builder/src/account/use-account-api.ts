import { useMemo } from 'react';
import { AccountApi } from '../api/account-api';
import { useApi } from '../api-context';

/** Returns the account routes' client over the shared API client. */
export function useAccountApi(): AccountApi {
  const api = useApi();
  return useMemo(() => new AccountApi(api.client), [api]);
}
