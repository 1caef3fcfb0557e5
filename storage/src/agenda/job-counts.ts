import type Database from 'better-sqlite3';

/** Jobs of one Agenda job name, counted the same way in the SQLite and MongoDB job stores. */
export interface AgendaJobCounts {
  name: string;
  /** Unlocked jobs whose `nextRunAt` has passed. */
  queued: number;
  /** Locked jobs, which a process is running. */
  running: number;
  /** The earliest `nextRunAt` of the queued jobs, or null when none is queued. */
  oldestDueAt: Date | null;
}

interface JobCountsRow {
  name: string;
  queued: number;
  running: number;
  oldest_due_at: number | null;
}

/**
 * Counts the jobs of the SQLite job store by name at `now`: queued (unlocked and due), running
 * (locked) and the earliest due time of the queued ones. Disabled jobs are left out, so a name
 * whose jobs are all disabled gets no row.
 */
export function countSqliteAgendaJobs(db: Database.Database, now: Date): AgendaJobCounts[] {
  const rows = db
    .prepare(
      `select name,
         count(*) filter (where locked_at is null and next_run_at <= @now) as queued,
         count(*) filter (where locked_at is not null) as running,
         min(next_run_at) filter (where locked_at is null and next_run_at <= @now) as oldest_due_at
       from agenda_jobs where disabled is not 1 group by name order by name`,
    )
    .all({ now: now.getTime() }) as JobCountsRow[];
  return rows.map((row) => ({
    name: row.name,
    queued: row.queued,
    running: row.running,
    oldestDueAt: row.oldest_due_at === null ? null : new Date(row.oldest_due_at),
  }));
}
