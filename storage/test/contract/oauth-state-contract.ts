import { describe, expect, it } from 'vitest';
import type { ContractContext } from './context.js';
import { buildOAuthState, expectConflict, isoAt } from './fixtures.js';

export function defineOAuthStateContract(context: ContractContext): void {
  describe('OAuth states', () => {
    it('take returns every state field', async () => {
      const state = buildOAuthState();
      await context.storage().oauthStates.create(state);

      expect(await context.storage().oauthStates.take(state.state, isoAt(1000))).toEqual(state);
    });

    it('take returns state only once', async () => {
      const state = buildOAuthState();
      await context.storage().oauthStates.create(state);

      const results = await Promise.all([
        context.storage().oauthStates.take(state.state, isoAt(1000)),
        context.storage().oauthStates.take(state.state, isoAt(1000)),
      ]);

      expect(results.filter((result) => result !== null)).toHaveLength(1);
      expect(await context.storage().oauthStates.take(state.state, isoAt(1000))).toBeNull();
    });

    it('take of expired state returns null', async () => {
      const state = buildOAuthState({ expiresAt: isoAt(1000) });
      await context.storage().oauthStates.create(state);

      expect(await context.storage().oauthStates.take(state.state, isoAt(1001))).toBeNull();
    });

    it('take at expiry instant returns state', async () => {
      const state = buildOAuthState({ expiresAt: isoAt(1000) });
      await context.storage().oauthStates.create(state);

      expect((await context.storage().oauthStates.take(state.state, isoAt(1000)))?.state).toBe(state.state);
    });

    it('take of unknown state returns null', async () => {
      await context.storage().oauthStates.create(buildOAuthState());

      expect(await context.storage().oauthStates.take('unknown', isoAt(0))).toBeNull();
    });

    it('take leaves other states', async () => {
      const first = buildOAuthState();
      const second = buildOAuthState();
      await context.storage().oauthStates.create(first);
      await context.storage().oauthStates.create(second);

      await context.storage().oauthStates.take(first.state, isoAt(0));

      expect(await context.storage().oauthStates.take(second.state, isoAt(0))).toEqual(second);
    });

    it('create with duplicate state conflicts', async () => {
      await context.storage().oauthStates.create(buildOAuthState({ state: 'state-1', userId: 'user-1' }));

      await expectConflict(context.storage().oauthStates.create(buildOAuthState({ state: 'state-1', userId: 'user-2' })));
      expect((await context.storage().oauthStates.take('state-1', isoAt(0)))?.userId).toBe('user-1');
    });

    it('purgeExpired deletes states expired before instant', async () => {
      const expired = buildOAuthState({ expiresAt: isoAt(999) });
      const boundary = buildOAuthState({ expiresAt: isoAt(1000) });
      const valid = buildOAuthState({ expiresAt: isoAt(5000) });
      for (const state of [expired, boundary, valid]) {
        await context.storage().oauthStates.create(state);
      }

      expect(await context.storage().oauthStates.purgeExpired(isoAt(1000))).toBe(1);

      expect(await context.storage().oauthStates.take(expired.state, isoAt(0))).toBeNull();
      expect(await context.storage().oauthStates.take(boundary.state, isoAt(0))).toEqual(boundary);
      expect(await context.storage().oauthStates.take(valid.state, isoAt(0))).toEqual(valid);
    });
  });
}
