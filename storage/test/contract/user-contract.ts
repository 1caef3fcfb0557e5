import { describe, expect, it } from 'vitest';
import { ActorNotAdminError, LastAdminError, type UserRecord } from '../../src/types.js';
import type { ContractContext } from './context.js';
import { buildUser, expectConflict, isoAt } from './fixtures.js';

export function defineUserContract(context: ContractContext): void {
  describe('users', () => {
    async function createUsers(users: UserRecord[]): Promise<void> {
      for (const user of users) {
        await context.storage().users.create(user);
      }
    }

    it('create stores every user field', async () => {
      const user = buildUser({
        email: 'ana@example.com',
        fullName: 'Ana Souza',
        avatarUrl: 'https://lh3.example.com/a/photo.png',
        googleId: '109876543210',
        passwordHash: null,
        active: false,
        admin: true,
        tier: 'premium',
        createdAt: isoAt(0),
        updatedAt: isoAt(500),
      });

      const stored = await context.storage().users.create(user);

      expect(stored).toEqual(user);
      expect(await context.storage().users.get(user.id)).toEqual(user);
    });

    it('create trims and lowercases email', async () => {
      const user = buildUser({ email: '  Ana.Souza@Example.COM ' });

      const stored = await context.storage().users.create(user);

      expect(stored.email).toBe('ana.souza@example.com');
      expect((await context.storage().users.get(user.id))?.email).toBe('ana.souza@example.com');
    });

    it('create with taken email conflicts', async () => {
      await context.storage().users.create(buildUser({ id: 'user-1', email: 'ana@example.com' }));

      await expectConflict(context.storage().users.create(buildUser({ id: 'user-2', email: 'ANA@example.com' })));

      expect(await context.storage().users.get('user-2')).toBeNull();
      expect(await context.storage().users.count()).toBe(1);
    });

    it('create with taken Google id conflicts', async () => {
      await context.storage().users.create(buildUser({ id: 'user-1', googleId: 'google-1' }));

      await expectConflict(context.storage().users.create(buildUser({ id: 'user-2', googleId: 'google-1' })));

      expect(await context.storage().users.get('user-2')).toBeNull();
    });

    it('null Google ids never conflict', async () => {
      await context.storage().users.create(buildUser({ googleId: null }));
      await context.storage().users.create(buildUser({ googleId: null }));

      expect(await context.storage().users.count()).toBe(2);
    });

    it('create with duplicate id conflicts', async () => {
      await context.storage().users.create(buildUser({ id: 'user-1', fullName: 'First' }));

      await expectConflict(context.storage().users.create(buildUser({ id: 'user-1', fullName: 'Second' })));

      expect((await context.storage().users.get('user-1'))?.fullName).toBe('First');
    });

    it('firstBecomesAdmin makes only first user admin', async () => {
      const first = await context.storage().users.create(buildUser({ admin: false }), { firstBecomesAdmin: true });
      const second = await context.storage().users.create(buildUser({ admin: true }), { firstBecomesAdmin: true });

      expect(first.admin).toBe(true);
      expect(second.admin).toBe(false);
      expect((await context.storage().users.get(first.id))?.admin).toBe(true);
      expect((await context.storage().users.get(second.id))?.admin).toBe(false);
    });

    it('without firstBecomesAdmin admin is kept', async () => {
      const first = await context.storage().users.create(buildUser({ admin: false }));
      const second = await context.storage().users.create(buildUser({ admin: true }));

      expect(first.admin).toBe(false);
      expect(second.admin).toBe(true);
    });

    it('concurrent firstBecomesAdmin creates one admin', async () => {
      const users = Array.from({ length: 20 }, () => buildUser());

      const created = await Promise.all(
        users.map((user) => context.storage().users.create(user, { firstBecomesAdmin: true })),
      );

      expect(created.filter((user) => user.admin)).toHaveLength(1);
      const stored = await context.storage().users.list({ limit: 100 });
      expect(stored).toHaveLength(20);
      expect(stored.filter((user) => user.admin)).toHaveLength(1);
    });

    it('get of missing user returns null', async () => {
      expect(await context.storage().users.get('missing')).toBeNull();
    });

    it('findByEmail ignores case and spaces', async () => {
      const user = buildUser({ email: 'ana@example.com' });
      await context.storage().users.create(user);

      expect((await context.storage().users.findByEmail('ana@example.com'))?.id).toBe(user.id);
      expect((await context.storage().users.findByEmail(' ANA@Example.com '))?.id).toBe(user.id);
      expect(await context.storage().users.findByEmail('bia@example.com')).toBeNull();
    });

    it('findByGoogleId returns matching user', async () => {
      const user = buildUser({ googleId: 'google-1' });
      await context.storage().users.create(user);
      await context.storage().users.create(buildUser({ googleId: 'google-2' }));

      expect(await context.storage().users.findByGoogleId('google-1')).toEqual(user);
      expect(await context.storage().users.findByGoogleId('google-3')).toBeNull();
    });

    it('list orders oldest first', async () => {
      await createUsers([
        buildUser({ id: 'user-new', createdAt: isoAt(2000) }),
        buildUser({ id: 'user-old', createdAt: isoAt(0) }),
        buildUser({ id: 'user-mid-b', createdAt: isoAt(1000) }),
        buildUser({ id: 'user-mid-a', createdAt: isoAt(1000) }),
      ]);

      const users = await context.storage().users.list();

      expect(users.map((user) => user.id)).toEqual(['user-old', 'user-mid-a', 'user-mid-b', 'user-new']);
    });

    it('list search matches email or name', async () => {
      await createUsers([
        buildUser({ id: 'user-1', email: 'ana@acme.com', fullName: 'Ana Souza', createdAt: isoAt(1) }),
        buildUser({ id: 'user-2', email: 'bia@example.com', fullName: 'Beatriz ACME', createdAt: isoAt(2) }),
        buildUser({ id: 'user-3', email: 'caio@example.com', fullName: 'Caio Lima', createdAt: isoAt(3) }),
      ]);

      const users = await context.storage().users.list({ search: 'Acme' });

      expect(users.map((user) => user.id)).toEqual(['user-1', 'user-2']);
    });

    it('list search folds accented capitals', async () => {
      await createUsers([
        buildUser({ id: 'user-1', fullName: 'ÉLIDA Prado', createdAt: isoAt(1) }),
        buildUser({ id: 'user-2', fullName: 'Elida sem acento', createdAt: isoAt(2) }),
      ]);

      const users = await context.storage().users.list({ search: 'élida' });

      expect(users.map((user) => user.id)).toEqual(['user-1']);
    });

    it('list search treats wildcards literally', async () => {
      await createUsers([
        buildUser({ id: 'user-1', email: 'a_b@example.com', createdAt: isoAt(1) }),
        buildUser({ id: 'user-2', email: 'axb@example.com', createdAt: isoAt(2) }),
        buildUser({ id: 'user-3', fullName: '100% Ana', createdAt: isoAt(3) }),
      ]);

      expect((await context.storage().users.list({ search: '_' })).map((user) => user.id)).toEqual(['user-1']);
      expect((await context.storage().users.list({ search: '%' })).map((user) => user.id)).toEqual(['user-3']);
    });

    it('list pages with limit and offset', async () => {
      const ids = ['user-a', 'user-b', 'user-c', 'user-d', 'user-e'];
      await createUsers(ids.map((id, index) => buildUser({ id, createdAt: isoAt(index) })));

      const page = await context.storage().users.list({ limit: 2, offset: 2 });

      expect(page.map((user) => user.id)).toEqual(['user-c', 'user-d']);
    });

    it('list returns fifty by default', async () => {
      await createUsers(Array.from({ length: 55 }, (_, index) => buildUser({ createdAt: isoAt(index) })));

      expect(await context.storage().users.list()).toHaveLength(50);
    });

    it('list caps limit at 500', async () => {
      await createUsers(Array.from({ length: 501 }, (_, index) => buildUser({ createdAt: isoAt(index) })));

      expect(await context.storage().users.list({ limit: 1000 })).toHaveLength(500);
    });

    it('list rejects invalid paging', async () => {
      await expect(context.storage().users.list({ limit: 0 })).rejects.toThrow(RangeError);
      await expect(context.storage().users.list({ offset: -1 })).rejects.toThrow(RangeError);
    });

    it('count returns number of users', async () => {
      expect(await context.storage().users.count()).toBe(0);

      await createUsers([buildUser(), buildUser(), buildUser()]);

      expect(await context.storage().users.count()).toBe(3);
    });

    it('update applies patch and returns record', async () => {
      const user = buildUser({ createdAt: '2020-01-01T00:00:00.000Z' });
      await context.storage().users.create(user);
      const before = new Date().toISOString();

      const updated = await context.storage().users.update(user.id, {
        fullName: 'Ana S. Lima',
        avatarUrl: 'https://cdn.example.com/ana.png',
        googleId: 'google-9',
        active: false,
        admin: true,
        tier: 'premium',
      });

      expect(updated).toEqual({
        ...user,
        fullName: 'Ana S. Lima',
        avatarUrl: 'https://cdn.example.com/ana.png',
        googleId: 'google-9',
        active: false,
        admin: true,
        tier: 'premium',
        updatedAt: updated?.updatedAt,
      });
      expect(updated!.updatedAt >= before).toBe(true);
      expect(await context.storage().users.get(user.id)).toEqual(updated);
    });

    it('update normalizes new email', async () => {
      const user = buildUser({ email: 'ana@example.com' });
      await context.storage().users.create(user);

      const updated = await context.storage().users.update(user.id, { email: ' Ana.Lima@Example.com' });

      expect(updated?.email).toBe('ana.lima@example.com');
      expect((await context.storage().users.findByEmail('ana.lima@example.com'))?.id).toBe(user.id);
      expect(await context.storage().users.findByEmail('ana@example.com')).toBeNull();
    });

    it('update writes null values', async () => {
      const user = buildUser({ googleId: 'google-1', avatarUrl: 'https://cdn.example.com/a.png' });
      await context.storage().users.create(user);

      const updated = await context.storage().users.update(user.id, { googleId: null, avatarUrl: null, passwordHash: null });

      expect(updated?.googleId).toBeNull();
      expect(updated?.avatarUrl).toBeNull();
      expect(updated?.passwordHash).toBeNull();
      expect(await context.storage().users.findByGoogleId('google-1')).toBeNull();
    });

    it('update leaves undefined fields unchanged', async () => {
      const user = buildUser({ fullName: 'Kept' });
      await context.storage().users.create(user);

      const updated = await context.storage().users.update(user.id, { fullName: undefined, tier: 'premium' });

      expect(updated?.fullName).toBe('Kept');
      expect(updated?.tier).toBe('premium');
    });

    it('update to taken email conflicts', async () => {
      await context.storage().users.create(buildUser({ id: 'user-1', email: 'ana@example.com' }));
      await context.storage().users.create(buildUser({ id: 'user-2', email: 'bia@example.com', fullName: 'Bia' }));

      await expectConflict(context.storage().users.update('user-2', { email: 'ANA@example.com', fullName: 'Changed' }));

      const stored = await context.storage().users.get('user-2');
      expect(stored?.email).toBe('bia@example.com');
      expect(stored?.fullName).toBe('Bia');
    });

    it('update to taken Google id conflicts', async () => {
      await context.storage().users.create(buildUser({ id: 'user-1', googleId: 'google-1' }));
      await context.storage().users.create(buildUser({ id: 'user-2', googleId: null }));

      await expectConflict(context.storage().users.update('user-2', { googleId: 'google-1' }));

      expect((await context.storage().users.get('user-2'))?.googleId).toBeNull();
    });

    it('update search sees new name', async () => {
      const user = buildUser({ fullName: 'Ana Souza' });
      await context.storage().users.create(user);

      await context.storage().users.update(user.id, { fullName: 'Joana Prado' });

      expect((await context.storage().users.list({ search: 'prado' })).map((found) => found.id)).toEqual([user.id]);
      expect(await context.storage().users.list({ search: 'souza' })).toEqual([]);
    });

    it('update of missing user returns null', async () => {
      expect(await context.storage().users.update('missing', { fullName: 'Nobody' })).toBeNull();
      expect(await context.storage().users.count()).toBe(0);
    });

    it('update by an inactive or demoted actor is rejected', async () => {
      const target = buildUser({ admin: true });
      const demoted = buildUser({ admin: false });
      const inactive = buildUser({ admin: true, active: false });
      await createUsers([target, demoted, inactive]);

      for (const actorId of [demoted.id, inactive.id, 'missing']) {
        const attempt = context.storage().users.update(target.id, { tier: 'premium' }, { actorId });
        await expect(attempt, actorId).rejects.toBeInstanceOf(ActorNotAdminError);
      }
      expect((await context.storage().users.get(target.id))?.tier).toBe(target.tier);
    });

    it('concurrent mutual demotions keep one admin', async () => {
      const users = context.storage().users;
      for (const flag of ['admin', 'active'] as const) {
        const first = buildUser({ admin: true });
        const second = buildUser({ admin: true });
        await createUsers([first, second]);

        // Each admin removes the other's flag, checked against the actor and the admin count.
        const outcomes = await Promise.allSettled([
          users.update(second.id, { [flag]: false }, { keepActiveAdmin: true, actorId: first.id }),
          users.update(first.id, { [flag]: false }, { keepActiveAdmin: true, actorId: second.id }),
        ]);

        const rejected = outcomes.filter((outcome) => outcome.status === 'rejected');
        expect(outcomes.filter((outcome) => outcome.status === 'fulfilled'), flag).toHaveLength(1);
        expect(rejected, flag).toHaveLength(1);
        const reason = (rejected[0] as PromiseRejectedResult).reason;
        expect(reason instanceof ActorNotAdminError || reason instanceof LastAdminError, `${flag}: ${String(reason)}`).toBe(true);
        const pair = [await users.get(first.id), await users.get(second.id)];
        expect(pair.filter((user) => user?.admin === true && user.active), flag).toHaveLength(1);
        // Demote the survivor outside the guard, so the next round starts with no other admins.
        for (const user of pair) await users.update(user!.id, { admin: false });
      }
    });
  });
}
