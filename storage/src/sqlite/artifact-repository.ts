import type Database from 'better-sqlite3';
import { LIMITS, resolveLimit, resolveOffset } from '../query-limits.js';
import type { ArtifactRecord, ArtifactRepository } from '../types.js';
import { translateConflict } from './conflict.js';

interface ArtifactRow {
  id: string;
  owner_id: string | null;
  run_id: string;
  task_id: string | null;
  node_id: string | null;
  plugin: string | null;
  model: string | null;
  prompt: string | null;
  name: string;
  content_type: string;
  size: number;
  sha256: string;
  storage_key: string;
  created_at: string;
  expires_at: string | null;
}

const ARTIFACT_COLUMNS =
  'id, owner_id, run_id, task_id, node_id, plugin, model, prompt, name, content_type, size, sha256, ' +
  'storage_key, created_at, expires_at';

function toArtifactRow(record: ArtifactRecord): ArtifactRow {
  return {
    id: record.id,
    owner_id: record.ownerId,
    run_id: record.runId,
    task_id: record.taskId,
    node_id: record.nodeId,
    plugin: record.plugin,
    model: record.model,
    prompt: record.prompt,
    name: record.name,
    content_type: record.contentType,
    size: record.size,
    sha256: record.sha256,
    storage_key: record.storageKey,
    created_at: record.createdAt,
    expires_at: record.expiresAt,
  };
}

function toArtifactRecord(row: ArtifactRow): ArtifactRecord {
  return {
    id: row.id,
    ownerId: row.owner_id,
    runId: row.run_id,
    taskId: row.task_id,
    nodeId: row.node_id,
    plugin: row.plugin,
    model: row.model,
    prompt: row.prompt,
    name: row.name,
    contentType: row.content_type,
    size: row.size,
    sha256: row.sha256,
    storageKey: row.storage_key,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

/** Artifact records in the `artifacts` table. */
export class SqliteArtifactRepository implements ArtifactRepository {
  private readonly insertRow: Database.Statement<[ArtifactRow]>;
  private readonly selectById: Database.Statement<[string], ArtifactRow>;
  private readonly selectByRun: Database.Statement<[string, number, number], ArtifactRow>;
  private readonly selectExpired: Database.Statement<[string, number], ArtifactRow>;
  private readonly deleteRow: Database.Statement<[string]>;

  constructor(db: Database.Database) {
    this.insertRow = db.prepare(
      `insert into artifacts (${ARTIFACT_COLUMNS})
       values (@id, @owner_id, @run_id, @task_id, @node_id, @plugin, @model, @prompt, @name, @content_type,
               @size, @sha256, @storage_key, @created_at, @expires_at)`,
    );
    this.selectById = db.prepare(`select ${ARTIFACT_COLUMNS} from artifacts where id = ?`);
    this.selectByRun = db.prepare(
      `select ${ARTIFACT_COLUMNS} from artifacts where run_id = ? order by created_at, id limit ? offset ?`,
    );
    this.selectExpired = db.prepare(
      `select ${ARTIFACT_COLUMNS} from artifacts
       where expires_at is not null and expires_at < ? order by expires_at, id limit ?`,
    );
    this.deleteRow = db.prepare('delete from artifacts where id = ?');
  }

  async create(record: ArtifactRecord): Promise<void> {
    translateConflict(`artifact "${record.id}"`, () => this.insertRow.run(toArtifactRow(record)));
  }

  async get(id: string): Promise<ArtifactRecord | null> {
    const row = this.selectById.get(id);
    return row === undefined ? null : toArtifactRecord(row);
  }

  async listByRun(runId: string, query: { limit?: number; offset?: number } = {}): Promise<ArtifactRecord[]> {
    const limit = resolveLimit(query.limit, LIMITS.artifactsByRun);
    const offset = resolveOffset(query.offset);
    return this.selectByRun.all(runId, limit, offset).map(toArtifactRecord);
  }

  async listExpired(before: string, limit?: number): Promise<ArtifactRecord[]> {
    const rows = this.selectExpired.all(before, resolveLimit(limit, LIMITS.expiredArtifacts));
    return rows.map(toArtifactRecord);
  }

  async delete(id: string): Promise<boolean> {
    return this.deleteRow.run(id).changes > 0;
  }
}
