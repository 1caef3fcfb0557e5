import { describe, expect, it } from 'vitest';
import type { ContractContext } from './context.js';
import { buildRefreshToken, expectConflict, isoAt } from './fixtures.js';

export function defineRefreshTokenContract(context: ContractContext): void {
  describe('refresh tokens', () => {
    it('findByHash returns every token field', async () => {
      const token = buildRefreshToken({ usedAt: isoAt(10), revokedAt: isoAt(20) });
      await context.storage().refreshTokens.create(token);

      expect(await context.storage().refreshTokens.findByHash(token.tokenHash)).toEqual(token);
    });

    it('findByHash of unknown hash returns null', async () => {
      await context.storage().refreshTokens.create(buildRefreshToken());

      expect(await context.storage().refreshTokens.findByHash('unknown')).toBeNull();
    });

    it('create with duplicate hash conflicts', async () => {
      await context.storage().refreshTokens.create(buildRefreshToken({ tokenHash: 'same' }));

      await expectConflict(context.storage().refreshTokens.create(buildRefreshToken({ tokenHash: 'same' })));
    });

    it('create with duplicate id conflicts', async () => {
      await context.storage().refreshTokens.create(buildRefreshToken({ id: 'refresh-1' }));

      await expectConflict(context.storage().refreshTokens.create(buildRefreshToken({ id: 'refresh-1' })));
    });

    it('rotate marks used and stores successor', async () => {
      const token = buildRefreshToken();
      const next = buildRefreshToken({ createdAt: isoAt(1000) });
      await context.storage().refreshTokens.create(token);

      expect(await context.storage().refreshTokens.rotate(token.id, next, isoAt(1000))).toBe(true);

      expect((await context.storage().refreshTokens.findByHash(token.tokenHash))?.usedAt).toBe(isoAt(1000));
      expect(await context.storage().refreshTokens.findByHash(next.tokenHash)).toEqual(next);
    });

    it('rotate twice with one token succeeds once', async () => {
      const token = buildRefreshToken();
      const first = buildRefreshToken();
      const second = buildRefreshToken();
      await context.storage().refreshTokens.create(token);

      const results = await Promise.all([
        context.storage().refreshTokens.rotate(token.id, first, isoAt(1000)),
        context.storage().refreshTokens.rotate(token.id, second, isoAt(1001)),
      ]);

      expect([...results].sort()).toEqual([false, true]);
      const stored = await Promise.all([
        context.storage().refreshTokens.findByHash(first.tokenHash),
        context.storage().refreshTokens.findByHash(second.tokenHash),
      ]);
      expect(stored.filter((record) => record !== null)).toHaveLength(1);
    });

    it('rotate of used token stores nothing', async () => {
      const token = buildRefreshToken({ usedAt: isoAt(5) });
      const next = buildRefreshToken();
      await context.storage().refreshTokens.create(token);

      expect(await context.storage().refreshTokens.rotate(token.id, next, isoAt(1000))).toBe(false);

      expect(await context.storage().refreshTokens.findByHash(next.tokenHash)).toBeNull();
      expect((await context.storage().refreshTokens.findByHash(token.tokenHash))?.usedAt).toBe(isoAt(5));
    });

    it('rotate of revoked token stores nothing', async () => {
      const token = buildRefreshToken({ revokedAt: isoAt(5) });
      const next = buildRefreshToken();
      await context.storage().refreshTokens.create(token);

      expect(await context.storage().refreshTokens.rotate(token.id, next, isoAt(1000))).toBe(false);

      expect(await context.storage().refreshTokens.findByHash(next.tokenHash)).toBeNull();
      expect((await context.storage().refreshTokens.findByHash(token.tokenHash))?.usedAt).toBeNull();
    });

    it('rotate of missing token returns false', async () => {
      const next = buildRefreshToken();

      expect(await context.storage().refreshTokens.rotate('missing', next, isoAt(1000))).toBe(false);

      expect(await context.storage().refreshTokens.findByHash(next.tokenHash)).toBeNull();
    });

    it('rotate with conflicting successor changes nothing', async () => {
      const token = buildRefreshToken();
      const other = buildRefreshToken({ tokenHash: 'taken' });
      await context.storage().refreshTokens.create(token);
      await context.storage().refreshTokens.create(other);

      await expectConflict(
        context.storage().refreshTokens.rotate(token.id, buildRefreshToken({ tokenHash: 'taken' }), isoAt(1000)),
      );

      expect((await context.storage().refreshTokens.findByHash(token.tokenHash))?.usedAt).toBeNull();
    });

    it('revokeFamily revokes unrevoked tokens of family', async () => {
      const earlier = buildRefreshToken({ familyId: 'family-1', revokedAt: isoAt(1) });
      const used = buildRefreshToken({ familyId: 'family-1', usedAt: isoAt(2) });
      const current = buildRefreshToken({ familyId: 'family-1' });
      const otherFamily = buildRefreshToken({ familyId: 'family-2' });
      for (const token of [earlier, used, current, otherFamily]) {
        await context.storage().refreshTokens.create(token);
      }

      expect(await context.storage().refreshTokens.revokeFamily('family-1', isoAt(9))).toBe(2);

      expect((await context.storage().refreshTokens.findByHash(earlier.tokenHash))?.revokedAt).toBe(isoAt(1));
      expect((await context.storage().refreshTokens.findByHash(used.tokenHash))?.revokedAt).toBe(isoAt(9));
      expect((await context.storage().refreshTokens.findByHash(current.tokenHash))?.revokedAt).toBe(isoAt(9));
      expect((await context.storage().refreshTokens.findByHash(otherFamily.tokenHash))?.revokedAt).toBeNull();
      expect(await context.storage().refreshTokens.revokeFamily('family-1', isoAt(10))).toBe(0);
    });

    it('revokeByUser revokes unrevoked tokens of user', async () => {
      const first = buildRefreshToken({ userId: 'user-1', familyId: 'family-1' });
      const second = buildRefreshToken({ userId: 'user-1', familyId: 'family-2' });
      const revoked = buildRefreshToken({ userId: 'user-1', revokedAt: isoAt(1) });
      const otherUser = buildRefreshToken({ userId: 'user-2', familyId: 'family-3' });
      for (const token of [first, second, revoked, otherUser]) {
        await context.storage().refreshTokens.create(token);
      }

      expect(await context.storage().refreshTokens.revokeByUser('user-1', isoAt(9))).toBe(2);

      expect((await context.storage().refreshTokens.findByHash(first.tokenHash))?.revokedAt).toBe(isoAt(9));
      expect((await context.storage().refreshTokens.findByHash(second.tokenHash))?.revokedAt).toBe(isoAt(9));
      expect((await context.storage().refreshTokens.findByHash(revoked.tokenHash))?.revokedAt).toBe(isoAt(1));
      expect((await context.storage().refreshTokens.findByHash(otherUser.tokenHash))?.revokedAt).toBeNull();
    });

    it('revoked token cannot rotate', async () => {
      const token = buildRefreshToken({ familyId: 'family-1' });
      await context.storage().refreshTokens.create(token);
      await context.storage().refreshTokens.revokeFamily('family-1', isoAt(5));

      expect(await context.storage().refreshTokens.rotate(token.id, buildRefreshToken(), isoAt(6))).toBe(false);
    });

    it('purgeExpired deletes tokens expired before instant', async () => {
      const expired = buildRefreshToken({ expiresAt: isoAt(999) });
      const boundary = buildRefreshToken({ expiresAt: isoAt(1000) });
      const valid = buildRefreshToken({ expiresAt: isoAt(5000) });
      for (const token of [expired, boundary, valid]) {
        await context.storage().refreshTokens.create(token);
      }

      expect(await context.storage().refreshTokens.purgeExpired(isoAt(1000))).toBe(1);

      expect(await context.storage().refreshTokens.findByHash(expired.tokenHash)).toBeNull();
      expect(await context.storage().refreshTokens.findByHash(boundary.tokenHash)).not.toBeNull();
      expect(await context.storage().refreshTokens.findByHash(valid.tokenHash)).not.toBeNull();
    });
  });
}
