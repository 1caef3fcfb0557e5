import { useState, type FormEvent } from 'react';
import { toApiError, type ApiError } from '../api/api-error';
import { useApi } from '../api-context';
import { ErrorNotice } from '../components/error-notice';
import { useI18n } from '../i18n/i18n';

export interface SignInScreenProps {
  /** `setup` requests the first account of a fresh studio. */
  mode: 'setup' | 'signIn';
  /** Whether a visitor may create an account on the sign-in screen. */
  registrationOpen: boolean;
  onSignedIn: () => void;
}

/** Sign-in, registration and the first-account setup of a studio with accounts. */
export function SignInScreen({ mode, registrationOpen, onSignedIn }: SignInScreenProps) {
  const { t } = useI18n();
  const api = useApi();
  const [register, setRegister] = useState(mode === 'setup');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [fullName, setFullName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (register) await api.register({ email, password, fullName });
      else await api.login({ email, password });
      onSignedIn();
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setBusy(false);
    }
  };

  const title = mode === 'setup' ? t('auth.setupTitle') : register ? t('auth.registerTitle') : t('auth.signInTitle');
  return (
    <main className="auth">
      <form className="auth__form" onSubmit={submit} aria-label={title}>
        <h1>{title}</h1>
        {mode === 'setup' && <p>{t('auth.setupHelp')}</p>}
        {register && (
          <label>
            {t('auth.fullName')}
            <input name="fullName" autoComplete="name" required value={fullName} onChange={(e) => setFullName(e.target.value)} />
          </label>
        )}
        <label>
          {t('auth.email')}
          <input name="email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label>
          {t('auth.password')}
          <input
            name="password"
            type="password"
            autoComplete={register ? 'new-password' : 'current-password'}
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {error !== null && <ErrorNotice error={error} />}
        <button type="submit" className="primary" disabled={busy}>
          {register ? t('auth.createAccount') : t('auth.signIn')}
        </button>
        {mode === 'signIn' && registrationOpen && (
          <button type="button" className="link" onClick={() => setRegister(!register)}>
            {register ? t('auth.toSignIn') : t('auth.toRegister')}
          </button>
        )}
      </form>
    </main>
  );
}
