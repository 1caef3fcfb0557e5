import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyStudio, checkSourceSchemas, readDocuments, type CopySources } from '../../src/migrate/copy-studio.js';
import { TABLE_MAPPINGS, agendaJobObjectId, type TableMapping } from '../../src/migrate/table-mappings.js';
import { fromCredentialDoc, fromLedgerDoc, fromUserDoc, type CreditBalanceDoc, type LedgerDoc } from '../../src/mongo/account-documents.js';
import * as accounts from '../../src/mongo/account-documents.js';
import { createModels, type MongoModels } from '../../src/mongo/models.js';
import * as outputs from '../../src/mongo/output-documents.js';
import * as runDocs from '../../src/mongo/run-documents.js';
import type { Storage } from '../../src/types.js';
import { isoAt } from '../contract/index.js';
import { createFilledStudio } from './studio-fixture.js';

function mappingOf(table: string): TableMapping {
  return TABLE_MAPPINGS.find((mapping) => mapping.table === table)!;
}

describe('studio copy to MongoDB documents', () => {
  let directory: string;
  let sources: CopySources;
  let sqlite: Storage;
  let models: MongoModels;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'gestorlead-migrate-'));
    const studio = await createFilledStudio(directory);
    sqlite = studio.sqlite;

    sources = {
      studio: new Database(studio.studioPath, { readonly: true }),
      jobs: new Database(studio.jobsPath, { readonly: true }),
    };
    models = createModels(mongoose.createConnection());
  });

  afterAll(async () => {
    sources.studio.close();
    sources.jobs?.close();
    await sqlite.close();
    rmSync(directory, { recursive: true, force: true });
  });

  function documentsOf(table: string): object[] {
    return [...readDocuments(sources, mappingOf(table), 2)].flat();
  }

  it('documents read back as the SQLite records', async () => {
    const [graph] = documentsOf('graphs') as runDocs.GraphDoc[];
    const versions = documentsOf('graph_versions') as runDocs.GraphVersionDoc[];
    const [run] = documentsOf('runs') as runDocs.RunDoc[];
    const [task] = documentsOf('tasks') as runDocs.TaskDoc[];
    const [attempt] = documentsOf('task_attempts') as runDocs.AttemptDoc[];
    const events = documentsOf('run_events') as runDocs.RunEventDoc[];
    const [delivery] = documentsOf('deliveries') as runDocs.DeliveryDoc[];
    const [plugin] = documentsOf('plugins') as runDocs.PluginDoc[];

    expect(runDocs.fromGraphDoc(graph)).toEqual(await sqlite.graphs.get('graph-1'));
    expect(versions.map(runDocs.fromGraphVersionDoc).reverse()).toEqual(await sqlite.graphs.listVersions('graph-1'));
    expect(runDocs.fromRunDoc(run)).toEqual(await sqlite.runs.get('run-1'));
    expect(runDocs.fromTaskDoc(task)).toEqual(await sqlite.tasks.get('task-1'));
    expect([runDocs.fromAttemptDoc(attempt)]).toEqual(await sqlite.tasks.listAttempts('task-1'));
    expect(events.map(runDocs.fromRunEventDoc)).toEqual(await sqlite.events.listByRun('run-1'));
    expect(runDocs.fromDeliveryDoc(delivery)).toEqual(await sqlite.deliveries.get('delivery-1'));
    expect(runDocs.fromPluginDoc(plugin)).toEqual(await sqlite.plugins.get('mailer', '1.2.0'));
  });

  it('account documents read back as the SQLite records', async () => {
    const [user] = documentsOf('users') as accounts.UserDoc[];
    const [token] = documentsOf('refresh_tokens') as accounts.RefreshTokenDoc[];
    const [key] = documentsOf('api_keys') as accounts.ApiKeyDoc[];
    const [state] = documentsOf('oauth_states') as accounts.OAuthStateDoc[];

    expect(fromUserDoc(user)).toEqual(await sqlite.users.get('user-1'));
    expect(user.fullNameLower).toBe(user.fullName.toLowerCase());
    expect(accounts.fromRefreshTokenDoc(token)).toEqual(await sqlite.refreshTokens.findByHash(token.tokenHash));
    expect(accounts.fromApiKeyDoc(key)).toEqual(await sqlite.apiKeys.findByHash(key.keyHash));
    expect(accounts.fromOAuthStateDoc(state)).toEqual(await sqlite.oauthStates.take('state-1', isoAt(0)));
  });

  it('credential envelope is copied byte for byte', async () => {
    const [credential] = documentsOf('credentials') as accounts.CredentialDoc[];

    expect(credential.secret).toBe('v1.AAAA:bbbb:cccc==');
    expect(fromCredentialDoc(credential)).toEqual(await sqlite.credentials.get('cred-1'));
  });

  it('ledger keeps append order and open reserves', async () => {
    const entries = documentsOf('ledger_entries') as LedgerDoc[];
    const [balance] = documentsOf('credit_balances') as CreditBalanceDoc[];

    expect(entries.map((entry) => entry.seq)).toEqual([1, 2, 3, 4]);
    expect(entries.map((entry) => entry.openReserve)).toEqual([false, false, true, false]);
    expect(entries[1].settledAt).toBe(entries[3].createdAt);
    const byId = (a: { id: string }, b: { id: string }): number => (a.id < b.id ? -1 : 1);
    expect(entries.map(fromLedgerDoc).sort(byId)).toEqual((await sqlite.ledger.list('user-1')).sort(byId));
    expect(balance).toMatchObject({ _id: 'user-1', balance: 85, entries: 4 });
  });

  it('AI and artifact documents read back as the SQLite records', async () => {
    const [cache] = documentsOf('ai_cache') as outputs.AiCacheDoc[];
    const [memory] = documentsOf('agent_memory') as outputs.AgentMemoryDoc[];
    const [artifact] = documentsOf('artifacts') as outputs.ArtifactDoc[];

    expect(outputs.fromAiCacheDoc(cache)).toEqual(await sqlite.aiCache.get('hash-1', isoAt(0)));
    expect(outputs.fromAgentMemoryDoc(memory)).toEqual(await sqlite.agentMemory.get('run-1', 'agent'));
    expect(outputs.fromArtifactDoc(artifact)).toEqual(await sqlite.artifacts.get('artifact-1'));
  });

  it('agenda job gets a stable ObjectId and no lock', () => {
    const [job] = documentsOf('agenda_jobs') as Array<Record<string, unknown>>;
    const sqliteId = (sources.jobs!.prepare('select id from agenda_jobs').get() as { id: string }).id;

    expect(job._id).toEqual(agendaJobObjectId(sqliteId));
    expect(String(agendaJobObjectId(sqliteId))).toBe(String(agendaJobObjectId(sqliteId)));
    expect(job.lockedAt).toBeNull();
    expect(job.nextRunAt).toEqual(new Date(isoAt(0)));
    expect(job.data).toEqual({ runId: 'run-1' });
    expect(job.name).toBe('run');
  });

  it('every studio document passes its schema', async () => {
    const byCollection = new Map(Object.values(models).map((model) => [model.collection.collectionName, model]));
    for (const mapping of TABLE_MAPPINGS.filter((candidate) => candidate.database === 'studio')) {
      const model = byCollection.get(mapping.collection)!;
      for (const document of documentsOf(mapping.table)) {
        await expect(new model(document).validate(), mapping.table).resolves.toBeUndefined();
      }
    }
  });

  it('schema rejects unknown run status', async () => {
    const [run] = documentsOf('runs') as runDocs.RunDoc[];

    await expect(new models.runs({ ...run, status: 'paused' }).validate()).rejects.toThrow(/status/);
  });

  it('readDocuments pages through every row', () => {
    const batches = [...readDocuments(sources, mappingOf('run_events'), 2)];

    expect(batches.map((batch) => batch.length)).toEqual([2, 1]);
  });

  it('dry run counts every table', async () => {
    const reports = await copyStudio(sources, null, { batchSize: 100 });
    const counts = Object.fromEntries(reports.map((report) => [report.table, report.rows]));

    expect(counts).toMatchObject({ graphs: 1, graph_versions: 2, runs: 1, run_events: 3, ledger_entries: 4, agenda_jobs: 1 });
    expect(reports.every((report) => report.found === null && report.written === 0)).toBe(true);
    expect(reports.map((report) => report.table)).toEqual(TABLE_MAPPINGS.map((mapping) => mapping.table));
  });

  it('dry run without job store counts no jobs', async () => {
    const reports = await copyStudio({ studio: sources.studio, jobs: null }, null, { batchSize: 100 });

    expect(reports.find((report) => report.table === 'agenda_jobs')?.rows).toBe(0);
  });

  it('older studio schema is rejected', () => {
    const old = new Database(':memory:');
    old.exec('create table schema_migrations (version integer primary key, name text, applied_at text)');
    old.exec("insert into schema_migrations values (1, 'create-tables', '2024-01-01')");

    expect(() => checkSourceSchemas({ studio: old, jobs: null })).toThrow(/schema version 1.*npm start/);
    old.close();
  });
});
