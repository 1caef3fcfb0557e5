/**
 * The form that creates a credential: a type, a name, and the values of the type's JSON Schema
 * as a react-jsonschema-form. An OAuth2 type is connected in a pop-up instead of saved.
 */
import Form from '@rjsf/core';
import type { RJSFSchema, UiSchema } from '@rjsf/utils';
import validator from '@rjsf/validator-ajv8';
import { useMemo, useState } from 'react';
import { ApiError } from '../api/api-error';
import type { CredentialType, CredentialView } from '../api/account-api';
import { useAccountApi } from '../account/use-account-api';
import { useAction } from '../account/use-action';
import { ErrorNotice } from '../components/error-notice';
import { useI18n } from '../i18n/i18n';
import { credentialUiSchema } from './credential-slots';
import { waitForOAuth2 } from './oauth2-popup';

export interface CredentialFormProps {
  /** The types the user may choose from; the first is selected. */
  types: CredentialType[];
  onCreated: (credential: Pick<CredentialView, 'id' | 'name' | 'type'>) => void;
  onCancel: () => void;
}

export function CredentialForm({ types, onCreated, onCancel }: CredentialFormProps) {
  const api = useAccountApi();
  const { t } = useI18n();
  const { error, clearError, run } = useAction();
  // The types may arrive after the form opens, so the choice falls back to the first one.
  const [typeName, setTypeName] = useState<string | null>(null);
  const type = types.find((item) => item.type === typeName) ?? types[0];
  // Null until the user types a name: the type's display name is the default.
  const [typedName, setName] = useState<string | null>(null);
  const name = typedName ?? type?.displayName ?? '';
  const [values, setValues] = useState<Record<string, unknown>>({});
  const [waiting, setWaiting] = useState(false);
  const uiSchema = useMemo(() => (type === undefined ? {} : credentialUiSchema(type.schema)), [type]);

  if (type === undefined) return <p className="muted">{t('credentials.noTypes')}</p>;

  const save = (formValues: Record<string, unknown>) =>
    run(async () => {
      onCreated(await api.createCredential({ type: type.type, name: name.trim(), values: formValues }));
    });

  const connect = (formValues: Record<string, unknown>) => {
    // The window opens inside the click, before any await, so pop-up blockers allow it.
    const popup = window.open('about:blank', 'gestorlead-oauth2', 'popup,width=520,height=680');
    void run(async () => {
      if (popup === null) throw new ApiError(0, 'OAUTH2_POPUP_BLOCKED', t('credentials.popupBlocked'));
      setWaiting(true);
      try {
        const start = await api.startOAuth2({ type: type.type, name: name.trim(), values: formValues });
        popup.location.href = start.authorizationUrl;
        const outcome = await waitForOAuth2(window, popup, window.location.origin);
        if (!outcome.ok) throw new ApiError(0, outcome.error.code, outcome.error.message);
        onCreated(outcome.credential);
      } catch (caught) {
        if (!popup.closed) popup.close();
        throw caught;
      } finally {
        setWaiting(false);
      }
    });
  };

  const oauth2 = type.oauth2 !== null;
  const submit = (formValues: Record<string, unknown>) => (oauth2 ? connect(formValues) : void save(formValues));

  return (
    <div className="credential-form" data-testid="credential-form">
      {error !== null && <ErrorNotice error={error} onDismiss={clearError} />}
      {types.length > 1 && (
        <label>
          {t('credentials.type')}
          <select
            value={type.type}
            onChange={(event) => {
              setTypeName(event.target.value);
              setName(null);
              setValues({});
            }}
          >
            {types.map((item) => (
              <option key={item.type} value={item.type}>
                {item.displayName} ({item.type})
              </option>
            ))}
          </select>
        </label>
      )}
      <label>
        {t('credentials.name')}
        <input name="credentialName" maxLength={200} value={name} onChange={(event) => setName(event.target.value)} />
      </label>
      {type.description !== null && <p className="muted">{type.description}</p>}
      {oauth2 && type.oauth2?.configured === false && <p className="notice notice--info">{t('credentials.oauth2NotConfigured')}</p>}
      <Form
        key={type.type}
        className="config-form"
        schema={type.schema as RJSFSchema}
        uiSchema={uiSchema as UiSchema}
        formData={values}
        validator={validator}
        showErrorList={false}
        noHtml5Validate
        onChange={(event) => setValues((event.formData ?? {}) as Record<string, unknown>)}
        onSubmit={(event) => submit((event.formData ?? {}) as Record<string, unknown>)}
      >
        <div className="dialog__actions">
          <button type="button" onClick={onCancel}>
            {t('dialog.cancel')}
          </button>
          <button type="submit" className="primary" disabled={name.trim() === '' || waiting}>
            {oauth2 ? (waiting ? t('credentials.waiting') : t('credentials.connect')) : t('dialog.save')}
          </button>
        </div>
      </Form>
    </div>
  );
}
