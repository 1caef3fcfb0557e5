/**
 * The MongoDB documents of accounts, credentials and credits, and their conversion to and from
 * records. Credential and OAuth secrets are the vault's envelopes, stored as the text they are.
 */
import { normalizeEmail } from '../normalize-email.js';
import type {
  ApiKeyRecord,
  CredentialRecord,
  LedgerEntry,
  OAuthStateRecord,
  RefreshTokenRecord,
  UserRecord,
} from '../types.js';

/** A user with `email` in its stored form and `fullNameLower` for the search of `users.list`. */
export type UserDoc = Omit<UserRecord, 'id'> & { _id: string; fullNameLower: string };

export type RefreshTokenDoc = Omit<RefreshTokenRecord, 'id'> & { _id: string };

export type ApiKeyDoc = Omit<ApiKeyRecord, 'id'> & { _id: string };

/** A credential with `meta` as JSON text. */
export type CredentialDoc = Omit<CredentialRecord, 'id' | 'meta'> & { _id: string; meta: string };

/** An OAuth state keyed by the state value, with `data` as JSON text. */
export type OAuthStateDoc = Omit<OAuthStateRecord, 'state' | 'data'> & { _id: string; data: string };

/**
 * A ledger entry with the adapter's bookkeeping: `settledAt` and `openReserve` mark whether a
 * reserve is settled (the partial indexes on open reserves select `openReserve: true`), and `seq`
 * orders a user's entries of one instant in the order they were appended.
 */
export type LedgerDoc = Omit<LedgerEntry, 'id'> & {
  _id: string;
  settledAt: string | null;
  openReserve: boolean;
  seq: number;
};

/** The sum of a user's ledger deltas, and the count that numbers the user's entries (`seq`). */
export interface CreditBalanceDoc {
  /** The user id. */
  _id: string;
  balance: number;
  entries: number;
  updatedAt: string;
}

export function toUserDoc(user: UserRecord): UserDoc {
  const { id, ...fields } = user;
  return { _id: id, ...fields, email: normalizeEmail(user.email), fullNameLower: user.fullName.toLowerCase() };
}

export function fromUserDoc(doc: UserDoc): UserRecord {
  return {
    id: doc._id,
    email: doc.email,
    fullName: doc.fullName,
    avatarUrl: doc.avatarUrl,
    googleId: doc.googleId,
    passwordHash: doc.passwordHash,
    active: doc.active,
    admin: doc.admin,
    tier: doc.tier,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

export function toRefreshTokenDoc(record: RefreshTokenRecord): RefreshTokenDoc {
  const { id, ...fields } = record;
  return { _id: id, ...fields };
}

export function fromRefreshTokenDoc(doc: RefreshTokenDoc): RefreshTokenRecord {
  return {
    id: doc._id,
    userId: doc.userId,
    familyId: doc.familyId,
    tokenHash: doc.tokenHash,
    expiresAt: doc.expiresAt,
    createdAt: doc.createdAt,
    usedAt: doc.usedAt,
    revokedAt: doc.revokedAt,
  };
}

export function toApiKeyDoc(record: ApiKeyRecord): ApiKeyDoc {
  const { id, ...fields } = record;
  return { _id: id, ...fields };
}

export function fromApiKeyDoc(doc: ApiKeyDoc): ApiKeyRecord {
  return {
    id: doc._id,
    userId: doc.userId,
    name: doc.name,
    prefix: doc.prefix,
    keyHash: doc.keyHash,
    createdAt: doc.createdAt,
    expiresAt: doc.expiresAt,
    lastUsedAt: doc.lastUsedAt,
    revokedAt: doc.revokedAt,
  };
}

export function toCredentialDoc(record: CredentialRecord): CredentialDoc {
  const { id, meta, ...fields } = record;
  return { _id: id, ...fields, meta: JSON.stringify(meta) };
}

export function fromCredentialDoc(doc: CredentialDoc): CredentialRecord {
  return {
    id: doc._id,
    ownerId: doc.ownerId,
    name: doc.name,
    type: doc.type,
    secret: doc.secret,
    keyId: doc.keyId,
    meta: JSON.parse(doc.meta) as Record<string, unknown>,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

export function toOAuthStateDoc(record: OAuthStateRecord): OAuthStateDoc {
  const { state, data, ...fields } = record;
  return { _id: state, ...fields, data: JSON.stringify(data) };
}

export function fromOAuthStateDoc(doc: OAuthStateDoc): OAuthStateRecord {
  return {
    state: doc._id,
    userId: doc.userId,
    secret: doc.secret,
    keyId: doc.keyId,
    data: JSON.parse(doc.data) as Record<string, unknown>,
    createdAt: doc.createdAt,
    expiresAt: doc.expiresAt,
  };
}

/** Converts an entry to its stored form; `settledAt` applies to a reserve entry only. */
export function toLedgerDoc(entry: LedgerEntry, seq: number, settledAt: string | null): LedgerDoc {
  const { id, ...fields } = entry;
  const reserveSettledAt = entry.kind === 'reserve' ? settledAt : null;
  return {
    _id: id,
    ...fields,
    settledAt: reserveSettledAt,
    openReserve: entry.kind === 'reserve' && reserveSettledAt === null,
    seq,
  };
}

export function fromLedgerDoc(doc: LedgerDoc): LedgerEntry {
  return {
    id: doc._id,
    userId: doc.userId,
    kind: doc.kind,
    delta: doc.delta,
    amount: doc.amount,
    idempotencyKey: doc.idempotencyKey,
    runId: doc.runId,
    taskId: doc.taskId,
    reservationKey: doc.reservationKey,
    reason: doc.reason,
    actorId: doc.actorId,
    createdAt: doc.createdAt,
  };
}
