/** The account screen: credits and their ledger, API keys and installed plugins. */
import { ApiKeysSection } from '../account/api-keys-section';
import { CreditsSection } from '../account/credits-section';
import { PluginsSection } from '../account/plugins-section';
import type { UserView } from '../api/types';
import { useI18n } from '../i18n/i18n';

export function AccountScreen({ user }: { user: UserView | null }) {
  const { t } = useI18n();
  return (
    <main className="account">
      <h1>{t('account.title')}</h1>
      <CreditsSection user={user} />
      {user !== null && <ApiKeysSection />}
      <PluginsSection />
    </main>
  );
}
