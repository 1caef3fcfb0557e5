import '@xyflow/react/dist/style.css';
import './styles.css';
import './history.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiClient } from './api/client';
import { SessionStore } from './api/session';
import { StudioApi } from './api/studio-api';
import { App } from './app';
import { ApiContext } from './api-context';
import { I18nProvider } from './i18n/i18n';

const api = new StudioApi(new ApiClient({ sessions: new SessionStore() }));

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <I18nProvider>
      <ApiContext.Provider value={api}>
        <App />
      </ApiContext.Provider>
    </I18nProvider>
  </StrictMode>,
);
