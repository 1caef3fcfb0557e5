/** The studio API client shared by every screen. */
import { createContext, useContext } from 'react';
import type { StudioApi } from './api/studio-api';

export const ApiContext = createContext<StudioApi | null>(null);

export function useApi(): StudioApi {
  const api = useContext(ApiContext);
  if (api === null) throw new Error('useApi must be used inside <ApiContext.Provider>');
  return api;
}
