/**
 * Records and repositories of the host-side AI nodes: the result cache of `ai/chat` and the
 * conversation memory of `ai/agent` runs. Dates are ISO-8601 strings in UTC.
 */

/** One stored model result, found by the hash of the request that produced it. */
export interface AiCacheEntry {
  /** SHA-256 (hex) of the normalised request: provider, model, messages and options. */
  key: string;
  provider: string;
  model: string;
  /** The node output that the request produced. */
  result: unknown;
  /** Usage the provider reported for the original request. */
  usage: { inputTokens: number; outputTokens: number };
  createdAt: string;
  expiresAt: string;
}

/** Model results by request hash, each kept until its `expiresAt`. */
export interface AiCacheRepository {
  /** Returns the entry of `key` when it has not expired at `now`, or null. */
  get(key: string, now: string): Promise<AiCacheEntry | null>;
  /** Inserts or replaces the entry of `entry.key`. */
  put(entry: AiCacheEntry): Promise<void>;
  /** Deletes entries that expired before `now`; returns how many it deleted. */
  deleteExpired(now: string): Promise<number>;
}

/** The conversation of one agent node in one run. */
export interface AgentMemoryRecord {
  runId: string;
  nodeId: string;
  /** Chat messages as plain data, oldest first. */
  messages: unknown[];
  updatedAt: string;
}

/** Agent conversations, one per (run, node), kept so that a resumed run continues them. */
export interface AgentMemoryRepository {
  get(runId: string, nodeId: string): Promise<AgentMemoryRecord | null>;
  /** Inserts or replaces the conversation of `(record.runId, record.nodeId)`. */
  put(record: AgentMemoryRecord): Promise<void>;
}
