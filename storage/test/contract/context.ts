import type { Storage } from '../../src/types.js';

/** What the contract tests receive: the store opened for the running test. */
export interface ContractContext {
  /** Returns the store of the running test. Throws when called outside a test. */
  storage(): Storage;
}
