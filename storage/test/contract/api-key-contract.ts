import { describe, expect, it } from 'vitest';
import type { ContractContext } from './context.js';
import { buildApiKey, expectConflict, isoAt } from './fixtures.js';

export function defineApiKeyContract(context: ContractContext): void {
  describe('API keys', () => {
    it('findByHash returns every key field', async () => {
      const key = buildApiKey({ expiresAt: isoAt(9000), lastUsedAt: isoAt(10), revokedAt: isoAt(20) });
      await context.storage().apiKeys.create(key);

      expect(await context.storage().apiKeys.findByHash(key.keyHash)).toEqual(key);
    });

    it('findByHash of unknown hash returns null', async () => {
      await context.storage().apiKeys.create(buildApiKey());

      expect(await context.storage().apiKeys.findByHash('unknown')).toBeNull();
    });

    it('create with duplicate hash conflicts', async () => {
      await context.storage().apiKeys.create(buildApiKey({ keyHash: 'same', name: 'First' }));

      await expectConflict(context.storage().apiKeys.create(buildApiKey({ keyHash: 'same', name: 'Second' })));
      expect((await context.storage().apiKeys.findByHash('same'))?.name).toBe('First');
    });

    it('create with duplicate id conflicts', async () => {
      await context.storage().apiKeys.create(buildApiKey({ id: 'key-1' }));

      await expectConflict(context.storage().apiKeys.create(buildApiKey({ id: 'key-1' })));
    });

    it('listByUser returns newest first with revoked', async () => {
      const old = buildApiKey({ userId: 'user-1', createdAt: isoAt(0), revokedAt: isoAt(5) });
      const newer = buildApiKey({ userId: 'user-1', createdAt: isoAt(1000) });
      const other = buildApiKey({ userId: 'user-2', createdAt: isoAt(2000) });
      for (const key of [old, newer, other]) {
        await context.storage().apiKeys.create(key);
      }

      const keys = await context.storage().apiKeys.listByUser('user-1');

      expect(keys).toEqual([newer, old]);
      expect(await context.storage().apiKeys.listByUser('user-3')).toEqual([]);
    });

    it('revoke sets revokedAt once', async () => {
      const key = buildApiKey({ userId: 'user-1' });
      await context.storage().apiKeys.create(key);

      expect(await context.storage().apiKeys.revoke('user-1', key.id, isoAt(10))).toBe(true);
      expect(await context.storage().apiKeys.revoke('user-1', key.id, isoAt(20))).toBe(false);

      expect((await context.storage().apiKeys.findByHash(key.keyHash))?.revokedAt).toBe(isoAt(10));
    });

    it('revoke of other user key returns false', async () => {
      const key = buildApiKey({ userId: 'user-1' });
      await context.storage().apiKeys.create(key);

      expect(await context.storage().apiKeys.revoke('user-2', key.id, isoAt(10))).toBe(false);

      expect((await context.storage().apiKeys.findByHash(key.keyHash))?.revokedAt).toBeNull();
    });

    it('revoke of missing key returns false', async () => {
      expect(await context.storage().apiKeys.revoke('user-1', 'missing', isoAt(10))).toBe(false);
    });

    it('touch records last use', async () => {
      const key = buildApiKey();
      await context.storage().apiKeys.create(key);

      await context.storage().apiKeys.touch(key.id, isoAt(10));

      const stored = await context.storage().apiKeys.findByHash(key.keyHash);
      expect(stored).toEqual({ ...key, lastUsedAt: isoAt(10) });
    });

    it('touch keeps the latest instant', async () => {
      const key = buildApiKey();
      await context.storage().apiKeys.create(key);

      await context.storage().apiKeys.touch(key.id, isoAt(20));
      await context.storage().apiKeys.touch(key.id, isoAt(10));

      expect((await context.storage().apiKeys.findByHash(key.keyHash))?.lastUsedAt).toBe(isoAt(20));
    });

    it('touch of missing key resolves', async () => {
      await expect(context.storage().apiKeys.touch('missing', isoAt(10))).resolves.toBeUndefined();
    });
  });
}
