/**
 * Rate-limit counters that every process of a studio shares, for @fastify/rate-limit's `store`
 * option. The counting is rate-limiter-flexible's: `RateLimiterRedis` when `REDIS_URL` is set,
 * else `RateLimiterSQLite` on `DATA_DIR/rate-limits.db`, a file that every process on the same
 * data folder opens. Both count a fixed window from a key's first request, as the plugin's
 * in-memory store does.
 */
import path from 'node:path';
import type { FastifyRateLimitStore } from '@fastify/rate-limit';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RateLimiterRedis, RateLimiterSQLite, type RateLimiterAbstract, type RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimitStoreClass } from './rate-limits.js';

/** Name of the SQLite file of the counters in DATA_DIR. */
export const RATE_LIMIT_DB_FILE = 'rate-limits.db';
/** Table of the counters in that file. */
const RATE_LIMIT_TABLE = 'rate_limits';
/** Points of every limiter: the plugin compares the count with each route's `max` itself. */
const UNLIMITED_POINTS = Number.MAX_SAFE_INTEGER;
/** Age past its window after which a counter row is deleted, in ms. */
const EXPIRED_ROW_AGE_MS = 3_600_000;
/** Time between two deletions of expired counter rows, in ms. */
const SWEEP_INTERVAL_MS = 300_000;
/** Time a process waits for another's write lock on the counters file, in ms. */
const SQLITE_BUSY_TIMEOUT_MS = 5_000;

/** Location of the counters: a Redis server, or a SQLite file. */
export type SharedRateLimitTarget = { redisUrl: string } | { sqlitePath: string };

type StoreCallback = (error: Error | null, result?: { current: number; ttl: number }) => void;

/** The counters of one process, and the store class that @fastify/rate-limit instantiates over them. */
export class SharedRateLimits {
  readonly kind: 'redis' | 'sqlite';
  readonly #limiters = new Map<number, RateLimiterAbstract>();
  readonly #createLimiter: (windowMs: number) => RateLimiterAbstract;
  readonly #close: () => Promise<void>;

  constructor(target: SharedRateLimitTarget, log: Logger) {
    const rateLimitLog = log.child({ component: 'rate-limits' });
    if ('redisUrl' in target) {
      this.kind = 'redis';
      const client = new Redis(target.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 });
      client.on('error', (error: Error) => rateLimitLog.warn({ err: error }, 'rate-limit Redis connection failed'));
      this.#createLimiter = (windowMs) =>
        new RateLimiterRedis({ storeClient: client, keyPrefix: `gestorlead:rl:${windowMs}`, points: UNLIMITED_POINTS, duration: windowMs / 1000 });
      this.#close = async () => {
        await client.quit().catch(() => client.disconnect());
      };
      return;
    }
    this.kind = 'sqlite';
    const db = new Database(target.sqlitePath, { timeout: SQLITE_BUSY_TIMEOUT_MS });
    db.pragma('journal_mode = WAL');
    // RateLimiterSQLite creates its table asynchronously after its constructor returns, so a
    // request in the same tick would fail. The table is created here first, with the library's
    // own definition (rate-limiter-flexible 11.4.0, lib/RateLimiterSQLite.js).
    db.exec(`create table if not exists ${RATE_LIMIT_TABLE} (key text primary key, points integer not null default 0, expire integer)`);
    const deleteExpired = db.prepare(`delete from ${RATE_LIMIT_TABLE} where expire < ?`);
    const sweep = (): void => {
      try {
        deleteExpired.run(Date.now() - EXPIRED_ROW_AGE_MS);
      } catch (error) {
        rateLimitLog.warn({ err: error }, 'deleting expired rate-limit counters failed');
      }
    };
    sweep();
    const sweeper = setInterval(sweep, SWEEP_INTERVAL_MS);
    sweeper.unref();
    this.#createLimiter = (windowMs) =>
      new RateLimiterSQLite({
        storeClient: db,
        storeType: 'better-sqlite3',
        tableName: RATE_LIMIT_TABLE,
        tableCreated: true,
        keyPrefix: `rl${windowMs}`,
        points: UNLIMITED_POINTS,
        duration: windowMs / 1000,
      });
    this.#close = async () => {
      clearInterval(sweeper);
      db.close();
    };
  }

  /** Adds one request to `key` in a window of `windowMs` and returns the count and the time left. */
  async increment(key: string, windowMs: number): Promise<{ current: number; ttl: number }> {
    const result = await this.#limiter(windowMs).penalty(key, 1);
    return toState(result);
  }

  /** Returns the count of `key` and the time left of its window, without counting a request. */
  async read(key: string, windowMs: number): Promise<{ current: number; ttl: number }> {
    const result = await this.#limiter(windowMs).get(key);
    return result === null ? { current: 0, ttl: 0 } : toState(result);
  }

  /** Returns a store class for @fastify/rate-limit over these counters. */
  storeClass(): RateLimitStoreClass {
    // The plugin builds the store with `new` and gets route stores through `child`, so the
    // class closes over this instance.
    const limits = this;
    class SharedStore implements FastifyRateLimitStore {
      incr(key: string, callback: StoreCallback, timeWindow: number): void {
        limits.increment(key, timeWindow).then((state) => callback(null, state), (error: Error) => callback(error));
      }

      read(key: string, callback: StoreCallback, timeWindow: number): void {
        limits.read(key, timeWindow).then((state) => callback(null, state), (error: Error) => callback(error));
      }

      child(): FastifyRateLimitStore {
        return new SharedStore();
      }
    }
    return SharedStore as unknown as RateLimitStoreClass;
  }

  /** Closes the Redis connection or the SQLite file. */
  close(): Promise<void> {
    return this.#close();
  }

  #limiter(windowMs: number): RateLimiterAbstract {
    let limiter = this.#limiters.get(windowMs);
    if (limiter === undefined) {
      limiter = this.#createLimiter(windowMs);
      this.#limiters.set(windowMs, limiter);
    }
    return limiter;
  }
}

function toState(result: RateLimiterRes): { current: number; ttl: number } {
  return { current: result.consumedPoints, ttl: Math.max(0, result.msBeforeNext) };
}

/** Returns the counters of a studio: on Redis when `redisUrl` is set, else in `dataDir`. */
export function openSharedRateLimits(settings: { redisUrl: string | null; dataDir: string }, log: Logger): SharedRateLimits {
  const target = settings.redisUrl !== null ? { redisUrl: settings.redisUrl } : { sqlitePath: path.join(settings.dataDir, RATE_LIMIT_DB_FILE) };
  return new SharedRateLimits(target, log);
}
