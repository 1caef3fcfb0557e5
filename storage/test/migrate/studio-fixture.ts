import { join } from 'node:path';
import { createSqliteAgendaBackend, openSqliteStorage } from '../../src/index.js';
import type { Storage } from '../../src/types.js';
import {
  buildApiKey,
  buildArtifact,
  buildAttempt,
  buildCredential,
  buildDelivery,
  buildEvents,
  buildGraphDocument,
  buildLedgerEntry,
  buildOAuthState,
  buildPlugin,
  buildRefreshToken,
  buildReserve,
  buildRun,
  buildTask,
  buildUser,
  isoAt,
} from '../contract/index.js';

/** Fills a studio with one or more records of every table, through the SQLite repositories. */
export async function fillStudio(storage: Storage): Promise<void> {
  const owner = await storage.users.create(buildUser({ id: 'user-1', email: ' Ana@Example.com ' }));
  await storage.graphs.create('graph-1', buildGraphDocument({ name: 'Intake' }), { ownerId: owner.id });
  await storage.graphs.publish('graph-1', 1);
  await storage.graphs.saveDraft('graph-1', buildGraphDocument({ name: 'Intake v2' }));

  const run = buildRun({ id: 'run-1', ownerId: owner.id, input: { lead: 'Olá 🚀', nested: { $ref: '#/a.b' } } });
  await storage.runs.create(run, buildDelivery({ id: 'delivery-1', runId: 'run-1', eventId: 'evt-1' }));
  await storage.tasks.create(buildTask({ id: 'task-1', runId: 'run-1', output: { out: [1, null] } }));
  await storage.tasks.createAttempt(buildAttempt({ taskId: 'task-1', runId: 'run-1', error: { code: 'E', message: 'm' } }));
  await storage.events.append(buildEvents(3));

  await storage.plugins.install(buildPlugin('mailer', '1.2.0', { ownerId: owner.id }));
  await storage.refreshTokens.create(buildRefreshToken({ id: 'token-1', userId: owner.id }));
  await storage.apiKeys.create(buildApiKey({ id: 'key-1', userId: owner.id }));
  await storage.credentials.create(
    buildCredential({ id: 'cred-1', ownerId: owner.id, secret: 'v1.AAAA:bbbb:cccc==', meta: { scopes: ['a'] } }),
  );
  await storage.oauthStates.create(buildOAuthState({ state: 'state-1', userId: owner.id }));

  await storage.ledger.append(buildLedgerEntry({ userId: owner.id, kind: 'topup', delta: 100, amount: 100, idempotencyKey: 'top-1' }));
  await storage.ledger.append(buildReserve(10, { userId: owner.id, idempotencyKey: 'reserve-1', taskId: 'task-1' }));
  await storage.ledger.append(buildReserve(5, { userId: owner.id, idempotencyKey: 'reserve-2', taskId: 'task-1' }));
  await storage.ledger.append(
    buildLedgerEntry({ userId: owner.id, kind: 'capture', delta: 0, amount: 10, idempotencyKey: 'capture-1', reservationKey: 'reserve-1', taskId: 'task-1' }),
  );

  await storage.aiCache.put({
    key: 'hash-1',
    provider: 'openai',
    model: 'gpt-test',
    result: { text: 'hi' },
    usage: { inputTokens: 3, outputTokens: 1 },
    createdAt: isoAt(0),
    expiresAt: isoAt(60_000),
  });
  await storage.agentMemory.put({ runId: 'run-1', nodeId: 'agent', messages: [{ role: 'user', content: 'oi' }], updatedAt: isoAt(0) });
  await storage.artifacts.create(buildArtifact({ id: 'artifact-1', runId: 'run-1' }));
}

/** An embedded studio on disk: its open store and the paths of its two SQLite files. */
export interface FilledStudio {
  sqlite: Storage;
  studioPath: string;
  jobsPath: string;
}

/**
 * Creates `studio.db` in `directory` with the records of `fillStudio`, and `jobs.db` beside it
 * with one locked run job due at the base time.
 */
export async function createFilledStudio(directory: string): Promise<FilledStudio> {
  const studioPath = join(directory, 'studio.db');
  const jobsPath = join(directory, 'jobs.db');
  const sqlite = openSqliteStorage({ path: studioPath });
  await fillStudio(sqlite);

  const backend = createSqliteAgendaBackend({ path: jobsPath, notifications: false });
  await backend.connect();
  await backend.repository.saveJob(
    { name: 'run', type: 'normal', priority: 0, nextRunAt: new Date(isoAt(0)), lockedAt: new Date(isoAt(1)), data: { runId: 'run-1' } },
    { lastModifiedBy: 'test' },
  );
  await backend.disconnect();
  return { sqlite, studioPath, jobsPath };
}
