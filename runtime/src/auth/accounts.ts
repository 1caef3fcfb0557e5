/**
 * Accounts: registration under the studio's policy, password and Google sign-in, profile and
 * admin changes. The first account becomes admin and takes over the graphs stored before any
 * account existed.
 */
import { ActorNotAdminError, LastAdminError, StorageConflictError, type Storage, type UserPatch, type UserRecord, type UserTier } from '@gestorlead/storage';
import type { Logger } from 'pino';
import { StudioError } from '../errors.js';
import { newId } from '../ids.js';
import type { GoogleIdentity, GoogleTokenVerifier } from './google.js';
import type { LiveConnections } from './live-connections.js';
import { hashPassword, verifyDecoy, verifyPassword } from './passwords.js';
import type { Principal } from './principal.js';
import { inactiveUser, type Sessions } from './sessions.js';
import type { AuthSettings } from './settings.js';
import { normalizeEmail } from './user-view.js';

/** Fields of a new account. */
export interface NewAccount {
  email: string;
  /** Null for an account that signs in with Google only. */
  password: string | null;
  fullName: string;
  avatarUrl?: string | null;
  googleId?: string | null;
  admin?: boolean;
  tier?: UserTier;
}

/** Changes a user makes to their own account. */
export interface ProfileChange {
  fullName?: string;
  avatarUrl?: string | null;
  currentPassword?: string;
  newPassword?: string;
}

/** Changes an admin makes to an account. */
export type AdminChange = Pick<UserPatch, 'active' | 'admin' | 'tier'>;

function loginFailed(): StudioError {
  return new StudioError('AUTH_LOGIN_FAILED', 'email or password is wrong');
}

/** Account operations behind the auth, profile and admin routes. */
export class Accounts {
  readonly #storage: Storage;
  readonly #sessions: Sessions;
  readonly #settings: AuthSettings;
  readonly #google: GoogleTokenVerifier | null;
  readonly #connections: LiveConnections;
  readonly #log: Logger;

  constructor(options: {
    storage: Storage;
    sessions: Sessions;
    settings: AuthSettings;
    google: GoogleTokenVerifier | null;
    connections: LiveConnections;
    log: Logger;
  }) {
    this.#storage = options.storage;
    this.#sessions = options.sessions;
    this.#settings = options.settings;
    this.#google = options.google;
    this.#connections = options.connections;
    this.#log = options.log;
  }

  /** Returns the user `userId`, or throws `USER_NOT_FOUND`. */
  get(userId: string): Promise<UserRecord> {
    return this.#get(userId);
  }

  /** Users oldest first; `search` matches email or name, case-insensitively. */
  list(query: { search?: string; limit: number; offset: number }): Promise<UserRecord[]> {
    return this.#storage.users.list(query);
  }

  /** Returns whether the studio still waits for its first account. */
  async needsFirstUser(): Promise<boolean> {
    return (await this.#storage.users.count()) === 0;
  }

  /**
   * Registers an account for its own owner. With `REGISTRATION=closed` only the first account
   * may register this way; later ones are created by an admin.
   */
  async register(account: NewAccount): Promise<UserRecord> {
    await this.#checkRegistrationOpen();
    const user = await this.#insert(account, true);
    return this.#afterSelfRegistration(user);
  }

  /** Creates an account on an admin's behalf, whatever the registration policy. */
  async createByAdmin(account: NewAccount, admin: Principal): Promise<UserRecord> {
    const user = await this.#insert(account, false);
    this.#log.info({ userId: user.id, adminId: admin.userId }, 'user created by admin');
    return user;
  }

  /**
   * Returns the active account that `email` and `password` identify. Every failure, unknown email
   * or wrong password, is the same `AUTH_LOGIN_FAILED`, and an unknown email still costs a hash
   * verification, so neither the reply nor its timing reveals whether the email has an account.
   */
  async login(email: string, password: string): Promise<UserRecord> {
    const user = await this.#storage.users.findByEmail(normalizeEmail(email));
    if (user === null || user.passwordHash === null) {
      await verifyDecoy(password);
      throw loginFailed();
    }
    if (!(await verifyPassword(user.passwordHash, password))) throw loginFailed();
    if (!user.active) throw inactiveUser();
    return user;
  }

  /**
   * Signs in with a Google ID token: the account linked to the Google id, else the account with
   * the token's verified email (which gets linked), else a new account under the registration policy.
   */
  async signInWithGoogle(idToken: string): Promise<UserRecord> {
    if (this.#google === null) {
      throw new StudioError('AUTH_GOOGLE_NOT_CONFIGURED', 'Google sign-in is not configured on this studio; set GOOGLE_CLIENT_ID');
    }
    const identity = await this.#google.verify(idToken);
    const user = (await this.#storage.users.findByGoogleId(identity.googleId)) ?? (await this.#linkOrCreate(identity));
    if (!user.active) throw inactiveUser();
    return user;
  }

  /**
   * Applies a user's own profile change. A new password needs the current one
   * (`AUTH_CURRENT_PASSWORD_INVALID` otherwise) and ends every session of the user.
   */
  async updateProfile(userId: string, change: ProfileChange): Promise<{ user: UserRecord; passwordChanged: boolean }> {
    const user = await this.#get(userId);
    const patch: UserPatch = {};
    if (change.fullName !== undefined) patch.fullName = change.fullName;
    if (change.avatarUrl !== undefined) patch.avatarUrl = change.avatarUrl;
    if (change.newPassword !== undefined) {
      // NOTE: an account without a password (Google sign-in only) sets its first one without a
      // current password, so an access token of such an account is enough to add one.
      if (user.passwordHash !== null) {
        const ok = change.currentPassword !== undefined && (await verifyPassword(user.passwordHash, change.currentPassword));
        if (!ok) {
          throw new StudioError('AUTH_CURRENT_PASSWORD_INVALID', 'currentPassword is missing or wrong', {
            problems: [{ pointer: '/body/currentPassword', message: 'does not match your password' }],
          });
        }
      }
      patch.passwordHash = await hashPassword(change.newPassword);
    }
    const updated = await this.#update(userId, patch);
    if (patch.passwordHash !== undefined) {
      const revoked = await this.#sessions.endAll(userId);
      this.#log.info({ userId, revoked }, 'password changed; sessions ended');
    }
    return { user: updated, passwordChanged: patch.passwordHash !== undefined };
  }

  /**
   * Applies an admin's change. Deactivating an account ends its sessions and closes its
   * WebSocket connections. A change that would leave no active admin, such as two admins
   * demoting each other at once, is rejected with `USER_LAST_ADMIN`.
   */
  async updateByAdmin(userId: string, change: AdminChange, admin: Principal): Promise<UserRecord> {
    const pointer = change.active === false ? '/body/active' : '/body/admin';
    if (userId === admin.userId && (change.active === false || change.admin === false)) {
      throw new StudioError('USER_ADMIN_SELF_CHANGE', 'an admin cannot deactivate themselves or remove their own admin flag; ask another admin', {
        problems: [{ pointer, message: 'cannot be false for your own account' }],
      });
    }
    await this.#get(userId);
    let updated: UserRecord | null;
    try {
      // The store reads the acting admin's flags again in the update's transaction, because the
      // request's principal was loaded earlier and a concurrent request may have demoted it since.
      updated = await this.#storage.users.update(userId, change, { keepActiveAdmin: true, actorId: admin.userId });
    } catch (error) {
      if (error instanceof ActorNotAdminError) {
        throw new StudioError('FORBIDDEN', 'only an admin may use this route; your admin flag was removed or your account deactivated', { cause: error });
      }
      if (!(error instanceof LastAdminError)) throw error;
      throw new StudioError('USER_LAST_ADMIN', `user "${userId}" is the last active admin; make another user an admin first`, {
        problems: [{ pointer, message: 'cannot be false for the last active admin' }],
        cause: error,
      });
    }
    if (updated === null) throw userNotFound(userId);
    if (change.active === false) {
      const revoked = await this.#sessions.endAll(userId);
      const closed = this.#connections.closeUser(userId);
      this.#log.info({ userId, adminId: admin.userId, revoked, closedConnections: closed }, 'user deactivated; sessions ended');
    }
    this.#log.info({ userId, adminId: admin.userId, change }, 'user changed by admin');
    return updated;
  }

  async #checkRegistrationOpen(): Promise<void> {
    if (this.#settings.registration === 'closed' && !(await this.needsFirstUser())) {
      throw new StudioError('AUTH_REGISTRATION_CLOSED', 'registration is closed on this studio; ask an admin to create your account');
    }
  }

  /**
   * Finishes a self-registration. The first account claims the graphs stored before accounts
   * existed. With closed registration, a concurrent registration that lost the race for the
   * first place is deactivated, since it passed the policy check only because no account existed yet.
   */
  async #afterSelfRegistration(user: UserRecord): Promise<UserRecord> {
    if (user.admin) {
      const claimed = await this.#storage.graphs.claimUnowned(user.id);
      this.#log.info({ userId: user.id, claimedGraphs: claimed }, 'first user registered as admin');
      return user;
    }
    if (this.#settings.registration === 'closed') {
      await this.#storage.users.update(user.id, { active: false });
      this.#log.warn({ userId: user.id }, 'registration raced with the first account; deactivated');
      throw new StudioError('AUTH_REGISTRATION_CLOSED', 'registration is closed on this studio; ask an admin to create your account');
    }
    this.#log.info({ userId: user.id }, 'user registered');
    return user;
  }

  async #insert(account: NewAccount, firstBecomesAdmin: boolean): Promise<UserRecord> {
    const now = new Date().toISOString();
    const record: UserRecord = {
      id: newId('user'),
      email: normalizeEmail(account.email),
      fullName: account.fullName,
      avatarUrl: account.avatarUrl ?? null,
      googleId: account.googleId ?? null,
      passwordHash: account.password === null ? null : await hashPassword(account.password),
      active: true,
      admin: account.admin ?? false,
      tier: account.tier ?? 'standard',
      createdAt: now,
      updatedAt: now,
    };
    try {
      return await this.#storage.users.create(record, { firstBecomesAdmin });
    } catch (error) {
      if (error instanceof StorageConflictError) {
        throw new StudioError('USER_EMAIL_TAKEN', 'an account with this email already exists; sign in instead', {
          problems: [{ pointer: '/body/email', message: 'is taken' }],
          cause: error,
        });
      }
      throw error;
    }
  }

  /**
   * Links a Google identity to the account with its email, when Google is authoritative for the
   * email, or creates an account.
   * NOTE: registration does not verify emails, so an account someone registered with another
   * person's Gmail address gets linked when that person signs in with Google, and its password keeps working.
   */
  async #linkOrCreate(identity: GoogleIdentity): Promise<UserRecord> {
    const existing = await this.#storage.users.findByEmail(identity.email);
    if (existing !== null) {
      if (existing.googleId !== null && existing.googleId !== identity.googleId) {
        throw new StudioError('AUTH_GOOGLE_ACCOUNT_CONFLICT', 'the account with this email is linked to another Google account');
      }
      if (!identity.emailAuthoritative) {
        throw new StudioError('AUTH_GOOGLE_ACCOUNT_CONFLICT', 'an account with this email exists, and Google does not manage this address, so it is not linked; sign in with the password');
      }
      this.#log.info({ userId: existing.id }, 'google account linked');
      return this.#update(existing.id, { googleId: identity.googleId, avatarUrl: existing.avatarUrl ?? identity.avatarUrl });
    }
    await this.#checkRegistrationOpen();
    const account: NewAccount = {
      email: identity.email,
      password: null,
      fullName: identity.fullName ?? identity.email,
      avatarUrl: identity.avatarUrl,
      googleId: identity.googleId,
    };
    let user: UserRecord;
    try {
      user = await this.#insert(account, true);
    } catch (error) {
      // A concurrent sign-in with the same Google account inserted it first.
      const winner = await this.#storage.users.findByGoogleId(identity.googleId);
      if (winner !== null) return winner;
      throw error;
    }
    return this.#afterSelfRegistration(user);
  }

  async #get(userId: string): Promise<UserRecord> {
    const user = await this.#storage.users.get(userId);
    if (user === null) throw userNotFound(userId);
    return user;
  }

  async #update(userId: string, patch: UserPatch): Promise<UserRecord> {
    const updated = await this.#storage.users.update(userId, patch);
    if (updated === null) throw userNotFound(userId);
    return updated;
  }
}

export function userNotFound(userId: string): StudioError {
  return new StudioError('USER_NOT_FOUND', `user "${userId}" does not exist`, {
    problems: [{ pointer: '/params/id', message: 'matches no user' }],
  });
}
