import type { GraphDocument } from '@gestorlead/sdk-plugin';
import type { Connection } from 'mongoose';
import { LIMITS, resolveLimit, resolveOffset } from '../query-limits.js';
import type { GraphListQuery, GraphRecord, GraphRepository, GraphVersionRecord } from '../types.js';
import { conflictError, isDuplicateKey } from './conflict.js';
import { inTransaction, type MongoModels } from './models.js';
import { escapeRegex } from './filters.js';
import { fromGraphDoc, fromGraphVersionDoc, toGraphDoc, type GraphVersionDoc } from './run-documents.js';

/** Graphs in `graphs` and their versions in `graphVersions`. */
export class MongoGraphRepository implements GraphRepository {
  readonly #connection: Connection;
  readonly #models: MongoModels;

  constructor(connection: Connection, models: MongoModels) {
    this.#connection = connection;
    this.#models = models;
  }

  async create(
    id: string,
    document: GraphDocument,
    options: { ownerId?: string | null } = {},
  ): Promise<{ graph: GraphRecord; version: GraphVersionRecord }> {
    const now = new Date().toISOString();
    const graph: GraphRecord = {
      id,
      ownerId: options.ownerId ?? null,
      name: document.name,
      description: document.description ?? null,
      latestVersion: 1,
      publishedVersion: null,
      createdAt: now,
      updatedAt: now,
    };
    const version: GraphVersionDoc = newVersion(id, 1, document, now);
    try {
      await inTransaction(this.#connection, async (session) => {
        await this.#models.graphs.insertMany([toGraphDoc(graph)], { session });
        await this.#models.graphVersions.insertMany([version], { session });
      });
    } catch (error) {
      if (isDuplicateKey(error)) throw conflictError(`graph "${id}"`, error);
      throw error;
    }
    return { graph, version: fromGraphVersionDoc(version) };
  }

  async get(id: string): Promise<GraphRecord | null> {
    const doc = await this.#models.graphs.findById(id).lean();
    return doc === null ? null : fromGraphDoc(doc);
  }

  async list(query: GraphListQuery = {}): Promise<GraphRecord[]> {
    const limit = resolveLimit(query.limit, LIMITS.graphs);
    const offset = resolveOffset(query.offset);
    const filter: Record<string, unknown> = {};
    if (query.ownerId !== undefined) filter.ownerId = query.ownerId;
    // NOTE: toLowerCase() is not full Unicode case folding, so `ß` does not match `SS`.
    if (query.search !== undefined && query.search !== '') {
      filter.nameLower = { $regex: escapeRegex(query.search.toLowerCase()) };
    }
    const docs = await this.#models.graphs.find(filter).sort({ updatedAt: -1, _id: -1 }).skip(offset).limit(limit).lean();
    return docs.map(fromGraphDoc);
  }

  async saveDraft(id: string, document: GraphDocument): Promise<GraphVersionRecord | null> {
    return inTransaction(this.#connection, async (session) => {
      const now = new Date().toISOString();
      // Writing the graph first makes concurrent saves of one graph conflict there, so the driver
      // retries the later one after the earlier commits, as SQLite's transactions run one at a time.
      const graph = await this.#models.graphs
        .findOneAndUpdate({ _id: id }, { $set: { updatedAt: now } }, { session })
        .lean();
      if (graph === null) return null;
      const latest = await this.#models.graphVersions
        .findOne({ graphId: id, version: graph.latestVersion })
        .session(session)
        .lean();

      let draft: GraphVersionDoc;
      if (latest !== null && latest.frozenAt === null) {
        draft = { ...stripId(latest), document: JSON.stringify(document), updatedAt: now };
        await this.#models.graphVersions.updateOne(
          { graphId: id, version: latest.version },
          { $set: { document: draft.document, updatedAt: now } },
          { session },
        );
      } else {
        draft = newVersion(id, graph.latestVersion + 1, document, now);
        await this.#models.graphVersions.insertMany([draft], { session });
      }

      const fields = {
        name: document.name,
        nameLower: document.name.toLowerCase(),
        description: document.description ?? null,
        latestVersion: draft.version,
        updatedAt: now,
      };
      await this.#models.graphs.updateOne({ _id: id }, { $set: fields }, { session });
      return fromGraphVersionDoc(draft);
    });
  }

  async getVersion(id: string, version: number): Promise<GraphVersionRecord | null> {
    const doc = await this.#models.graphVersions.findOne({ graphId: id, version }).lean();
    return doc === null ? null : fromGraphVersionDoc(doc);
  }

  async listVersions(id: string): Promise<GraphVersionRecord[]> {
    const docs = await this.#models.graphVersions.find({ graphId: id }).sort({ version: -1 }).lean();
    return docs.map(fromGraphVersionDoc);
  }

  async freeze(id: string, version: number): Promise<boolean> {
    const frozenAt = new Date().toISOString();
    const result = await this.#models.graphVersions.updateOne(
      { graphId: id, version, frozenAt: null },
      { $set: { frozenAt } },
    );
    if (result.matchedCount > 0) return true;
    return (await this.#models.graphVersions.exists({ graphId: id, version })) !== null;
  }

  async publish(id: string, version: number, publishedBy: string | null = null): Promise<GraphRecord | null> {
    return inTransaction(this.#connection, async (session) => {
      const stored = await this.#models.graphVersions.findOne({ graphId: id, version }).session(session).lean();
      if (stored === null) return null;
      const now = new Date().toISOString();
      await this.#models.graphVersions.updateOne(
        { graphId: id, version },
        { $set: { publishedAt: now, publishedBy, frozenAt: stored.frozenAt ?? now } },
        { session },
      );
      const graph = await this.#models.graphs
        .findOneAndUpdate({ _id: id }, { $set: { publishedVersion: version, updatedAt: now } }, { session, returnDocument: 'after' })
        .lean();
      return graph === null ? null : fromGraphDoc(graph);
    });
  }

  async delete(id: string): Promise<boolean> {
    return inTransaction(this.#connection, async (session) => {
      await this.#models.graphVersions.deleteMany({ graphId: id }, { session });
      const result = await this.#models.graphs.deleteOne({ _id: id }, { session });
      return result.deletedCount > 0;
    });
  }

  async count(query: { ownerId?: string } = {}): Promise<number> {
    const filter = query.ownerId === undefined ? {} : { ownerId: query.ownerId };
    return this.#models.graphs.countDocuments(filter);
  }

  /** Moves unowned graphs and all their runs to `ownerId`; `updatedAt` of the graphs stays. */
  async claimUnowned(ownerId: string): Promise<number> {
    return inTransaction(this.#connection, async (session) => {
      const unowned = await this.#models.graphs.find({ ownerId: null }, { _id: 1 }).session(session).lean();
      if (unowned.length === 0) return 0;
      const ids = unowned.map((graph) => graph._id);
      await this.#models.runs.updateMany({ graphId: { $in: ids } }, { $set: { ownerId } }, { session });
      const result = await this.#models.graphs.updateMany({ _id: { $in: ids }, ownerId: null }, { $set: { ownerId } }, { session });
      return result.modifiedCount;
    });
  }
}

function newVersion(graphId: string, version: number, document: GraphDocument, now: string): GraphVersionDoc {
  return {
    graphId,
    version,
    document: JSON.stringify(document),
    createdAt: now,
    updatedAt: now,
    publishedAt: null,
    publishedBy: null,
    frozenAt: null,
  };
}

function stripId(doc: GraphVersionDoc & { _id?: unknown }): GraphVersionDoc {
  const { _id: _ignored, ...fields } = doc;
  return fields;
}
