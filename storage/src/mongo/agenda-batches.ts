import { toJobId, type JobParameters } from 'agenda';
import { ObjectId, type Collection, type Db, type Document } from 'mongodb';
import type {
  ClaimDueJobsOptions,
  ClaimedJob,
  JobBatchRepository,
  JobRelease,
} from '../agenda/claim-jobs.js';
import { AGENDA_JOBS_COLLECTION } from './agenda-backend.js';

/**
 * Batch claims and releases on the `agendaJobs` collection, the MongoDB counterpart of the
 * SQLite job store's `JobBatchRepository`. The claim is not one transaction. It locks with one
 * conditional `updateMany`, which MongoDB applies to each document atomically, so two processes
 * that claim at once never lock the same job. The claim marks its locks with a token of its own
 * in `lastModifiedBy`, reads back the jobs carrying it, and then writes the process name there.
 *
 * NOTE: this code has not run against a MongoDB server here; the contract suite for it runs
 * only when MONGO_URL is set.
 */
export class MongoJobBatches implements JobBatchRepository {
  readonly #collection: Collection;

  constructor(database: Db) {
    this.#collection = database.collection(AGENDA_JOBS_COLLECTION);
  }

  async claimDueJobs(options: ClaimDueJobsOptions): Promise<ClaimedJob[]> {
    const claimable = {
      name: options.name,
      disabled: { $ne: true },
      nextRunAt: { $lte: options.dueBy ?? options.now },
      $or: [{ lockedAt: null }, { lockedAt: { $lte: options.lockDeadline } }],
    };
    const due = await this.#collection
      .find(claimable, { projection: { _id: 1, lockedAt: 1 } })
      .sort({ nextRunAt: 1, priority: -1 })
      .limit(options.limit)
      .toArray();
    if (due.length === 0) return [];

    // The token keeps the read-back exact when another process claims in the same millisecond.
    const lockedBy = `${options.lockedBy} ${new ObjectId().toHexString()}`;
    await this.#collection.updateMany(
      { ...claimable, _id: { $in: due.map((doc) => doc._id) } },
      { $set: { lockedAt: options.now, lastModifiedBy: lockedBy } },
    );
    const locked = await this.#collection.find({ lockedAt: options.now, lastModifiedBy: lockedBy }).toArray();
    const expiredLocks = new Map(due.map((doc) => [String(doc._id), (doc.lockedAt as Date | null) ?? null]));
    await this.#collection.updateMany(
      { _id: { $in: locked.map((doc) => doc._id) }, lastModifiedBy: lockedBy },
      { $set: { lastModifiedBy: options.lockedBy } },
    );
    return locked.map((doc) => ({
      job: toJobParameters({ ...doc, lastModifiedBy: options.lockedBy }),
      expiredLockAt: expiredLocks.get(String(doc._id)) ?? null,
    }));
  }

  async stillClaimed(ids: readonly string[], lockedAt: Date): Promise<string[]> {
    const filter = { _id: { $in: ids.map((id) => new ObjectId(id)) }, lockedAt, disabled: { $ne: true } };
    const docs = await this.#collection.find(filter, { projection: { _id: 1 } }).toArray();
    return docs.map((doc) => (doc._id as ObjectId).toHexString());
  }

  async nextRunTime(name: string): Promise<Date | null> {
    const doc = await this.#collection.findOne(
      { name, disabled: { $ne: true }, lockedAt: null, nextRunAt: { $ne: null } },
      { projection: { nextRunAt: 1 }, sort: { nextRunAt: 1 } },
    );
    return (doc?.nextRunAt as Date | undefined) ?? null;
  }

  async releaseJobs(releases: readonly JobRelease[], lockedBy: string): Promise<number> {
    if (releases.length === 0) return 0;
    const operations = releases.map((item) => ({
      updateOne: {
        filter: { _id: new ObjectId(item.id), lockedAt: item.lockedAt },
        update: {
          $set: {
            data: item.data,
            nextRunAt: item.nextRunAt,
            ...(item.lastRunAt ? { lastRunAt: item.lastRunAt, lastFinishedAt: item.lastRunAt } : {}),
            lastModifiedBy: lockedBy,
          },
          $unset: { lockedAt: true },
        },
      },
    }));
    const result = await this.#collection.bulkWrite(operations, { ordered: false });
    return result.modifiedCount;
  }
}

/** Converts a stored job document to Agenda's JobParameters, as @agendajs/mongo-backend does. */
function toJobParameters(doc: Document): JobParameters {
  const { _id, ...fields } = doc;
  const job: Record<string, unknown> = { _id: toJobId((_id as ObjectId).toHexString()) };
  for (const [key, value] of Object.entries(fields)) {
    if (value !== null && value !== undefined) job[key] = value;
  }
  job.nextRunAt ??= null;
  job.data ??= null;
  return job as unknown as JobParameters;
}
