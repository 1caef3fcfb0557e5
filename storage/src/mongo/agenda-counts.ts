import type { Db, Document } from 'mongodb';
import type { AgendaJobCounts } from '../agenda/job-counts.js';
import { AGENDA_JOBS_COLLECTION } from './agenda-backend.js';

/**
 * Builds the aggregation pipeline that counts the jobs of the `agendaJobs` collection by name:
 * queued (unlocked and due at `now`), running (locked) and the earliest due time of the queued
 * ones. Disabled jobs are left out, as in the SQLite store.
 *
 * Agenda leaves `lockedAt` unset or null on unlocked jobs, so the lock test goes through
 * `$ifNull`, which treats a missing field as null. The due test first checks for a date with
 * `$type`, because MongoDB's comparison order puts null before every date.
 */
export function agendaJobCountsPipeline(now: Date): Document[] {
  const locked = { $ne: [{ $ifNull: ['$lockedAt', null] }, null] };
  const due = {
    $and: [{ $not: [locked] }, { $eq: [{ $type: '$nextRunAt' }, 'date'] }, { $lte: ['$nextRunAt', now] }],
  };
  return [
    { $match: { disabled: { $ne: true } } },
    { $project: { _id: 0, name: 1, nextRunAt: 1, queued: due, running: locked } },
    {
      $group: {
        _id: '$name',
        queued: { $sum: { $cond: ['$queued', 1, 0] } },
        running: { $sum: { $cond: ['$running', 1, 0] } },
        // $min skips nulls, so a name without queued jobs gets null.
        oldestDueAt: { $min: { $cond: ['$queued', '$nextRunAt', null] } },
      },
    },
    { $project: { _id: 0, name: '$_id', queued: 1, running: 1, oldestDueAt: 1 } },
    { $sort: { name: 1 } },
  ];
}

/**
 * Counts the jobs of the `agendaJobs` collection of `database` by name at `now`, in one
 * aggregation.
 *
 * NOTE: the pipeline reads every job document, because no index of the collection starts with
 * the fields it tests. The collection contains a cron and a run-slot job per graph that uses
 * them, plus the run jobs not yet removed, so a scrape reads about that many documents.
 */
export async function countAgendaJobs(database: Db, now: Date): Promise<AgendaJobCounts[]> {
  const rows = await database.collection(AGENDA_JOBS_COLLECTION).aggregate(agendaJobCountsPipeline(now)).toArray();
  return rows.map((row) => ({
    name: String(row.name),
    queued: Number(row.queued),
    running: Number(row.running),
    oldestDueAt: row.oldestDueAt instanceof Date ? row.oldestDueAt : null,
  }));
}
