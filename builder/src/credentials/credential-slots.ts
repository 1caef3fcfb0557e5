/**
 * The credential slots of a node: the slots a plugin action declares, and the `model` slot of
 * the AI nodes, whose credential type follows the provider chosen in the config.
 */
import type { GraphNode, NodeTypeDescriptor } from '@gestorlead/sdk-plugin';

/** A slot in which a node picks a credential, with the full names of the types it accepts. */
export interface CredentialSlotChoice {
  slot: string;
  types: string[];
  required: boolean;
}

interface PluginSlotFields {
  plugin?: { name: string };
  credentialSlots?: { slot: string; type: string; required?: boolean }[];
}

interface AiSlotFields {
  credentialSlot?: string;
  providers?: { name: string; credentialType: string; platformKey?: boolean }[];
}

/** Returns the credential slots of `node`, in declaration order. */
export function credentialSlotsOf(descriptor: NodeTypeDescriptor | undefined, node: Pick<GraphNode, 'config'>): CredentialSlotChoice[] {
  if (descriptor === undefined) return [];
  const fields = descriptor as NodeTypeDescriptor & PluginSlotFields & AiSlotFields;
  const slots: CredentialSlotChoice[] = [];
  if (fields.plugin !== undefined && Array.isArray(fields.credentialSlots)) {
    for (const slot of fields.credentialSlots) {
      slots.push({ slot: slot.slot, types: [`${fields.plugin.name}/${slot.type}`], required: slot.required === true });
    }
  }
  if (typeof fields.credentialSlot === 'string' && Array.isArray(fields.providers)) {
    const chosen = (node.config as { provider?: unknown } | undefined)?.provider;
    const providers = fields.providers.filter((provider) => chosen === undefined || provider.name === chosen);
    slots.push({ slot: fields.credentialSlot, types: providers.map((provider) => provider.credentialType), required: false });
  }
  return slots;
}

/** Property names whose values are secrets; their form fields hide what is typed. */
const SECRET_NAME = /(key|secret|token|password)/i;

/**
 * Returns the react-jsonschema-form UI schema of a credential type's values: secret fields as
 * password inputs, and no submit button of the form's own.
 */
export function credentialUiSchema(schema: Record<string, unknown>): Record<string, unknown> {
  const ui: Record<string, unknown> = { 'ui:submitButtonOptions': { norender: true } };
  const properties = (schema.properties ?? {}) as Record<string, { writeOnly?: boolean; format?: string; type?: unknown }>;
  for (const [name, property] of Object.entries(properties)) {
    const secret = property.writeOnly === true || property.format === 'password' || (property.type === 'string' && SECRET_NAME.test(name));
    if (secret) ui[name] = { 'ui:widget': 'password' };
  }
  return ui;
}
