/**
 * The MongoDB documents of artifacts, AI results and agent conversations, and their conversion
 * to and from records. Model results and messages are JSON text, like the other JSON values.
 */
import type { AgentMemoryRecord, AiCacheEntry } from '../ai-types.js';
import type { ArtifactRecord } from '../types.js';

/** An artifact record with `id` stored as `_id`. */
export type ArtifactDoc = Omit<ArtifactRecord, 'id'> & { _id: string };

export interface AiCacheDoc {
  /** The request hash. */
  _id: string;
  provider: string;
  model: string;
  result: string;
  usage: string;
  createdAt: string;
  expiresAt: string;
}

export interface AgentMemoryDoc {
  runId: string;
  nodeId: string;
  messages: string;
  updatedAt: string;
}

export function toArtifactDoc(record: ArtifactRecord): ArtifactDoc {
  const { id, ...fields } = record;
  return { _id: id, ...fields };
}

export function fromArtifactDoc(doc: ArtifactDoc): ArtifactRecord {
  return {
    id: doc._id,
    ownerId: doc.ownerId,
    runId: doc.runId,
    taskId: doc.taskId,
    nodeId: doc.nodeId,
    plugin: doc.plugin,
    model: doc.model,
    prompt: doc.prompt,
    name: doc.name,
    contentType: doc.contentType,
    size: doc.size,
    sha256: doc.sha256,
    storageKey: doc.storageKey,
    createdAt: doc.createdAt,
    expiresAt: doc.expiresAt,
  };
}

export function toAiCacheDoc(entry: AiCacheEntry): AiCacheDoc {
  return {
    _id: entry.key,
    provider: entry.provider,
    model: entry.model,
    result: JSON.stringify(entry.result),
    usage: JSON.stringify(entry.usage),
    createdAt: entry.createdAt,
    expiresAt: entry.expiresAt,
  };
}

export function fromAiCacheDoc(doc: AiCacheDoc): AiCacheEntry {
  return {
    key: doc._id,
    provider: doc.provider,
    model: doc.model,
    result: JSON.parse(doc.result) as unknown,
    usage: JSON.parse(doc.usage) as AiCacheEntry['usage'],
    createdAt: doc.createdAt,
    expiresAt: doc.expiresAt,
  };
}

export function toAgentMemoryDoc(record: AgentMemoryRecord): AgentMemoryDoc {
  return {
    runId: record.runId,
    nodeId: record.nodeId,
    messages: JSON.stringify(record.messages),
    updatedAt: record.updatedAt,
  };
}

export function fromAgentMemoryDoc(doc: AgentMemoryDoc): AgentMemoryRecord {
  return {
    runId: doc.runId,
    nodeId: doc.nodeId,
    messages: JSON.parse(doc.messages) as unknown[],
    updatedAt: doc.updatedAt,
  };
}
