import { useCallback, useState } from 'react';
import type { CredentialType, CredentialView } from '../api/account-api';
import { useAccountApi } from '../account/use-account-api';

/** Loads the credential types and the user's credentials together; `reload` runs inside the caller's action runner. */
export function useCredentialCatalog(run: (action: () => Promise<void>) => Promise<boolean>) {
  const api = useAccountApi();
  const [types, setTypes] = useState<CredentialType[]>([]);
  const [credentials, setCredentials] = useState<CredentialView[] | null>(null);
  const reload = useCallback(
    () =>
      run(async () => {
        const [loadedTypes, loadedItems] = await Promise.all([api.credentialTypes(), api.credentials()]);
        setTypes(loadedTypes);
        setCredentials(loadedItems);
      }),
    [api, run],
  );
  return { types, credentials, reload };
}
