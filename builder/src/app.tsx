/**
 * The app shell: checks whether the studio has accounts, shows sign-in or first-run setup when
 * it does, then routes between the dashboard, the graph list, the editor and the run history.
 */
import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { toApiError, type ApiError } from './api/api-error';
import type { UserView } from './api/types';
import { useApi } from './api-context';
import { ErrorNotice } from './components/error-notice';
import { LanguageSwitch } from './components/language-switch';
import { useI18n } from './i18n/i18n';
import { GRAPHS_PATH, matchRoute, navigate, runsPath, usePath } from './router';
import { AccountScreen } from './screens/account-screen';
import { CredentialsScreen } from './screens/credentials-screen';
import { AccountLinks } from './account/account-links';
import { AppLink } from './components/app-link';
import { DashboardScreen } from './screens/dashboard-screen';
import { GraphListScreen } from './screens/graph-list-screen';
import { RunScreen } from './screens/run-screen';
import { RunsScreen } from './screens/runs-screen';
import { PlaygroundScreen } from './screens/playground-screen';
import { SignInScreen } from './screens/sign-in-screen';

/**
 * The editor, with React Flow and the JSON-Schema forms, loads on its first use, so the sign-in
 * and graph list screens do not wait for it.
 */
const EditorScreen = lazy(() => import('./screens/editor-screen').then((module) => ({ default: module.EditorScreen })));

type Gate =
  | { state: 'loading' }
  | { state: 'error'; error: ApiError }
  | { state: 'signIn'; setup: boolean; registrationOpen: boolean }
  | { state: 'ready'; accounts: boolean; user: UserView | null };

export function App() {
  const api = useApi();
  const { t } = useI18n();
  const [gate, setGate] = useState<Gate>({ state: 'loading' });

  const check = useCallback(async () => {
    try {
      const setup = await api.setup();
      if (!setup.accounts) {
        setGate({ state: 'ready', accounts: false, user: null });
        return;
      }
      const registrationOpen = setup.registration === 'open';
      if (setup.needsFirstUser) {
        setGate({ state: 'signIn', setup: true, registrationOpen });
        return;
      }
      if (api.client.sessions.get() === null) {
        setGate({ state: 'signIn', setup: false, registrationOpen });
        return;
      }
      const user = await api.me();
      setGate({ state: 'ready', accounts: true, user });
    } catch (error) {
      const apiError = toApiError(error);
      if (apiError.status === 401) {
        api.client.sessions.set(null);
        setGate({ state: 'signIn', setup: false, registrationOpen: false });
        return;
      }
      setGate({ state: 'error', error: apiError });
    }
  }, [api]);

  useEffect(() => {
    void check();
    // A rejected refresh token ends the session; show sign-in again.
    return api.client.sessions.subscribe((session) => {
      if (session === null) void check();
    });
  }, [api, check]);

  if (gate.state === 'loading') return <p className="centered">{t('app.loading')}</p>;
  if (gate.state === 'error') {
    return (
      <main className="centered">
        <ErrorNotice error={gate.error} onDismiss={() => void check()} />
      </main>
    );
  }
  if (gate.state === 'signIn') {
    return <SignInScreen mode={gate.setup ? 'setup' : 'signIn'} registrationOpen={gate.registrationOpen} onSignedIn={() => void check()} />;
  }
  return <Shell user={gate.user} onSignOut={gate.accounts ? () => void api.logout() : null} />;
}

function Shell({ user, onSignOut }: { user: UserView | null; onSignOut: (() => void) | null }) {
  const { t } = useI18n();
  const route = matchRoute(usePath());
  return (
    <div className="shell">
      <header className="topbar">
        <a
          className="topbar__brand"
          href="/"
          onClick={(event) => {
            event.preventDefault();
            navigate('/');
          }}
        >
          {t('app.title')}
        </a>
        <nav className="topbar__nav" aria-label={t('app.navigation')}>
          <AppLink href={GRAPHS_PATH}>{t('app.graphs')}</AppLink>
          <AppLink href={runsPath(null)}>{t('app.runs')}</AppLink>
        </nav>
        <span className="topbar__spacer" />
        <AccountLinks />
        <LanguageSwitch />
        {user !== null && <span className="topbar__user">{user.email}</span>}
        {onSignOut !== null && (
          <button type="button" onClick={onSignOut}>
            {t('app.signOut')}
          </button>
        )}
      </header>
      {route.screen === 'dashboard' && <DashboardScreen />}
      {route.screen === 'graphs' && <GraphListScreen />}
      {route.screen === 'runs' && <RunsScreen key={route.graphId ?? ''} graphId={route.graphId} />}
      {route.screen === 'run' && <RunScreen key={route.runId} runId={route.runId} />}
      {route.screen === 'editor' && (
        <Suspense fallback={<p className="centered">{t('editor.loading')}</p>}>
          <EditorScreen key={route.graphId} graphId={route.graphId} />
        </Suspense>
      )}
      {route.screen === 'account' && <AccountScreen user={user} />}
      {route.screen === 'credentials' && <CredentialsScreen />}
      {route.screen === 'playground' && <PlaygroundScreen />}
      {route.screen === 'notFound' && (
        <main className="centered">
          <p>{t('app.notFound')}</p>
          <button type="button" onClick={() => navigate(GRAPHS_PATH)}>
            {t('app.back')}
          </button>
        </main>
      )}
    </div>
  );
}
