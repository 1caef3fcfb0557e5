/**
 * The seam to credential storage. A node picks a stored credential per slot in its graph
 * document (`credentials: { slot: credentialId }`); the resolver turns that id into the values
 * the plugin receives. Only the slots an action declares are ever resolved.
 */
import type { CredentialSlotManifest, PluginManifest } from '@gestorlead/sdk-plugin/plugin';
import { NodeError } from '../executor/node-type.js';
import { secretStringsOf } from '../vault/credential-contents.js';
import { NO_SECRETS, SecretScrubber } from '../vault/scrub.js';
import { platformCredentialOf, type CredentialOwner } from './platform-credentials.js';

/** The call a credential is resolved for, and the owner of its run. */
export interface CredentialScope {
  /** The owner of the run; a credential resolves only for its own owner. Null for runs without one. */
  ownerId: string | null;
  runId: string;
  nodeId: string;
  taskId: string;
}

/** Looks up stored credentials. */
export interface CredentialResolver {
  /**
   * Returns the values of the credential `credentialId` for `slot`, or null when the scope's
   * owner has no credential with that id. `credentialType` is `<plugin>/<type>`; a credential
   * of another type is an error with the code `PLUGIN_CREDENTIAL_TYPE_MISMATCH`. Never logs
   * the values.
   */
  resolve(
    slot: string,
    credentialId: string,
    credentialType: string,
    scope: CredentialScope,
  ): Promise<Record<string, unknown> | null>;
}

/** The resolver of a studio without credential storage: it finds no credential. */
export const noCredentials: CredentialResolver = {
  async resolve() {
    return null;
  },
};

/** The credential ids a node picks per slot, and the owner of the run it belongs to. */
export interface NodeCredentialChoice {
  ownerId: string | null;
  /** Credential id by slot name, from the node's `credentials` in the graph document. */
  chosen: Record<string, string>;
}

/** The resolved values of a call's slots, and the scrubber that hides them from its records. */
export interface SlotCredentials {
  values: Record<string, Record<string, unknown>>;
  scrubber: SecretScrubber;
}

/** Arguments of `resolveSlotCredentials`. */
export interface SlotCredentialRequest {
  plugin: CredentialOwner & { manifest: PluginManifest };
  /** The operator's platform credential variables (`PluginSettings.platformEnv`). */
  platformEnv?: Readonly<Record<string, string>>;
  /** The slots the action or trigger declares; only these are resolved. */
  slots: readonly CredentialSlotManifest[];
  choice: NodeCredentialChoice;
  scope: Omit<CredentialScope, 'ownerId'>;
  resolver: CredentialResolver;
}

/**
 * Resolves the declared slots of one call. A slot without a chosen credential whose type has a
 * platform credential gets the operator's values. Throws `AI_PROVIDER_NOT_CONFIGURED` when
 * such a platform credential is not configured, `PLUGIN_CREDENTIAL_MISSING` when another
 * required slot has no credential or a chosen id resolves to none, and passes on the
 * resolver's errors.
 */
export async function resolveSlotCredentials(request: SlotCredentialRequest): Promise<SlotCredentials> {
  const { plugin, slots, choice, scope, resolver } = request;
  const values: Record<string, Record<string, unknown>> = {};
  const secrets: string[] = [];
  for (const slot of slots) {
    const credentialId = choice.chosen[slot.slot];
    const manifest = plugin.manifest.credentialTypes.find((candidate) => candidate.name === slot.type);
    if (credentialId === undefined || credentialId === '') {
      const platform = platformCredentialOf(request.platformEnv ?? {}, plugin, manifest);
      if (platform?.configured === true) {
        values[slot.slot] = platform.values;
        secrets.push(...secretStringsOf(platform.values, manifest));
        continue;
      }
      if (platform?.configured === false) {
        throw new NodeError(
          'AI_PROVIDER_NOT_CONFIGURED',
          `plugin "${plugin.name}" has no platform credential on this studio (${platform.missing.join(', ')} not set); pick a ` +
            `credential of type ${plugin.name}/${slot.type} in the node's "${slot.slot}" slot, or ask the operator to configure it`,
          { details: { plugin: plugin.name, slot: slot.slot, type: `${plugin.name}/${slot.type}`, variables: platform.missing } },
        );
      }
      if (slot.required === true) {
        throw new NodeError(
          'PLUGIN_CREDENTIAL_MISSING',
          `node "${scope.nodeId}" picks no credential for the required slot "${slot.slot}" (type ${slot.type})`,
          { details: { slot: slot.slot, type: slot.type } },
        );
      }
      continue;
    }
    const type = `${plugin.name}/${slot.type}`;
    const resolved = await resolver.resolve(slot.slot, credentialId, type, { ...scope, ownerId: choice.ownerId });
    if (resolved === null) {
      throw new NodeError(
        'PLUGIN_CREDENTIAL_MISSING',
        `no credential of type ${type} has the id "${credentialId}" (slot "${slot.slot}" of node "${scope.nodeId}")`,
        { details: { slot: slot.slot, type, credentialId } },
      );
    }
    values[slot.slot] = resolved;
    secrets.push(...secretStringsOf(resolved, manifest));
  }
  return { values, scrubber: secrets.length === 0 ? NO_SECRETS : new SecretScrubber(secrets) };
}
