/**
 * Returns the `updatedAt` of a record that changes now: the current instant, or one millisecond
 * after `previous` when the clock has not passed it. Every change then gets a new `updatedAt`,
 * which compare-and-set updates on `updatedAt` depend on.
 */
export function nextUpdatedAt(previous: string): string {
  const now = Date.now();
  const previousMs = Date.parse(previous);
  if (Number.isNaN(previousMs) || now > previousMs) {
    return new Date(now).toISOString();
  }
  return new Date(previousMs + 1).toISOString();
}
