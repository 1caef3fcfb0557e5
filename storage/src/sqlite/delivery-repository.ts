import type Database from 'better-sqlite3';
import { LIMITS, resolveLimit } from '../query-limits.js';
import type { DeliveryRecord, DeliveryRepository } from '../types.js';
import { translateConflict } from './conflict.js';

interface DeliveryRow {
  id: string;
  graph_id: string;
  event_id: string | null;
  run_id: string;
  /** 1 for a test delivery, 0 otherwise. */
  test: number;
  method: string;
  headers: string;
  query: string;
  content_type: string | null;
  body: string;
  body_encoding: string;
  received_at: string;
}

const DELIVERY_COLUMNS =
  'id, graph_id, event_id, run_id, test, method, headers, query, content_type, body, body_encoding, ' +
  'received_at';

function toDeliveryRow(delivery: DeliveryRecord): DeliveryRow {
  return {
    id: delivery.id,
    graph_id: delivery.graphId,
    event_id: delivery.eventId,
    run_id: delivery.runId,
    test: delivery.test ? 1 : 0,
    method: delivery.method,
    headers: JSON.stringify(delivery.headers),
    query: JSON.stringify(delivery.query),
    content_type: delivery.contentType,
    body: delivery.body,
    body_encoding: delivery.bodyEncoding,
    received_at: delivery.receivedAt,
  };
}

function toDeliveryRecord(row: DeliveryRow): DeliveryRecord {
  return {
    id: row.id,
    graphId: row.graph_id,
    eventId: row.event_id,
    runId: row.run_id,
    test: row.test === 1,
    method: row.method,
    headers: JSON.parse(row.headers) as DeliveryRecord['headers'],
    query: JSON.parse(row.query) as DeliveryRecord['query'],
    contentType: row.content_type,
    body: row.body,
    bodyEncoding: row.body_encoding as DeliveryRecord['bodyEncoding'],
    receivedAt: row.received_at,
  };
}

/** Webhook deliveries in the `deliveries` table. `SqliteRunRepository.create` inserts them. */
export class SqliteDeliveryRepository implements DeliveryRepository {
  private readonly insertRow: Database.Statement<[DeliveryRow]>;
  private readonly selectById: Database.Statement<[string], DeliveryRow>;
  private readonly selectByEventId: Database.Statement<[string, number, string], DeliveryRow>;
  private readonly selectByGraph: Database.Statement<
    [{ graph_id: string; test: number | null; limit: number }],
    DeliveryRow
  >;

  constructor(db: Database.Database) {
    this.insertRow = db.prepare(
      `insert into deliveries (${DELIVERY_COLUMNS})
       values (@id, @graph_id, @event_id, @run_id, @test, @method, @headers, @query, @content_type,
               @body, @body_encoding, @received_at)`,
    );
    this.selectById = db.prepare(`select ${DELIVERY_COLUMNS} from deliveries where id = ?`);
    this.selectByEventId = db.prepare(
      `select ${DELIVERY_COLUMNS} from deliveries where graph_id = ? and test = ? and event_id = ?`,
    );
    this.selectByGraph = db.prepare(
      `select ${DELIVERY_COLUMNS} from deliveries
       where graph_id = @graph_id and (@test is null or test = @test)
       order by received_at desc, id desc
       limit @limit`,
    );
  }

  /**
   * Inserts a delivery. Throws StorageConflictError for a repeated id, or for an event id that
   * the graph already has. Callers run it inside the transaction that inserts the run.
   */
  insert(delivery: DeliveryRecord): void {
    const eventId = delivery.eventId === null ? 'no event id' : `event id "${delivery.eventId}"`;
    const subject = `delivery "${delivery.id}" (${eventId}, graph "${delivery.graphId}")`;
    translateConflict(subject, () => this.insertRow.run(toDeliveryRow(delivery)));
  }

  async get(id: string): Promise<DeliveryRecord | null> {
    const row = this.selectById.get(id);
    return row === undefined ? null : toDeliveryRecord(row);
  }

  async findByEventId(graphId: string, eventId: string, test = false): Promise<DeliveryRecord | null> {
    const row = this.selectByEventId.get(graphId, test ? 1 : 0, eventId);
    return row === undefined ? null : toDeliveryRecord(row);
  }

  /** Returns deliveries of a graph, newest `receivedAt` first. `test` keeps only test or only live ones. */
  async listByGraph(
    graphId: string,
    query: { limit?: number; test?: boolean } = {},
  ): Promise<DeliveryRecord[]> {
    let test: number | null = null;
    if (query.test !== undefined) {
      test = query.test ? 1 : 0;
    }
    const rows = this.selectByGraph.all({
      graph_id: graphId,
      test,
      limit: resolveLimit(query.limit, LIMITS.deliveries),
    });
    return rows.map(toDeliveryRecord);
  }
}
