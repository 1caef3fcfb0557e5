/**
 * Page-size and offset rules shared by all adapters, so that the same query returns the same
 * page from SQLite and from MongoDB.
 */

/** Default and maximum page size of one list method. */
export interface LimitRule {
  default: number;
  /** Larger requested limits are lowered to this value. Absent means no maximum. */
  max?: number;
}

/** Page sizes of the list methods. */
export const LIMITS = {
  graphs: { default: 50 },
  runs: { default: 50, max: 500 },
  eventsByRun: { default: 1000 },
  deliveries: { default: 50 },
  users: { default: 50, max: 500 },
  ledger: { default: 50, max: 500 },
  openReservations: { default: 100, max: 1000 },
  /** `credentials.listNotEncryptedWith`, whose limit is required, so the default never applies. */
  credentialsToReencrypt: { default: 100, max: 1000 },
  artifactsByRun: { default: 100, max: 1000 },
  /** `artifacts.listExpired`, one batch of the retention sweep. */
  expiredArtifacts: { default: 100, max: 1000 },
} as const satisfies Record<string, LimitRule>;

/**
 * Returns the page size for a requested `limit`: the rule's default when absent, at most
 * `rule.max`. Throws RangeError for a limit that is not an integer of at least 1, because
 * adapters disagree on what 0 means (SQLite returns no rows, MongoDB returns all of them).
 */
export function resolveLimit(limit: number | undefined, rule: LimitRule): number {
  if (limit === undefined) {
    return rule.default;
  }
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`Invalid limit ${String(limit)}: expected an integer of at least 1.`);
  }
  return rule.max === undefined ? limit : Math.min(limit, rule.max);
}

/** Returns the number of rows to skip. Throws RangeError unless it is an integer of at least 0. */
export function resolveOffset(offset: number | undefined): number {
  if (offset === undefined) {
    return 0;
  }
  if (!Number.isInteger(offset) || offset < 0) {
    throw new RangeError(`Invalid offset ${String(offset)}: expected an integer of at least 0.`);
  }
  return offset;
}
