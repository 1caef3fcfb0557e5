/**
 * The seam to credential storage. A node picks a stored credential per slot in its graph
 * document (`credentials: { slot: credentialId }`); the resolver turns that id into the values
 * the plugin receives. Only the slots an action declares are ever resolved.
 */
import type { CredentialSlotManifest, PluginManifest } from '@gestorlead/sdk-plugin/plugin';
import { NodeError } from '../executor/node-type.js';
import { secretStringsOf } from '../vault/credential-contents.js';
import { NO_SECRETS, SecretScrubber } from '../vault/scrub.js';

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
  plugin: { name: string; manifest: PluginManifest };
  /** The slots the action or trigger declares; only these are resolved. */
  slots: readonly CredentialSlotManifest[];
  choice: NodeCredentialChoice;
  scope: Omit<CredentialScope, 'ownerId'>;
  resolver: CredentialResolver;
}

/**
 * Resolves the declared slots of one call. Throws `PLUGIN_CREDENTIAL_MISSING` when a required
 * slot has no credential or a chosen id resolves to none, and passes on the resolver's errors.
 */
export async function resolveSlotCredentials(request: SlotCredentialRequest): Promise<SlotCredentials> {
  const { plugin, slots, choice, scope, resolver } = request;
  const values: Record<string, Record<string, unknown>> = {};
  const secrets: string[] = [];
  for (const slot of slots) {
    const credentialId = choice.chosen[slot.slot];
    if (credentialId === undefined || credentialId === '') {
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
    const manifest = plugin.manifest.credentialTypes.find((candidate) => candidate.name === slot.type);
    secrets.push(...secretStringsOf(resolved, manifest));
  }
  return { values, scrubber: secrets.length === 0 ? NO_SECRETS : new SecretScrubber(secrets) };
}
