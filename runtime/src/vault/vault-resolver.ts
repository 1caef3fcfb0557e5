/**
 * The `CredentialResolver` the plugin host calls for each declared slot of a task. A
 * credential resolves only for the run's owner and only into a slot of its own type. Its
 * values are decrypted here, in the server process, for that one call. OAuth2 tokens close to
 * expiry are refreshed first.
 */
import type { Logger } from 'pino';
import { NodeError } from '../executor/node-type.js';
import type { CredentialResolver } from '../plugins/credentials.js';
import { taskValuesOf } from './credential-contents.js';
import type { CredentialStore } from './credential-store.js';
import type { TokenRefresher } from './oauth2/refresh.js';

/** Builds the resolver over the vault's store. */
export function createVaultResolver(options: { store: CredentialStore; refresher: TokenRefresher; log: Logger }): CredentialResolver {
  const { store, refresher, log } = options;
  return {
    async resolve(slot, credentialId, credentialType, scope) {
      // A credential of another user resolves like a missing one, so its id reveals nothing.
      if (scope.ownerId === null) return null;
      const stored = await store.getOwned(scope.ownerId, credentialId);
      if (stored === null) return null;
      if (stored.type !== credentialType) {
        throw new NodeError(
          'PLUGIN_CREDENTIAL_TYPE_MISMATCH',
          `credential "${credentialId}" is of type ${stored.type}, but slot "${slot}" of node "${scope.nodeId}" needs ${credentialType}`,
          { details: { slot, credentialId, type: stored.type, expectedType: credentialType } },
        );
      }

      const { record, contents } = await store.open(stored);
      const fresh = await refresher.ensureFresh(record, contents);
      log.debug({ credentialId, slot, runId: scope.runId, taskId: scope.taskId }, 'credential resolved for a task');
      return taskValuesOf(fresh);
    },
  };
}
