import type Database from 'better-sqlite3';
import type { GraphDocument } from '@gestorlead/sdk-plugin';
import { LIMITS, resolveLimit, resolveOffset } from '../query-limits.js';
import type { GraphListQuery, GraphRecord, GraphRepository, GraphVersionRecord } from '../types.js';
import { translateConflict } from './conflict.js';

interface GraphRow {
  id: string;
  owner_id: string | null;
  name: string;
  description: string | null;
  latest_version: number;
  published_version: number | null;
  created_at: string;
  updated_at: string;
}

interface GraphVersionRow {
  graph_id: string;
  version: number;
  document: string;
  created_at: string;
  updated_at: string;
  published_at: string | null;
  published_by: string | null;
  frozen_at: string | null;
}

/** Named parameters of a `graphs.list` query. A null filter matches every graph. */
interface GraphPageParameters {
  owner_id: string | null;
  search: string | null;
  limit: number;
  offset: number;
}

const GRAPH_COLUMNS =
  'id, owner_id, name, description, latest_version, published_version, created_at, updated_at';
const VERSION_COLUMNS = 'graph_id, version, document, created_at, updated_at, published_at, published_by, frozen_at';

function toGraphRecord(row: GraphRow): GraphRecord {
  return {
    id: row.id,
    ownerId: row.owner_id,
    name: row.name,
    description: row.description,
    latestVersion: row.latest_version,
    publishedVersion: row.published_version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toVersionRecord(row: GraphVersionRow): GraphVersionRecord {
  return {
    graphId: row.graph_id,
    version: row.version,
    document: JSON.parse(row.document) as GraphDocument,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    publishedAt: row.published_at,
    publishedBy: row.published_by,
    frozenAt: row.frozen_at,
  };
}

/** Graphs in the `graphs` table and their versions in `graph_versions`. */
export class SqliteGraphRepository implements GraphRepository {
  private readonly insertGraph: Database.Statement<[GraphRow & { name_lower: string }]>;
  private readonly selectGraph: Database.Statement<[string], GraphRow>;
  private readonly selectPage: Database.Statement<[GraphPageParameters], GraphRow>;
  private readonly selectOwnerPage: Database.Statement<[GraphPageParameters], GraphRow>;
  private readonly updateGraphDocumentFields: Database.Statement<
    [Omit<GraphRow, 'owner_id' | 'published_version' | 'created_at'> & { name_lower: string }]
  >;
  private readonly updatePublishedVersion: Database.Statement<
    [{ id: string; version: number; updated_at: string }]
  >;
  private readonly deleteGraphRow: Database.Statement<[string]>;
  private readonly countGraphs: Database.Statement<[], number>;
  private readonly countOwnerGraphs: Database.Statement<[string], number>;
  private readonly claimRuns: Database.Statement<[string]>;
  private readonly claimGraphs: Database.Statement<[string]>;
  private readonly insertVersion: Database.Statement<[GraphVersionRow]>;
  private readonly selectVersion: Database.Statement<[string, number], GraphVersionRow>;
  private readonly selectVersions: Database.Statement<[string], GraphVersionRow>;
  private readonly updateVersionDocument: Database.Statement<
    [{ graph_id: string; version: number; document: string; updated_at: string }]
  >;
  private readonly updateVersionPublishedAt: Database.Statement<
    [{ graph_id: string; version: number; published_at: string; published_by: string | null }]
  >;
  private readonly deleteVersions: Database.Statement<[string]>;
  private readonly freezeVersion: Database.Statement<[{ graph_id: string; version: number; frozen_at: string }]>;

  private readonly createTransaction: (
    id: string,
    document: GraphDocument,
    ownerId: string | null,
  ) => { graph: GraphRecord; version: GraphVersionRecord };
  private readonly saveDraftTransaction: (id: string, document: GraphDocument) => GraphVersionRecord | null;
  private readonly publishTransaction: (id: string, version: number, publishedBy: string | null) => GraphRecord | null;
  private readonly deleteTransaction: (id: string) => boolean;
  private readonly claimTransaction: (ownerId: string) => number;

  constructor(db: Database.Database) {
    this.insertGraph = db.prepare(
      `insert into graphs (${GRAPH_COLUMNS}, name_lower)
       values (@id, @owner_id, @name, @description, @latest_version, @published_version, @created_at,
               @updated_at, @name_lower)`,
    );
    this.selectGraph = db.prepare(`select ${GRAPH_COLUMNS} from graphs where id = ?`);
    // instr() matches the search text literally, so `%` and `_` in it are not wildcards.
    this.selectPage = db.prepare(
      `select ${GRAPH_COLUMNS} from graphs
       where @search is null or instr(name_lower, @search) > 0
       order by updated_at desc, id desc
       limit @limit offset @offset`,
    );
    // A separate statement, because `(@owner_id is null or owner_id = @owner_id)` would keep
    // SQLite from using the index on (owner_id, updated_at).
    this.selectOwnerPage = db.prepare(
      `select ${GRAPH_COLUMNS} from graphs
       where owner_id = @owner_id and (@search is null or instr(name_lower, @search) > 0)
       order by updated_at desc, id desc
       limit @limit offset @offset`,
    );
    this.updateGraphDocumentFields = db.prepare(
      `update graphs
       set name = @name, name_lower = @name_lower, description = @description,
           latest_version = @latest_version, updated_at = @updated_at
       where id = @id`,
    );
    this.updatePublishedVersion = db.prepare(
      'update graphs set published_version = @version, updated_at = @updated_at where id = @id',
    );
    this.deleteGraphRow = db.prepare('delete from graphs where id = ?');
    this.countGraphs = db.prepare<[], number>('select count(*) from graphs').pluck();
    this.countOwnerGraphs = db
      .prepare<[string], number>('select count(*) from graphs where owner_id = ?')
      .pluck();
    this.claimRuns = db.prepare(
      `update runs set owner_id = ?
       where graph_id in (select id from graphs where owner_id is null)`,
    );
    this.claimGraphs = db.prepare('update graphs set owner_id = ? where owner_id is null');
    this.insertVersion = db.prepare(
      `insert into graph_versions (${VERSION_COLUMNS})
       values (@graph_id, @version, @document, @created_at, @updated_at, @published_at, @published_by, @frozen_at)`,
    );
    this.selectVersion = db.prepare(
      `select ${VERSION_COLUMNS} from graph_versions where graph_id = ? and version = ?`,
    );
    this.selectVersions = db.prepare(
      `select ${VERSION_COLUMNS} from graph_versions where graph_id = ? order by version desc`,
    );
    this.updateVersionDocument = db.prepare(
      `update graph_versions set document = @document, updated_at = @updated_at
       where graph_id = @graph_id and version = @version`,
    );
    this.updateVersionPublishedAt = db.prepare(
      `update graph_versions set published_at = @published_at, published_by = @published_by,
       frozen_at = coalesce(frozen_at, @published_at)
       where graph_id = @graph_id and version = @version`,
    );
    this.freezeVersion = db.prepare(
      `update graph_versions set frozen_at = @frozen_at
       where graph_id = @graph_id and version = @version and frozen_at is null`,
    );
    this.deleteVersions = db.prepare('delete from graph_versions where graph_id = ?');

    this.createTransaction = db.transaction((id: string, document: GraphDocument, ownerId: string | null) =>
      this.insertNew(id, document, ownerId),
    );
    this.saveDraftTransaction = db.transaction((id: string, document: GraphDocument) =>
      this.storeDraft(id, document),
    );
    this.publishTransaction = db.transaction((id: string, version: number, publishedBy: string | null) =>
      this.markPublished(id, version, publishedBy),
    );
    this.deleteTransaction = db.transaction((id: string) => {
      this.deleteVersions.run(id);
      return this.deleteGraphRow.run(id).changes > 0;
    });
    // The runs move first, while their graphs still have a null owner.
    this.claimTransaction = db.transaction((ownerId: string) => {
      this.claimRuns.run(ownerId);
      return this.claimGraphs.run(ownerId).changes;
    });
  }

  async create(
    id: string,
    document: GraphDocument,
    options: { ownerId?: string | null } = {},
  ): Promise<{ graph: GraphRecord; version: GraphVersionRecord }> {
    const ownerId = options.ownerId ?? null;
    return translateConflict(`graph "${id}"`, () => this.createTransaction(id, document, ownerId));
  }

  async get(id: string): Promise<GraphRecord | null> {
    const row = this.selectGraph.get(id);
    return row === undefined ? null : toGraphRecord(row);
  }

  async list(query: GraphListQuery = {}): Promise<GraphRecord[]> {
    // NOTE: toLowerCase() is not full Unicode case folding, so `ß` does not match `SS`.
    const search = query.search === undefined || query.search === '' ? null : query.search.toLowerCase();
    const parameters: GraphPageParameters = {
      owner_id: query.ownerId ?? null,
      search,
      limit: resolveLimit(query.limit, LIMITS.graphs),
      offset: resolveOffset(query.offset),
    };
    const statement = parameters.owner_id === null ? this.selectPage : this.selectOwnerPage;
    return statement.all(parameters).map(toGraphRecord);
  }

  async saveDraft(id: string, document: GraphDocument): Promise<GraphVersionRecord | null> {
    return this.saveDraftTransaction(id, document);
  }

  async getVersion(id: string, version: number): Promise<GraphVersionRecord | null> {
    const row = this.selectVersion.get(id, version);
    return row === undefined ? null : toVersionRecord(row);
  }

  async listVersions(id: string): Promise<GraphVersionRecord[]> {
    return this.selectVersions.all(id).map(toVersionRecord);
  }

  async freeze(id: string, version: number): Promise<boolean> {
    const changed = this.freezeVersion.run({ graph_id: id, version, frozen_at: new Date().toISOString() }).changes;
    return changed > 0 || this.selectVersion.get(id, version) !== undefined;
  }

  async publish(id: string, version: number, publishedBy: string | null = null): Promise<GraphRecord | null> {
    return this.publishTransaction(id, version, publishedBy);
  }

  async delete(id: string): Promise<boolean> {
    return this.deleteTransaction(id);
  }

  async count(query: { ownerId?: string } = {}): Promise<number> {
    if (query.ownerId === undefined) {
      return this.countGraphs.get()!;
    }
    return this.countOwnerGraphs.get(query.ownerId)!;
  }

  /** Moves unowned graphs and all their runs to `ownerId`; `updatedAt` of the graphs stays. */
  async claimUnowned(ownerId: string): Promise<number> {
    return this.claimTransaction(ownerId);
  }

  private insertNew(
    id: string,
    document: GraphDocument,
    ownerId: string | null,
  ): { graph: GraphRecord; version: GraphVersionRecord } {
    const now = new Date().toISOString();
    const graphRow: GraphRow = {
      id,
      owner_id: ownerId,
      name: document.name,
      description: document.description ?? null,
      latest_version: 1,
      published_version: null,
      created_at: now,
      updated_at: now,
    };
    this.insertGraph.run({ ...graphRow, name_lower: document.name.toLowerCase() });
    const versionRow: GraphVersionRow = {
      graph_id: id,
      version: 1,
      document: JSON.stringify(document),
      created_at: now,
      updated_at: now,
      published_at: null,
      published_by: null,
      frozen_at: null,
    };
    this.insertVersion.run(versionRow);
    return { graph: toGraphRecord(graphRow), version: toVersionRecord(versionRow) };
  }

  private storeDraft(id: string, document: GraphDocument): GraphVersionRecord | null {
    const graph = this.selectGraph.get(id);
    if (graph === undefined) {
      return null;
    }
    const now = new Date().toISOString();
    const latest = this.selectVersion.get(id, graph.latest_version)!;
    const text = JSON.stringify(document);

    let draftVersion: number;
    if (latest.frozen_at === null) {
      draftVersion = latest.version;
      this.updateVersionDocument.run({ graph_id: id, version: draftVersion, document: text, updated_at: now });
    } else {
      draftVersion = latest.version + 1;
      this.insertVersion.run({
        graph_id: id,
        version: draftVersion,
        document: text,
        created_at: now,
        updated_at: now,
        published_at: null,
        published_by: null,
        frozen_at: null,
      });
    }

    this.updateGraphDocumentFields.run({
      id,
      name: document.name,
      name_lower: document.name.toLowerCase(),
      description: document.description ?? null,
      latest_version: draftVersion,
      updated_at: now,
    });
    return toVersionRecord(this.selectVersion.get(id, draftVersion)!);
  }

  private markPublished(id: string, version: number, publishedBy: string | null): GraphRecord | null {
    if (this.selectVersion.get(id, version) === undefined) {
      return null;
    }
    const now = new Date().toISOString();
    this.updateVersionPublishedAt.run({ graph_id: id, version, published_at: now, published_by: publishedBy });
    this.updatePublishedVersion.run({ id, version, updated_at: now });
    return toGraphRecord(this.selectGraph.get(id)!);
  }
}
