/** The API view of a user, and the principal a signed-in user becomes. */
import { USER_TIERS, type UserRecord } from '@gestorlead/storage';
import type { Principal } from './principal.js';

/** A user as the API returns it: never the password hash or the Google account id. */
export interface UserView {
  id: string;
  email: string;
  fullName: string;
  avatarUrl: string | null;
  active: boolean;
  admin: boolean;
  tier: UserRecord['tier'];
  /** Whether the user can sign in with a password. */
  hasPassword: boolean;
  /** Whether a Google account is linked. */
  googleLinked: boolean;
  createdAt: string;
  updatedAt: string;
}

/** JSON Schema of `UserView`. Fastify's serializer drops every property it does not list. */
export const USER_VIEW_SCHEMA = {
  type: 'object',
  required: ['id', 'email', 'fullName', 'avatarUrl', 'active', 'admin', 'tier', 'hasPassword', 'googleLinked', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string' },
    email: { type: 'string' },
    fullName: { type: 'string' },
    avatarUrl: { type: ['string', 'null'] },
    active: { type: 'boolean' },
    admin: { type: 'boolean' },
    tier: { type: 'string', enum: [...USER_TIERS] },
    hasPassword: { type: 'boolean' },
    googleLinked: { type: 'boolean' },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
} as const;

export function describeUser(user: UserRecord): UserView {
  return {
    id: user.id,
    email: user.email,
    fullName: user.fullName,
    avatarUrl: user.avatarUrl,
    active: user.active,
    admin: user.admin,
    tier: user.tier,
    hasPassword: user.passwordHash !== null,
    googleLinked: user.googleId !== null,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
}

export function principalOf(user: UserRecord, via: Principal['via']): Principal {
  return { userId: user.id, admin: user.admin, tier: user.tier, via };
}

/** Returns the form in which storage keeps emails: trimmed and lowercased. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
