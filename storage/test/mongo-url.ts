/** Why the MongoDB suites are skipped when MONGO_URL is not set. */
export const MONGO_SKIP_REASON =
  'MONGO_URL is not set (set it to a replica set, such as mongodb://127.0.0.1:27017/?replicaSet=rs0, to run it)';

/** Returns MONGO_URL, or null when it is unset or empty. */
export function mongoTestUrl(): string | null {
  const url = process.env.MONGO_URL?.trim();
  return url === undefined || url === '' ? null : url;
}
