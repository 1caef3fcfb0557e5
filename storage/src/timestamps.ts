import type { CredentialPatch, CredentialRecord } from './types.js';

/**
 * Returns the `updatedAt` of a record that changes now: the current instant, or one millisecond
 * after `previous` when the clock has not passed it. Every change then gets a new `updatedAt`,
 * which compare-and-set updates on `updatedAt` depend on.
 */
export function nextUpdatedAt(previous: string): string {
  const now = Date.now();
  const previousMs = Date.parse(previous);
  if (Number.isNaN(previousMs) || now > previousMs) {
    return new Date(now).toISOString();
  }
  return new Date(previousMs + 1).toISOString();
}

/**
 * Returns `current` with the defined fields of `patch` applied and a new `updatedAt` (see
 * `nextUpdatedAt`), as every adapter's `credentials.update` stores it.
 */
export function patchCredential(current: CredentialRecord, patch: CredentialPatch): CredentialRecord {
  return {
    ...current,
    name: patch.name ?? current.name,
    secret: patch.secret ?? current.secret,
    keyId: patch.keyId ?? current.keyId,
    meta: patch.meta ?? current.meta,
    updatedAt: nextUpdatedAt(current.updatedAt),
  };
}
