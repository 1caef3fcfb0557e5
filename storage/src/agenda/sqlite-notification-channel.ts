import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { BaseNotificationChannel, toJobId, type JobNotification } from 'agenda';
import { StatementCache } from './statement-cache.js';

/** Default time between two reads of `agenda_notifications`, in ms. */
export const NOTIFICATION_POLL_INTERVAL_MS = 50;

/** Default age in ms after which a notification row is deleted. */
export const NOTIFICATION_RETENTION_MS = 60_000;

/** Minimum time between two deletions of old notification rows by one channel, in ms. */
const PRUNE_INTERVAL_MS = 1_000;

/** Maximum number of notification rows read by one poll. The next poll reads the rest. */
const POLL_BATCH_ROWS = 500;

/** Options of the SQLite notification channel. */
export interface SqliteNotificationOptions {
  /** Time between two reads of the notification table, in ms. Default 50. */
  pollIntervalMs?: number;
  /**
   * Age in ms after which a notification row is deleted. Default 60000. A process whose event
   * loop stalls for longer misses those notifications and finds the jobs on its next
   * `processEvery` scan instead.
   */
  retentionMs?: number;
}

interface NotificationRow {
  seq: number;
  channel_id: string;
  job_id: string;
  job_name: string;
  next_run_at: number | null;
  priority: number | null;
  source: string | null;
  created_at: number;
}

/**
 * Agenda notification channel over the job store's SQLite file. SQLite has no publish/subscribe
 * between processes, so `publish` delivers to this channel's own subscribers at once and also
 * appends a row to `agenda_notifications`. While the channel has subscribers, it reads the rows
 * that other channels appended since its last read, every `pollIntervalMs`, and delivers them.
 * A read is one primary-key range query, which finds nothing most of the time.
 *
 * Only job notifications cross processes. State notifications (`publishState`) are not
 * implemented, so Agenda emits job events such as `complete` only in the process that ran the
 * job.
 */
export class SqliteNotificationChannel extends BaseNotificationChannel {
  /** Identifies the rows this channel wrote, which its polls skip. */
  readonly channelId = randomUUID();
  readonly #getDb: () => Database.Database;
  readonly #pollIntervalMs: number;
  readonly #retentionMs: number;
  #timer: NodeJS.Timeout | null = null;
  /** seq of the last row read. null until the first read after polling starts. */
  #lastSeq: number | null = null;
  #lastPruneAt = 0;
  #failing = false;
  #statements: StatementCache | null = null;

  /** `getDb` returns the job store's open connection. */
  constructor(getDb: () => Database.Database, options: SqliteNotificationOptions = {}) {
    super({ channelName: 'agenda_notifications' });
    this.#getDb = getDb;
    this.#pollIntervalMs = options.pollIntervalMs ?? NOTIFICATION_POLL_INTERVAL_MS;
    this.#retentionMs = options.retentionMs ?? NOTIFICATION_RETENTION_MS;
  }

  async connect(): Promise<void> {
    this.clearReconnect();
    this.setState('connected');
    this.#updatePolling();
  }

  async disconnect(): Promise<void> {
    this.clearReconnect();
    this.handlers.clear();
    this.stateHandlers.clear();
    this.setState('disconnected');
    this.#updatePolling();
  }

  override subscribe(handler: Parameters<BaseNotificationChannel['subscribe']>[0]): () => void {
    const unsubscribe = super.subscribe(handler);
    this.#updatePolling();
    return () => {
      unsubscribe();
      this.#updatePolling();
    };
  }

  /** Appends the notification for other processes, then delivers it to this channel's handlers. */
  async publish(notification: JobNotification): Promise<void> {
    if (this.state !== 'connected') {
      throw new Error(
        `Cannot publish the notification of job ${notification.jobId}: ` +
          `the channel is ${this.state}. Connect it first.`,
      );
    }
    const statements = this.#statementsForDb();
    const now = Date.now();
    statements.prepare(
      `insert into agenda_notifications
         (channel_id, job_id, job_name, next_run_at, priority, source, created_at)
       values (?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      this.channelId,
      String(notification.jobId),
      notification.jobName,
      notification.nextRunAt === null ? null : new Date(notification.nextRunAt).getTime(),
      notification.priority ?? null,
      notification.source ?? null,
      now,
    );
    if (now - this.#lastPruneAt >= PRUNE_INTERVAL_MS) {
      this.#lastPruneAt = now;
      const prune = statements.prepare('delete from agenda_notifications where created_at < ?');
      prune.run(now - this.#retentionMs);
    }

    await this.notifyHandlers(notification);
  }

  /** Returns the statement cache of the job store's current connection, which may be reopened. */
  #statementsForDb(): StatementCache {
    const db = this.#getDb();
    if (this.#statements?.db !== db) {
      this.#statements = new StatementCache(db);
    }
    return this.#statements;
  }

  /** Polls while the channel is connected and has at least one subscriber. */
  #updatePolling(): void {
    const shouldPoll = this.state === 'connected' && this.handlers.size > 0;
    if (shouldPoll && this.#timer === null) {
      // Notifications published before the first subscriber are not replayed, so the first
      // read only records the last seq. Agenda's job processor scans for due jobs when it
      // starts, before it subscribes.
      this.#lastSeq = null;
      this.#poll();
      this.#timer = setInterval(() => this.#poll(), this.#pollIntervalMs);
      this.#timer.unref();
    } else if (!shouldPoll && this.#timer !== null) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }

  #poll(): void {
    let rows: NotificationRow[];
    try {
      const statements = this.#statementsForDb();
      if (this.#lastSeq === null) {
        const readLastSeq = statements.prepare('select max(seq) from agenda_notifications');
        this.#lastSeq = (readLastSeq.pluck().get() as number | null) ?? 0;
        this.#failing = false;
        return;
      }
      rows = statements
        .prepare(
          `select * from agenda_notifications where seq > ? order by seq limit ${POLL_BATCH_ROWS}`,
        )
        .all(this.#lastSeq) as NotificationRow[];
      this.#failing = false;
    } catch (error) {
      this.#reportPollFailure(error);
      return;
    }

    for (const row of rows) {
      this.#lastSeq = row.seq;
      if (row.channel_id !== this.channelId) {
        this.notifyHandlers(toNotification(row)).catch((error: unknown) => this.#report(error));
      }
    }
  }

  /** Reports the first failure of a run of failed polls. A later successful poll ends the run. */
  #reportPollFailure(error: unknown): void {
    if (this.#failing) {
      return;
    }
    this.#failing = true;
    this.#report(
      new Error('Reading agenda_notifications failed. Polling continues.', { cause: error }),
    );
  }

  /**
   * Emits `error` on the channel when someone listens, else a process warning, because an
   * 'error' event without a listener would throw inside the poll timer and end the process.
   */
  #report(error: unknown): void {
    const failure = error instanceof Error ? error : new Error(String(error));
    if (this.listenerCount('error') > 0) {
      this.emit('error', failure);
    } else {
      process.emitWarning(failure);
    }
  }
}

function toNotification(row: NotificationRow): JobNotification {
  return {
    jobId: toJobId(row.job_id),
    jobName: row.job_name,
    nextRunAt: row.next_run_at === null ? null : new Date(row.next_run_at),
    priority: row.priority ?? 0,
    timestamp: new Date(row.created_at),
    source: row.source ?? undefined,
  };
}
