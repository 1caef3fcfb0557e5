import { describe, expect, it } from 'vitest';
import type { ContractContext } from './context.js';

export function defineStorageLifecycleContract(context: ContractContext): void {
  describe('storage', () => {
    it('kind names the adapter', () => {
      expect(typeof context.storage().kind).toBe('string');
      expect(context.storage().kind.length).toBeGreaterThan(0);
    });

    it('ping resolves on open store', async () => {
      await expect(context.storage().ping()).resolves.toBeUndefined();
    });

    it('close twice resolves', async () => {
      await context.storage().close();

      await expect(context.storage().close()).resolves.toBeUndefined();
    });
  });
}
