/**
 * The storage contract suite: behaviour every `Storage` adapter must show, exercised through the
 * interfaces only, so that each adapter runs the same tests. An adapter's test file calls
 * `defineStorageContract` once at top level.
 */
import { afterEach, beforeEach, describe } from 'vitest';
import type { Storage } from '../../src/types.js';
import { defineAiContract } from './ai-contract.js';
import { defineApiKeyContract } from './api-key-contract.js';
import { defineArtifactContract } from './artifact-contract.js';
import type { ContractContext } from './context.js';
import { defineCredentialContract } from './credential-contract.js';
import { defineDeliveryContract } from './delivery-contract.js';
import { defineEventContract } from './event-contract.js';
import { defineGraphContract } from './graph-contract.js';
import { defineLedgerContract } from './ledger-contract.js';
import { defineOAuthStateContract } from './oauth-state-contract.js';
import { definePluginContract } from './plugin-contract.js';
import { defineRefreshTokenContract } from './refresh-token-contract.js';
import { defineRunContract } from './run-contract.js';
import { defineStorageLifecycleContract } from './storage-lifecycle-contract.js';
import { defineTaskContract } from './task-contract.js';
import { defineUserContract } from './user-contract.js';
import { defineValueContract } from './value-contract.js';

export type { ContractContext } from './context.js';
export * from './fixtures.js';
export { buildArtifact } from './artifact-contract.js';
export { buildPlugin } from './plugin-contract.js';

/**
 * Registers the contract tests. `open` must return an empty store and is called before every
 * test. `close` releases it after the test and defaults to `storage.close()`. An adapter that
 * creates a database per test removes it there.
 */
export function defineStorageContract(
  name: string,
  open: () => Promise<Storage>,
  close: (storage: Storage) => Promise<void> = (storage) => storage.close(),
): void {
  describe(`${name} storage contract`, () => {
    let current: Storage | null = null;

    beforeEach(async () => {
      current = await open();
    });

    afterEach(async () => {
      if (current !== null) {
        const storage = current;
        current = null;
        await close(storage);
      }
    });

    const context: ContractContext = {
      storage() {
        if (current === null) {
          throw new Error('No storage is open: call context.storage() inside a test, not while defining it.');
        }
        return current;
      },
    };

    defineGraphContract(context);
    defineRunContract(context);
    defineTaskContract(context);
    defineEventContract(context);
    defineDeliveryContract(context);
    definePluginContract(context);
    defineUserContract(context);
    defineRefreshTokenContract(context);
    defineApiKeyContract(context);
    defineCredentialContract(context);
    defineOAuthStateContract(context);
    defineLedgerContract(context);
    defineArtifactContract(context);
    defineAiContract(context);
    defineValueContract(context);
    defineStorageLifecycleContract(context);
  });
}
