import type Database from 'better-sqlite3';
import type {
  AgentMemoryRecord,
  AgentMemoryRepository,
  AiCacheEntry,
  AiCacheRepository,
} from '../ai-types.js';

interface CacheRow {
  key: string;
  provider: string;
  model: string;
  result: string;
  usage: string;
  created_at: string;
  expires_at: string;
}

const CACHE_COLUMNS = 'key, provider, model, result, usage, created_at, expires_at';

/** Model results of `ai/chat` in the `ai_cache` table. */
export class SqliteAiCacheRepository implements AiCacheRepository {
  private readonly selectRow: Database.Statement<[string, string], CacheRow>;
  private readonly upsertRow: Database.Statement<[CacheRow]>;
  private readonly deleteRows: Database.Statement<[string]>;

  constructor(db: Database.Database) {
    this.selectRow = db.prepare(`select ${CACHE_COLUMNS} from ai_cache where key = ? and expires_at > ?`);
    this.upsertRow = db.prepare(
      `insert into ai_cache (${CACHE_COLUMNS})
       values (@key, @provider, @model, @result, @usage, @created_at, @expires_at)
       on conflict (key) do update set provider = excluded.provider, model = excluded.model,
         result = excluded.result, usage = excluded.usage, created_at = excluded.created_at,
         expires_at = excluded.expires_at`,
    );
    this.deleteRows = db.prepare('delete from ai_cache where expires_at <= ?');
  }

  async get(key: string, now: string): Promise<AiCacheEntry | null> {
    const row = this.selectRow.get(key, now);
    if (row === undefined) return null;
    return {
      key: row.key,
      provider: row.provider,
      model: row.model,
      result: JSON.parse(row.result) as unknown,
      usage: JSON.parse(row.usage) as AiCacheEntry['usage'],
      createdAt: row.created_at,
      expiresAt: row.expires_at,
    };
  }

  async put(entry: AiCacheEntry): Promise<void> {
    this.upsertRow.run({
      key: entry.key,
      provider: entry.provider,
      model: entry.model,
      result: JSON.stringify(entry.result),
      usage: JSON.stringify(entry.usage),
      created_at: entry.createdAt,
      expires_at: entry.expiresAt,
    });
  }

  async deleteExpired(now: string): Promise<number> {
    return this.deleteRows.run(now).changes;
  }
}

interface MemoryRow {
  run_id: string;
  node_id: string;
  messages: string;
  updated_at: string;
}

/** Agent conversations in the `agent_memory` table. */
export class SqliteAgentMemoryRepository implements AgentMemoryRepository {
  private readonly selectRow: Database.Statement<[string, string], MemoryRow>;
  private readonly upsertRow: Database.Statement<[MemoryRow]>;

  constructor(db: Database.Database) {
    this.selectRow = db.prepare(
      'select run_id, node_id, messages, updated_at from agent_memory where run_id = ? and node_id = ?',
    );
    this.upsertRow = db.prepare(
      `insert into agent_memory (run_id, node_id, messages, updated_at)
       values (@run_id, @node_id, @messages, @updated_at)
       on conflict (run_id, node_id) do update set messages = excluded.messages,
         updated_at = excluded.updated_at`,
    );
  }

  async get(runId: string, nodeId: string): Promise<AgentMemoryRecord | null> {
    const row = this.selectRow.get(runId, nodeId);
    if (row === undefined) return null;
    return {
      runId: row.run_id,
      nodeId: row.node_id,
      messages: JSON.parse(row.messages) as unknown[],
      updatedAt: row.updated_at,
    };
  }

  async put(record: AgentMemoryRecord): Promise<void> {
    this.upsertRow.run({
      run_id: record.runId,
      node_id: record.nodeId,
      messages: JSON.stringify(record.messages),
      updated_at: record.updatedAt,
    });
  }
}
