/**
 * Credential pickers of the node settings: one select per credential slot of the node's type,
 * listing the user's credentials of the accepted types, with "connect new" that opens the
 * create form in place and picks the new credential.
 */
import type { GraphNode, NodeTypeDescriptor } from '@gestorlead/sdk-plugin';
import { useEffect, useState } from 'react';
import type { CredentialType, CredentialView } from '../api/account-api';
import { useAction } from '../account/use-action';
import { ErrorNotice } from '../components/error-notice';
import { useI18n } from '../i18n/i18n';
import { CredentialForm } from './credential-form';
import { credentialSlotsOf, type CredentialSlotChoice } from './credential-slots';
import { useCredentialCatalog } from './use-credential-catalog';

export interface CredentialPickersProps {
  node: GraphNode;
  descriptor: NodeTypeDescriptor | undefined;
  /** Sets the node's `credentials`; undefined removes the field. */
  onChange: (credentials: Record<string, string> | undefined) => void;
}

export function CredentialPickers({ node, descriptor, onChange }: CredentialPickersProps) {
  const { t } = useI18n();
  const { error, clearError, run } = useAction();
  const slots = credentialSlotsOf(descriptor, node);
  const { types, credentials: loaded, reload } = useCredentialCatalog(run);
  const credentials = loaded ?? [];
  const [connecting, setConnecting] = useState<string | null>(null);
  const hasSlots = slots.length > 0;

  useEffect(() => {
    if (hasSlots) void reload();
  }, [hasSlots, reload]);

  if (!hasSlots) return null;

  const pick = (slot: string, id: string) => {
    const next: Record<string, string> = { ...(node.credentials ?? {}) };
    if (id === '') delete next[slot];
    else next[slot] = id;
    onChange(Object.keys(next).length === 0 ? undefined : next);
  };

  return (
    <fieldset className="settings__credentials">
      <legend>{t('credentials.title')}</legend>
      {error !== null && <ErrorNotice error={error} onDismiss={clearError} />}
      {slots.map((slot) => (
        <SlotPicker
          key={slot.slot}
          slot={slot}
          value={node.credentials?.[slot.slot] ?? ''}
          credentials={credentials.filter((item) => slot.types.includes(item.type))}
          types={types.filter((item) => slot.types.includes(item.type))}
          connecting={connecting === slot.slot}
          onConnect={(open) => setConnecting(open ? slot.slot : null)}
          onPick={(id) => pick(slot.slot, id)}
          onCreated={(id) => {
            setConnecting(null);
            pick(slot.slot, id);
            void reload();
          }}
        />
      ))}
    </fieldset>
  );
}

function SlotPicker(props: {
  slot: CredentialSlotChoice;
  value: string;
  credentials: CredentialView[];
  types: CredentialType[];
  connecting: boolean;
  onConnect: (open: boolean) => void;
  onPick: (id: string) => void;
  onCreated: (id: string) => void;
}) {
  const { t } = useI18n();
  const { slot, value, credentials, types, connecting } = props;
  const missing = value !== '' && !credentials.some((item) => item.id === value);
  return (
    <div className="credential-slot" data-slot={slot.slot}>
      <label>
        {t('credentials.slot', { slot: slot.slot })}
        <select name={`credential-${slot.slot}`} value={value} onChange={(event) => props.onPick(event.target.value)}>
          <option value="">{slot.required ? t('credentials.choose') : t('credentials.none')}</option>
          {missing && <option value={value}>{t('credentials.unknownPicked', { id: value })}</option>}
          {credentials.map((item) => (
            <option key={item.id} value={item.id}>
              {item.name}
            </option>
          ))}
        </select>
      </label>
      {!connecting && (
        <button type="button" className="link" disabled={types.length === 0} onClick={() => props.onConnect(true)}>
          {t('credentials.connectNew')}
        </button>
      )}
      {connecting && <CredentialForm types={types} onCancel={() => props.onConnect(false)} onCreated={(credential) => props.onCreated(credential.id)} />}
    </div>
  );
}
