import { LANGUAGE_NAMES, LANGUAGES, useI18n, type Language } from '../i18n/i18n';

/** Renders a select that switches the builder's language and remembers the choice. */
export function LanguageSwitch() {
  const { language, setLanguage, t } = useI18n();
  return (
    <label className="language-switch">
      <span className="visually-hidden">{t('app.language')}</span>
      <select aria-label={t('app.language')} value={language} onChange={(event) => setLanguage(event.target.value as Language)}>
        {LANGUAGES.map((code) => (
          <option key={code} value={code}>
            {LANGUAGE_NAMES[code]}
          </option>
        ))}
      </select>
    </label>
  );
}
