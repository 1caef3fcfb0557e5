/**
 * Record builders for the contract suite. Each builder returns a complete, valid record, and a
 * test overrides only the fields it is about.
 */
import type { GraphDocument } from '@gestorlead/sdk-plugin';
import { expect } from 'vitest';
import {
  InsufficientCreditsError,
  StorageConflictError,
  type ApiKeyRecord,
  type AttemptRecord,
  type CredentialRecord,
  type DeliveryRecord,
  type LedgerEntry,
  type OAuthStateRecord,
  type RefreshTokenRecord,
  type RunEventRecord,
  type RunRecord,
  type TaskRecord,
  type UserRecord,
} from '../../src/types.js';

let idCounter = 0;

/** Returns an id that no other call in this process returns, such as `run-7`. */
export function uniqueId(prefix: string): string {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

const BASE_TIME_MS = Date.parse('2024-05-01T12:00:00.000Z');

/** Returns the ISO instant `offsetMs` after a fixed base time, for ordering tests. */
export function isoAt(offsetMs: number): string {
  return new Date(BASE_TIME_MS + offsetMs).toISOString();
}

/** Resolves once `Date.now()` has advanced, so the next timestamp differs from earlier ones. */
export async function waitForNextMillisecond(): Promise<void> {
  const start = Date.now();
  while (Date.now() === start) {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Returns a two-node graph document: a webhook trigger feeding an HTTP request. */
export function buildGraphDocument(overrides: Partial<GraphDocument> = {}): GraphDocument {
  return {
    name: 'Lead intake',
    description: 'Receives a lead and forwards it to the CRM',
    nodes: [
      {
        id: 'trigger',
        type: 'core/webhook@1',
        label: 'Incoming lead',
        position: { x: 0, y: 0 },
        config: { path: '/leads' },
      },
      {
        id: 'forward',
        type: 'http/request@1',
        position: { x: 240, y: 0 },
        config: { method: 'POST', url: 'https://crm.example.com/leads', headers: { accept: 'application/json' } },
        retry: { maxAttempts: 3, backoff: 'exponential', delayMs: 500 },
        timeoutMs: 10_000,
      },
    ],
    edges: [{ id: 'trigger-forward', source: 'trigger', sourcePort: 'out', target: 'forward', targetPort: 'in' }],
    settings: { timeoutMs: 60_000, concurrency: 4, webhook: { mode: 'async', eventIdHeader: 'x-event-id' } },
    ...overrides,
  };
}

/** Returns a queued manual run of version 1 of graph `graph-1`, without an owner. */
export function buildRun(overrides: Partial<RunRecord> = {}): RunRecord {
  const createdAt = overrides.createdAt ?? isoAt(0);
  return {
    id: uniqueId('run'),
    graphId: 'graph-1',
    ownerId: null,
    graphVersion: 1,
    status: 'queued',
    trigger: 'manual',
    input: { lead: { name: 'Ana', email: 'ana@example.com' } },
    output: null,
    error: null,
    response: null,
    deliveryId: null,
    createdAt,
    updatedAt: createdAt,
    startedAt: null,
    finishedAt: null,
    ...overrides,
  };
}

/** Returns a pending task of node `forward` in run `run-1`. */
export function buildTask(overrides: Partial<TaskRecord> = {}): TaskRecord {
  const createdAt = overrides.createdAt ?? isoAt(0);
  return {
    id: uniqueId('task'),
    runId: 'run-1',
    nodeId: 'forward',
    nodeType: 'http/request@1',
    status: 'PENDING',
    attempts: 0,
    input: { body: { name: 'Ana' } },
    output: null,
    error: null,
    createdAt,
    updatedAt: createdAt,
    startedAt: null,
    finishedAt: null,
    ...overrides,
  };
}

/** Returns attempt 1, in progress, of task `task-1` in run `run-1`. */
export function buildAttempt(overrides: Partial<AttemptRecord> = {}): AttemptRecord {
  return {
    taskId: 'task-1',
    runId: 'run-1',
    attempt: 1,
    status: 'IN_PROGRESS',
    error: null,
    startedAt: isoAt(0),
    finishedAt: null,
    ...overrides,
  };
}

/** Returns event seq 1 of run `run-1`, a `task.log` line of task `task-1`. */
export function buildEvent(overrides: Partial<RunEventRecord> = {}): RunEventRecord {
  return {
    runId: 'run-1',
    seq: 1,
    type: 'task.log',
    at: isoAt(0),
    taskId: 'task-1',
    nodeId: 'forward',
    data: { level: 'info', message: 'POST https://crm.example.com/leads' },
    ...overrides,
  };
}

/** Returns events with seq `firstSeq` to `firstSeq + count - 1`, each built from `overrides`. */
export function buildEvents(
  count: number,
  overrides: Partial<RunEventRecord> = {},
  firstSeq = 1,
): RunEventRecord[] {
  const events: RunEventRecord[] = [];
  for (let index = 0; index < count; index += 1) {
    const seq = firstSeq + index;
    events.push(buildEvent({ at: isoAt(seq), ...overrides, seq }));
  }
  return events;
}

/** Returns a live POST delivery to graph `graph-1` for run `run-1`, without an event id. */
export function buildDelivery(overrides: Partial<DeliveryRecord> = {}): DeliveryRecord {
  return {
    id: uniqueId('delivery'),
    graphId: 'graph-1',
    eventId: null,
    runId: 'run-1',
    test: false,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-event-id': 'evt-1' },
    query: { source: 'landing-page' },
    contentType: 'application/json',
    body: '{"name":"Ana"}',
    bodyEncoding: 'utf8',
    receivedAt: isoAt(0),
    ...overrides,
  };
}

/** Returns an active standard user who signs in with a password, with a unique id and email. */
export function buildUser(overrides: Partial<UserRecord> = {}): UserRecord {
  const id = overrides.id ?? uniqueId('user');
  const createdAt = overrides.createdAt ?? isoAt(0);
  return {
    id,
    email: `${id}@example.com`,
    fullName: 'Ana Souza',
    avatarUrl: null,
    googleId: null,
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA',
    active: true,
    admin: false,
    tier: 'standard',
    createdAt,
    updatedAt: createdAt,
    ...overrides,
  };
}

/** Returns an unused refresh token of user `user-1` that expires 30 days after the base time. */
export function buildRefreshToken(overrides: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord {
  const id = overrides.id ?? uniqueId('refresh');
  return {
    id,
    userId: 'user-1',
    familyId: 'family-1',
    tokenHash: `hash-of-${id}`,
    expiresAt: isoAt(30 * 24 * 3600_000),
    createdAt: isoAt(0),
    usedAt: null,
    revokedAt: null,
    ...overrides,
  };
}

/** Returns an unused API key of user `user-1` that never expires. */
export function buildApiKey(overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  const id = overrides.id ?? uniqueId('key');
  return {
    id,
    userId: 'user-1',
    name: 'CI pipeline',
    prefix: 'gls_ab12',
    keyHash: `hash-of-${id}`,
    createdAt: isoAt(0),
    expiresAt: null,
    lastUsedAt: null,
    revokedAt: null,
    ...overrides,
  };
}

/** Returns an API-key credential of user `user-1`, encrypted with key `key-2024`. */
export function buildCredential(overrides: Partial<CredentialRecord> = {}): CredentialRecord {
  const createdAt = overrides.createdAt ?? isoAt(0);
  return {
    id: uniqueId('credential'),
    ownerId: 'user-1',
    name: 'CRM production',
    type: 'crm/apiKey',
    secret: 'v1.key-2024.bm9uY2U.Y2lwaGVydGV4dA',
    keyId: 'key-2024',
    meta: { account: 'sales@example.com', scopes: ['leads.write'] },
    createdAt,
    updatedAt: createdAt,
    ...overrides,
  };
}

/** Returns a pending authorization of user `user-1` that expires 10 minutes after the base time. */
export function buildOAuthState(overrides: Partial<OAuthStateRecord> = {}): OAuthStateRecord {
  return {
    state: uniqueId('state'),
    userId: 'user-1',
    secret: 'v1.key-2024.bm9uY2U.dmVyaWZpZXI',
    keyId: 'key-2024',
    data: { credentialType: 'google/oauth2', name: 'My Gmail', redirectUri: 'http://127.0.0.1:3000/cb', scopes: ['mail'] },
    createdAt: isoAt(0),
    expiresAt: isoAt(10 * 60_000),
    ...overrides,
  };
}

/** Returns a top-up of 100 credits for user `user-1`, with unique id and idempotency key. */
export function buildLedgerEntry(overrides: Partial<LedgerEntry> = {}): LedgerEntry {
  const id = overrides.id ?? uniqueId('entry');
  return {
    id,
    userId: 'user-1',
    kind: 'topup',
    delta: 100,
    amount: 100,
    idempotencyKey: `key-of-${id}`,
    runId: null,
    taskId: null,
    reservationKey: null,
    reason: 'payment pay-1',
    actorId: null,
    createdAt: isoAt(0),
    ...overrides,
  };
}

/**
 * Returns a reserve of `amount` credits for a task of run `run-1`. Its idempotency key is the
 * reservation key that the capture or release settling it must name.
 */
export function buildReserve(amount: number, overrides: Partial<LedgerEntry> = {}): LedgerEntry {
  return buildLedgerEntry({
    kind: 'reserve',
    delta: -amount,
    amount,
    runId: 'run-1',
    taskId: 'task-1',
    reason: 'http/request@1',
    ...overrides,
  });
}

/** Asserts that `promise` rejects with InsufficientCreditsError and returns that error. */
export async function expectInsufficientCredits(promise: Promise<unknown>): Promise<InsufficientCreditsError> {
  const error: unknown = await promise.then(
    () => null,
    (rejection: unknown) => rejection,
  );
  expect(error).toBeInstanceOf(InsufficientCreditsError);
  expect((error as InsufficientCreditsError).code).toBe('CREDITS_INSUFFICIENT');
  return error as InsufficientCreditsError;
}

/** Asserts that `promise` rejects with StorageConflictError and returns that error. */
export async function expectConflict(promise: Promise<unknown>): Promise<StorageConflictError> {
  const error: unknown = await promise.then(
    () => null,
    (rejection: unknown) => rejection,
  );
  expect(error).toBeInstanceOf(StorageConflictError);
  expect((error as StorageConflictError).code).toBe('STORAGE_CONFLICT');
  return error as StorageConflictError;
}
