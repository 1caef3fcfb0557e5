import { describe, expect, it } from 'vitest';
import type { ContractContext } from './context.js';
import { buildCredential, expectConflict, isoAt } from './fixtures.js';

export function defineCredentialContract(context: ContractContext): void {
  describe('credentials', () => {
    it('get returns every credential field', async () => {
      const credential = buildCredential({
        meta: { scopes: ['a', 'b'], expiresAt: isoAt(3600_000), nested: { label: 'Olá 🚀' } },
        createdAt: isoAt(0),
        updatedAt: isoAt(500),
      });
      await context.storage().credentials.create(credential);

      expect(await context.storage().credentials.get(credential.id)).toEqual(credential);
    });

    it('get of missing credential returns null', async () => {
      expect(await context.storage().credentials.get('missing')).toBeNull();
    });

    it('create with duplicate id conflicts', async () => {
      await context.storage().credentials.create(buildCredential({ id: 'credential-1', name: 'First' }));

      await expectConflict(context.storage().credentials.create(buildCredential({ id: 'credential-1', name: 'Second' })));
      expect((await context.storage().credentials.get('credential-1'))?.name).toBe('First');
    });

    it('listByOwner returns newest first', async () => {
      const old = buildCredential({ ownerId: 'user-1', createdAt: isoAt(0) });
      const newer = buildCredential({ ownerId: 'user-1', createdAt: isoAt(1000) });
      const other = buildCredential({ ownerId: 'user-2', createdAt: isoAt(2000) });
      for (const credential of [old, newer, other]) {
        await context.storage().credentials.create(credential);
      }

      expect(await context.storage().credentials.listByOwner('user-1')).toEqual([newer, old]);
      expect(await context.storage().credentials.listByOwner('user-3')).toEqual([]);
    });

    it('listByOwner filters by type', async () => {
      const crm = buildCredential({ ownerId: 'user-1', type: 'crm/apiKey', createdAt: isoAt(1) });
      const mail = buildCredential({ ownerId: 'user-1', type: 'google/oauth2', createdAt: isoAt(2) });
      const otherOwner = buildCredential({ ownerId: 'user-2', type: 'google/oauth2', createdAt: isoAt(3) });
      for (const credential of [crm, mail, otherOwner]) {
        await context.storage().credentials.create(credential);
      }

      expect(await context.storage().credentials.listByOwner('user-1', { type: 'google/oauth2' })).toEqual([mail]);
      expect(await context.storage().credentials.listByOwner('user-1', { type: 'slack/bot' })).toEqual([]);
    });

    it('update applies patch and returns record', async () => {
      const credential = buildCredential();
      await context.storage().credentials.create(credential);

      const updated = await context.storage().credentials.update(credential.id, {
        name: 'CRM staging',
        secret: 'v1.key-2025.bmV3.c2VjcmV0',
        keyId: 'key-2025',
        meta: { account: 'ops@example.com' },
      });

      expect(updated).toEqual({
        ...credential,
        name: 'CRM staging',
        secret: 'v1.key-2025.bmV3.c2VjcmV0',
        keyId: 'key-2025',
        meta: { account: 'ops@example.com' },
        updatedAt: updated?.updatedAt,
      });
      expect(updated!.updatedAt > credential.updatedAt).toBe(true);
      expect(await context.storage().credentials.get(credential.id)).toEqual(updated);
    });

    it('update leaves undefined fields unchanged', async () => {
      const credential = buildCredential({ name: 'Kept' });
      await context.storage().credentials.create(credential);

      const updated = await context.storage().credentials.update(credential.id, { name: undefined, secret: 'new' });

      expect(updated?.name).toBe('Kept');
      expect(updated?.secret).toBe('new');
      expect(updated?.meta).toEqual(credential.meta);
    });

    it('update moves updatedAt past stored instant', async () => {
      const future = '2999-01-01T00:00:00.000Z';
      const credential = buildCredential({ createdAt: future, updatedAt: future });
      await context.storage().credentials.create(credential);

      const first = await context.storage().credentials.update(credential.id, { name: 'One' });
      const second = await context.storage().credentials.update(credential.id, { name: 'Two' });

      expect(first!.updatedAt > future).toBe(true);
      expect(second!.updatedAt > first!.updatedAt).toBe(true);
    });

    it('update with current expectation applies', async () => {
      const credential = buildCredential();
      await context.storage().credentials.create(credential);

      const updated = await context.storage().credentials.update(
        credential.id,
        { secret: 'refreshed' },
        { expectedUpdatedAt: credential.updatedAt },
      );

      expect(updated?.secret).toBe('refreshed');
    });

    it('update with stale expectation changes nothing', async () => {
      const credential = buildCredential();
      await context.storage().credentials.create(credential);
      const first = await context.storage().credentials.update(credential.id, { secret: 'first' });

      const stale = await context.storage().credentials.update(
        credential.id,
        { secret: 'second' },
        { expectedUpdatedAt: credential.updatedAt },
      );

      expect(stale).toBeNull();
      expect(await context.storage().credentials.get(credential.id)).toEqual(first);
    });

    it('concurrent expectations let one update win', async () => {
      const credential = buildCredential();
      await context.storage().credentials.create(credential);
      const expectation = { expectedUpdatedAt: credential.updatedAt };

      const results = await Promise.all(
        ['a', 'b', 'c', 'd'].map((secret) => context.storage().credentials.update(credential.id, { secret }, expectation)),
      );

      const winners = results.filter((result) => result !== null);
      expect(winners).toHaveLength(1);
      expect((await context.storage().credentials.get(credential.id))?.secret).toBe(winners[0]?.secret);
    });

    it('update of missing credential returns null', async () => {
      expect(await context.storage().credentials.update('missing', { name: 'Nothing' })).toBeNull();
      expect(await context.storage().credentials.get('missing')).toBeNull();
    });

    it('delete removes the credential', async () => {
      const credential = buildCredential();
      const kept = buildCredential();
      await context.storage().credentials.create(credential);
      await context.storage().credentials.create(kept);

      expect(await context.storage().credentials.delete(credential.id)).toBe(true);

      expect(await context.storage().credentials.get(credential.id)).toBeNull();
      expect(await context.storage().credentials.get(kept.id)).toEqual(kept);
      expect(await context.storage().credentials.delete(credential.id)).toBe(false);
    });

    it('listNotEncryptedWith returns other keys only', async () => {
      const older = buildCredential({ keyId: 'key-2023' });
      const current = buildCredential({ keyId: 'key-2025' });
      const newer = buildCredential({ keyId: 'key-2026' });
      for (const credential of [older, current, newer]) {
        await context.storage().credentials.create(credential);
      }

      const stale = await context.storage().credentials.listNotEncryptedWith('key-2025', 10);

      expect(stale.map((credential) => credential.id).sort()).toEqual([older.id, newer.id].sort());
      expect(stale.find((credential) => credential.id === older.id)).toEqual(older);
    });

    it('listNotEncryptedWith respects the limit', async () => {
      for (let index = 0; index < 5; index += 1) {
        await context.storage().credentials.create(buildCredential({ keyId: `key-old-${index % 2}` }));
      }

      expect(await context.storage().credentials.listNotEncryptedWith('key-new', 3)).toHaveLength(3);
    });

    it('listNotEncryptedWith drains after re-encryption', async () => {
      const credentials = [buildCredential({ keyId: 'key-old' }), buildCredential({ keyId: 'key-old' })];
      for (const credential of credentials) {
        await context.storage().credentials.create(credential);
      }

      for (const credential of await context.storage().credentials.listNotEncryptedWith('key-new', 10)) {
        await context.storage().credentials.update(credential.id, { keyId: 'key-new', secret: 're-encrypted' });
      }

      expect(await context.storage().credentials.listNotEncryptedWith('key-new', 10)).toEqual([]);
    });

    it('listNotEncryptedWith rejects zero limit', async () => {
      await expect(context.storage().credentials.listNotEncryptedWith('key-new', 0)).rejects.toThrow(RangeError);
    });
  });
}
